/** Thinking budgets: cap the thinking at K tokens, close it, let the model answer (replayed as `budget:<K>`). */
import type { ChatMessage } from './live/promptTemplate';
import { DEFAULT_ANSWER_CUE, DEFAULT_THINK_CLOSE, renderProbePrompt } from './live/promptTemplate';
import { cutText, tokenizeWithOffsets, type Tokenizer } from './tokens';
import { DEFAULT_THINKING_TAGS, splitTrace } from './traceAnatomy';
import type { ForceMode } from './live/forceMode';
import { extraCallFields } from './live/extraBody';

export { FORCE_MODES, type ForceMode } from './live/forceMode';
import type { ThinkingTags } from './types';

export { DEFAULT_ANSWER_CUE, DEFAULT_THINK_CLOSE };

/** Options of the forced-answer calls. */
export interface ForceOptions {
  /** Default `completions`. */
  mode?: ForceMode;
  /** Thinking budgets in tokens, ascending. */
  budgets: readonly number[];
  /** `max_tokens` of each forced-answer call. Default 32. */
  maxTokens?: number;
  /** Text after the closed thinking. Default {@link DEFAULT_ANSWER_CUE}. */
  cue?: string;
  /** Closes the thinking. Default: {@link thinkCloseFor} the tags the trace's thinking opened with. */
  close?: string;
  /** Thinking tags the traces are split on (config `thinking`); default {@link DEFAULT_THINKING_TAGS}. */
  thinking?: readonly ThinkingTags[];
  /**
   * `chat-continuation` only: mark the prefilled assistant message `"prefix": true` (DeepSeek's and
   * Mistral's chat prefix completion) instead of sending vLLM's `continue_final_message`.
   */
  assistantPrefix?: boolean;
}

/** The thinking of a trace as {@link splitTrace} finds it with `tags`, and where it starts (empty when it has none). */
export function thinkingOf(trace: string, tags: readonly ThinkingTags[] = DEFAULT_THINKING_TAGS): { thinking: string; closed: boolean; start: number; tags?: ThinkingTags } {
  const split = splitTrace(trace, tags);
  if (!split) return { thinking: '', closed: true, start: 0 };
  return { thinking: trace.slice(split.thinkingStart, split.thinkingEnd), closed: split.closed, start: split.thinkingStart, tags: split.tags };
}

/** Thinking length of a trace in tokens of `tokenizer` (the text between the tags, as {@link thinkingOf} finds it). */
export function thinkingTokens(tokenizer: Tokenizer, trace: string, tags?: readonly ThinkingTags[]): number {
  const { thinking } = thinkingOf(trace, tags);
  return thinking === '' ? 0 : tokenizer.count(thinking);
}

/** How a forced answer closes thinking opened with `tags` (gpt-oss harmony: the close tag and answer channel). */
export function thinkCloseFor(tags: ThinkingTags): string {
  if (tags.close === '</think>') return DEFAULT_THINK_CLOSE;
  if (tags.answerFrom) return tags.answerFrom.startsWith('<|channel|>') ? `${tags.close}<|start|>assistant${tags.answerFrom}` : `${tags.close}${tags.answerFrom}`;
  return `\n${tags.close}\n\n`;
}

/** Budgets that need a forced answer: those strictly below the thinking length. */
export function budgetsToForce(thinkingCount: number, budgets: readonly number[]): number[] {
  return [...new Set(budgets)].filter((k) => k < thinkingCount).sort((a, b) => a - b);
}

/** The prefix a forced answer continues: the trace through its first `k` thinking tokens, then the close. */
export function forcedTracePrefix(tokenizer: Tokenizer, trace: string, k: number, close?: string, tags?: readonly ThinkingTags[]): string {
  const found = thinkingOf(trace, tags);
  const tokens = tokenizeWithOffsets(tokenizer, found.thinking);
  const shut = close ?? (found.tags ? thinkCloseFor(found.tags) : DEFAULT_THINK_CLOSE);
  return `${trace.slice(0, found.start)}${cutText(found.thinking, tokens, k)}${shut}`;
}

/** How a `chat-continuation` body asks the server to continue, and what else it carries. */
export interface ContinuationOptions {
  /** `"prefix": true` on the assistant message instead of vLLM's `continue_final_message` and `add_generation_prompt`. */
  assistantPrefix?: boolean;
  /** The run's extra fields (`live.extraBody`); the forced answer's own fields win, and a few never go (extraBody.ts). */
  extraBody?: Readonly<Record<string, unknown>>;
}

/** `chat-continuation` body: the messages, then an assistant message (prefix + cue) the server continues. */
export function continuationBody(model: string, messages: readonly ChatMessage[], tracePrefix: string, cue: string, maxTokens: number, opts: ContinuationOptions = {}): Record<string, unknown> {
  const last: Record<string, unknown> = { role: 'assistant', content: tracePrefix + cue };
  const how: Record<string, unknown> = { continue_final_message: true, add_generation_prompt: false };
  if (opts.assistantPrefix) {
    last.prefix = true;
    // DeepSeek and Mistral take the flag on the message; a strict server refuses vLLM's fields.
    delete how.continue_final_message;
    delete how.add_generation_prompt;
  }
  return { ...extraCallFields(opts.extraBody, 'chat'), model, messages: [...messages, last], max_tokens: maxTokens, temperature: 0, ...how };
}

/** The `/completions` prompt of a forced answer at budget `k` (template placeholders as for probes). */
export function forcedAnswerPrompt(template: string, messages: readonly ChatMessage[], tracePrefix: string, cue = DEFAULT_ANSWER_CUE): string {
  return renderProbePrompt(template, messages, tracePrefix, cue);
}
