/**
 * Number formatting shared by the status bar, the CodeLens and the results panel, so every
 * surface prints the same figure the same way (and as `src/core/report.ts` prints it for the CLI).
 * Negative numbers use the Unicode minus sign.
 */
import type { Prices } from './protocol';

const MINUS = '\u2212';

function signed(text: string, value: number): string {
  if (value < 0) return MINUS + text;
  if (value > 0) return '+' + text;
  return text;
}

/** A whole token count with thousands separators: `12,345`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A mean token count: one decimal below 100, whole above. */
export function formatMeanTokens(n: number): string {
  return n < 100 ? n.toFixed(1) : formatCount(n);
}

/** EM as points with one decimal: 0.8104 → `81.0`. */
export function formatEm(fraction: number): string {
  return (fraction * 100).toFixed(1);
}

/** Signed points with one decimal: −0.028 → `−2.8`, 0 → `0.0`. */
export function formatSignedPts(fraction: number): string {
  const v = Number((fraction * 100).toFixed(1));
  return signed(Math.abs(v).toFixed(1), v);
}

/** A change in EM as signed points: −0.028 → `−2.8 pts`. */
export function formatDeltaPts(fraction: number): string {
  return `${formatSignedPts(fraction)} pts`;
}

/** A 95% confidence interval of ΔEM in points: `−4.1…−1.5`. */
export function formatCi(ci: readonly [number, number]): string {
  return `${formatSignedPts(ci[0])}…${formatSignedPts(ci[1])}`;
}

/** Savings as the change in tokens: 0.38 → `−38%`. */
export function formatSavings(savings: number): string {
  const v = Math.round(savings * 100);
  return v === 0 ? '±0%' : `${signed(String(Math.abs(v)), -v)}%`;
}

/** A McNemar p-value: `1`, `0.031`, `<0.001`. */
export function formatP(p: number): string {
  if (p >= 0.9995) return '1';
  if (p < 0.001) return '<0.001';
  return p.toFixed(3);
}

/** Cost per call in dollars for `inputTokens` in and `outputTokens` out. */
export function costPerCall(inputTokens: number, outputTokens: number, prices: Prices): number {
  return (inputTokens * prices.inputPer1M + outputTokens * prices.outputPer1M) / 1e6;
}

/** A dollar amount with enough digits to be useful for tiny per-call costs: `$0.00123`. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  const abs = Math.abs(usd);
  const digits = abs >= 1 ? 2 : Math.min(8, Math.max(2, 2 - Math.floor(Math.log10(abs))));
  return `${usd < 0 ? MINUS : ''}$${abs.toFixed(digits)}`;
}

/** A token count with its encoding, `≈` when part of it was estimated. */
export function formatTokenCount(count: number, approximate: boolean): string {
  return `${approximate ? '≈' : ''}${formatCount(count)} tokens`;
}
