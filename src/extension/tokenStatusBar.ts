import * as vscode from 'vscode';
import { COMMANDS } from './commandIds';
import { costPerCall, formatCount, formatUsd } from '../shared/format';
import type { PromptFiles } from './promptFiles';
import type { SettingsStore } from './settings';
import type { Prices } from '../shared/protocol';
import type { CountedAsSent, TokenService } from './tokenService';
import { kindLabel, promptExplanation } from './codePromptCodeLens';

/** The tooltip's words for an "as sent" count. */
function asSentText(a: CountedAsSent): string {
  const how = a.method === 'chat_template' ? "rendered with the model's chat template, generation prompt included" : 'OpenAI per-message overhead: 3 per message, 3 for the reply';
  return `As sent (${a.source}): ${formatCount(a.promptTokens)} tokens = ${formatCount(a.contentTokens)} of the prompt (front matter excluded) + ${formatCount(a.templateTokens)} of the chat format, as one ${a.role} message, ${how} (${a.tokenizer}).`;
}

/** Output tokens per call used for the cost estimate: the recommended policy's mean, when a sweep ran. */
export type OutputTokensSource = () => { tokens: number; label: string } | undefined;

/**
 * The status bar item: tokens of the active prompt file or of the selection, the encoding and an
 * estimated cost per call. Clicking it picks the encoding.
 */
export class TokenStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  constructor(
    private readonly tokens: TokenService,
    private readonly prompts: PromptFiles,
    private readonly settings: SettingsStore,
    private readonly outputTokens: OutputTokensSource,
    private readonly prices: () => Prices,
    refreshOn: vscode.Event<unknown>[],
  ) {
    this.item = vscode.window.createStatusBarItem('promptBudget.tokens', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Prompt Budget: tokens';
    this.item.command = { command: COMMANDS.chooseEncoding, title: 'Choose encoding' };
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh(0)),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor === vscode.window.activeTextEditor) this.refresh(this.settings.settings.debounceMs);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === vscode.window.activeTextEditor?.document && e.contentChanges.length > 0) this.refresh(this.settings.settings.debounceMs);
      }),
      ...refreshOn.map((event) => event(() => this.refresh(0))),
    );
    this.refresh(0);
  }

  /** Recounts after `delay` ms (typing restarts the wait). */
  refresh(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), delay);
  }

  private async update(): Promise<void> {
    const gen = ++this.generation;
    const editor = vscode.window.activeTextEditor;
    if (!editor || !this.settings.settings.statusBar) {
      this.item.hide();
      return;
    }
    const doc = editor.document;
    const selections = editor.selections.filter((s) => !s.isEmpty);
    const isPrompt = this.prompts.isPrompt(doc);
    const inCode = !isPrompt && selections.length === 0 && this.settings.settings.codePrompts.statusBar && this.tokens.isCode(doc);
    if (!isPrompt && selections.length === 0 && !inCode) {
      this.item.hide();
      return;
    }
    try {
      let count: number;
      let approximate: boolean;
      let encoding: string;
      let what: string;
      let asSent: CountedAsSent | undefined;
      let asSentNote: string | undefined;
      let bodyNote: string | undefined;
      if (inCode) {
        const counted = await this.tokens.countCode(doc);
        if (gen !== this.generation) return;
        const at = doc.offsetAt(editor.selection.active);
        const literal = counted.prompts.find((p) => p.start <= at && at <= p.end);
        if (!literal) {
          this.item.hide();
          return;
        }
        ({ count, approximate } = literal);
        encoding = counted.encoding;
        what = `${kindLabel(literal).toLowerCase()} at line ${literal.line}, ${promptExplanation(literal, encoding)}`;
      } else if (selections.length > 0) {
        const text = selections.map((s) => doc.getText(s)).join('\n');
        const c = await this.tokens.countText(doc.uri.toString(), text);
        ({ count, approximate, encoding } = c);
        what = selections.length > 1 ? `${selections.length} selections` : 'selection';
      } else {
        const [c, sent] = await Promise.all([this.tokens.countPrompt(doc, false), this.tokens.countAsSent(doc).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))]);
        ({ count, approximate, encoding } = c);
        what = vscode.workspace.asRelativePath(doc.uri);
        if (c.bodyLine > 0) bodyNote = 'the body, front matter excluded, as the CodeLens shows';
        if (sent instanceof Error) asSentNote = `As sent: not counted (${sent.message}).`;
        else if (sent) asSent = sent;
      }
      if (gen !== this.generation) return;
      const prices = this.prices();
      const out = this.outputTokens();
      // As sent, the model bills the rendered chat, so the cost is priced on it.
      const cost = costPerCall(asSent?.promptTokens ?? count, out?.tokens ?? 0, prices);
      const shown = `${approximate ? '≈' : ''}${formatCount(count)}`;
      // Before a sweep only the input is priced; say so rather than show a smaller figure under the same label.
      const costLabel = out ? 'in+out' : 'input';
      this.item.text = asSent
        ? `$(symbol-numeric) ${shown} tokens · as sent ${formatCount(asSent.promptTokens)} · ${asSent.tokenizer} · ${costLabel} ${formatUsd(cost)}/call`
        : `$(symbol-numeric) ${shown} tokens · ${encoding} · ${costLabel} ${formatUsd(cost)}/call`;
      const tip = new vscode.MarkdownString(undefined, true);
      tip.appendMarkdown('**Prompt Budget** — ');
      tip.appendText(what);
      tip.appendMarkdown('\n\n');
      const sentLine = asSent ? asSentText(asSent) : asSentNote;
      if (sentLine) tip.appendText(sentLine).appendMarkdown('\n\n');
      tip.appendText(`${shown} input tokens (${encoding})${bodyNote ? `: ${bodyNote}` : ''}${approximate ? ', estimated for very long runs without spaces' : ''}`).appendMarkdown('\n\n');
      tip.appendMarkdown(
        out
          ? `Estimated cost per call ${formatUsd(cost)}: input at $${prices.inputPer1M}/1M, plus ${out.tokens.toFixed(0)} output tokens (${out.label}) at $${prices.outputPer1M}/1M.\n\n`
          : `Estimated input cost per call ${formatUsd(cost)} at $${prices.inputPer1M}/1M tokens (run a sweep to add output tokens).\n\n`,
      );
      tip.appendMarkdown('Click to choose the encoding.');
      this.item.tooltip = tip;
      this.item.accessibilityInformation = { label: `${shown} tokens${asSent ? `, ${formatCount(asSent.promptTokens)} as sent` : ''}, ${asSent?.tokenizer ?? encoding}, about ${formatUsd(cost)} per call (${out ? 'input and output' : 'input only'})` };
      this.item.show();
    } catch {
      if (gen === this.generation) this.item.hide();
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
