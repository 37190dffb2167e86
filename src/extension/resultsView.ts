import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { parseWebviewMessage, type ExtensionMessage, type LiveRunView, type WebviewMessage } from '../shared/protocol';
import { COMMANDS, VIEWS } from './commandIds';
import type { SweepController } from './sweepController';

const SECTIONS_FILE = 'panelSections.json';

/** Builds the panel's HTML: strict CSP, one script with a fresh nonce, assets through asWebviewUri. */
export function resultsHtml(webview: vscode.Webview, extensionUri: vscode.Uri, nonce: string): string {
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Prompt Budget results</title>
</head>
<body>
<main id="app" aria-live="polite"></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

/**
 * The results webview view. It renders whatever state the controller sends; after a reload the
 * webview says `ready` again and gets the whole state back.
 */
export class ResultsViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private live: LiveRunView | null = null;
  /** Sections the user opened or closed: saved as a file, since the webview's own state may not survive a window reload. */
  private sections: Record<string, boolean> = {};
  private sectionsWrite: Promise<void> = Promise.resolve();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly sweeps: SweepController,
    private readonly log: vscode.LogOutputChannel,
    private readonly storageUri?: vscode.Uri,
  ) {
    this.disposables.push(
      sweeps.onDidChangeState((state) => this.post({ type: 'state', state })),
      sweeps.onDidProgress(({ done, total }) => this.post({ type: 'progress', done, total })),
      sweeps.onDidChangeStale((stale) => this.post({ type: 'stale', stale })),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    view.webview.html = resultsHtml(view.webview, this.extensionUri, randomBytes(16).toString('base64'));
    const subs = [
      view.webview.onDidReceiveMessage((raw: unknown) => {
        const msg = parseWebviewMessage(raw);
        if (msg) void this.handle(msg);
      }),
      view.onDidChangeVisibility(() => {
        if (view.visible) this.post({ type: 'state', state: this.sweeps.viewState() });
      }),
    ];
    view.onDidDispose(() => {
      for (const s of subs) s.dispose();
      if (this.view === view) this.view = undefined;
    }, null, this.disposables);
  }

  /** Reads the saved open/closed sections (call once after construction). */
  async load(): Promise<void> {
    if (!this.storageUri) return;
    try {
      const saved = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.storageUri, SECTIONS_FILE)))) as unknown;
      if (typeof saved === 'object' && saved !== null) for (const [k, v] of Object.entries(saved)) if (typeof v === 'boolean') this.sections[k] = v;
    } catch {
      // first run: nothing saved yet
    }
  }

  private saveSection(key: string, open: boolean): void {
    this.sections[key] = open;
    const dir = this.storageUri;
    if (!dir) return;
    const bytes = new TextEncoder().encode(JSON.stringify(this.sections));
    this.sectionsWrite = this.sectionsWrite
      .then(async () => {
        await vscode.workspace.fs.createDirectory(dir);
        await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, SECTIONS_FILE), bytes);
      })
      .catch((e: Error) => this.log.warn(`could not save the panel's sections: ${e.message}`));
  }

  /** Opens the panel and selects a policy's row. */
  async reveal(policy?: string): Promise<void> {
    if (policy) this.sweeps.select(policy);
    await vscode.commands.executeCommand(`${VIEWS.results}.focus`);
    this.post({ type: 'state', state: this.sweeps.viewState() });
  }

  private async handle(msg: WebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.log.debug(`results panel ready${msg.restore ? ' (with saved state)' : ''}`);
        if (msg.restore) this.sweeps.restoreUi(msg.restore);
        this.post({ type: 'sections', sections: this.sections });
        this.post({ type: 'state', state: this.sweeps.viewState() });
        if (this.live) this.post({ type: 'liveProgress', live: this.live });
        return;
      case 'selectPolicy':
        this.sweeps.select(msg.policy);
        return;
      case 'sort':
        this.sweeps.setSort(msg.sort);
        return;
      case 'openCase':
        await this.sweeps.openCase(msg.policy, msg.caseId);
        return;
      case 'closeCase':
        this.sweeps.closeCase();
        return;
      case 'revealCase':
        await this.sweeps.revealCase(msg.caseId);
        return;
      case 'export':
        await vscode.commands.executeCommand(COMMANDS.exportReport, msg.format);
        return;
      case 'exportPolicy':
        await vscode.commands.executeCommand(COMMANDS.exportPolicy, msg.policy);
        return;
      case 'keepDetected':
        await vscode.commands.executeCommand(COMMANDS.keepDetected);
        return;
      case 'foldSection':
        this.saveSection(msg.key, msg.open);
        return;
      case 'runSweep':
        await vscode.commands.executeCommand(COMMANDS.runSweep);
        return;
      default: {
        const never: never = msg;
        throw new Error(`unhandled message ${JSON.stringify(never)}`);
      }
    }
  }

  /** Shows a live run's progress above the table (null hides it). */
  showLive(live: LiveRunView | null): void {
    this.live = live;
    this.post({ type: 'liveProgress', live });
  }

  private post(msg: ExtensionMessage): void {
    if (this.view) void this.view.webview.postMessage(msg);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
