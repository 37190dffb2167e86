import * as vscode from 'vscode';
import type { ConfigStore } from './workspaceConfig';
import type { SettingsStore } from './settings';

/** Which documents are prompts: the `promptBudget.promptFiles` globs plus the config's linked prompt. */
export class PromptFiles {
  constructor(
    private readonly settings: SettingsStore,
    private readonly config: ConfigStore,
  ) {}

  selector(): vscode.DocumentFilter[] {
    const filters: vscode.DocumentFilter[] = this.settings.settings.promptFiles.map((pattern) => ({ pattern }));
    const c = this.config.current;
    if (c?.config.prompt) filters.push({ pattern: new vscode.RelativePattern(c.dir, c.config.prompt) });
    return filters;
  }

  isPrompt(doc: vscode.TextDocument): boolean {
    const linked = this.config.promptUri();
    if (linked && linked.toString() === doc.uri.toString()) return true;
    return vscode.languages.match(this.selector(), doc) > 0;
  }
}
