/** The extraction and match presets a test set needs when neither the command line nor the config names them. */
import { makeExtractor } from './extract';
import { canonicalDecimal, cleanNumeric } from './match';
import type { Case, DetectedPresets, ExtractConfig, MatchConfig } from './types';

export type { DetectedPresets } from './types';

/** What a gold answer looks like. */
export type GoldKind = 'number' | 'latex' | 'letter' | 'text';

/** How often one candidate extraction found an answer in the complete traces. */
export interface CandidateCount {
  /** The candidate's name: a preset, or `answer-line` / `whole-output` for the built-in regexes. */
  name: string;
  extract: ExtractConfig;
  found: number;
}

/** The detection with the counts behind it (for the baseline warning and the starter config). */
export interface Detection extends DetectedPresets {
  goldKind: GoldKind;
  /** Traced cases that ran to completion (finish reason `stop` or none recorded). */
  complete: number;
  /** Complete traces holding `</think>`. */
  thinking: number;
  candidates: CandidateCount[];
}

/** Share of complete traces a marker-based extraction must answer to be preferred to the catch-all. */
export const MARKER_COVERAGE = 0.9;

const LETTER_GOLD = /^\(?[A-J]\)?\.?$/;
const LATEX_SIGNS = /[\\^{}_/]|^[[(].*[\])]$/;
const WORD = /[A-Za-z]{3,}/;

/** Classifies one gold answer: a choice letter, a number (as the numeric match reads it), LaTeX or math, or free text. */
export function classifyGold(gold: string): GoldKind {
  const g = gold.trim();
  if (LETTER_GOLD.test(g)) return 'letter';
  if (canonicalDecimal(cleanNumeric(g)) !== null) return 'number';
  if (LATEX_SIGNS.test(g) || !WORD.test(g)) return 'latex';
  return 'text';
}

/** A traced case that ran to completion: finish reason `stop`, or none recorded. */
export function isCompleteTrace(c: Case): boolean {
  return typeof c.output === 'string' && (c.finishReason === undefined || c.finishReason === 'stop');
}

/** `Answer: X` / `Final answer: X` on a line of its own; the last one wins. */
export const ANSWER_LINE: ExtractConfig = { preset: 'regex', pattern: '(?:^|\\n)[ \\t*#]*(?:final )?answer[ \\t*]*:[ \\t*]*([^\\n]+)', flags: 'i' };
/** The whole output, trimmed: for short outputs that are the answer itself. */
export const WHOLE_OUTPUT: ExtractConfig = { preset: 'regex', pattern: '^([\\s\\S]+)$' };
/** Median output length (characters) up to which a free-text output may be the answer itself. */
const SHORT_OUTPUT = 200;

interface Candidate {
  name: string;
  extract: ExtractConfig;
}

const C = (preset: ExtractConfig['preset']): Candidate => ({ name: preset, extract: { preset } });
const ANSWER_LINE_C: Candidate = { name: 'answer-line', extract: ANSWER_LINE };

/** Marker-based extractions, most specific first, by the kind of gold answer. */
const MARKED: Record<GoldKind, Candidate[]> = {
  number: [C('gsm8k'), C('boxed'), C('json-answer'), C('answer-is'), ANSWER_LINE_C],
  latex: [C('boxed'), C('json-answer'), C('answer-is'), ANSWER_LINE_C, C('gsm8k')],
  letter: [C('choice-letter'), C('json-answer'), C('boxed'), C('answer-is'), ANSWER_LINE_C],
  text: [C('json-answer'), C('answer-is'), ANSWER_LINE_C, C('boxed')],
};

