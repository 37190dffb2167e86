import * as vscode from 'vscode';
import { COMMANDS } from './commandIds';
import { formatTokenCount } from '../shared/format';
import type { PromptFiles } from './promptFiles';
import type { TokenService } from './tokenService';

/** `N tokens` above a prompt file and above each of its markdown sections. */
export class TokenCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;

  constructor(
    private readonly tokens: TokenService,
    private readonly prompts: PromptFiles,
  ) {}

  /** Asks VS Code to request the lenses again (encoding or config changed). */
  refresh(): void {
    this.emitter.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!this.prompts.isPrompt(doc)) return [];
    const counted = await this.tokens.count(doc, true);
    if (token.isCancellationRequested) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses = [
      new vscode.CodeLens(top, {
        title: `Prompt: ${formatTokenCount(counted.count, counted.approximate)} (${counted.encoding})`,
        tooltip: 'Tokens in this prompt file. Click to choose the encoding.',
        command: COMMANDS.chooseEncoding,
      }),
    ];
    for (const s of counted.sections ?? []) {
      if (s.line >= doc.lineCount) continue;
      lenses.push(
        new vscode.CodeLens(new vscode.Range(s.line, 0, s.line, 0), {
          title: formatTokenCount(s.count, s.approximate),
          tooltip: `Tokens in the section "${s.title}" (${counted.encoding}), subsections included`,
          command: '',
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
