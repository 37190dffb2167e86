// Live mode from the editor: the packaged extension in code-server runs a test set against a real
// OpenAI-compatible server on loopback (test/support/openaiMockServer, replaying recorded GSM8K
// traces), asks before sending the key to a URL the workspace set, cancels and resumes from the
// cache, and fills the panel with exactly what the CLI computes from the traces it wrote.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import type { SweepResult } from '../../../src/core/types';
import { countChat, type ChatMessage } from '../../../src/core/chatTemplate';
import { promptDrift } from '../../../src/core/live/promptDrift';
import { countTokens, getTokenizer } from '../../../src/core/tokens';
import { promptDriftCaseText, promptDriftSummary } from '../../../src/webview/promptDrift';
import { loadSharedRows, startMockServer, type MockRow, type MockServer } from '../../support/openaiMockServer';
import { openFile, openWorkbench, repoRoot, screenshot, startCodeServer, webviewFrame, widenSidebar, type CodeServer, type Workbench } from '../harness';
import { expectedCells, TEST_SETTINGS, VSIX } from './workspace';

const KEY = 'sk-live-e2e-7f3a9c41d2b84e6f';
const N = 12;
const HELD = 3;
const prices = { inputPer1M: 2.5, outputPer1M: 10 };

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}

function filesContaining(dir: string, needle: string): string[] {
  return filesUnder(dir).filter((f) => {
    try {
      return fs.readFileSync(f).includes(needle);
    } catch {
      return false;
    }
  });
}

function cliSweep(dir: string, testSet: string): SweepResult {
  const out = execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'sweep', testSet, '--config', 'promptbudget.json', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
  return JSON.parse(out) as SweepResult;
}

/** Runs a palette command without waiting for the quick input to close (the command may open its own). */
async function paletteCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // A quick input still closing after the previous Enter must not pass for an open palette.
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
  if (!(await input.isVisible().catch(() => false))) {
    // With the focus in an editor: from an empty editor area the palette lists no extension commands.
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('F1');
  }
  await input.fill(`>${title}`);
  try {
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first().waitFor({ timeout: 15_000 });
  } catch (e) {
    await screenshot(page, 'live-failed-palette');
    throw e;
  }
  await page.keyboard.press('Enter');
}

function dialog(page: Page) {
  return page.locator('.monaco-dialog-box');
}

async function notificationTexts(page: Page): Promise<string[]> {
  return (await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts()).map((t) => t.trim());
}

