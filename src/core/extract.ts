import type { ExtractConfig, ExtractPreset, Extraction } from './types';
import { DEFAULT_THINKING_TAGS, splitTrace, type ThinkingTags } from './traceAnatomy';
import { DEFAULT_LETTERS, letterClass, makeChoiceLetter, makeThinkingChoice } from './choiceLetter';

export { letterClass } from './choiceLetter';
export { findFirstMarker } from './findFirstMarker';

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

const UNICODE_SPACE = /[\s\u200b]/;

/** Unicode white space (JavaScript's `\s`: ideographic space, NBSP, the U+2000 block, BOM …) and ZWSP. */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return UNICODE_SPACE.test(String.fromCharCode(c));
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

const CONCLUSION_RE = /\b(?:so|therefore|thus|hence|answer|total|altogether)\b/i;

/** The last number of the last sentence in thinking that holds a conclusion word (so, therefore, total …). */
function extractConcludedNumber(text: string): Extraction | null {
  let end = text.length;
  for (;;) {
    const found = extractLastNumber(end === text.length ? text : text.slice(0, end));
    if (!found) return null;
    let s = found.start;
    while (s > 0) {
      const c = text.charCodeAt(s - 1);
      if (c === 10 || ((c === CODE_DOT || c === 33 || c === 63) && isSpace(text.charCodeAt(s)))) break;
      s--;
    }
    if (CONCLUSION_RE.test(text.slice(s, found.start))) return found;
    end = s;
  }
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
 * The last "The answer is X" (ASCII case-insensitive, optional `:`): X runs from after any whitespace to its line's end
 * or a `.` before whitespace or the text's end; then a trailing `.` and wrapping `**` / `$` are removed.
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

const STATED_RE = /\b(?:the (?:final )?answer (?:is|should be|would be|must be)|final answer:)/gi;

/**
 * The last answer stated in thinking ("the answer is / should be X", "Final answer: X"): X up to the end of its clause
 * (`?`, `!`, `;`, `, `, a sentence end), a `\boxed{}` in it unwrapped; null past six words (prose, not an answer).
 */
function extractStatedAnswer(text: string): Extraction | null {
  let m: RegExpExecArray | null = null;
  STATED_RE.lastIndex = 0;
  for (let next = STATED_RE.exec(text); next !== null; next = STATED_RE.exec(text)) m = next;
  if (!m) return null;
  let j = m.index + m[0].length;
  while (j < text.length && (isSpace(text.charCodeAt(j)) || text.charCodeAt(j) === 58)) j++;
  const start = j;
  for (let c = text.charCodeAt(j); j < text.length && c !== 10 && c !== 13 && c !== 63 && c !== 33 && c !== 59; c = text.charCodeAt(++j)) {
    if ((c === CODE_DOT || c === 44) && (j + 1 === text.length || isSpace(text.charCodeAt(j + 1)))) break;
  }
  const boxed = extractBoxed(text.slice(0, j));
  if (boxed && boxed.start >= start) return boxed;
  const found = unwrapAnswer(text, start, j);
  return found && found.answer.split(/\s+/).length <= 6 ? found : null;
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

/** The trimmed answer part of a thinking trace (the whole text of a region); null when empty. */
function extractAfterThink(text: string): Extraction | null {
  const found = extraction(text, 0, text.length);
  return found ? { ...found, tentative: true } : null;
}

const ALLOWED_FLAGS = 'imsu';

/**
 * Compiles a user pattern (JavaScript syntax) with extra flags; a leading inline flag group from lm-eval's Python
 * configs (`(?s).*#### `) becomes JavaScript flags (`i`, `m`, `s` only). Throws a readable Error when invalid.
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

function validateOne(cfg: ExtractConfig, nested: boolean): string | null {
  if (!EXTRACT_PRESETS.includes(cfg.preset)) {
    return `unknown extraction preset "${String(cfg.preset)}" (expected one of ${EXTRACT_PRESETS.join(', ')})`;
  }
  if (cfg.letters !== undefined && letterClass(cfg.letters) === null) return `"letters" must be upper-case letters such as "A-D" or "ABCD", got "${cfg.letters}"`;
  if (cfg.then !== undefined) {
    if (nested) return '"then" presets cannot have their own "then"';
    if (!Array.isArray(cfg.then)) return '"then" must be a list of presets';
    for (const next of cfg.then) {
      const problem = validateOne(next, true);
      if (problem) return `then: ${problem}`;
    }
  }
  if (cfg.thinking !== undefined) {
    if (!Array.isArray(cfg.thinking) || cfg.thinking.length === 0) return '"thinking" must list at least one { "open", "close" } pair';
    for (const t of cfg.thinking) if (typeof t?.open !== 'string' || typeof t.close !== 'string' || t.open === '' || t.close === '') return 'each "thinking" pair needs non-empty "open" and "close" strings';
  }
  if (cfg.preset !== 'regex') return null;
  if (typeof cfg.pattern !== 'string' || cfg.pattern === '') return 'the regex preset needs a non-empty "pattern"';
  let re: RegExp;
  try {
    re = compileUserRegex(cfg.pattern, cfg.flags ?? '', 'gd');
  } catch (err) {
    return (err as Error).message;
  }
  if (cfg.group === undefined) return null;
  const group = cfg.group;
  if (!Number.isInteger(group) || group < 0) return `"group" must be a non-negative integer, got ${String(group)}`;
  const groups = countGroups(re);
  if (group > groups) return `"group" is ${group} but the pattern has ${groups} capture group${groups === 1 ? '' : 's'}`;
  return null;
}

/** Checks an extract config past its shape (presets, `letters`, `thinking`, regex, flags, group); null if valid. */
export function validateExtractConfig(cfg: ExtractConfig): string | null {
  return validateOne(cfg, false);
}

/**
 * A user regex, read as lm-eval's RegexFilter reads it: the last match wins. With `group` set, that
 * group (a match where it did not take part is skipped); without it, the first non-empty capture
 * group of the last match (lm-eval's rule for alternations such as `(-?[$0-9.,]{2,})|(-?[0-9]+)`),
 * or the whole match when the pattern has no groups.
 */
function makeRegexExtractor(cfg: ExtractConfig): Extractor {
  const re = compileUserRegex(cfg.pattern as string, cfg.flags ?? '', 'gd');
  const explicit = cfg.group;
  const unicode = re.unicode;
  return (text) => {
    re.lastIndex = 0;
    let last: Extraction | null = null;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const spans = m.indices;
      let span: [number, number] | undefined;
      if (explicit !== undefined) span = spans?.[explicit];
      else if (m.length === 1) span = spans?.[0];
      else for (let g = 1; g < m.length && !span; g++) if (m[g]) span = spans?.[g];
      if (span) {
        const [start, end] = trimmedRange(text, span[0], span[1]);
        if (start < end || explicit !== undefined) last = { answer: text.slice(start, end), start, end };
      }
      if (m[0] === '') {
        const c = text.codePointAt(re.lastIndex) ?? 0;
        re.lastIndex += unicode && c > 0xffff ? 2 : 1;
      }
    }
    return last && last.start < last.end ? last : null;
  };
}

/** The last of several extractors' answers by position (the one that ends last). */
function lastOf(...extractors: Extractor[]): Extractor {
  return (text) => {
    let best: Extraction | null = null;
    for (const ex of extractors) {
      const found = ex(text);
      if (found && (!best || found.end > best.end)) best = found;
    }
    return best;
  };
}

/** The first extractor that finds an answer. */
function firstOf(...extractors: Extractor[]): Extractor {
  return (text) => {
    for (const ex of extractors) {
      const found = ex(text);
      if (found) return found;
    }
    return null;
  };
}

/** The preset itself, on one region of text. */
function regionExtractor(cfg: ExtractConfig): Extractor {
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
      return makeChoiceLetter(cfg.letters ?? DEFAULT_LETTERS);
    case 'regex':
      return makeRegexExtractor(cfg);
    default: {
      const never: never = cfg.preset;
      throw new Error(`unknown extraction preset ${String(never)}`);
    }
  }
}

