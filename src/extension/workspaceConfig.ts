import * as vscode from 'vscode';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { parseConfig } from '../core/config/parseConfig';
import { type PromptBudgetConfig } from '../core/config/promptBudgetConfig';
import { parsePolicy } from '../core/policies';
import type { LineIssue } from '../core/types';
import type { Prices } from '../shared/protocol';

export const CONFIG_FILE = 'promptbudget.json';

export interface LoadedConfig {
  uri: vscode.Uri;
  /** Folder holding the config; relative paths in it resolve from here. */
  dir: vscode.Uri;
  text: string;
  config: PromptBudgetConfig;
  issues: LineIssue[];
}

/** Source of the diagnostics this extension reports. */
export const OWN_SOURCE = 'Prompt Budget';

/** Converts a 1-based {@link LineIssue} to a diagnostic on the given text. */
export function issueToDiagnostic(issue: LineIssue, lines: readonly string[], source = OWN_SOURCE): vscode.Diagnostic {
  const line = Math.max(0, Math.min(issue.line - 1, Math.max(0, lines.length - 1)));
  const text = lines[line] ?? '';
  const start = issue.column !== undefined ? Math.min(Math.max(0, issue.column - 1), text.length) : text.length - text.trimStart().length;
  const end = Math.max(start, text.trimEnd().length);
  const d = new vscode.Diagnostic(
    new vscode.Range(line, start, line, end === start ? start + 1 : end),
    issue.message,
    issue.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
  );
  d.source = source;
  return d;
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

/**
 * The workspace's `promptbudget.json`: parsed on start, when the file changes on disk and as the
 * user edits it; its problems go to the Problems panel.
 */
export class ConfigStore implements vscode.Disposable {
  private loaded: LoadedConfig | undefined;
  private readonly emitter = new vscode.EventEmitter<LoadedConfig | undefined>();
  readonly onDidChange = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The config's own problems, and the key of those last shown (to publish only changes). */
  private own: { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] } | undefined;
  private shown: string | null = null;

  constructor(
    private readonly diagnostics: vscode.DiagnosticCollection,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${CONFIG_FILE}`);
    this.disposables.push(watcher);
    const onDisk = (uri: vscode.Uri): void => {
      if (this.isCandidate(uri)) void this.reload();
    };
    this.disposables.push(watcher.onDidCreate(onDisk), watcher.onDidChange(onDisk), watcher.onDidDelete(onDisk));
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.loaded && e.document.uri.toString() === this.loaded.uri.toString() && e.contentChanges.length > 0) {
          clearTimeout(this.timer);
          this.timer = setTimeout(() => this.apply(this.loaded!.uri, e.document.getText()), 200);
        }
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.reload()),
      vscode.languages.onDidChangeDiagnostics((e) => {
        if (this.own && e.uris.some((u) => u.toString() === this.own?.uri.toString())) this.publish();
      }),
    );
  }

  /**
   * Shows the config's problems, less those the JSON language already reports on the same line
   * (syntax and schema errors), so each problem appears once in the Problems panel.
   */
  private publish(): void {
    const own = this.own;
    if (!own) return;
    const others = vscode.languages.getDiagnostics(own.uri).filter((d) => d.source !== OWN_SOURCE);
    const shown = own.diagnostics.filter((d) => !others.some((o) => o.range.start.line === d.range.start.line));
    const key = shown.map((d) => `${d.range.start.line}:${d.range.start.character}:${d.message}`).join('\n');
    if (key === this.shown) return;
    this.shown = key;
    this.diagnostics.set(own.uri, shown);
  }

  get current(): LoadedConfig | undefined {
    return this.loaded;
  }

  /** The config file the workspace uses, or where a new one would go. */
  static candidates(): vscode.Uri[] {
    return (vscode.workspace.workspaceFolders ?? []).map((f) => vscode.Uri.joinPath(f.uri, CONFIG_FILE));
  }

  private isCandidate(uri: vscode.Uri): boolean {
    return ConfigStore.candidates().some((c) => c.toString() === uri.toString());
  }

  /** Finds and parses the config (an open editor's text wins over the file on disk). */
  async reload(): Promise<LoadedConfig | undefined> {
    for (const uri of ConfigStore.candidates()) {
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (open) return this.apply(uri, open.getText());
      try {
        const bytes = await vscode.workspace.fs.readFile(uri);
        return this.apply(uri, new TextDecoder().decode(bytes));
      } catch {
        // not in this folder
      }
    }
    if (this.loaded) this.diagnostics.delete(this.loaded.uri);
    this.own = undefined;
    this.loaded = undefined;
    this.emitter.fire(undefined);
    return undefined;
  }

  private apply(uri: vscode.Uri, text: string): LoadedConfig {
    const { config, issues } = parseConfig(text, { validatePolicy: (name: string) => parsePolicy(name).error ?? null });
    const lines = splitLines(text);
    this.own = { uri, diagnostics: issues.map((i) => issueToDiagnostic(i, lines)) };
    this.shown = null;
    this.publish();
    if (issues.length) this.log.info(`${vscode.workspace.asRelativePath(uri)}: ${issues.length} problem(s)`);
    this.loaded = { uri, dir: vscode.Uri.joinPath(uri, '..'), text, config, issues };
    this.emitter.fire(this.loaded);
    return this.loaded;
  }

  /** The prompt file the config links to. */
  promptUri(): vscode.Uri | undefined {
    const c = this.loaded;
    return c?.config.prompt ? vscode.Uri.joinPath(c.dir, c.config.prompt) : undefined;
  }

  /** The config's prices when it sets them itself (otherwise the settings apply). */
  explicitPrices(): Prices | undefined {
    const c = this.loaded;
    if (!c) return undefined;
    const tree = parseTree(c.text);
    return tree && findNodeAtLocation(tree, ['prices']) ? c.config.prices : undefined;
  }

  /** Test sets listed in the config. */
  testSetUris(): vscode.Uri[] {
    const c = this.loaded;
    return c ? c.config.testSets.map((p) => vscode.Uri.joinPath(c.dir, p)) : [];
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.emitter.dispose();
  }
}