async function waitForNotification(page: Page, match: RegExp, timeout = 30_000): Promise<string> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const hit = (await notificationTexts(page)).find((t) => match.test(t));
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no notification matching ${match}; saw ${JSON.stringify(await notificationTexts(page))}`);
    await page.waitForTimeout(100);
  }
}

async function until(what: string, check: () => boolean, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Prompt Budget live mode in code-server (UI)', function () {
  this.timeout(300_000);
  let rows: MockRow[];
  let mock: MockServer;
  let ws: string;
  /** The same cases with their recorded outputs, outside the workspace. */
  let recorded: string;
  let cs: CodeServer;
  let wb: Workbench;
  let page: Page;
  let panel: FrameLocator;
  const chat = (): MockServer['requests'] => mock.requests.filter((r) => r.path === '/v1/chat/completions');

  before(async () => {
    assert.ok(fs.existsSync(VSIX), `${VSIX} is missing: run npm run package first`);
    rows = loadSharedRows('gsm8k_faithfulcot_gpt4_cot.jsonl', N);
    const held = new Set(rows.slice(HELD).map((r) => r.id));
    // The first HELD cases answer at once; the rest hang until the test lets them through.
    mock = await startMockServer({ rows, apiKey: KEY, fault: (req) => (req.row && held.has(req.row.id) ? { kind: 'delay', ms: 120_000 } : undefined) });
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-live-'));
    recorded = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pb-live-recorded-')), 'recorded.jsonl');
    fs.writeFileSync(recorded, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    // The test set has no outputs: the live run produces them.
    fs.writeFileSync(path.join(ws, 'testset.jsonl'), rows.map((r) => `${JSON.stringify({ id: r.id, question: r.question, answer: r.answer })}\n`).join(''));
    const config = {
      testSets: ['testset.jsonl'],
      cutoffs: [16, 32, 64, 96, 128, 192],
      policies: ['stability:16x2', 'marker:0'],
      extract: 'last-number',
      match: 'numeric',
      margin: 5,
      prices,
      // Planted by the "repository": the key may go there only after the user agrees.
      live: { baseUrl: mock.baseUrl, model: 'mock-model', maxTokens: 1024, concurrency: 4 },
    };
    fs.writeFileSync(path.join(ws, 'promptbudget.json'), `${JSON.stringify(config, null, 2)}\n`);
    cs = await startCodeServer({ workspace: ws, vsix: VSIX, settings: { ...TEST_SETTINGS } });
    wb = await openWorkbench(cs, { viewport: { width: 1600, height: 1000 } });
    page = wb.page;
  });

  after(async () => {
    await wb?.close();
    await cs?.stop();
    await mock?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
    if (recorded) fs.rmSync(path.dirname(recorded), { recursive: true, force: true });
  });

  it('stores the API key from a masked input box', async () => {
    await openFile(page, 'testset.jsonl', 120_000);
    await paletteCommand(page, 'Prompt Budget: Set API Key');
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget .quick-input-title').filter({ hasText: 'API key' }).waitFor({ timeout: 15_000 });
    assert.equal(await input.getAttribute('type'), 'password');
    await input.fill(KEY);
    await page.keyboard.press('Enter');
    await waitForNotification(page, /API key saved/);
  });

  it('asks before sending the key to a base URL from promptbudget.json, and sends nothing when refused', async () => {
    await paletteCommand(page, 'Prompt Budget: Run Live Sweep');
    await dialog(page).waitFor({ timeout: 30_000 });
    const text = (await dialog(page).innerText()).replace(/\s+/g, ' ');
    assert.ok(text.includes(`Send your API key to ${mock.baseUrl}?`), text);
    assert.match(text, /comes from promptbudget\.json/);
    await screenshot(page, 'live-01-consent');
    await dialog(page).locator('.monaco-button').filter({ hasText: 'Cancel' }).click();
    await dialog(page).waitFor({ state: 'hidden', timeout: 10_000 });
    await page.waitForTimeout(500);
    assert.equal(mock.requests.length, 0, 'nothing reached the server');
    assert.ok(!fs.existsSync(path.join(ws, 'testset.traces.jsonl')));
  });

  it('shows progress in the notification and the panel, and cancel closes the streams in flight', async () => {
    await paletteCommand(page, 'Prompt Budget: Run Live Sweep');
    await dialog(page).waitFor({ timeout: 30_000 });
    await dialog(page).locator('.monaco-button').filter({ hasText: 'Send Key to This URL' }).click();
    await until(`${HELD} finished and the rest in flight`, () => chat().filter((r) => r.completed).length === HELD && chat().length === HELD + 4);
    await waitForNotification(page, new RegExp(`^Prompt Budget: live run of testset\\.jsonl: ${HELD}/${N} cases · [\\d,]+ tokens · est\\. \\$0\\.\\d+$`));
    await page.locator('.activitybar .action-item a[aria-label^="Prompt Budget"]').click();
    panel = webviewFrame(page);
    const line = panel.locator('[data-testid="live-progress"]');
    await line.filter({ hasText: `${HELD}/${N} cases` }).waitFor({ timeout: 30_000 }).catch(async (e: unknown) => {
      await screenshot(page, 'live-failed-progress');
      throw e;
    });
    assert.match((await line.innerText()).trim(), new RegExp(`^Live run \\(mock-model at ${mock.baseUrl.replace(/[.]/g, '\\.')}\\): ${HELD}/${N} cases · [\\d,]+ tokens · est\\. \\$0\\.\\d+$`));
    await screenshot(page, 'live-02-progress');

    const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'live run of testset.jsonl' });
    await toast.locator('.monaco-button').filter({ hasText: 'Cancel' }).first().click();
    const said = await waitForNotification(page, /live run cancelled after/, 5000);
    // Cancel cuts the streams in flight: the four held requests end without a complete response.
    await until('the in-flight streams closed by the client', () => chat().filter((r) => r.aborted).length === 4);
    assert.equal(chat().filter((r) => r.completed).length, HELD);
    assert.match(said, new RegExp(`cancelled after ${HELD} of ${N} cases`));
    await line.filter({ hasText: 'Live run cancelled' }).waitFor({ timeout: 10_000 });
    assert.ok(!fs.existsSync(path.join(ws, 'testset.traces.jsonl')), 'a cancelled run writes no traces');
  });

  it('resumes from the cache, writes the traces and fills the panel with the CLI’s numbers', async () => {
    const before = chat().length;
    mock.setFault(undefined);
    await paletteCommand(page, 'Prompt Budget: Run Live Sweep');
    // Approved once: no second question.
    await panel.locator('table.sweep tbody tr').first().waitFor({ timeout: 120_000 });
    assert.equal(await dialog(page).count(), 0);
    const resumed = chat().slice(before);
    assert.equal(resumed.length, N - HELD, 'only the missing cases were sent again');
    const first = new Set(rows.slice(0, HELD).map((r) => r.id));
    assert.ok(resumed.every((r) => r.row && !first.has(r.row.id)));
    assert.ok(mock.requests.length > 0 && mock.requests.every((r) => r.authorization === `Bearer ${KEY}`), 'every request carried the key');

    // The traces file: each original row plus the replayed output, which equals the recorded one.
    const traced = fs
      .readFileSync(path.join(ws, 'testset.traces.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      traced.map((t) => [t.id, t.question, t.answer, t.output, t.finishReason]),
      rows.map((r) => [r.id, r.question, r.answer, r.output, 'stop']),
    );

    await widenSidebar(page, 760);
    const cli = cliSweep(ws, 'testset.traces.jsonl');
    const offline = cliSweep(ws, recorded);
    assert.deepEqual(cli.rows, offline.rows, 'the traced file sweeps exactly like the recorded data');
    const rec = cli.recommendation?.policy;
    const want = cli.rows.map((row) => expectedCells(row, rec, 0, prices, cli.cases));
    const got: string[][] = [];
    for (const row of cli.rows) got.push((await panel.locator(`table.sweep tbody tr[data-policy="${row.policy}"] td`).allInnerTexts()).map((t) => t.trim()));
    assert.equal(await panel.locator('table.sweep tbody tr').count(), cli.rows.length);
    assert.deepEqual(got, want);
    assert.equal((await panel.locator('.summary h2').innerText()).trim(), 'testset.traces.jsonl');
    const line = (await panel.locator('[data-testid="live-progress"]').innerText()).trim();
    assert.match(line, new RegExp(`^Live run finished \\(mock-model at .*\\): ${N}/${N} cases · [\\d,]+ tokens · est\\. \\$0\\.\\d+ · ${HELD} from cache$`));

    // Prompt-token drift: the local count (messages with OpenAI's per-message overhead) against the
    // mock's usage.prompt_tokens (the contents alone), case by case from the requests it received.
    const tok = getTokenizer('o200k_base');
    const sent = new Map<string, ChatMessage[]>();
    for (const r of chat()) if (r.row && !sent.has(r.row.id)) sent.set(r.row.id, r.body.messages as ChatMessage[]);
    const drift = promptDrift(
      rows.map((row) => {
        const messages = sent.get(row.id) ?? [];
        return { id: row.id, localPromptTokens: countChat(tok, messages).promptTokens, usage: { promptTokens: countTokens(tok, messages.map((m) => m.content).join('\n')).count } };
      }),
      'o200k_base',
    );
    assert.ok(drift && drift.differing > 0, 'the mock leaves out the per-message overhead');
    assert.equal((await panel.locator('[data-testid="prompt-drift-summary"]').innerText()).trim(), promptDriftSummary(drift));
    assert.deepEqual(
      (await panel.locator('[data-testid="prompt-drift"] li button').allInnerTexts()).map((t) => t.trim()),
      drift.worst.map(promptDriftCaseText),
    );
    await page.waitForTimeout(800);
    await screenshot(page, 'live-03-panel');
    // A drift case opens its line in the traced test set.
    await panel.locator('[data-testid="prompt-drift"] li button').first().click();
    await page.locator('.tab.active').filter({ hasText: 'testset.traces.jsonl' }).waitFor({ timeout: 15_000 });
  });

  it('shares the cache with `prompt-budget run`, which writes the same traces without a request', () => {
    const before = mock.requests.length;
    const out = path.join(path.dirname(recorded), 'cli.traces.jsonl');
    execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'run', 'testset.jsonl', '--config', 'promptbudget.json', '--out', out], {
      cwd: ws,
      env: { ...process.env, PROMPT_BUDGET_API_KEY: KEY },
      stdio: 'pipe',
    });
    assert.equal(mock.requests.length, before, 'every response came from the editor’s cache');
    assert.equal(fs.readFileSync(out, 'utf8'), fs.readFileSync(path.join(ws, 'testset.traces.jsonl'), 'utf8'));
  });

  it('keeps the key out of every file: workspace, cache, logs and settings', async () => {
    const cache = path.join(ws, '.prompt-budget-cache');
    assert.ok(filesUnder(cache).filter((f) => f.endsWith('.json')).length >= N, 'the run cached its responses in the workspace');
    assert.equal(fs.readFileSync(path.join(cache, '.gitignore'), 'utf8').trim().split('\n').pop(), '*');
    assert.deepEqual(filesContaining(ws, KEY), []);
    const logs = filesUnder(cs.userDataDir).filter((f) => /Prompt Budget\.log$/.test(f));
    assert.ok(logs.length > 0, 'found the extension log');
    assert.match(logs.map((f) => fs.readFileSync(f, 'utf8')).join('\n'), /live run testset\.jsonl: wrote testset\.traces\.jsonl: 12 trace\(s\)/);
    assert.deepEqual(filesContaining(cs.userDataDir, KEY), []);
  });
});

describe('Prompt Budget live mode in Restricted Mode (UI)', function () {
  this.timeout(300_000);
  let mock: MockServer;
  let ws: string;
  let cs: CodeServer;
  let wb: Workbench;
  let page: Page;

  before(async () => {
    const rows = loadSharedRows('gsm8k_faithfulcot_gpt4_cot.jsonl', 2);
    mock = await startMockServer({ rows });
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-live-restricted-'));
    fs.writeFileSync(path.join(ws, 'testset.jsonl'), rows.map((r) => `${JSON.stringify({ id: r.id, question: r.question, answer: r.answer })}\n`).join(''));
    fs.writeFileSync(path.join(ws, 'promptbudget.json'), JSON.stringify({ testSets: ['testset.jsonl'], live: { baseUrl: mock.baseUrl, model: 'mock-model' } }));
    cs = await startCodeServer({
      workspace: ws,
      vsix: VSIX,
      trustWorkspace: false,
      // No trust prompt: the folder simply opens in Restricted Mode. The user's own URL is set too.
      settings: { 'security.workspace.trust.startupPrompt': 'never', 'promptBudget.live.baseUrl': mock.baseUrl, 'promptBudget.live.model': 'mock-model' },
    });
    wb = await openWorkbench(cs, { viewport: { width: 1400, height: 900 } });
    page = wb.page;
  });

  after(async () => {
    await wb?.close();
    await cs?.stop();
    await mock?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('refuses to run, offers to manage trust, and sends nothing', async () => {
    await openFile(page, 'testset.jsonl', 120_000);
    await paletteCommand(page, 'Prompt Budget: Run Live Sweep');
    const said = await waitForNotification(page, /no network requests in Restricted Mode/);
    assert.match(said, /Trust this workspace to run live sweeps/);
    const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'Restricted Mode' });
    assert.equal(await toast.locator('.monaco-button').filter({ hasText: 'Manage Workspace Trust' }).count(), 1);
    await screenshot(page, 'live-04-restricted');
    await page.waitForTimeout(1000);
    assert.equal(mock.requests.length, 0);
    const log = filesUnder(cs.userDataDir).filter((f) => /Prompt Budget\.log$/.test(f)).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    assert.match(log, /Restricted Mode: counting only/);
  });
});
