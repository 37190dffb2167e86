import * as vscode from 'vscode';
import { COMMANDS } from './commandIds';
import { costPerCall, formatTokenCount, formatUsd } from '../shared/format';
import type { Prices } from '../shared/protocol';
import type { CodePromptCount } from '../worker/workerProtocol';
import type { TokenService } from './tokenService';

/** The languages whose string literals are looked at for prompts. */
export const CODE_PROMPT_SELECTOR: vscode.DocumentFilter[] = ['python', 'typescript', 'javascript', 'typescriptreact', 'javascriptreact'].map((language) => ({ language }));

/** What a lens or the status bar says about a prompt's kind. */
export function kindLabel(p: CodePromptCount): string {
  switch (p.kind) {
    case 'template':
      return 'Prompt template';
    case 'concatenation':
      return 'Prompt (joined)';
    default:
      return 'Prompt';
  }
}

/** The tooltip words for a prompt: why it is one and what was counted. */
export function promptExplanation(p: CodePromptCount, encoding: string): string {
  const counted = p.kind === 'template' ? 'placeholders counted as written' : p.kind === 'concatenation' ? 'the joined parts counted as one prompt' : 'the text between the quotes';
  return `${formatTokenCount(p.count, p.approximate)} (${encoding}): ${p.reason}; ${counted}.`;
}

/** `Prompt: N tokens · input $x/call` above each prompt literal of a Python, TypeScript or JavaScript file. */
export class CodePromptCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;

  constructor(
    private readonly tokens: TokenService,
    private readonly prices: () => Prices,
  ) {}

  /** Asks VS Code to request the lenses again (encoding, prices or settings changed). */
  refresh(): void {
    this.emitter.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!this.tokens.isCode(doc)) return [];
    const counted = await this.tokens.countCode(doc);
    if (token.isCancellationRequested || counted.version !== doc.version) return [];
    const prices = this.prices();
    return counted.prompts.map((p) => {
      const line = doc.positionAt(p.quote).line;
      return new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
        title: `${kindLabel(p)}: ${formatTokenCount(p.count, p.approximate)} · input ${formatUsd(costPerCall(p.count, 0, prices))}/call`,
        tooltip: `${promptExplanation(p, counted.encoding)} Input cost at $${prices.inputPer1M}/1M tokens. Click to choose the encoding.`,
        command: COMMANDS.chooseEncoding,
      });
    });
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
