import * as vscode from 'vscode';
import { applyEdits, modify } from 'jsonc-parser';

/** Replaces the `cutoffs` array of the config, keeping its formatting and comments. */
export async function writeCutoffs(uri: vscode.Uri, cutoffs: number[]): Promise<boolean> {
  return writeConfigValues(uri, [[['cutoffs'], cutoffs]]);
}

/** Sets values in the config (each a JSON path and a value), keeping its formatting and comments, and saves it. */
export async function writeConfigValues(uri: vscode.Uri, entries: readonly [(string | number)[], unknown][]): Promise<boolean> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const original = doc.getText();
  const formattingOptions = { insertSpaces: true, tabSize: 2, eol: doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n' };
  let text = original;
  for (const [path, value] of entries) text = applyEdits(text, modify(text, path, value, { formattingOptions }));
  if (text === original) return true;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(original.length)), text);
  const ok = await vscode.workspace.applyEdit(edit);
  if (ok) await doc.save();
  return ok;
}
