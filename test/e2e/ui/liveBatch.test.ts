// The editor's batch path: Run Live Sweep on a run above promptBudget.live.batchThreshold offers the
// OpenAI Batch API with both prices, submits once to a loopback Files/Batches server, keeps polling
// after a window reload, and imports the finished batch into the traces `prompt-budget run` writes;
// the panel marks the arm row and draws it as a diamond.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { loadSharedRows, startMockServer, type MockServer } from '../../support/openaiMockServer';
import { forwardingEngine, startBatchServer, type BatchServer } from '../../support/openaiBatchServer';
import { openFile, openWorkbench, pickQuickItem, repoRoot, runCommand, screenshot, startCodeServer, webviewFrame, widenSidebar, type CodeServer, type Workbench } from '../harness';
import { TEST_SETTINGS, VSIX } from './workspace';

const N = 12;

async function toast(page: Page, match: RegExp, timeout = 60_000): Promise<string> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const texts = (await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts()).map((t) => t.trim());
    const hit = texts.find((t) => match.test(t));
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no notification matching ${match}; saw ${JSON.stringify(texts)}`);
    await page.waitForTimeout(200);
  }
}

describe('Prompt Budget live sweep through the Batch API (UI)', function () {
  this.timeout(300_000);
  let chat: MockServer;
  let api: BatchServer;
  let ws: string;
  let cs: CodeServer;
  let wb: Workbench;
  let page: Page;

  before(async () => {
    const rows = loadSharedRows('gsm8k_faithfulcot_gpt4_cot.jsonl', N);
    chat = await startMockServer({ rows, effortCaps: { low: 24 } });
    api = await startBatchServer(forwardingEngine(chat.baseUrl));
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-live-batch-'));
    fs.writeFileSync(path.join(ws, 'testset.jsonl'), rows.map((r) => `${JSON.stringify({ id: r.id, question: r.question, answer: r.answer })}\n`).join(''));
    const config = {
      testSets: ['testset.jsonl'],
      cutoffs: [32, 64, 128],
      extract: 'last-number',
      match: 'numeric',
      // A high input price, so the offer's prompt tokens show in its prices.
      prices: { inputPer1M: 100, outputPer1M: 10 },
      live: { baseUrl: api.baseUrl, model: 'mock-model', maxTokens: 1024, arms: [{ name: 'low', body: { reasoning_effort: 'low' } }] },
    };
    fs.writeFileSync(path.join(ws, 'promptbudget.json'), `${JSON.stringify(config, null, 2)}\n`);
    cs = await startCodeServer({ workspace: ws, vsix: VSIX, settings: { ...TEST_SETTINGS, 'promptBudget.live.batchThreshold': 20, 'promptBudget.live.batchPollSeconds': 5 } });
    wb = await openWorkbench(cs, { viewport: { width: 1600, height: 1000 } });
    page = wb.page;
  });

  after(async () => {
    await wb?.close();
    await cs?.stop();
    await chat?.stop();
    await api?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('offers the batch with both prices, submits once, resumes after a reload and imports what run writes', async () => {
    // In progress for the first 3 polls: the reload happens while the batch runs.
    api.scenarios.push({ polls: 3 });
    await openFile(page, 'testset.jsonl', 120_000);
    await runCommand(page, 'Prompt Budget: Run Live Sweep').catch(() => undefined);
    const title = page.locator('.quick-input-widget .quick-input-title');
    await title.filter({ hasText: 'requests' }).waitFor({ timeout: 30_000 });
    // 12 cases × (default + arm low) = 24 requests at up to 1,024 tokens and $10 per 1M ($0.2458), plus their 1,594
    // prompt tokens (o200k, OpenAI's per-message overhead) at $100 per 1M ($0.1594): $0.41, half in a batch.
    assert.equal((await title.innerText()).trim(), 'Prompt Budget: 24 requests: up to $0.41 streamed, up to $0.20 through the OpenAI Batch API (half price, results within 24 h)');
    await screenshot(page, 'live-batch-01-offer');
    await pickQuickItem(page, 'OpenAI Batch API');
    await toast(page, /^Prompt Budget: testset\.jsonl is in the Batch API as batch_\d+: validating/);
    assert.equal(api.log.filter((l) => l.path === '/v1/files').length, 1);
    assert.equal(chat.requests.length, 0, 'nothing was streamed');

    await page.reload();
    // The extension activates on startup (onStartupFinished) and checks the pending batch again.
    await page.locator('.activitybar .action-item a[aria-label^="Prompt Budget"]').waitFor({ timeout: 120_000 });
    const done = await toast(page, /the Batch API run of testset\.jsonl is batch_\d+: completed, 24\/24 done/, 120_000);
    assert.ok(done);
    await page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'Batch API run of testset.jsonl' }).locator('.monaco-button').filter({ hasText: 'Import and Sweep' }).click();

    await page.locator('.activitybar .action-item a[aria-label^="Prompt Budget"]').click();
    const panel = webviewFrame(page);
    await panel.locator('table.sweep tbody tr[data-policy="arm:low"]').waitFor({ timeout: 120_000 });
    assert.equal(api.log.filter((l) => l.path === '/v1/files').length, 1, 'submitted once');
    assert.equal(api.log.filter((l) => l.path === '/v1/batches' && l.method === 'POST').length, 1);
    assert.equal((await panel.locator('tr[data-policy="arm:low"] .arm-badge').innerText()).trim(), 'arm');
    assert.equal(await panel.locator('.chart-svg g.point.arm[data-policy="arm:low"] polygon').count(), 1);
    await widenSidebar(page, 760);
    await page.waitForTimeout(800);
    await screenshot(page, 'live-batch-02-panel');

    const cliOut = path.join(os.tmpdir(), `pb-live-batch-cli-${process.pid}.jsonl`);
    try {
      // Not execFileSync: the loopback servers run in this process and must keep answering.
      await promisify(execFile)(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'run', 'testset.jsonl', '--config', 'promptbudget.json', '--base-url', chat.baseUrl, '--no-cache', '--out', cliOut], { cwd: ws });
      assert.equal(fs.readFileSync(path.join(ws, 'testset.traces.jsonl'), 'utf8'), fs.readFileSync(cliOut, 'utf8'));
    } finally {
      fs.rmSync(cliOut, { force: true });
    }
  });
});
