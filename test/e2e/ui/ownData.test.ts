// A new user's first minutes with their own data: a folder holding only a real test set (copied at
// test time from ../shared/data, never into the repository) and a prompt file.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { policyName, THINKING_DYNAMIC_POLICIES } from '../../../src/core/policies';
import { thinkingSplit } from '../../../src/core/report';
import type { SweepResult } from '../../../src/core/types';
import { formatEm } from '../../../src/shared/format';
import { codeLensTitles, openFile, openWorkbench, pickQuickItem, repoRoot, runCommand, screenshot, startCodeServer, webviewFrame, widenSidebar, type CodeServer, type Workbench } from '../harness';
import { TEST_SETTINGS, VSIX } from './workspace';

const DATA_FILE = path.resolve(repoRoot, '../shared/data/math_thoughtanchors_r1distill_think.jsonl');

function cliSweep(dir: string, args: string[]): SweepResult {
  const out = execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'sweep', 'data/traces.jsonl', '--format', 'json', ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out) as SweepResult;
}

async function waitForFile(file: string, timeout: number): Promise<string> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, 'utf8');
      if (text.trim()) return text;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${file} was not written within ${timeout} ms`);
}

/** Errors and warnings in the status bar's problems item, once `until` holds (or the last seen after 30 s). */
async function problemCounts(page: Page, until: (c: { errors: number; warnings: number }) => boolean): Promise<{ errors: number; warnings: number }> {
  const item = page.locator('[id="status.problems"]');
  const deadline = Date.now() + 30_000;
  let last = { errors: -1, warnings: -1 };
  while (Date.now() < deadline) {
    const nums = ((await item.innerText().catch(() => '')).match(/\d+/g) ?? []).map(Number);
    if (nums.length >= 2) {
      last = { errors: nums[0] as number, warnings: nums[1] as number };
      if (until(last)) return last;
    }
    await page.waitForTimeout(250);
  }
  return last;
}

describe('Your own data in code-server (UI)', function () {
  this.timeout(600_000);
  let dir: string;
  let cs: CodeServer;
  let wb: Workbench;
  let page: Page;
  let panel: FrameLocator;

  before(async function () {
    if (!fs.existsSync(DATA_FILE)) this.skip();
    assert.ok(fs.existsSync(VSIX), `${VSIX} is missing: run npm run package first`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-own-'));
    fs.mkdirSync(path.join(dir, 'data'));
    fs.mkdirSync(path.join(dir, 'prompts'));
    fs.copyFileSync(DATA_FILE, path.join(dir, 'data', 'traces.jsonl'));
    fs.writeFileSync(path.join(dir, 'prompts', 'solve.prompt.md'), '# Solve\n\nSolve the problem step by step and put the final answer in \\boxed{}.\n');
    cs = await startCodeServer({ workspace: dir, vsix: VSIX, settings: { ...TEST_SETTINGS } });
    wb = await openWorkbench(cs, { viewport: { width: 1600, height: 1000 } });
    page = wb.page;
  });

  after(async () => {
    await wb?.close();
    await cs?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('Create Starter Config writes the files it found and the settings detected from the data', async () => {
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    await page.waitForTimeout(10_000);
    // Under load the palette can open before the extension's commands are listed: try twice.
    await runCommand(page, 'Prompt Budget: Create Starter Config', 30_000).catch(async () => {
      await page.keyboard.press('Escape');
      await runCommand(page, 'Prompt Budget: Create Starter Config', 60_000);
    });
    const text = await waitForFile(path.join(dir, 'promptbudget.json'), 60_000);
    const config = JSON.parse(text) as { testSets: string[]; prompt: string; extract: unknown; match: unknown; cutoffs: number[]; policies: string[] };
    assert.deepEqual(config.testSets, ['data/traces.jsonl']);
    assert.equal(config.prompt, 'prompts/solve.prompt.md');
    assert.deepEqual([config.extract, config.match], ['boxed', 'math']);
    const full = cliSweep(dir, ['--policies', 'full']);
    const p95 = full.rows[0]!.p95Tokens;
    assert.ok(config.cutoffs.length >= 3 && Math.max(...config.cutoffs) <= p95 * 1.05, `cutoffs ${config.cutoffs.join(', ')} for a p95 of ${p95}`);
    // All 40 traces think: the starter writes the thinking ladder and policies, not stability:16x2 and friends.
    assert.deepEqual(config.cutoffs, [256, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144]);
    assert.deepEqual(config.policies, THINKING_DYNAMIC_POLICIES.map(policyName));
    await page.waitForTimeout(1500);
    await screenshot(page, 'own-01-starter-config');
  });

  it('Run Sweep with no edits gives the baseline the CLI gives', async () => {
    const bare = cliSweep(dir, []);
    const configured = cliSweep(dir, ['--config', 'promptbudget.json']);
    assert.equal(bare.baseline.correct, 20, 'the data README: 20 of 40 with the last \\boxed{} after </think>');
    assert.equal(configured.baseline.correct, bare.baseline.correct);
    assert.deepEqual(bare.detected && [bare.detected.extract, bare.detected.match], [{ preset: 'boxed' }, { preset: 'math' }]);

    await runCommand(page, 'Prompt Budget: Run Sweep', 30_000);
    panel = webviewFrame(page);
    await panel.locator('table.sweep tbody tr').first().waitFor({ timeout: 120_000 });
    await widenSidebar(page, 760);
    await page.waitForTimeout(800);
    const cells = (await panel.locator('table.sweep tbody tr[data-policy="full"] td').allInnerTexts()).map((t) => t.trim());
    assert.ok(cells.some((c) => c.startsWith(`${formatEm(configured.baseline.em)}% · `)), `full row: ${JSON.stringify(cells)}; CLI EM ${formatEm(configured.baseline.em)}`);
    assert.equal(await panel.locator('table.sweep tbody tr').count(), configured.rows.length);
    // Above promptbudget.json (still the open editor): the recommendation, then its thinking and answer tokens.
    const rec = configured.rows.find((r) => r.policy === configured.recommendation?.policy);
    assert.ok(rec, 'a recommendation');
    const split = thinkingSplit(configured, rec);
    assert.ok(split);
    const titles = await codeLensTitles(page, { match: split, timeout: 60_000 });
    assert.ok(titles.includes(split), `lenses: ${JSON.stringify(titles)}`);
    await screenshot(page, 'own-02-sweep');
  });

  it('a config that names no extraction gets it detected, said in the panel, and kept with one click', async () => {
    const file = path.join(dir, 'promptbudget.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    delete config.extract;
    delete config.match;
    fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    await page.waitForTimeout(1500);
    await runCommand(page, 'Prompt Budget: Run Sweep', 30_000);
    const notice = panel.locator('[data-testid="detected"]');
    await notice.waitFor({ timeout: 120_000 });
    const text = (await notice.innerText()).replace(/\s+/g, ' ');
    assert.ok(text.startsWith('Detected from your test set: extract boxed, match math.'), text);
    assert.ok(text.includes('boxed finds an answer in 40 of 40 complete traces'), text);
    await screenshot(page, 'own-03-detected-notice');
    await notice.locator('button[data-key="keep-detected"]').click();
    const deadline = Date.now() + 30_000;
    let kept: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      kept = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      if (kept.extract) break;
      await page.waitForTimeout(250);
    }
    assert.deepEqual([kept.extract, kept.match], ['boxed', 'math']);
    await notice.waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('a missing test set is one diagnostic on its line, and a bad value is reported once', async () => {
    const file = path.join(dir, 'promptbudget.json');
    const good = fs.readFileSync(file, 'utf8');
    const bad = good.replace('"data/traces.jsonl"', '"data/missing.jsonl"').replace('"margin": 1', '"margin": "one"');
    assert.notEqual(bad, good);
    await openFile(page, 'promptbudget.json', 30_000);
    fs.writeFileSync(file, bad);
    // The JSON language reports the margin's type (as a warning); the extension then leaves it out.
    const counts = await problemCounts(page, (c) => c.errors + c.warnings === 2);
    assert.equal(counts.errors + counts.warnings, 2, `the missing test set and the margin, once each: ${JSON.stringify(counts)}`);
    try {
      await page.locator('[id="status.problems"]').click();
      const markers = page.locator('.markers-panel .monaco-tl-contents');
      await markers.first().waitFor({ timeout: 15_000 });
      await page.waitForTimeout(500);
      const lines = (await markers.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
      await screenshot(page, 'own-04-config-problems');
      assert.ok(lines.some((l) => l.includes('test set "data/missing.jsonl" does not exist')), JSON.stringify(lines));
      assert.equal(lines.filter((l) => /margin|number/i.test(l)).length, 1, JSON.stringify(lines));
    } finally {
      fs.writeFileSync(file, good);
    }
    const after = await problemCounts(page, (c) => c.errors + c.warnings === 0);
    await screenshot(page, 'own-04b-config-fixed');
    assert.deepEqual(after, { errors: 0, warnings: 0 });
  });

  it('test-set problems go when the fixed file is saved', async () => {
    await openFile(page, 'traces.jsonl', 30_000);
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('oops', { delay: 20 });
    await page.keyboard.press('Control+S');
    assert.equal((await problemCounts(page, (c) => c.errors >= 1)).errors, 1, 'the bad line is reported when saved');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Control+S');
    assert.equal((await problemCounts(page, (c) => c.errors === 0)).errors, 0, 'and gone when the fix is saved');
  });

  it('the walkthrough has a step for your own data', async () => {
    await runCommand(page, 'Welcome: Open Walkthrough...', 30_000);
    await pickQuickItem(page, 'Get started with Prompt Budget', 30_000);
    const step = page.locator('.getting-started-step', { hasText: 'Use your own data' });
    await step.first().waitFor({ timeout: 30_000 });
    await step.first().click();
    await page.getByText('Create Starter Config', { exact: false }).first().waitFor({ timeout: 10_000 });
    await page.waitForTimeout(800);
    await screenshot(page, 'own-05-walkthrough');
  });
});
