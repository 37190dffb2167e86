import * as vscode from 'vscode';
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import { COMMANDS } from './commandIds';
import { writeConfigValues } from './configEdits';
import { createStarterConfig, findPromptFiles, findTestSets, relativeTo, type StarterDeps } from './starterConfig';
import { CONFIG_FILE, type ConfigStore, type LoadedConfig } from './workspaceConfig';

/** Diagnostic code of a `testSets` entry or `prompt` that names no readable file. */
export const MISSING_FILE = 'missing-file';

/** A path in the config and where it is written. */
interface PathEntry {
  /** JSON path of the string: `['testSets', 0]`, `['testSets']` for a single string, `['prompt']`. */
  path: (string | number)[];
  value: string;
  offset: number;
  length: number;
  kind: 'test set' | 'prompt';
}

function pathEntries(text: string): PathEntry[] {
  const root = parseTree(text);
  if (!root) return [];
  const out: PathEntry[] = [];
  const add = (node: Node | undefined, path: (string | number)[], kind: PathEntry['kind']): void => {
    if (node?.type === 'string' && typeof node.value === 'string' && node.value !== '') out.push({ path, value: node.value, offset: node.offset, length: node.length, kind });
  };
  const sets = findNodeAtLocation(root, ['testSets']);
  if (sets?.type === 'array') sets.children?.forEach((child, i) => add(child, ['testSets', i], 'test set'));
  else add(sets, ['testSets'], 'test set');
  add(findNodeAtLocation(root, ['prompt']), ['prompt'], 'prompt');
  return out;
}

async function problemWith(uri: vscode.Uri): Promise<string | null> {
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.type & vscode.FileType.Directory) return 'is a folder, not a file';
    return null;
  } catch {
    return 'does not exist';
  }
}

/**
 * Diagnostics for the config's test sets and prompt that name no readable file, each on the string
 * that names it (code {@link MISSING_FILE}; the quick fixes below offer other files or removal).
 */
export async function missingFileDiagnostics(loaded: LoadedConfig): Promise<vscode.Diagnostic[]> {
  const out: vscode.Diagnostic[] = [];
  for (const e of pathEntries(loaded.text)) {
    const problem = await problemWith(vscode.Uri.joinPath(loaded.dir, e.value));
    if (!problem) continue;
    const range = new vscode.Range(positionAt(loaded.text, e.offset), positionAt(loaded.text, e.offset + e.length));
    const d = new vscode.Diagnostic(range, `${e.kind} "${e.value}" ${problem} (paths are relative to the folder of ${CONFIG_FILE})`, e.kind === 'test set' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
    d.source = 'Prompt Budget';
    d.code = MISSING_FILE;
    out.push(d);
  }
  return out;
}

function positionAt(text: string, offset: number): vscode.Position {
  const before = text.slice(0, offset);
  const line = (before.match(/\n/g) ?? []).length;
  return new vscode.Position(line, offset - (before.lastIndexOf('\n') + 1));
}

/** Quick fixes on a missing test set or prompt: use a file the workspace has, remove the entry, or pick one. */
export class MissingFileFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly promptGlobs: () => readonly string[]) {}

  async provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const missing = context.diagnostics.filter((d) => d.code === MISSING_FILE);
    if (missing.length === 0) return [];
    const text = doc.getText();
    const dir = vscode.Uri.joinPath(doc.uri, '..');
    const entries = pathEntries(text);
    const actions: vscode.CodeAction[] = [];
    for (const d of missing) {
      const e = entries.find((x) => doc.positionAt(x.offset).isEqual(d.range.start));
      if (!e) continue;
      const candidates = e.kind === 'test set' ? (await findTestSets()).map((f) => f.uri) : await findPromptFiles(this.promptGlobs());
      for (const uri of candidates.slice(0, 3)) {
        const rel = relativeTo(dir, uri);
        const a = new vscode.CodeAction(`Use ${rel}`, vscode.CodeActionKind.QuickFix);
        a.diagnostics = [d];
        a.edit = new vscode.WorkspaceEdit();
        a.edit.replace(doc.uri, d.range, JSON.stringify(rel));
        if (actions.length === 0) a.isPreferred = true;
        actions.push(a);
      }
      const remove = new vscode.CodeAction(e.kind === 'test set' ? `Remove "${e.value}" from testSets` : 'Remove the prompt link', vscode.CodeActionKind.QuickFix);
      remove.diagnostics = [d];
      remove.command = { title: remove.title, command: COMMANDS.removeConfigEntry, arguments: [doc.uri, e.path] };
      actions.push(remove);
      if (e.kind === 'test set') {
        const pick = new vscode.CodeAction('Pick Test Set…', vscode.CodeActionKind.QuickFix);
        pick.diagnostics = [d];
        pick.command = { title: pick.title, command: COMMANDS.pickTestSet };
        actions.push(pick);
      }
    }
    return actions;
  }
}

/** Removes the entry at `path` from the config. */
export async function removeConfigEntry(uri: vscode.Uri, path: (string | number)[]): Promise<void> {
  await writeConfigValues(uri, [[path, undefined]]);
}

/**
 * After Pick Test Set: asks before writing the choice into the config (first in `testSets`), or
 * offers a starter config built for it when there is none; then offers to run the sweep.
 */
export async function offerTestSetInConfig(uri: vscode.Uri, config: ConfigStore, deps: StarterDeps): Promise<void> {
  const loaded = config.current ?? (await config.reload());
  const rel = loaded ? relativeTo(loaded.dir, uri) : vscode.workspace.asRelativePath(uri, false);
  if (!loaded) {
    const create = `Create ${CONFIG_FILE}`;
    const a = await vscode.window.showInformationMessage(`Prompt Budget: sweep ${rel}. Also create ${CONFIG_FILE} for it (settings detected from its data)?`, create, 'Not Now');
    if (a === create) await createStarterConfig(deps, uri);
    else await offerRun(rel);
    return;
  }
  if (loaded.config.testSets[0] !== rel) {
    const write = 'Write to Config';
    const a = await vscode.window.showInformationMessage(`Prompt Budget: make ${rel} the test set in ${CONFIG_FILE}?`, write, 'This Session Only');
    if (a === write) {
      const rest = loaded.config.testSets.filter((p) => p !== rel);
      if (!(await writeConfigValues(loaded.uri, [[['testSets'], [rel, ...rest]]]))) void vscode.window.showErrorMessage(`Prompt Budget: could not edit ${CONFIG_FILE}.`);
    }
  }
  await offerRun(rel);
}

async function offerRun(rel: string): Promise<void> {
  const run = 'Run Sweep';
  if ((await vscode.window.showInformationMessage(`Prompt Budget: test set ${rel} picked.`, run)) === run) await vscode.commands.executeCommand(COMMANDS.runSweep);
}
