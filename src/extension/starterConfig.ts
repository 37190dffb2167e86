import * as vscode from 'vscode';
import { inspectTestSetHead, starterConfigText, type StarterChoices, type TestSetShape } from '../core/starterFromData';
import type { FieldMap } from '../core/types';
import { COMMANDS } from './commandIds';
import type { TestSetInspection } from '../worker/workerProtocol';
import { CONFIG_FILE, ConfigStore } from './workspaceConfig';
import type { WorkerClient } from './workerClient';

const DATA_GLOB = '**/*.{jsonl,ndjson,json,csv,tsv}';
const EXCLUDE = '**/{node_modules,.git,dist,out,.vscode,.vscode-test}/**';
const NOT_DATA = /(^|\/)(package(-lock)?|tsconfig|jsconfig|promptbudget|settings|launch|tasks|extensions)\.json$/;
const HEAD_BYTES = 64 * 1024;

/** A workspace file that looks like a test set. */
export interface FoundTestSet {
  uri: vscode.Uri;
  shape: TestSetShape;
}

async function readHead(uri: vscode.Uri): Promise<string> {
  const bytes = await vscode.workspace.fs.readFile(uri);
  return new TextDecoder().decode(bytes.subarray(0, HEAD_BYTES));
}

/** JSONL, JSON and CSV files with question- and answer-like fields; those with recorded outputs first. */
export async function findTestSets(): Promise<FoundTestSet[]> {
  const files = await vscode.workspace.findFiles(DATA_GLOB, EXCLUDE, 500);
  const found: FoundTestSet[] = [];
  for (const uri of files) {
    if (NOT_DATA.test(uri.path)) continue;
    try {
      const shape = inspectTestSetHead(await readHead(uri), uri.path);
      if (shape.isTestSet) found.push({ uri, shape });
    } catch {
      // unreadable: not offered
    }
  }
  return found.sort((a, b) => Number(b.shape.hasOutput) - Number(a.shape.hasOutput) || a.uri.path.length - b.uri.path.length || a.uri.path.localeCompare(b.uri.path));
}

/** Prompt files matching the `promptBudget.promptFiles` globs, shortest path first. */
export async function findPromptFiles(globs: readonly string[]): Promise<vscode.Uri[]> {
  const out = new Map<string, vscode.Uri>();
  for (const glob of globs) for (const uri of await vscode.workspace.findFiles(glob, EXCLUDE, 50)) out.set(uri.toString(), uri);
  return [...out.values()].sort((a, b) => a.path.length - b.path.length || a.path.localeCompare(b.path));
}

/** Path of `uri` relative to `dir` with forward slashes (the config's paths resolve from its folder). */
export function relativeTo(dir: vscode.Uri, uri: vscode.Uri): string {
  const base = dir.path.endsWith('/') ? dir.path : `${dir.path}/`;
  return uri.path.startsWith(base) ? uri.path.slice(base.length) : vscode.workspace.asRelativePath(uri, false);
}

export interface StarterDeps {
  worker: WorkerClient;
  promptGlobs: readonly string[];
  log: vscode.LogOutputChannel;
}

/** Reads a test set in the worker: the presets its data needs and cutoffs for its traces' lengths. */
export async function inspectTestSet(deps: StarterDeps, uri: vscode.Uri, fields?: Partial<FieldMap>): Promise<TestSetInspection> {
  const bytes = await vscode.workspace.fs.readFile(uri);
  return deps.worker.call('inspectTestSet', { bytes, fileName: uri.path, fields, encoding: 'o200k_base', engine: 'gpt-tokenizer' });
}

/** Writes a new config at `target`; false when a file is already there (nothing is overwritten). */
async function createConfigFile(target: vscode.Uri, text: string): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(target);
    return false;
  } catch {
    // absent: create it
  }
  const edit = new vscode.WorkspaceEdit();
  edit.createFile(target, { overwrite: false, ignoreIfExists: true, contents: new TextEncoder().encode(text) });
  return vscode.workspace.applyEdit(edit);
}

/**
 * The starter config for this workspace, built from its own files: the test set most like one
 * (recorded outputs first, or `testSet` when given), the first prompt file, the extraction and match
 * detected from the data, and cutoffs up to about the p95 of its traces. Paths are only of files
 * that exist.
 */
export async function starterChoices(deps: StarterDeps, dir: vscode.Uri, testSet?: vscode.Uri): Promise<{ choices: StarterChoices; inspection: TestSetInspection | null; testSet: vscode.Uri | null }> {
  const found = await findTestSets();
  const chosen = testSet ? { uri: testSet, shape: found.find((f) => f.uri.toString() === testSet.toString())?.shape } : found[0];
  const prompts = await findPromptFiles(deps.promptGlobs);
  const choices: StarterChoices = { testSets: chosen ? [relativeTo(dir, chosen.uri)] : [], prompt: prompts[0] ? relativeTo(dir, prompts[0]) : null };
  let inspection: TestSetInspection | null = null;
  if (chosen) {
    if (chosen.shape) choices.fields = chosen.shape.fields;
    try {
      inspection = await inspectTestSet(deps, chosen.uri, choices.fields);
      if (inspection.detected) choices.detected = inspection.detected;
      choices.cutoffs = inspection.cutoffs;
      choices.thinking = inspection.thinking === true;
    } catch (e) {
      deps.log.warn(`starter config: could not read ${vscode.workspace.asRelativePath(chosen.uri)}: ${(e as Error).message}`);
    }
  }
  return { choices, inspection, testSet: chosen?.uri ?? null };
}

/**
 * Create Starter Config: never overwrites; an existing config is opened unchanged. Offers to run
 * the sweep when the config names a test set.
 */
export async function createStarterConfig(deps: StarterDeps, testSet?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const target = ConfigStore.candidates()[0];
  if (!target) {
    void vscode.window.showWarningMessage('Prompt Budget: open a folder first; the config lives at the root of the workspace.');
    return undefined;
  }
  const dir = vscode.Uri.joinPath(target, '..');
  const { choices, inspection, testSet: used } = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Prompt Budget: looking for test sets' },
    () => starterChoices(deps, dir, testSet),
  );
  if (!(await createConfigFile(target, starterConfigText(choices)))) {
    void vscode.window.showInformationMessage(`Prompt Budget: ${CONFIG_FILE} already exists; opened it unchanged.`);
    await vscode.window.showTextDocument(target);
    return target;
  }
  await vscode.window.showTextDocument(target);
  const what = used ? vscode.workspace.asRelativePath(used) : null;
  deps.log.info(`created ${CONFIG_FILE}${what ? ` for ${what}` : ''}${inspection?.detected ? `; detected: ${inspection.detected.reason}` : ''}`);
  if (!what) {
    const pick = 'Pick Test Set';
    const a = await vscode.window.showInformationMessage(`Prompt Budget: created ${CONFIG_FILE}. No JSONL, JSON or CSV file with question and answer fields was found; pick the test set when you have one.`, pick);
    if (a === pick) await vscode.commands.executeCommand(COMMANDS.pickTestSet);
    return target;
  }
  const detected = inspection?.detected;
  const summary = detected ? ` Detected extract ${detected.extract.preset}, match ${detected.match.preset}: ${detected.reason}` : '';
  const run = 'Run Sweep';
  void vscode.window.showInformationMessage(`Prompt Budget: created ${CONFIG_FILE} for ${what}.${summary}`, run).then((a) => {
    if (a === run) void vscode.commands.executeCommand(COMMANDS.runSweep);
  });
  return target;
}
