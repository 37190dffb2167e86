import * as vscode from 'vscode';
import { applyEdits, modify } from 'jsonc-parser';
import { STARTER_CONFIG_TEXT } from '../core/config/starterConfig';
import { CONFIG_FILE, ConfigStore } from './workspaceConfig';

/**
 * Creates `promptbudget.json` at the workspace root from the starter text. Never overwrites: when a
 * config exists it is opened instead.
 */
export async function createStarterConfig(): Promise<vscode.Uri | undefined> {
  const target = ConfigStore.candidates()[0];
  if (!target) {
    void vscode.window.showWarningMessage('Prompt Budget: open a folder first; the config lives at the root of the workspace.');
    return undefined;
  }
  let exists = true;
  try {
    await vscode.workspace.fs.stat(target);
  } catch {
    exists = false;
  }
  if (!exists) {
    const edit = new vscode.WorkspaceEdit();
    edit.createFile(target, { overwrite: false, ignoreIfExists: true, contents: new TextEncoder().encode(STARTER_CONFIG_TEXT) });
    await vscode.workspace.applyEdit(edit);
  } else {
    void vscode.window.showInformationMessage(`Prompt Budget: ${CONFIG_FILE} already exists; opened it unchanged.`);
  }
  await vscode.window.showTextDocument(target);
  return target;
}

/** Replaces the `cutoffs` array of the config, keeping its formatting and comments. */
export async function writeCutoffs(uri: vscode.Uri, cutoffs: number[]): Promise<boolean> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const text = doc.getText();
  const edits = modify(text, ['cutoffs'], cutoffs, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n' } });
  if (applyEdits(text, edits) === text) return true;
  const edit = new vscode.WorkspaceEdit();
  for (const e of edits) edit.replace(uri, new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)), e.content);
  const ok = await vscode.workspace.applyEdit(edit);
  if (ok) await doc.save();
  return ok;
}
