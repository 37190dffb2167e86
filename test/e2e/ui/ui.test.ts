// The packaged extension in code-server, driven in Debian Chromium: what a user sees.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { countTokens, getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import { recommendationLine, rowEffect } from '../../../src/core/report';
import type { CaseResult, SweepResult, SweepRow, TagBudgets } from '../../../src/core/types';
import { formatCi, formatCount, formatDeltaPts, formatEm, formatEmCount, formatSavings, formatSignedPts } from '../../../src/shared/format';
import { acceptSaveDialog, codeLensTitles, openFile, openWorkbench, pickQuickItem, repoRoot, runCommand, screenshot, startCodeServer, waitForStatusBarItem, webviewFrame, widenSidebar, type CodeServer, type Workbench } from '../harness';
import { copySample, expectedCells, STATUS_ID, TEST_SETTINGS, VSIX } from './workspace';

const tok = getTokenizer('o200k_base');
const count = (text: string): number => countTokens(tok, text).count;
const fmt = (n: number): string => n.toLocaleString('en-US');

function runCli(dir: string, args: string[]): string {
  return execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), ...args, 'testset.jsonl', '--config', 'promptbudget.json'], { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

function cliSweep(dir: string): SweepResult & { caseResults: CaseResult[] } {
  return JSON.parse(runCli(dir, ['sweep', '--format', 'json', '--cases'])) as SweepResult & { caseResults: CaseResult[] };
}

/** The cells the per-tag table should show, row by row (tags, then the plan and the single policy). */
function expectedTagRows(tb: TagBudgets, rows: SweepRow[]): string[][] {
  const label = (p: string): string => rows.find((r) => r.policy === p)?.label ?? p;
  const emCount = (em: number, cases: number): string => formatEmCount(em, Math.round(em * cases), cases);
  const all = tb.perTag.reduce((n, t) => n + t.cases, 0);
  return [
    ...tb.perTag.map((t) => [t.tag, formatCount(t.cases), `${label(t.policy)}${t.fallback ? ' (too few cases)' : ''}`, formatSavings(t.savings), emCount(t.em, t.cases), formatSignedPts(t.deltaEm)]),
    ['Per-tag plan', formatCount(all), `ΔEM 95% CI ${formatCi(tb.overall.ci95)}`, formatSavings(tb.overall.savings), emCount(tb.overall.em, all), formatSignedPts(tb.overall.deltaEm)],
    ...(tb.single ? [['Best single policy', '', label(tb.single.policy), formatSavings(tb.single.savings), '', '']] : []),
  ];
}

async function tableCells(table: ReturnType<FrameLocator['locator']>): Promise<string[][]> {
  const rows = table.locator('tbody tr, tfoot tr');
  const out: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++) out.push((await rows.nth(i).locator('th, td').allInnerTexts()).map((t) => t.trim()));
  return out;
}

async function statusCount(page: Page, expected: number): Promise<string> {
  return waitForStatusBarItem(page, STATUS_ID, { text: new RegExp(`(^|\\D)${fmt(expected)} tokens`), timeout: 30_000 });
}