/** What the preset reads as an intermediate answer in thinking that is still open; null for none. */
function thinkingExtractor(cfg: ExtractConfig): Extractor | null {
  switch (cfg.preset) {
    case 'gsm8k':
    case 'last-number':
      return lastOf(extractBoxed, extractConcludedNumber);
    case 'answer-is':
      return extractAnswerIs;
    case 'boxed':
      return firstOf(lastOf(extractBoxed, extractStatedAnswer), extractConcludedNumber);
    case 'json-answer':
      return lastOf(extractJsonAnswer, extractAnswerIs);
    case 'after-think':
      return null;
    case 'choice-letter':
      return makeThinkingChoice(cfg.letters ?? DEFAULT_LETTERS);
    case 'regex':
      return makeRegexExtractor(cfg);
    default: {
      const never: never = cfg.preset;
      throw new Error(`unknown extraction preset ${String(never)}`);
    }
  }
}

/** The first answer of an ordered list of extractors; `after-think` first scopes the rest (see ExtractConfig.then). */
function chainExtractor(chain: readonly ExtractConfig[]): Extractor {
  const scoped = chain[0].preset === 'after-think' && chain.length > 1;
  const members = (scoped ? chain.slice(1) : chain).map(regionExtractor);
  const first: Extractor = (text) => {
    for (const ex of members) {
      const found = ex(text);
      if (found) return found;
    }
    return null;
  };
  return scoped ? (text) => first(text) ?? extractAfterThink(text) : first;
}

function inRegion(ex: Extractor, text: string, start: number, end: number, kind: 'final' | 'intermediate'): Extraction | null {
  const whole = start === 0 && end === text.length;
  const found = ex(whole ? text : text.slice(start, end));
  if (!found) return null;
  const out: Extraction = { answer: found.answer, start: found.start + start, end: found.end + start, kind };
  if (found.tentative) out.tentative = true;
  return out;
}

