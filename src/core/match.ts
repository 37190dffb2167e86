import { compileUserRegex } from './extract';
import type { MatchConfig, MatchPreset, MatchResult } from './types';

/** Every match preset, in the order the UI lists them. */
export const MATCH_PRESETS: readonly MatchPreset[] = ['squad', 'numeric', 'math', 'strict'];

/** Python's `string.punctuation`: the 32 ASCII punctuation characters. */
const ASCII_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/** Python `str.split()` whitespace (JavaScript `\s` minus U+FEFF, plus U+001C–U+001F and U+0085). */
// eslint-disable-next-line no-control-regex -- Python counts U+001C–U+001F as whitespace
const PY_WHITESPACE = /[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

/** The articles as whole words; word characters as in Python 3 `\b` (Unicode letters, digits, `_`). */
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/** Removes Python `string.punctuation` characters. */
export function removeAsciiPunctuation(s: string): string {
  return s.replace(ASCII_PUNCTUATION, '');
}

/** SQuAD v1.1 `normalize_answer`: lower-case, drop ASCII punctuation, articles a/an/the → space, collapse spaces. */
export function normalizeSquad(s: string): string {
  const words = removeAsciiPunctuation(s.toLowerCase()).replace(ARTICLES, ' ');
  const collapsed = words.replace(PY_WHITESPACE, ' ');
  return collapsed.slice(collapsed.startsWith(' ') ? 1 : 0, collapsed.endsWith(' ') ? -1 : undefined);
}

/** Thrown where the hendrycks Python code would raise, so the caller can fall back to raw equality. */
class MathNormalizeError extends Error {}

function codePoints(s: string): string[] {
  return Array.from(s);
}

/** `\frac12` → `\frac{1}{2}`, `\frac1{72}` → `\frac{1}{72}`; two-argument forms untouched. */
function fixFracs(s: string): string {
  const parts = s.split('\\frac');
  let out = parts[0] as string;
  for (const part of parts.slice(1)) {
    out += '\\frac';
    const cps = codePoints(part);
    if (cps.length === 0) throw new MathNormalizeError('empty \\frac argument');
    if (cps[0] === '{') {
      out += part;
      continue;
    }
    if (cps.length < 2) return s;
    const [a, b] = cps as [string, string];
    const rest = cps.slice(2).join('');
    out += b === '{' ? `{${a}}{${rest}` : `{${a}}{${b}}${rest}`;
  }
  return out;
}

/** `3/4` → `\frac{3}{4}` when both sides are plain integers written canonically. */
function fixASlashB(s: string): string {
  const parts = s.split('/');
  if (parts.length !== 2) return s;
  const canonicalInt = /^-?(?:0|[1-9][0-9]*)$/;
  const [a, b] = parts as [string, string];
  if (!canonicalInt.test(a) || !canonicalInt.test(b) || a === '-0' || b === '-0') return s;
  return `\\frac{${a}}{${b}}`;
}

/** Keeps what precedes a single `\text{ ` (units on the right); two or more is an error upstream. */
function removeRightUnits(s: string): string {
  if (!s.includes('\\text{ ')) return s;
  const parts = s.split('\\text{ ');
  if (parts.length !== 2) throw new MathNormalizeError('more than one "\\text{ "');
  return parts[0] as string;
}

/** `\sqrt2` → `\sqrt{2}`: braces around the first character after each `\sqrt`. */
function fixSqrt(s: string): string {
  if (!s.includes('\\sqrt')) return s;
  const parts = s.split('\\sqrt');
  let out = parts[0] as string;
  for (const part of parts.slice(1)) {
    const cps = codePoints(part);
    if (cps.length === 0) throw new MathNormalizeError('empty \\sqrt argument');
    out += cps[0] === '{' ? `\\sqrt${part}` : `\\sqrt{${cps[0] as string}}${cps.slice(1).join('')}`;
  }
  return out;
}

/**
 * The hendrycks MATH `_strip_string` steps, in their order: drop line breaks, `\!`; `\\` → `\`;
 * tfrac/dfrac → frac; drop `\left`, `\right`, `^{\circ}`, `^\circ`, `\$`; drop a right-hand unit
 * after `\text{ `; drop `\%`; " ." → " 0.", "{." → "{0.", a leading "." → "0."; drop a left side
 * of at most 2 characters before the only `=`; `\sqrtX` → `\sqrt{X}`; drop spaces; `\fracXY` →
 * `\frac{X}{Y}`; "0.5" → `\frac{1}{2}`; integer `a/b` → `\frac{a}{b}`.
 *
 * Only `\%` is removed, not a bare `%`: the reference's second replace is `"\%"`, which Python
 * reads as the same two characters `\%`. Throws where the reference raises (two `\text{ `, an
 * empty `\sqrt` or `\frac` argument); `is_equiv` then compares the raw strings, as
 * `makeMatcher` does.
 */
export function stripMathString(input: string): string {
  let s = input.replaceAll('\n', '');
  s = s.replaceAll('\\!', '');
  s = s.replaceAll('\\\\', '\\');
  s = s.replaceAll('tfrac', 'frac').replaceAll('dfrac', 'frac');
  s = s.replaceAll('\\left', '').replaceAll('\\right', '');
  s = s.replaceAll('^{\\circ}', '').replaceAll('^\\circ', '');
  s = s.replaceAll('\\$', '');
  s = removeRightUnits(s);
  s = s.replaceAll('\\%', '');
  s = s.replaceAll(' .', ' 0.').replaceAll('{.', '{0.');
  if (s.length === 0) return s;
  if (s.startsWith('.')) s = `0${s}`;
  const sides = s.split('=');
  if (sides.length === 2 && codePoints(sides[0] as string).length <= 2) s = sides[1] as string;
  s = fixSqrt(s);
  s = s.replaceAll(' ', '');
  s = fixFracs(s);
  if (s === '0.5') s = '\\frac{1}{2}';
  return fixASlashB(s);
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A canonical key for a decimal written as text (`18`, `18.00`, `-0.5`, `1e3`), equal for equal values: digits without
 * leading/trailing zeros and a power of ten, exact (no tolerance needed). Null when the text is not a number.
 */
export function canonicalDecimal(s: string): string | null {
  const m = DECIMAL.exec(s);
  if (!m) return null;
  const [, sign, int = '', frac = '', exp = '0'] = m;
  if (int === '' && frac === '') return null;
  let digits = (int + frac).replace(/^0+/, '');
  let power = Number(exp) - frac.length;
  const trailing = /0+$/.exec(digits);
  if (trailing) {
    digits = digits.slice(0, trailing.index);
    power += trailing[0].length;
  }
  if (digits === '') return '0';
  return `${sign === '-' ? '-' : ''}${digits}e${power}`;
}

/** LaTeX text wrappers whose content is kept: `\text{18 dollars}` → `18 dollars`. */
const TEXT_WRAPPER = /\\(?:text|textbf|textrm|mathrm|mbox)\{([^{}]*)\}/g;
/** Spacing commands and degree marks that never change a number: `\!`, `\,`, `\;`, `\ `, `^\circ`. */
const LATEX_NOISE = /\\[!,;: ]|\^\{?\\circ\}?/g;
/** A number followed by a unit of letters (`4 hours`, `18cm`, `5 m`; not `2x`, and `3 cm^2` is not one). */
const NUMBER_THEN_UNIT = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:\s+[A-Za-z]|\s*[A-Za-z]{2})[A-Za-z .'/-]*$/;

/**
 * Numeric-preset cleaning: trim; keep the content of `\text{…}` (and `\textbf`, `\mathrm`,
 * `\mbox`); drop LaTeX spacing and degree marks, every `$` (also `\$`), `,` and `%` (also `\%`);
 * drop one trailing `.`; then a unit of letters after a number (`4 hours` → `4`).
 */
export function cleanNumeric(s: string): string {
  let t = s.trim();
  for (let prev = ''; prev !== t; ) {
    prev = t;
    t = t.replace(TEXT_WRAPPER, '$1');
  }
  t = t.replace(LATEX_NOISE, '').replace(/\\(?=[$%])/g, '').replace(/[$,%]/g, '').trim();
  if (t.endsWith('.')) t = t.slice(0, -1).trim();
  const unit = NUMBER_THEN_UNIT.exec(t);
  return unit ? (unit[1] as string) : t;
}

const q = (s: string): string => JSON.stringify(s);

interface Comparison {
  pass: boolean;
  /** Short phrase for the reason, e.g. "numerically". */
  how: string;
  /** The normalized pair, shown when it differs from the input. */
  shown?: [string, string];
}

type Comparer = (answer: string, gold: string) => Comparison;

function cached(fn: (s: string) => string): (s: string) => string {
  const memo = new Map<string, string>();
  return (s) => {
    let v = memo.get(s);
    if (v === undefined) {
      if (memo.size > 50_000) memo.clear();
      v = fn(s);
      memo.set(s, v);
    }
    return v;
  };
}

function makeComparer(preset: MatchPreset): Comparer {
  switch (preset) {
    case 'strict':
      return (a, g) => (a === g ? { pass: true, how: 'exactly' } : { pass: false, how: 'under strict comparison' });
    case 'squad': {
      const norm = cached(normalizeSquad);
      return (a, g) => {
        const na = norm(a);
        const ng = norm(g);
        return { pass: na === ng, how: 'after squad normalization', shown: [na, ng] };
      };
    }
    case 'numeric': {
      return (a, g) => {
        const ca = cleanNumeric(a);
        const cg = cleanNumeric(g);
        const na = canonicalDecimal(ca);
        const ng = canonicalDecimal(cg);
        if (na !== null && ng !== null) return { pass: na === ng, how: 'numerically' };
        return { pass: ca === cg, how: 'as text (not both numbers)', shown: [ca, cg] };
      };
    }
    case 'math': {
      const strip = (s: string): string | null => {
        try {
          return stripMathString(s);
        } catch (err) {
          if (err instanceof MathNormalizeError) return null;
          throw err;
        }
      };
      return (a, g) => {
        const sa = strip(a);
        const sg = strip(g);
        if (sa === null || sg === null) return { pass: a === g, how: 'as raw strings (MATH normalizer failed)' };
        return { pass: sa === sg, how: 'after MATH normalization', shown: [sa, sg] };
      };
    }
    default: {
      const never: never = preset;
      throw new Error(`unknown match preset ${String(never)}`);
    }
  }
}

function describe(answer: string, gold: string, c: Comparison): string {
  const shown = c.shown;
  if (c.pass) {
    const normal = shown ? ` (${q(shown[0])})` : '';
    return `${q(answer)} = ${q(gold)} ${c.how}${normal}`;
  }
  const pair = shown ? ` (${q(shown[0])} vs ${q(shown[1])})` : '';
  return `${q(answer)} ≠ ${q(gold)} ${c.how}${pair}`;
}

/** lm-eval `exact_match` options, in its order: regexes removed, then case, then punctuation. */
function makeOptionsTransform(cfg: MatchConfig): ((s: string) => string) | null {
  const regexes = (cfg.regexesToIgnore ?? []).map((r) => compileUserRegex(r, '', 'g'));
  if (regexes.length === 0 && !cfg.ignoreCase && !cfg.ignorePunctuation) return null;
  return (s) => {
    for (const re of regexes) s = s.replace(re, '');
    if (cfg.ignoreCase) s = s.toLowerCase();
    if (cfg.ignorePunctuation) s = removeAsciiPunctuation(s);
    return s;
  };
}

/**
 * Builds the answer checker for a config: `pass` when the answer matches any gold alias under the preset
 * (`strict`: exact, as lm-eval's exact_match; `squad`: {@link normalizeSquad}; `numeric`: {@link cleanNumeric},
 * then exact decimal values; `math`: {@link stripMathString}), after the lm-eval options applied to both sides.
 * `reason` names the compared values (`"18.0" = "18" numerically`). Throws on an invalid `regexesToIgnore`.
 */
export function makeMatcher(cfg: MatchConfig): (answer: string, golds: readonly string[]) => MatchResult {
  const compare = makeComparer(cfg.preset);
  const options = makeOptionsTransform(cfg);
  const prepared = options ? cached(options) : (s: string) => s;
  const optionNote = options ? ' (after match options)' : '';
  return (answer, golds) => {
    if (golds.length === 0) return { pass: false, reason: 'no gold answer to compare with' };
    const a = prepared(answer);
    const misses: string[] = [];
    for (const gold of golds) {
      const g = prepared(gold);
      const c = compare(a, g);
      if (c.pass) return { pass: true, reason: describe(a, g, c) + optionNote, matchedGold: gold };
      misses.push(describe(a, g, c));
    }
    if (misses.length === 1) return { pass: false, reason: (misses[0] as string) + optionNote };
    return { pass: false, reason: `no gold alias matches${optionNote}: ${misses.join('; ')}` };
  };
}

const MATCH_KEYS = new Set(['preset', 'ignoreCase', 'ignorePunctuation', 'regexesToIgnore']);

/**
 * A match config from user JSON: a preset name (`"math"`) or an object (`{ "preset": "strict", "ignoreCase": true }`).
 * Regexes use JavaScript syntax; a leading Python inline flag group such as `(?s)` is accepted.
 */
export function parseMatchConfig(value: unknown): { config?: MatchConfig; error?: string } {
  const presetError = (p: unknown): string =>
    `unknown match preset ${JSON.stringify(p)} (expected one of ${MATCH_PRESETS.join(', ')})`;
  if (typeof value === 'string') {
    return MATCH_PRESETS.includes(value as MatchPreset) ? { config: { preset: value as MatchPreset } } : { error: presetError(value) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: 'match must be a preset name or an object with a "preset"' };
  }
  const obj = value as Record<string, unknown>;
  const unknown = Object.keys(obj).filter((k) => !MATCH_KEYS.has(k));
  if (unknown.length > 0) return { error: `unknown match field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}` };
  if (!MATCH_PRESETS.includes(obj.preset as MatchPreset)) return { error: presetError(obj.preset) };
  const config: MatchConfig = { preset: obj.preset as MatchPreset };
  for (const key of ['ignoreCase', 'ignorePunctuation'] as const) {
    if (obj[key] === undefined) continue;
    if (typeof obj[key] !== 'boolean') return { error: `"${key}" must be true or false` };
    config[key] = obj[key];
  }
  if (obj.regexesToIgnore !== undefined) {
    const list = obj.regexesToIgnore;
    if (!Array.isArray(list) || list.some((r) => typeof r !== 'string')) {
      return { error: '"regexesToIgnore" must be a list of strings' };
    }
    for (const r of list as string[]) {
      try {
        compileUserRegex(r, '', 'g');
      } catch (err) {
        return { error: `regexesToIgnore: ${(err as Error).message}` };
      }
    }
    config.regexesToIgnore = [...(list as string[])];
  }
  return { config };
}
