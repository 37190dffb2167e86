import * as vscode from 'vscode';
import type { EncodingName } from '../core/types';
import { hfCacheDir, listCachedTokenizers } from '../node/hfCache';
import { SETTINGS_SECTION } from './settings';
import { CONFIG_FILE } from './workspaceConfig';

type Choice = { kind: 'encoding'; value: 'auto' | EncodingName } | { kind: 'tokenizer'; path: string } | { kind: 'browse' };

/**
 * The encoding picker: the OpenAI encodings, `auto`, every tokenizer in the Hugging Face cache
 * (`$HF_HOME`, else ~/.cache/huggingface/hub), and a file browser for any other tokenizer.json.
 * Only file names are read here; the worker loads the tokenizer.
 */
export async function chooseTokenizer(current: { label: string; tokenizerSetting: string }): Promise<void> {
  const items: (vscode.QuickPickItem & { choice?: Choice })[] = [
    { label: 'o200k_base', description: 'GPT-4o, GPT-4.1, o-series, GPT-5', choice: { kind: 'encoding', value: 'o200k_base' } },
    { label: 'cl100k_base', description: 'GPT-4, GPT-3.5 Turbo, text-embedding-3', choice: { kind: 'encoding', value: 'cl100k_base' } },
    { label: 'auto', description: `the tokenizer or encoding in ${CONFIG_FILE}, else o200k_base`, choice: { kind: 'encoding', value: 'auto' } },
  ];
  const cacheDir = hfCacheDir();
  const cached = listCachedTokenizers(cacheDir);
  items.push({ label: `Hugging Face cache (${cacheDir})`, kind: vscode.QuickPickItemKind.Separator });
  for (const t of cached) items.push({ label: t.name, description: 'model tokenizer', detail: t.tokenizerJson, choice: { kind: 'tokenizer', path: t.tokenizerJson } });
  if (cached.length === 0) items.push({ label: 'no tokenizers in the cache', description: 'download a model with the Hugging Face CLI, or browse for a tokenizer.json' });
  items.push({ label: '$(folder-opened) Browse for a tokenizer.json…', choice: { kind: 'browse' } });
  for (const i of items) if (i.label === current.label || (i.choice?.kind === 'tokenizer' && i.choice.path === current.tokenizerSetting)) i.description = `${i.description ?? ''} (in use)`;
  const pick = await vscode.window.showQuickPick(items, { title: 'Prompt Budget: tokenizer for token counts', matchOnDetail: true });
  if (!pick?.choice) return;
  let choice = pick.choice;
  if (choice.kind === 'browse') {
    const files = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'tokenizer.json': ['json'] }, openLabel: 'Count with this tokenizer' });
    if (!files?.[0]) return;
    choice = { kind: 'tokenizer', path: files[0].fsPath };
  }
  const settings = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  if (choice.kind === 'encoding') {
    await settings.update('tokenizer', undefined, target);
    await settings.update('encoding', choice.value, target);
  } else {
    await settings.update('tokenizer', choice.path, target);
  }
}
