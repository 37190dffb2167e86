import * as vscode from 'vscode';
import { displayUrl } from '../../core/live/liveError';
import { describeSource, isLoopback, keyDecision, withConsent, type KeyDecisionInput } from './endpointTrust';

/** globalState (per user, not per workspace, so a repository cannot pre-approve itself). */
const APPROVED_KEY = 'promptBudget.live.approvedEndpoints';

function approved(state: vscode.Memento): string[] {
  const v = state.get<unknown>(APPROVED_KEY);
  return Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : [];
}

/**
 * Whether the stored key may go to the base URL: asks in a modal, naming the URL, when the URL
 * comes from the workspace and the user has not approved it yet. `send` and `noKey` go ahead;
 * `cancel` sends nothing.
 */
export async function confirmKeyTarget(
  globalState: vscode.Memento,
  input: Omit<KeyDecisionInput, 'consented'>,
  log: vscode.LogOutputChannel,
): Promise<'send' | 'noKey' | 'cancel'> {
  const decision = keyDecision({ ...input, consented: approved(globalState) });
  if (decision === 'invalid') {
    void vscode.window.showErrorMessage(`Prompt Budget: the live base URL ${displayUrl(input.baseUrl)} is not an http:// or https:// URL.`);
    return 'cancel';
  }
  if (decision !== 'ask') return decision;
  const url = displayUrl(input.baseUrl);
  const clear = new URL(input.baseUrl).protocol === 'http:' && !isLoopback(input.baseUrl) ? ' It is plain http, so the key would also travel unencrypted.' : '';
  const allow = 'Send Key to This URL';
  const pick = await vscode.window.showWarningMessage(
    `Send your API key to ${url}?`,
    {
      modal: true,
      detail: `This base URL comes from ${describeSource(input.source)} in this workspace, not from your user settings. A repository can set it to collect keys.${clear} Allow only a server you know; Prompt Budget remembers your answer for this URL.`,
    },
    allow,
  );
  if (pick !== allow) {
    log.info(`live run: sending the API key to ${url} was not allowed; nothing sent`);
    return 'cancel';
  }
  await globalState.update(APPROVED_KEY, withConsent(approved(globalState), input.baseUrl));
  log.info(`live run: ${url} approved for the API key`);
  return 'send';
}
