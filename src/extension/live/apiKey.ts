import * as vscode from 'vscode';

/** The SecretStorage entry of the API key. The key lives there only: never settings, logs or files. */
export const API_KEY_SECRET = 'promptBudget.live.apiKey';

/** Asks for the key (masked input) and stores it; resolves true when a key was saved. */
export async function setApiKey(secrets: vscode.SecretStorage, log: vscode.LogOutputChannel): Promise<boolean> {
  const had = (await secrets.get(API_KEY_SECRET)) !== undefined;
  const key = await vscode.window.showInputBox({
    title: 'Prompt Budget: API key for live runs',
    prompt: `Kept in the editor's secret storage and sent only as "Authorization: Bearer …" to the live base URL.${had ? ' Replaces the stored key.' : ''}`,
    placeHolder: 'sk-…',
    password: true,
    ignoreFocusOut: true,
    validateInput: (text) => (text.trim() === '' ? 'Enter a key, or press Escape to keep the current one.' : /\s/.test(text.trim()) ? 'A key has no spaces.' : null),
  });
  if (key === undefined) return false;
  await secrets.store(API_KEY_SECRET, key.trim());
  log.info(had ? 'API key replaced (stored in secret storage)' : 'API key stored in secret storage');
  void vscode.window.showInformationMessage('Prompt Budget: API key saved in the secret storage.');
  return true;
}

/** Deletes the stored key. */
export async function clearApiKey(secrets: vscode.SecretStorage, log: vscode.LogOutputChannel): Promise<void> {
  const had = (await secrets.get(API_KEY_SECRET)) !== undefined;
  await secrets.delete(API_KEY_SECRET);
  log.info(had ? 'API key cleared' : 'no API key was stored');
  void vscode.window.showInformationMessage(had ? 'Prompt Budget: API key cleared.' : 'Prompt Budget: no API key was stored.');
}

/** The stored key, if any. */
export async function getApiKey(secrets: vscode.SecretStorage): Promise<string | undefined> {
  const key = await secrets.get(API_KEY_SECRET);
  return key ? key : undefined;
}
