/** The UI's number formatting: the one formatter in `src/core/format.ts`, plus cost per call and token counts. */
import type { Prices } from './protocol';

export { formatCi, formatCount, formatDeltaPts, formatEm, formatMeanTokens, formatP, formatSavings, formatSignedPts, formatUsd } from '../core/format';
import { formatCount, formatEm } from '../core/format';

/** Cost per call in dollars for `inputTokens` in and `outputTokens` out. */
export function costPerCall(inputTokens: number, outputTokens: number, prices: Prices): number {
  return (inputTokens * prices.inputPer1M + outputTokens * prices.outputPer1M) / 1e6;
}

/** A token count with its encoding, `≈` when part of it was estimated. */
export function formatTokenCount(count: number, approximate: boolean): string {
  return `${approximate ? '≈' : ''}${formatCount(count)} tokens`;
}

/** The lens above a prompt file, with the status bar's figures: `Prompt: 24 tokens (qwen3) · as sent 33`. */
export function promptLensTitle(body: { count: number; approximate: boolean }, tokenizer: string, asSent?: number): string {
  return `Prompt: ${formatTokenCount(body.count, body.approximate)} (${tokenizer})${asSent === undefined ? '' : ` · as sent ${formatCount(asSent)}`}`;
}

/** EM with the count it comes from, as the panel shows it: `85.5% · 94/110`. */
export function formatEmCount(em: number, correct: number, cases: number): string {
  return `${formatEm(em)}% · ${formatCount(correct)}/${formatCount(cases)}`;
}
