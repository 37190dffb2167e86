/**
 * Thinking budgets: cap the thinking at K tokens, close it, and let the model answer. The live run
 * asks for one short forced answer per budget below a case's thinking length; the sweep and the
 * runtime replay the `budget:<K>` policy from those records.
 */
import type { ChatMessage } from './live/promptTemplate';
import { DEFAULT_ANSWER_CUE, DEFAULT_THINK_CLOSE, renderProbePrompt } from './live/promptTemplate';
import { cutText, tokenizeWithOffsets, type Tokenizer } from './tokens';

export { DEFAULT_ANSWER_CUE, DEFAULT_THINK_CLOSE };

/** Options of the forced-answer calls. */
export interface ForceOptions {
  /** Thinking budgets in tokens, ascending. */
  budgets: readonly number[];
  /** `max_tokens` of each forced-answer call. Default 32. */
  maxTokens?: number;
  /** Text after the closed thinking. Default {@link DEFAULT_ANSWER_CUE}. */
  cue?: string;
  /** Closes the thinking. Default {@link DEFAULT_THINK_CLOSE}. */
  close?: string;
}

/** The thinking of a trace: the text inside a leading `<think>…</think>` (or to the end when unclosed). */
export function thinkingOf(trace: string): { thinking: string; closed: boolean } {
  const m = /^\s*<think>/.exec(trace);
  if (!m) return { thinking: '', closed: true };
  const rest = trace.slice(m[0].length);
  const end = rest.indexOf('</think>');
  return end < 0 ? { thinking: rest, closed: false } : { thinking: rest.slice(0, end), closed: true };
}

/** Thinking length of a trace in tokens of `tokenizer`. */
export function thinkingTokens(tokenizer: Tokenizer, trace: string): number {
  const { thinking } = thinkingOf(trace);
  return thinking === '' ? 0 : tokenizer.count(thinking);
}

/** Budgets that need a forced answer: those strictly below the thinking length. */
export function budgetsToForce(thinkingCount: number, budgets: readonly number[]): number[] {
  return [...new Set(budgets)].filter((k) => k < thinkingCount).sort((a, b) => a - b);
}

/** The trace prefix a forced answer continues: `<think>` + the first `k` thinking tokens + the close. */
export function forcedTracePrefix(tokenizer: Tokenizer, trace: string, k: number, close = DEFAULT_THINK_CLOSE): string {
  const { thinking } = thinkingOf(trace);
  const tokens = tokenizeWithOffsets(tokenizer, thinking);
  return `<think>${cutText(thinking, tokens, k)}${close}`;
}

/** The `/completions` prompt of a forced answer at budget `k` (template placeholders as for probes). */
export function forcedAnswerPrompt(template: string, messages: readonly ChatMessage[], tracePrefix: string, cue = DEFAULT_ANSWER_CUE): string {
  return renderProbePrompt(template, messages, tracePrefix, cue);
}
