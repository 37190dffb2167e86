/**
 * Output tokens of one generation from what the server reported. Most servers count reasoning in
 * `completion_tokens` (OpenAI's `completion_tokens_details.reasoning_tokens` is a part of it); some
 * report `completion_tokens` without the reasoning (an xAI grok-3-mini stream says 2 for 340 of
 * reasoning). Counts and cost must include the reasoning either way.
 */
import type { UsageRecord } from '../types';

/**
 * The generation's output tokens, reasoning included. `countReasoning` counts the reasoning text
 * with our tokenizer; it is called only when the server gave no `reasoning_tokens` and the reported
 * completion tokens cannot hold the reasoning. Without usage, `countAll` counts the whole trace.
 */
export function generationTokens(usage: UsageRecord | undefined, reasoning: string, countReasoning: () => number, countAll: () => number): number {
  const completion = usage?.completionTokens;
  if (completion === undefined) return countAll();
  const reported = usage?.reasoningTokens;
  if (reported !== undefined) return completion >= reported ? completion : completion + reported;
  if (reasoning === '') return completion;
  const counted = countReasoning();
  return completion >= counted ? completion : completion + counted;
}