function majorityKind(cases: readonly Case[]): { kind: GoldKind; counts: Record<GoldKind, number> } {
  const counts: Record<GoldKind, number> = { number: 0, latex: 0, letter: 0, text: 0 };
  for (const c of cases) if (c.answers[0] !== undefined) counts[classifyGold(c.answers[0])]++;
  const total = counts.number + counts.latex + counts.letter + counts.text;
  let kind: GoldKind;
  if (total === 0) kind = 'number';
  else if (counts.letter >= 0.9 * total) kind = 'letter';
  else if (counts.number >= 0.9 * total) kind = 'number';
  else if (counts.text > 0.5 * total) kind = 'text';
  else if (counts.latex > 0) kind = 'latex';
  else kind = counts.text > counts.number ? 'text' : 'number';
  return { kind, counts };
}

function matchFor(kind: GoldKind, extract: ExtractConfig): MatchConfig {
  switch (kind) {
    case 'number':
      return { preset: 'numeric' };
    case 'latex':
      return { preset: 'math' };
    case 'letter':
      return { preset: extract.preset === 'choice-letter' ? 'strict' : 'squad' };
    case 'text':
      return { preset: 'squad' };
    default: {
      const never: never = kind;
      throw new Error(`unknown gold kind ${String(never)}`);
    }
  }
}

const KIND_WORDS: Record<GoldKind, string> = { number: 'numbers', latex: 'LaTeX or math', letter: 'choice letters', text: 'free text' };

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
}

function countFound(texts: readonly string[], extract: ExtractConfig): number {
  const fn = makeExtractor(extract);
  let found = 0;
  for (const t of texts) if (fn(t) !== null) found++;
  return found;
}

/** The candidates for a gold kind, then the catch-all, with how many complete traces each answers. */
function countCandidates(kind: GoldKind, texts: readonly string[], thinking: number): { marked: CandidateCount[]; fallback: CandidateCount | null } {
  const marked = MARKED[kind].map((c) => ({ ...c, found: countFound(texts, c.extract) }));
  let fallback: Candidate | null = null;
  if (kind === 'number' || kind === 'latex') fallback = C('last-number');
  else if (kind === 'text') {
    if (thinking > texts.length / 2) fallback = C('after-think');
    else if (median(texts.map((t) => t.length)) <= SHORT_OUTPUT) fallback = { name: 'whole-output', extract: WHOLE_OUTPUT };
  }
  return { marked, fallback: fallback ? { ...fallback, found: countFound(texts, fallback.extract) } : null };
}

function share(n: number, of: number): string {
  return `${n} of ${of}`;
}

/**
 * Picks the extraction and match for `cases`. The match follows the gold answers (numbers → numeric, LaTeX → math,
 * letters → strict on the letter, free text → squad). The extraction is the marker-based one (`####`, `\boxed{}`,
 * `"answer":`, "The answer is", an `Answer:` line, a choice letter) finding an answer in most complete traces; if it
 * misses more than {@link MARKER_COVERAGE}, the kind's catch-all (last number; text after `</think>`; the whole short
 * output) is taken if it finds more. `fixed`: what the user named. Only complete traces (finish `stop`/none) count.
 */