describe('Prompt Budget in code-server (UI)', function () {
  this.timeout(600_000);
  let ws: ReturnType<typeof copySample>;
  let cs: CodeServer;
  let wb: Workbench;
  let page: Page;
  let panel: FrameLocator;
  let cli: SweepResult & { caseResults: CaseResult[] };
  let promptText = '';
  let selectedBeforeReload: string | null = null;
  const cspViolations: string[] = [];
  const prices = { inputPer1M: 2.5, outputPer1M: 10 };

  before(async () => {
    assert.ok(fs.existsSync(VSIX), `${VSIX} is missing: run npm run package first`);
    ws = copySample();
    // Test-set text is untrusted: markup in it must reach the panel as text, never as HTML (no digits,
    // so the last-number answers and the sample's results stay as they are).
    const testSet = path.join(ws.dir, 'testset.jsonl');
    const hostile = fs
      .readFileSync(testSet, 'utf8')
      .split('\n')
      .map((line) => {
        if (!line) return line;
        const c = JSON.parse(line) as { question: string; output: string };
        return JSON.stringify({ ...c, question: `${c.question} <script>window.pwned = true</script>`, output: `${c.output}\n<img src=x onerror="window.pwned = true"><b>not bold</b>` });
      })
      .join('\n');
    fs.writeFileSync(testSet, hostile);
    cli = cliSweep(ws.dir);
    const config = JSON.parse(fs.readFileSync(path.join(ws.dir, 'promptbudget.json'), 'utf8')) as { prices?: typeof prices };
    if (config.prices) Object.assign(prices, config.prices);
    cs = await startCodeServer({ workspace: ws.dir, vsix: VSIX, settings: { ...TEST_SETTINGS } });
    wb = await openWorkbench(cs, { viewport: { width: 1600, height: 1000 } });
    page = wb.page;
    page.on('console', (m) => {
      if (/Refused to|Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await screenshot(page, `failed-${this.currentTest.title.slice(0, 60)}`);
  });

  after(async () => {
    await wb?.close();
    await cs?.stop();
    ws?.remove();
  });

  it('counts the prompt in the status bar, exactly, as the user types', async () => {
    await openFile(page, 'solve.prompt.md', 120_000);
    const original = fs.readFileSync(path.join(ws.dir, 'prompts', 'solve.prompt.md'), 'utf8');
    const label = await statusCount(page, count(original));
    assert.match(label, /o200k_base · input \$[0-9.]+\/call$/, "before a sweep only the input is priced, and the label says so");

    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+End');
    const typed = ['Reply with the number only.', '# Notes', 'Keep every step short and exact'];
    for (const [i, line] of typed.entries()) {
      if (i > 0) {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Enter');
      }
      await page.keyboard.type(line, { delay: 15 });
    }
    promptText = original + typed.join('\n');
    await statusCount(page, count(promptText));
  });

  it('shows token CodeLens above the prompt and each section', async () => {
    const sectionStart = promptText.indexOf('# Notes');
    const want = [`Prompt: ${fmt(count(promptText))} tokens (o200k_base)`, `${fmt(count(promptText.slice(sectionStart)))} tokens`];
    const deadline = Date.now() + 30_000;
    let titles: string[] = [];
    while (Date.now() < deadline) {
      titles = await codeLensTitles(page, { atLeast: 4 });
      if (want.every((w) => titles.includes(w))) break;
      await page.waitForTimeout(250);
    }
    for (const w of want) assert.ok(titles.includes(w), `missing lens "${w}" in ${JSON.stringify(titles)}`);
    assert.equal(titles.filter((t) => /^\d[\d,]* tokens$/.test(t)).length, 4, `one lens per section: ${JSON.stringify(titles)}`);
    await screenshot(page, '01-status-bar-and-codelens');
  });

  it('runs the sweep from the command palette and shows the CLI’s numbers in the panel', async () => {
    await runCommand(page, 'Prompt Budget: Run Sweep', 30_000);
    panel = webviewFrame(page);
    await panel.locator('table.sweep tbody tr').first().waitFor({ timeout: 120_000 });
    await widenSidebar(page, 760);
    await page.waitForTimeout(800);
    const rec = cli.recommendation?.policy;
    assert.ok(rec, 'the sample has a recommendation');
    const rows = panel.locator('table.sweep tbody tr');
    assert.equal(await rows.count(), cli.rows.length);
    const promptTokens = count(promptText);
    for (const row of cli.rows) {
      const cells = (await panel.locator(`table.sweep tbody tr[data-policy="${row.policy}"] td`).allInnerTexts()).map((t) => t.trim());
      assert.deepEqual(cells, expectedCells(row, rec, promptTokens, prices, cli.cases), `row ${row.policy}`);
    }
    const recRow = cli.rows.find((r) => r.policy === rec)!;
    const summary = (await panel.locator('[data-testid="recommendation"]').innerText()).replace(/\s+/g, ' ');
    assert.ok(summary.includes(`${recRow.label}: ${formatSavings(recRow.savings)} tokens · EM ${formatEmCount(cli.baseline.em, cli.baseline.correct, cli.cases)} → ${formatEmCount(recRow.em, recRow.correct, cli.cases)}`), summary);
    // EM carries its count everywhere: e.g. `90.8% · 545/600` in the table, as the CLI's 545/600.
    const emCell = (await panel.locator(`table.sweep tbody tr[data-policy="${rec}"] td`).nth(4).innerText()).trim();
    assert.equal(emCell, `${formatEm(recRow.em)}% · ${recRow.correct}/${cli.cases}`);
    assert.equal(await panel.locator('svg.chart-svg .point').count(), cli.rows.length);
    assert.equal(await panel.locator(`svg.chart-svg .point[data-policy="${rec}"] .rec-ring`).count(), 1);
    assert.deepEqual(cspViolations, [], 'the panel runs under its strict CSP without violations');
    await screenshot(page, '02-panel-after-sweep');
  });

  it('puts the recommendation above the prompt and each cutoff’s effect in promptbudget.json', async () => {
    const result = cli as SweepResult;
    const recTitle = `Recommended ${recommendationLine(result)}`;
    let titles: string[] = [];
    for (let i = 0; i < 40 && !titles.some((t) => t.endsWith(recTitle)); i++) {
      titles = await codeLensTitles(page);
      await page.waitForTimeout(250);
    }
    assert.ok(titles.some((t) => t.endsWith(recTitle)), `prompt lenses: ${JSON.stringify(titles)}`);
    await openFile(page, 'promptbudget.json', 30_000);
    const cutoffs = (JSON.parse(fs.readFileSync(path.join(ws.dir, 'promptbudget.json'), 'utf8')) as { cutoffs: number[] }).cutoffs;
    const first = result.rows.find((r) => r.policy === `cutoff:${cutoffs[0]}`)!;
    const want = `${first.label}: ${rowEffect(result, first)}`;
    for (let i = 0; i < 40 && !titles.includes(want); i++) {
      titles = await codeLensTitles(page, { atLeast: 3 });
      await page.waitForTimeout(250);
    }
    assert.ok(titles.includes(want), `config lenses: ${JSON.stringify(titles)}`);
    await screenshot(page, '03-config-codelens');
  });

  it('opens a flipped case and marks where the policy stopped', async () => {
    const flips = (r: SweepRow): number => r.flipsToWrong + r.flipsToRight;
    const row = [cli.rows.find((r) => r.policy === cli.recommendation?.policy), ...cli.rows].find((r) => r && flips(r) > 0)!;
    assert.ok(row, 'some policy flips a case');
    const rec = row.policy;
    const id = row.flipsToWrongIds[0] ?? row.flipsToRightIds[0];
    await panel.locator(`table.sweep tbody tr[data-policy="${rec}"]`).click();
    await panel.locator(`section.drilldown .case-list button[data-key$="-${id}"]`).first().click();
    const trace = panel.locator('pre.trace');
    await trace.waitFor({ timeout: 10_000 });
    const kept = (await trace.locator('.kept').textContent()) ?? '';
    const dropped = (await trace.locator('.dropped').textContent()) ?? '';
    const line = fs
      .readFileSync(path.join(ws.dir, 'testset.jsonl'), 'utf8')
      .split('\n')
      .map((l) => (l ? (JSON.parse(l) as { id: string; output: string }) : null))
      .find((c) => c?.id === id)!;
    assert.equal(kept + dropped, line.output);
    const stop = cli.caseResults.find((c) => c.id === id)!.policies[rec].stopToken;
    assert.equal(kept.length, tokenizeWithOffsets(tok, line.output).ends[stop - 1]);
    assert.match((await trace.locator('mark.cut').textContent()) ?? '', new RegExp(`stop at token ${stop}$`));
    assert.ok(dropped.includes('<img src=x onerror='), 'markup in the trace is shown as text');
    assert.equal(await panel.locator('section.case img, section.case b, section.case script').count(), 0, 'no element was made from test-set text');
    assert.ok(((await panel.locator('dl.facts dd').first().textContent()) ?? '').endsWith('<script>window.pwned = true</script>'));
    await page.waitForTimeout(500);
    await screenshot(page, '04-flipped-case');
    await panel.locator('button[data-key="case-back"]').click();
  });

  it('opens a case the policy did not flip from the list of all cases, with the same cut-point view', async () => {
    const rec = cli.recommendation!.policy;
    const row = cli.rows.find((r) => r.policy === rec)!;
    const flipped = new Set([...row.flipsToWrongIds, ...row.flipsToRightIds]);
    // The longest trace the recommended policy leaves unchanged: out of reach of the flipped lists.
    const target = cli.caseResults.filter((c) => !flipped.has(c.id) && c.policies[rec].stopToken < c.totalTokens).sort((a, b) => b.totalTokens - a.totalTokens)[0];
    assert.ok(target, 'some unflipped case is cut by the policy');
    await panel.locator(`table.sweep tbody tr[data-policy="${rec}"]`).click();
    const browse = panel.locator('[data-testid="browse"]');
    await browse.waitFor({ timeout: 10_000 });
    const first = (await browse.locator('.browse-list li').first().getAttribute('data-case')) ?? '';
    assert.equal(first, [...cli.caseResults].sort((a, b) => b.totalTokens - a.totalTokens)[0].id, 'longest trace first');
    await browse.locator('input[data-key="browse-query"]').fill(target.id);
    await browse.locator(`button[data-key="browse-${target.id}"]`).click();
    const trace = panel.locator('pre.trace');
    await trace.waitFor({ timeout: 20_000 });
    const line = fs
      .readFileSync(path.join(ws.dir, 'testset.jsonl'), 'utf8')
      .split('\n')
      .map((l) => (l ? (JSON.parse(l) as { id: string; output: string }) : null))
      .find((c) => c?.id === target.id)!;
    const kept = (await trace.locator('.kept').textContent()) ?? '';
    const dropped = (await trace.locator('.dropped').textContent()) ?? '';
    const stop = target.policies[rec].stopToken;
    assert.equal(kept + dropped, line.output);
    assert.equal(kept.length, tokenizeWithOffsets(tok, line.output).ends[stop - 1]);
    assert.match((await trace.locator('mark.cut').textContent()) ?? '', new RegExp(`stop at token ${stop}$`));
    assert.equal((await panel.locator('section.case h3').innerText()).trim(), `Case ${target.id} under ${row.label}: unchanged`);
    assert.equal(await panel.locator('section.case img, section.case b, section.case script').count(), 0, 'no element was made from test-set text');
    await page.waitForTimeout(500);
    await screenshot(page, '04b-browsed-case');
    await panel.locator('button[data-key="case-back"]').click();
    assert.equal(await panel.locator('input[data-key="browse-query"]').inputValue(), target.id, 'the search is kept');
    await panel.locator('input[data-key="browse-query"]').fill('');
  });

  it('sorts the table from the keyboard', async () => {
    const header = panel.locator('button[data-key="sort-em"]');
    await header.focus();
    await page.keyboard.press('Enter');
    await panel.locator('th[aria-sort="descending"] button[data-key="sort-em"]').waitFor({ timeout: 10_000 });
    const best = cli.rows.reduce((a, r) => (r.em > a.em ? r : a));
    const firstEm = (await panel.locator('table.sweep tbody tr').first().locator('td').nth(4).innerText()).trim();
    assert.equal(firstEm, formatEmCount(best.em, best.correct, cli.cases));
    await panel.locator('table.sweep tbody tr').first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const second = await panel.locator('table.sweep tbody tr').nth(1).getAttribute('data-policy');
    await panel.locator(`table.sweep tbody tr[data-policy="${second}"][aria-selected="true"]`).waitFor({ timeout: 10_000 });
    selectedBeforeReload = second;
    // The panel's own state: close the per-tag section (open by default) to see it stays closed.
    await panel.locator('summary[data-key="fold-tags"]').click();
    await panel.locator('details[data-section="tags"]:not([open])').waitFor({ timeout: 10_000 });
  });

  it('keeps the panel’s results after a window reload', async () => {
    await page.waitForTimeout(1000); // a person does not reload within milliseconds of a click
    await page.reload();
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    panel = webviewFrame(page);
    await panel.locator('table.sweep tbody tr').first().waitFor({ timeout: 120_000 });
    assert.equal(await panel.locator('table.sweep tbody tr').count(), cli.rows.length);
    assert.equal(await panel.locator('th[aria-sort="descending"] button[data-key="sort-em"]').count(), 1, 'sort order restored');
    assert.equal(await panel.locator('table.sweep tbody tr[aria-selected="true"]').getAttribute('data-policy'), selectedBeforeReload, 'selection restored');
    assert.equal(await panel.locator('details[data-section="tags"]').getAttribute('open'), null, 'a section the user closed stays closed');
    await page.waitForTimeout(800);
    await screenshot(page, '05-after-reload');
  });

  it('shows the per-tag budgets the CLI computes', async () => {
    assert.ok(cli.tagBudgets, 'the sample’s cases carry tags');
    const section = panel.locator('[data-testid="tag-budgets"]');
    await section.waitFor({ timeout: 10_000 });
    await panel.locator('summary[data-key="fold-tags"]').click();
    await panel.locator('details[data-section="tags"][open]').waitFor({ timeout: 10_000 });
    assert.deepEqual(await tableCells(section.locator('table')), expectedTagRows(cli.tagBudgets, cli.rows));
    assert.ok(((await section.innerText()) ?? '').includes(cli.tagBudgets.message));
    assert.equal(await panel.locator('[data-testid="cases-to-add"]').count(), 0, 'the recommendation holds, so there is nothing to add');
    assert.equal(await section.locator('button[data-key="export-tag-plan"]').count(), 0, 'every tag takes the single policy: no plan to export');
  });

  it('exports the recommended policy for production from the panel: the file is what the CLI exports', async () => {
    const rec = cli.recommendation!.policy;
    const name = `prompt-budget-${rec.replace(/[^A-Za-z0-9]+/g, '-')}.json`;
    await panel.locator('button[data-key="export-policy-rec"]').click();
    await pickQuickItem(page, 'Policy JSON');
    await acceptSaveDialog(page, name);
    const file = path.join(ws.dir, name);
    for (let i = 0; i < 100 && !fs.existsSync(file); i++) await page.waitForTimeout(100);
    assert.ok(fs.existsSync(file), `${name} was written`);
    assert.equal(fs.readFileSync(file, 'utf8'), runCli(ws.dir, ['export', '--policy', rec]));
    await page.locator('.tab.active').filter({ hasText: name }).waitFor({ timeout: 15_000 });
    await page.waitForTimeout(500);
    await screenshot(page, '07-policy-exported');
  });

  it('at a tighter margin, shows the per-tag plan and how many cases to add, and opens the cases it hinges on', async () => {
    const configFile = path.join(ws.dir, 'promptbudget.json');
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { margin: number };
    fs.writeFileSync(configFile, `${JSON.stringify({ ...config, margin: 1 }, null, 2)}\n`);
    const tight = cliSweep(ws.dir);
    const add = tight.casesToAdd;
    assert.ok(add && add.casesToAdd > 0 && tight.tagBudgets, 'at a 1-point margin the sample needs more cases');
    assert.ok(new Set(tight.tagBudgets.perTag.map((t) => t.policy)).size > 1, 'and tags get different policies');
    await runCommand(page, 'Prompt Budget: Run Sweep', 30_000);
    const section = panel.locator('[data-testid="cases-to-add"]');
    await section.waitFor({ timeout: 120_000 });
    const addRow = tight.rows.find((r) => r.policy === add.policy)!;
    const text = (await section.innerText()).replace(/\s+/g, ' ');
    assert.ok(text.includes(`Add about ${formatCount(add.casesToAdd)} cases to judge ${addRow.label}: about ${formatCount(add.casesNeeded)} in all`), text);
    assert.ok(text.includes(`ΔEM ${formatDeltaPts(add.deltaEm)} (95% CI ${formatCi(add.ci95)})`), text);
    const ids = async (kind: string): Promise<string[]> => (await section.locator(`button[data-key^="case-${kind}-"]`).allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(await ids('add-wrong'), add.flipsToWrongIds);
    assert.deepEqual(await ids('add-right'), add.flipsToRightIds);
    assert.deepEqual(await tableCells(panel.locator('[data-testid="tag-budgets"] table')), expectedTagRows(tight.tagBudgets, tight.rows));
    await page.waitForTimeout(500);
    await screenshot(page, '08-tag-budgets-and-cases-to-add');
    const id = add.flipsToWrongIds[0];
    await section.locator(`button[data-key="case-add-wrong-${id}"]`).click();
    const caseBox = panel.locator('section.case');
    await caseBox.waitFor({ timeout: 10_000 });
    assert.equal((await caseBox.locator('h3').innerText()).trim(), `Case ${id} under ${addRow.label}: right → wrong`);
    assert.equal(await panel.locator(`table.sweep tbody tr[data-policy="${add.policy}"][aria-selected="true"]`).count(), 1);

    await panel.locator('[data-testid="tag-budgets"] button[data-key="export-tag-plan"]').click();
    await pickQuickItem(page, 'Plan JSON');
    await acceptSaveDialog(page, 'prompt-budget-per-tag.json');
    const file = path.join(ws.dir, 'prompt-budget-per-tag.json');
    for (let i = 0; i < 100 && !fs.existsSync(file); i++) await page.waitForTimeout(100);
    assert.equal(fs.readFileSync(file, 'utf8'), runCli(ws.dir, ['export', '--policy', 'per-tag']));
    await page.locator('.tab.active').filter({ hasText: 'prompt-budget-per-tag.json' }).waitFor({ timeout: 15_000 });
  });

  it('marks the figures out of date when promptbudget.json changes, and a re-run clears it', async () => {
    const configFile = path.join(ws.dir, 'promptbudget.json');
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { cutoffs: number[] };
    assert.equal(await panel.locator('[data-testid="stale"]').count(), 0, 'current after the last sweep');
    const added = Math.max(...config.cutoffs) + 40;
    fs.writeFileSync(configFile, `${JSON.stringify({ ...config, cutoffs: [...config.cutoffs, added] }, null, 2)}\n`);
    const banner = panel.locator('[data-testid="stale"]');
    await banner.waitFor({ timeout: 30_000 });
    assert.equal((await banner.locator('span').innerText()).trim(), 'Out of date: promptbudget.json changed since this sweep. The figures below are from the last run.');
    await openFile(page, 'promptbudget.json', 30_000);
    const titles = await codeLensTitles(page, { match: 'Out of date: promptbudget.json changed since the sweep. Re-run sweep', timeout: 30_000 });
    assert.ok(titles.some((t) => t.endsWith('Out of date: promptbudget.json changed since the sweep. Re-run sweep')), JSON.stringify(titles));
    assert.ok(titles.some((t) => t.endsWith('(out of date)')), `cutoff lenses say so: ${JSON.stringify(titles)}`);
    await screenshot(page, '09a-stale-config-codelens');
    await banner.scrollIntoViewIfNeeded();
    await page.waitForTimeout(500);
    await screenshot(page, '09-stale-after-config-edit');
    await banner.locator('button[data-key="stale-rerun"]').click();
    await panel.locator(`table.sweep tbody tr[data-policy="cutoff:${added}"]`).waitFor({ timeout: 120_000 });
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await panel.locator('[data-testid="stale"]').count(), 0, 're-running clears the banner');
  });
});

describe('Prompt Budget in Restricted Mode (UI)', function () {
  this.timeout(300_000);
  let ws: ReturnType<typeof copySample>;
  let cs: CodeServer;
  let wb: Workbench;

  before(async () => {
    ws = copySample();
    cs = await startCodeServer({ workspace: ws.dir, vsix: VSIX, trustWorkspace: false, settings: { 'security.workspace.trust.startupPrompt': 'never' } });
    wb = await openWorkbench(cs, { viewport: { width: 1600, height: 1000 } });
  });

  after(async () => {
    await wb?.close();
    await cs?.stop();
    ws?.remove();
  });

  it('counts tokens, and asks for trust instead of sweeping', async () => {
    const page = wb.page;
    await openFile(page, 'solve.prompt.md', 120_000);
    await statusCount(page, count(fs.readFileSync(path.join(ws.dir, 'prompts', 'solve.prompt.md'), 'utf8')));
    await runCommand(page, 'Prompt Budget: Run Sweep', 30_000);
    const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'only in a trusted workspace' });
    await toast.first().waitFor({ timeout: 30_000 });
    assert.equal(await toast.locator('.monaco-button').filter({ hasText: 'Manage Workspace Trust' }).count(), 1);
    await screenshot(page, '06-restricted-mode');
  });

  it('picks the encoding from the status bar and recounts', async () => {
    const page = wb.page;
    const typed = '数字だけで答えてください。Réponds seulement par le nombre.';
    const text = fs.readFileSync(path.join(ws.dir, 'prompts', 'solve.prompt.md'), 'utf8') + typed;
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(typed);
    await statusCount(page, count(text));
    await page.locator(`.statusbar-item[id="${STATUS_ID}"]`).click();
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'cl100k_base' });
    await row.first().click({ timeout: 15_000 });
    const cl100k = countTokens(getTokenizer('cl100k_base'), text).count;
    const label = await waitForStatusBarItem(page, STATUS_ID, { text: new RegExp(`(^|\\D)${fmt(cl100k)} tokens · cl100k_base`), timeout: 30_000 });
    assert.notEqual(cl100k, count(text), 'the two encodings count this text differently');
    assert.ok(label.includes('cl100k_base'));
  });
});