/**
 * Builds the extractor for a config: the answer in a text (a trace or a prefix) and its UTF-16 range, or null. Without
 * thinking: the preset (then its chain) on the whole text; thinking closed: on the answer part (`final`); thinking
 * open: the last answer stated so far (`intermediate`). Throws when `validateExtractConfig` reports a problem.
 */
export function makeExtractor(cfg: ExtractConfig): (text: string) => Extraction | null {
  const problem = validateExtractConfig(cfg);
  if (problem) throw new Error(problem);
  const chain: ExtractConfig[] = [{ ...cfg, then: undefined }, ...(cfg.then ?? []).map((c) => ({ letters: cfg.letters, ...c }))];
  const tags: readonly ThinkingTags[] = cfg.thinking ?? DEFAULT_THINKING_TAGS;
  const finalEx = chainExtractor(chain);
  const thinkingExs = chain.map(thinkingExtractor).filter((e): e is Extractor => e !== null);
  const intermediateEx: Extractor = (text) => {
    for (const ex of thinkingExs) {
      const found = ex(text);
      if (found) return found;
    }
    return null;
  };
  // `after-think` alone finds nothing in a trace without thinking, as before.
  const bare = cfg.preset === 'after-think' && chain.length === 1;
  return (text) => {
    const split = splitTrace(text, tags);
    if (!split) return bare ? null : finalEx(text);
    if (split.closed) return inRegion(finalEx, text, split.answerStart, split.answerEnd, 'final');
    return inRegion(intermediateEx, text, split.thinkingStart, split.thinkingEnd, 'intermediate');
  };
}

const EXTRACT_KEYS = new Set(['preset', 'pattern', 'group', 'flags', 'letters', 'then', 'thinking']);

function parseOne(value: unknown, nested: boolean): { config?: ExtractConfig; error?: string } {
  if (typeof value === 'string') {
    const names = value.split(',').map((s) => s.trim());
    if (names.length > 1 && !nested) {
      const [head, ...rest] = names;
      return { config: { preset: head as ExtractPreset, then: rest.map((p) => ({ preset: p as ExtractPreset })) } };
    }
    return { config: { preset: value.trim() as ExtractPreset } };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'extraction must be a preset name or an object with a "preset"' };
  const obj = value as Record<string, unknown>;
  const unknown = Object.keys(obj).filter((k) => !EXTRACT_KEYS.has(k));
  if (unknown.length > 0) return { error: `unknown extraction field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}` };
  if (typeof obj.preset !== 'string') return { error: 'extraction needs a "preset" string' };
  if (obj.pattern !== undefined && typeof obj.pattern !== 'string') return { error: '"pattern" must be a string' };
  if (obj.group !== undefined && typeof obj.group !== 'number') return { error: '"group" must be a number' };
  if (obj.flags !== undefined && typeof obj.flags !== 'string') return { error: '"flags" must be a string' };
  if (obj.letters !== undefined && typeof obj.letters !== 'string') return { error: '"letters" must be a string such as "A-D"' };
  const cfg: ExtractConfig = { preset: obj.preset as ExtractPreset };
  if (obj.pattern !== undefined) cfg.pattern = obj.pattern as string;
  if (obj.group !== undefined) cfg.group = obj.group as number;
  if (obj.flags !== undefined) cfg.flags = obj.flags as string;
  if (obj.letters !== undefined) cfg.letters = obj.letters as string;
  if (obj.then !== undefined) {
    if (nested) return { error: '"then" presets cannot have their own "then"' };
    const list = Array.isArray(obj.then) ? obj.then : [obj.then];
    cfg.then = [];
    for (const item of list) {
      const parsed = parseOne(item, true);
      if (!parsed.config) return { error: `then: ${parsed.error}` };
      cfg.then.push(parsed.config);
    }
  }
  if (obj.thinking !== undefined) {
    const list = Array.isArray(obj.thinking) ? obj.thinking : [obj.thinking];
    cfg.thinking = list.map((t) => {
      const pair = (t ?? {}) as Record<string, unknown>;
      return { open: pair.open as string, close: pair.close as string };
    });
  }
  return { config: cfg };
}

/**
 * Reads an extraction config from user JSON: a preset name (`"boxed"`), a comma-separated chain
 * (`"after-think,choice-letter"`), or an object (`{ "preset": "regex", "pattern": "Final: (\\d+)" }`,
 * `{ "preset": "after-think", "then": ["choice-letter"] }`). Returns the config or a message.
 */
export function parseExtractConfig(value: unknown): { config?: ExtractConfig; error?: string } {
  const parsed = parseOne(value, false);
  if (!parsed.config) return parsed;
  const error = validateExtractConfig(parsed.config);
  return error ? { error } : parsed;
}
