import type { ExtractConfig, ExtractPreset, Extraction } from './types';

/** Every extraction preset, in the order the UI lists them. */
export const EXTRACT_PRESETS: readonly ExtractPreset[] = [
  'gsm8k',
  'last-number',
  'answer-is',
  'boxed',
  'json-answer',
  'after-think',
  'choice-letter',
  'regex',
];

/** Answer markers for the marker + grace stopping policy. */
export const DEFAULT_MARKERS: readonly string[] = ['The answer is', '####', '\\boxed{', '</think>', '"answer":'];

type Extractor = (text: string) => Extraction | null;

const CODE_MINUS = 45;
const CODE_DOLLAR = 36;
const CODE_DOT = 46;
const CODE_COMMA = 44;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `[0-9.,]`, the body of lm-eval's gsm8k strict-match number. */
function isStrictNumberChar(c: number): boolean {
  return isDigit(c) || c === CODE_DOT || c === CODE_COMMA;
}

/** `[$0-9.,]`, the body of lm-eval's flexible-extract number. */
function isFlexibleNumberChar(c: number): boolean {
  return isStrictNumberChar(c) || c === CODE_DOLLAR;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xa0;
}

function trimmedRange(text: string, start: number, end: number): [number, number] {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return [start, end];
}

function extraction(text: string, start: number, end: number): Extraction | null {
  [start, end] = trimmedRange(text, start, end);
  return start < end ? { answer: text.slice(start, end), start, end } : null;
}

/**
 * lm-eval gsm8k "strict-match": regex `#### (\-?[0-9\.\,]+)`, the FIRST match as its RegexFilter (`group_select` 0)
 * keeps it; `1,234` or `18.` are returned as written, the numeric matcher cleans them.
 */
function extractGsm8k(text: string): Extraction | null {
  for (let from = 0; ; ) {
    const i = text.indexOf('#### ', from);
    if (i < 0) return null;
    const start = i + 5;
    let j = start;
    if (text.charCodeAt(j) === CODE_MINUS) j++;
    const body = j;
    while (j < text.length && isStrictNumberChar(text.charCodeAt(j))) j++;
    if (j > body) return { answer: text.slice(start, j), start, end: j };
    from = i + 1;
  }
}

/**
 * The last match of lm-eval's flexible-extract regex `(-?[$0-9.,]{2,})|(-?[0-9]+)`, scanning backwards: the regex consumes
 * each maximal run of `[$0-9.,]` whole, so its matches are every run of length ≥ 2 and every single digit (with a `-`
 * just before), and the last such run is the last match.
 */
function extractLastNumber(text: string): Extraction | null {
  let i = text.length - 1;
  while (i >= 0) {
    if (!isFlexibleNumberChar(text.charCodeAt(i))) {
      i--;
      continue;
    }
    const end = i + 1;
    let s = i;
    while (s > 0 && isFlexibleNumberChar(text.charCodeAt(s - 1))) s--;
    if (end - s >= 2 || isDigit(text.charCodeAt(s))) {
      const start = s > 0 && text.charCodeAt(s - 1) === CODE_MINUS ? s - 1 : s;
      return { answer: text.slice(start, end), start, end };
    }
    i = s - 1;
  }
  return null;
}

/** Drops a trailing `.` and wrapping `**…**` / `$…$` (repeatedly), then trims. */
function unwrapAnswer(text: string, start: number, end: number): Extraction | null {
  for (;;) {
    [start, end] = trimmedRange(text, start, end);
    const len = end - start;
    if (len >= 1 && text.charCodeAt(end - 1) === CODE_DOT) {
      end--;
    } else if (len >= 4 && text.startsWith('**', start) && text.startsWith('**', end - 2)) {
      start += 2;
      end -= 2;
    } else if (len >= 2 && text.charCodeAt(start) === CODE_DOLLAR && text.charCodeAt(end - 1) === CODE_DOLLAR) {
      start++;
      end--;
    } else {
      break;
    }
  }
  return start < end ? { answer: text.slice(start, end), start, end } : null;
}

/**
 * The last "The answer is X" (ASCII case-insensitive, optional `:`). X starts after any
 * whitespace and runs to the end of its line or to a `.` followed by whitespace or the end of the
 * text; then a trailing `.` and wrapping `**` / `$` are removed.
 */