export function detectPresets(cases: readonly Case[], fixed: { extract?: ExtractConfig; match?: MatchConfig } = {}): Detection {
  const complete = cases.filter(isCompleteTrace);
  const texts = complete.map((c) => c.output as string);
  const thinking = texts.filter((t) => t.includes('</think>')).length;
  const { kind, counts } = majorityKind(cases);
  const golds = counts.number + counts.latex + counts.letter + counts.text;
  const mix = (Object.keys(counts) as GoldKind[]).filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${KIND_WORDS[k]}`);
  const goldWords = golds ? `the ${golds} gold answers are ${mix.join(', ')}` : 'no gold answers';
  const { marked, fallback } = countCandidates(kind, texts, thinking);
  const candidates = fallback ? [...marked, fallback] : [...marked];
  let best: CandidateCount | undefined;
  for (const c of marked) if (!best || c.found > best.found) best = c;
  let chosen: CandidateCount;
  let why: string;
  const n = texts.length;
  if (fixed.extract) {
    chosen = { name: fixed.extract.preset, extract: fixed.extract, found: countFound(texts, fixed.extract) };
    why = `extraction ${fixed.extract.preset} as configured`;
  } else if (n === 0) {
    chosen = fallback ?? (best as CandidateCount);
    why = `no complete trace to inspect, so ${chosen.name}`;
  } else if (best && best.found > 0 && (best.found >= MARKER_COVERAGE * n || !fallback || best.found >= fallback.found)) {
    chosen = best;
    const others = candidates.filter((c) => c !== best && c.found > 0).map((c) => `${c.name} ${c.found}`);
    why = `${best.name} finds an answer in ${share(best.found, n)} complete traces${others.length ? ` (${others.join(', ')})` : ''}`;
  } else if (fallback) {
    chosen = fallback;
    const top = best && best.found > 0 ? `; the best marker, ${best.name}, finds ${best.found}` : '; no answer marker occurs';
    why = `${fallback.name} finds an answer in ${share(fallback.found, n)} complete traces${top}`;
  } else {
    chosen = best as CandidateCount;
    why = `no extraction finds an answer in the complete traces; ${chosen.name} is the usual form for ${KIND_WORDS[kind]}`;
  }
  const match = fixed.match ?? matchFor(kind, chosen.extract);
  const think = thinking > 0 ? `; ${share(thinking, n)} hold </think>` : '';
  const reason = `${why}; ${goldWords}, so match ${match.preset}${fixed.match ? ' (as configured)' : ''}${think}.`;
  return { extract: chosen.extract, match, reason, goldKind: kind, complete: n, thinking, candidates };
}

/** Share of complete traces without an answer at full length above which the baseline is suspect. */
export const NO_ANSWER_WARN_SHARE = 0.03;

const EVERY: Candidate[] = [C('gsm8k'), C('boxed'), C('json-answer'), C('answer-is'), C('choice-letter'), ANSWER_LINE_C, C('after-think'), C('last-number')];

function sameExtract(a: ExtractConfig, b: ExtractConfig): boolean {
  return a.preset === b.preset && a.pattern === b.pattern && (a.flags ?? '') === (b.flags ?? '') && (a.group ?? 1) === (b.group ?? 1);
}

/**
 * The warning for a baseline that finds no answer in more than {@link NO_ANSWER_WARN_SHARE} of the
 * complete traces (`answered[i]` is 1 when full length found one in `cases[i]`), with the share and
 * a way out: the preset that finds the most answers instead, or a regex. Null when the share is small.
 */
export function baselineWarning(cases: readonly Case[], answered: ArrayLike<number>, extract: ExtractConfig): string | null {
  const texts: string[] = [];
  let missing = 0;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i] as Case;
    if (!isCompleteTrace(c)) continue;
    texts.push(c.output as string);
    if (answered[i] !== 1) missing++;
  }
  const n = texts.length;
  if (n === 0 || missing <= NO_ANSWER_WARN_SHARE * n) return null;
  const pct = ((missing / n) * 100).toFixed(missing / n < 0.1 ? 1 : 0);
  const head = `full length finds no answer in ${pct}% of complete traces (${missing} of ${n}) with extract ${extract.preset}, so those count as wrong in every row`;
  let best: CandidateCount | null = null;
  for (const c of EVERY) {
    if (sameExtract(c.extract, extract)) continue;
    const found = countFound(texts, c.extract);
    if (found > n - missing && (!best || found > best.found)) best = { ...c, found };
  }
  const regex = 'or an extraction { "preset": "regex", "pattern": "…" } whose group 1 captures the answer as these traces write it';
  const way = best
    ? `try extract ${best.name === 'answer-line' ? `regex ${JSON.stringify(ANSWER_LINE.pattern)}` : best.name} (finds an answer in ${best.found} of ${n}), ${regex}`
    : `look at a few traces and set ${regex.slice(3)}`;
  return `${head}; ${way}.`;
}
