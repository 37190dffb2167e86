/**
 * Number formatting for every surface: the CLI renderer (`report.ts`), and through
 * `src/shared/format.ts` the results panel, the status bar and the CodeLens, so one figure reads the
 * same everywhere. Pure and import-free on purpose: shared and the webview may value-import this one
 * core module (see eslint.layers.mjs). Negative numbers use the Unicode minus sign.
 */

const MINUS = '\u2212';

function signed(text: string, value: number): string {
  if (value < 0) return MINUS + text;
  if (value > 0) return '+' + text;
  return text;
}

/** `81.0` for 0.81 (a fraction as percent points, `digits` decimals). */
export function pct(fraction: number, digits = 1): string {
  return (fraction * 100).toFixed(digits);
}

/** Signed points with a real minus sign: `−2.8`, `+0.4`, `0.0`. */
export function signedPts(fraction: number, digits = 1): string {
  const v = Number((fraction * 100).toFixed(digits));
  // -0 rounds to "0.0" without a sign, as 0 does.
  return signed(Math.abs(v).toFixed(digits), v);
}

/**
 * Savings as the change in tokens: 0.38 → `−38%` (tokens go down), 0 → `±0%`. Whole percents, but one decimal where
 * rounding would say something false: a small saving is not `±0%` (0.004 → `−0.4%`) and 99.5% is not `−100%`.
 */
export function tokenChange(savings: number): string {
  const whole = Math.round(savings * 100);
  const fine = (whole === 0 || Math.abs(whole) === 100) && Math.abs(savings) < 1;
  const v = fine ? Number((savings * 100).toFixed(1)) : whole;
  return v === 0 ? '±0%' : `${signed(String(Math.abs(v)), -v)}%`;
}

/** A fraction as points or percent in prose, without a trailing `.0`: 0.25 → `25`, 0.042 → `4.2`. */
export function points(fraction: number): string {
  const s = (fraction * 100).toFixed(1);
  return s.endsWith('.0') ? s.slice(0, -2) : s;
}

/** {@link points} with a real minus or a plus sign; `0` unsigned: −0.028 → `−2.8`. */
export function signedPoints(fraction: number): string {
  const s = points(Math.abs(fraction));
  return s === '0' ? '0' : signed(s, fraction);
}

/** A McNemar p-value: `1`, `0.031`, `<0.001`. */
export function formatP(p: number): string {
  if (p >= 0.9995) return '1';
  if (p < 0.001) return '<0.001';
  return p.toFixed(3);
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
  return pct(fraction);
}

/** Signed points with one decimal: −0.028 → `−2.8`, 0 → `0.0`. */
export function formatSignedPts(fraction: number): string {
  return signedPts(fraction);
}

/** A change in EM as signed points: −0.028 → `−2.8 pts`. */
export function formatDeltaPts(fraction: number): string {
  return `${signedPts(fraction)} pts`;
}

/** A 95% confidence interval of ΔEM in points: `−4.1…−1.5`. */
export function formatCi(ci: readonly [number, number]): string {
  return `${signedPts(ci[0])}…${signedPts(ci[1])}`;
}

/** Savings as the change in tokens: 0.38 → `−38%`. */
export function formatSavings(savings: number): string {
  return tokenChange(savings);
}

/** A dollar amount with enough digits to be useful for tiny per-call costs: `$0.00123`. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  const abs = Math.abs(usd);
  const digits = abs >= 1 ? 2 : Math.min(8, Math.max(2, 2 - Math.floor(Math.log10(abs))));
  return `${usd < 0 ? MINUS : ''}$${abs.toFixed(digits)}`;
}