const ANSWER_IS_RE = /the answer is/gi;

function extractAnswerIs(text: string): Extraction | null {
  let i = -1;
  ANSWER_IS_RE.lastIndex = 0;
  for (let m = ANSWER_IS_RE.exec(text); m !== null; m = ANSWER_IS_RE.exec(text)) i = m.index;
  if (i < 0) return null;
  let j = i + 13;
  while (j < text.length && isSpace(text.charCodeAt(j))) j++;
  if (text.charCodeAt(j) === 58 /* : */) j++;
  while (j < text.length && isSpace(text.charCodeAt(j))) j++;
  const start = j;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 10 || c === 13) break;
    if (c === CODE_DOT && (j + 1 === text.length || isSpace(text.charCodeAt(j + 1)))) break;
    j++;
  }
  return unwrapAnswer(text, start, j);
}

/**
 * The last `\boxed` or `\fbox`, as hendrycks' `last_boxed_only_string`: with `{` the content up to the matching `}` (raw
 * brace counting; unclosed, as in a text cut mid-answer, gives null); without (`\boxed 5`) up to the next `$` or line end
 * (hendrycks lets any brace-less box win over a later braced one; here the last box wins). Empty content gives null.
 */
function extractBoxed(text: string): Extraction | null {
  const boxed = text.lastIndexOf('\\boxed');
  const fbox = text.lastIndexOf('\\fbox');
  if (boxed < 0 && fbox < 0) return null;
  let j = boxed > fbox ? boxed + 6 : fbox + 5;
  const afterName = j;
  while (j < text.length && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
  if (text.charCodeAt(j) === 123 /* { */) {
    const open = j;
    let depth = 0;
    for (; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === 123) depth++;
      else if (c === 125 && --depth === 0) return extraction(text, open + 1, j);
    }
    return null;
  }
  if (j === afterName) return null;
  const start = j;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === CODE_DOLLAR || c === 10 || c === 13) break;
    j++;
  }
  return extraction(text, start, j);
}

/** Decodes a JSON string body that JSON.parse rejects: known escapes decoded, others kept. */
function lenientUnescape(raw: string): string {
  const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  return raw.replace(/\\(u[0-9a-fA-F]{4}|.)/gs, (whole, esc: string) => {
    if (esc.length === 5) return String.fromCharCode(parseInt(esc.slice(1), 16));
    return simple[esc] ?? whole;
  });
}

const JSON_NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The value of the last `"answer": …` pair: a string decoded with JSON.parse (`\\frac` → `\frac`), leniently when it
 * rejects the body (a raw newline, `\s`); a number as written; null for an unterminated string (text cut inside it) or any
 * other value. The range covers the raw string body between the quotes, or the number.
 */
function extractJsonAnswer(text: string): Extraction | null {
  let at = text.length;
  for (;;) {
    const i = text.lastIndexOf('"answer"', at - 1);
    if (i < 0) return null;
    at = i;
    let j = i + 8;
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) !== 58 /* : */) continue;
    j++;
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) !== 34 /* " */) {
      JSON_NUMBER_RE.lastIndex = j;
      const num = JSON_NUMBER_RE.exec(text);
      return num ? { answer: num[0], start: j, end: j + num[0].length } : null;
    }
    const start = j + 1;
    for (j = start; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === 92 /* \ */) j++;
      else if (c === 34) break;
    }
    if (j >= text.length) return null;
    const raw = text.slice(start, j);
    let answer: string;
    try {
      answer = JSON.parse(`"${raw}"`) as string;
    } catch {
      answer = lenientUnescape(raw);
    }
    answer = answer.trim();
    return answer ? { answer, start, end: j } : null;
  }
}

/** Text after the last `</think>`, trimmed; null when there is none or nothing follows it. */
function extractAfterThink(text: string): Extraction | null {
  const i = text.lastIndexOf('</think>');
  return i < 0 ? null : extraction(text, i + 8, text.length);
}

/*
 * Three forms, upper-case letters A–E only (so the article "a" is never an answer):
 *  1. "answer" / "Answer" / "ANSWER", optionally "is", optional ":", optional "option", then the
 *     letter, optionally in ( ) or [ ] or ** **, not followed by a word character
 *     ("The answer is (C)", "Answer: B", "correct answer is option D");
 *  2. a parenthesised letter "(D)" anywhere (lm-eval's multiple-choice flexible-extract);
 *  3. a line holding only the letter, optionally with ( ) . ** ("B", "**C**", "(D).").
 */
