import * as vscode from 'vscode';
import { COMMANDS } from './commandIds';
import { formatCount, formatTokenCount, promptLensTitle } from '../shared/format';
import type { PromptFiles } from './promptFiles';
import type { TokenService } from './tokenService';

/** `N tokens` above a prompt file and above each of its markdown sections: the body the status bar counts, in its tokenizer. */
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
    // The status bar's own counts: the body in the prompt's tokenizer, and the same "as sent" figure.
    const [counted, sent] = await Promise.all([this.tokens.countPrompt(doc, true), this.tokens.countAsSent(doc).catch(() => undefined)]);
    if (token.isCancellationRequested) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const body = counted.bodyLine > 0 ? 'body (front matter excluded)' : 'file';
    const how = sent ? `; ${formatCount(sent.promptTokens)} as sent, with the chat format as one ${sent.role} message` : '';
    const lenses = [
      new vscode.CodeLens(top, {
        title: promptLensTitle(counted, counted.encoding, sent?.promptTokens),
        tooltip: `Tokens in this prompt ${body}, counted with ${counted.encoding}${counted.source ? ` (${counted.source})` : ''}${how}. Click to choose the encoding.`,
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