const CHOICE_RE =
  /\b(?:[Aa]nswer|ANSWER)(?:\s+is)?\s*:?\s*(?:option\s+)?[([]?\**([A-E])\b|\(([A-E])\)|^[ \t]*\**\(?([A-E])\)?\.?\**[ \t]*$/dgm;

/** The last multiple-choice letter (A–E) in any of the forms above; the last occurrence wins. */
function extractChoiceLetter(text: string): Extraction | null {
  CHOICE_RE.lastIndex = 0;
  let last: Extraction | null = null;
  for (let m = CHOICE_RE.exec(text); m !== null; m = CHOICE_RE.exec(text)) {
    const spans = m.indices;
    if (!spans) continue;
    for (let g = 1; g <= 3; g++) {
      const span = spans[g];
      if (span) {
        last = { answer: m[g] as string, start: span[0], end: span[1] };
        break;
      }
    }
  }
  return last;
}

const ALLOWED_FLAGS = 'imsu';

/**
 * Compiles a user pattern (JavaScript syntax) with the given extra flags. A leading inline flag
 * group as written in lm-eval's Python configs, e.g. `(?s).*#### `, becomes JavaScript flags
 * (`i`, `m`, `s` only). Throws a readable Error when the pattern or flags are invalid.
 */
export function compileUserRegex(pattern: string, flags = '', forced = 'g'): RegExp {
  let body = pattern;
  let all = flags;
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  if (inline) {
    const letters = inline[1] as string;
    const bad = [...letters].filter((f) => !'ims'.includes(f));
    if (bad.length > 0) throw new Error(`inline flag (?${letters}) is not supported; use i, m or s`);
    body = pattern.slice(inline[0].length);
    all += letters;
  }
  for (const f of all) {
    if (!ALLOWED_FLAGS.includes(f) && !forced.includes(f) && f !== 'g') {
      throw new Error(`unsupported regex flag "${f}" (allowed: ${ALLOWED_FLAGS})`);
    }
  }
  const unique = [...new Set(all + forced)].join('');
  try {
    return new RegExp(body, unique);
  } catch (err) {
    throw new Error(`invalid regex /${pattern}/: ${(err as Error).message}`, { cause: err });
  }
}

function countGroups(re: RegExp): number {
  return (new RegExp(`|${re.source}`, re.flags.replace(/[gyd]/g, '')).exec('') as RegExpExecArray).length - 1;
}

/**
 * Checks an extraction config beyond its shape: a known preset, and for `regex` a pattern that
 * compiles, allowed flags and an existing capture group. Returns a message, or null when valid.
 */
export function validateExtractConfig(cfg: ExtractConfig): string | null {
  if (!EXTRACT_PRESETS.includes(cfg.preset)) {
    return `unknown extraction preset "${String(cfg.preset)}" (expected one of ${EXTRACT_PRESETS.join(', ')})`;
  }
  if (cfg.preset !== 'regex') return null;
  if (typeof cfg.pattern !== 'string' || cfg.pattern === '') return 'the regex preset needs a non-empty "pattern"';
  let re: RegExp;
  try {
    re = compileUserRegex(cfg.pattern, cfg.flags ?? '', 'gd');
  } catch (err) {
    return (err as Error).message;
  }
  const group = cfg.group ?? 1;
  if (!Number.isInteger(group) || group < 0) return `"group" must be a non-negative integer, got ${String(group)}`;
  const groups = countGroups(re);
  if (group > groups) return `"group" is ${group} but the pattern has ${groups} capture group${groups === 1 ? '' : 's'}`;
  return null;
}

function makeRegexExtractor(cfg: ExtractConfig): Extractor {
  const re = compileUserRegex(cfg.pattern as string, cfg.flags ?? '', 'gd');
  const group = cfg.group ?? 1;
  const unicode = re.unicode;
  return (text) => {
    re.lastIndex = 0;
    let last: Extraction | null = null;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const span = m.indices?.[group];
      const value = m[group];
      if (span && value !== undefined) {
        const [start, end] = trimmedRange(text, span[0], span[1]);
        last = { answer: text.slice(start, end), start, end };
      }
      if (m[0] === '') {
        const c = text.codePointAt(re.lastIndex) ?? 0;
        re.lastIndex += unicode && c > 0xffff ? 2 : 1;
      }
    }
    return last && last.start < last.end ? last : null;
  };
}

/**
 * Builds the answer extractor for a config. Each returned function finds the answer in a text
 * (a whole trace or a prefix of one) and its UTF-16 range, or null when none is there yet. The
 * built-in presets run in linear time. Throws when `validateExtractConfig` reports a problem.
 */
export function makeExtractor(cfg: ExtractConfig): (text: string) => Extraction | null {
  const problem = validateExtractConfig(cfg);
  if (problem) throw new Error(problem);
  switch (cfg.preset) {
    case 'gsm8k':
      return extractGsm8k;
    case 'last-number':
      return extractLastNumber;
    case 'answer-is':
      return extractAnswerIs;
    case 'boxed':
      return extractBoxed;
    case 'json-answer':
      return extractJsonAnswer;
    case 'after-think':
      return extractAfterThink;
    case 'choice-letter':
      return extractChoiceLetter;
    case 'regex':
      return makeRegexExtractor(cfg);
    default: {
      const never: never = cfg.preset;
      throw new Error(`unknown extraction preset ${String(never)}`);
    }
  }
}

const EXTRACT_KEYS = new Set(['preset', 'pattern', 'group', 'flags']);

/**
 * Reads an extraction config from user JSON: a preset name (`"boxed"`) or an object
 * (`{ "preset": "regex", "pattern": "Final: (\\d+)" }`). Returns the config or a message.
 */
export function parseExtractConfig(value: unknown): { config?: ExtractConfig; error?: string } {
  let cfg: ExtractConfig;
  if (typeof value === 'string') {
    cfg = { preset: value as ExtractPreset };
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const unknown = Object.keys(obj).filter((k) => !EXTRACT_KEYS.has(k));
    if (unknown.length > 0) return { error: `unknown extraction field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}` };
    if (typeof obj.preset !== 'string') return { error: 'extraction needs a "preset" string' };
    if (obj.pattern !== undefined && typeof obj.pattern !== 'string') return { error: '"pattern" must be a string' };
    if (obj.group !== undefined && typeof obj.group !== 'number') return { error: '"group" must be a number' };
    if (obj.flags !== undefined && typeof obj.flags !== 'string') return { error: '"flags" must be a string' };
    cfg = { preset: obj.preset as ExtractPreset };
    if (obj.pattern !== undefined) cfg.pattern = obj.pattern as string;
    if (obj.group !== undefined) cfg.group = obj.group as number;
    if (obj.flags !== undefined) cfg.flags = obj.flags as string;
  } else {
    return { error: 'extraction must be a preset name or an object with a "preset"' };
  }
  const error = validateExtractConfig(cfg);
  return error ? { error } : { config: cfg };
}

const markerRegexes = new Map<string, RegExp>();

function caselessIndexOf(text: string, marker: string): number {
  let re = markerRegexes.get(marker);
  if (!re) {
    if (markerRegexes.size > 256) markerRegexes.clear();
    re = new RegExp(marker.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'i');
    markerRegexes.set(marker, re);
  }
  const m = re.exec(text);
  return m ? m.index : -1;
}

/**
 * The earliest occurrence of any marker in `text`. Markers that start with an ASCII letter
 * ("The answer is") ignore letter case; the others (`####`, `\boxed{`) match exactly. On a tie
 * the longer marker wins. Null when no marker occurs.
 */
export function findFirstMarker(
  text: string,
  markers: readonly string[],
): { marker: string; start: number; end: number } | null {
  let best: { marker: string; start: number; end: number } | null = null;
  for (const marker of markers) {
    if (marker === '') continue;
    const alpha = /^[A-Za-z]/.test(marker);
    const start = alpha ? caselessIndexOf(text, marker) : text.indexOf(marker);
    if (start < 0) continue;
    if (!best || start < best.start || (start === best.start && marker.length > best.marker.length)) {
      best = { marker, start, end: start + marker.length };
    }
  }
  return best;
}
