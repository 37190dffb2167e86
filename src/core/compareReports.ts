/**
 * What a change costs: reads two JSON reports of the same kind (`prompt-budget sweep --format json`,
 * or `prompt-budget count --format json`) and says what changed, with the paired difference when the
 * cases match by id, and the gates a CI job sets on it. Pure: the CLI reads the files.
 */
import { pairedDifferenceCi } from './pairedInterval';
import type { GateCheck } from './gates';
import { percentArg } from './gates';
import { normalQuantile } from './stats';
import { formatCi, signedPts } from './format';

/** The figures of one sweep report that a comparison reads. */
export interface SweepReportFigures {
  kind: 'sweep';
  cases: number;
  encoding: string;
  baseline: { em: number; meanTokens: number; correct: number };
  recommendation: RecommendedFigures | null;
  /** Per case (from `--cases`): whether full-length output was right, and its output tokens. */
  caseResults: Map<string, { correct: boolean; tokens: number }> | null;
  /** Tokens of the linked prompt, when the report carries them (`prompt.tokens`). */
  promptTokens: number | null;
  /** How the report counted the linked prompt (null without one). */
  prompt: PromptCount | null;
}

/**
 * How a report counted a prompt file: its body (`countedFrom: "body"`, front matter excluded), or the
 * whole file (a report made before front matter was excluded, or a file without front matter).
 */
export interface PromptCount {
  tokens: number;
  countedFrom: 'file' | 'body';
  /** The front matter's own tokens, which a body count gives. */
  frontMatterTokens: number | null;
  /** What counted it: the prompt's own `tokenizer`, else the report's. */
  tokenizer: string;
}

/** A prompt counted as the whole file in one report and as its body in the other. */
export interface PromptCountingChange {
  before: 'file' | 'body';
  after: 'file' | 'body';
  /** The whole file on both sides (the body side's front matter tokens added back); null when that side does not give them. */
  wholeFile: Change | null;
  /** Why the figures differ besides the prompt itself, in words for the comparison. */
  reason: string;
}

/** The recommended policy's figures in a sweep report. */
export interface RecommendedFigures {
  policy: string;
  em: number;
  deltaEm: number;
  ci95: [number, number];
  meanTokens: number;
  savings: number;
}

/** One prompt literal of a code file in a count report. */
export interface PromptLiteral {
  line: number;
  column: number;
  tokens: number;
  kind: string;
}

/** The figures of one count report. */
export interface CountReportFigures {
  kind: 'count';
  encoding: string;
  files: { file: string; tokens: number; prompts: PromptLiteral[] | null; counted: PromptCount }[];
  total: number;
}

/** A parsed report, or why it cannot be read. */
export type ParsedReport = { ok: true; report: SweepReportFigures | CountReportFigures } | { ok: false; reason: string };

/** A figure before and after, with the change (and the relative change when `before` is not 0). */
export interface Change {
  before: number;
  after: number;
  delta: number;
  /** delta / before; null when before is 0. */
  relative: number | null;
}

/** The paired comparison of the full-length baselines on the cases both reports hold. */
export interface PairedBaseline {
  matched: number;
  onlyBefore: number;
  onlyAfter: number;
  em: Change;
  /** Tango score interval of the paired EM difference (fractions). */
  emCi95: [number, number];
  /** Cases right before and wrong after, and the reverse. */
  flipsToWrong: number;
  flipsToRight: number;
  meanTokens: Change;
  /** Normal-approximation 95% interval of the mean per-case token difference. */
  tokensCi95: [number, number];
}

/** Two sweep reports compared. */
export interface SweepComparison {
  kind: 'sweep';
  encoding: { before: string; after: string };
  cases: { before: number; after: number };
  /** The baselines as each report states them (all its cases). */
  baseline: { em: Change; meanTokens: Change };
  /** Null when a report lacks per-case results or no id matches; `unpairedReason` says which. */
  paired: PairedBaseline | null;
  unpairedReason: string | null;
  recommendation: { before: RecommendedFigures | null; after: RecommendedFigures | null; samePolicy: boolean };
  promptTokens: Change | null;
  /** Present when the reports counted the prompt differently: the change above is then no prompt change. */
  promptCounting?: PromptCountingChange;
  notes: string[];
}

/** One file (or one prompt literal in it) in two count reports; null on the side that lacks it. */
export interface CountItemChange {
  file: string;
  /** `line:column` of the literal in the after report (before, when it was removed); absent for the whole file. */
  at?: string;
  kind?: string;
  before: number | null;
  after: number | null;
  delta: number;
  /** Present when the reports counted this file differently (whole file, body). */
  counting?: PromptCountingChange;
}

/** Two count reports compared. */
export interface CountComparison {
  kind: 'count';
  encoding: { before: string; after: string };
  total: Change;
  /** The total with every file on the same footing (whole file), when some file was counted differently. */
  wholeFileTotal?: Change;
  files: CountItemChange[];
  prompts: CountItemChange[];
  notes: string[];
}

export type Comparison = SweepComparison | CountComparison;

/** Gates of `prompt-budget compare` (fractions). */
export interface CompareGates {
  /** Fail when tokens grow by more than this share (baseline output tokens, prompt tokens, a count's total). */
  maxTokenIncrease?: number;
  /** Fail when the baseline's EM drops by more than this (paired when the cases match). */
  maxEmDrop?: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function readRecommendation(v: unknown): RecommendedFigures | null | string {
  if (v === null || v === undefined) return null;
  if (!isObj(v) || typeof v.policy !== 'string') return 'recommendation must be null or an object with a policy';
  for (const k of ['em', 'deltaEm', 'meanTokens', 'savings'] as const) if (!isNum(v[k])) return `recommendation.${k} must be a number`;
  const ci = v.ci95;
  if (!Array.isArray(ci) || ci.length !== 2 || !isNum(ci[0]) || !isNum(ci[1])) return 'recommendation.ci95 must be [low, high]';
  return { policy: v.policy, em: v.em as number, deltaEm: v.deltaEm as number, ci95: [ci[0], ci[1]], meanTokens: v.meanTokens as number, savings: v.savings as number };
}

function readCaseResults(v: unknown): Map<string, { correct: boolean; tokens: number }> | string {
  if (!Array.isArray(v)) return 'caseResults must be an array';
  const out = new Map<string, { correct: boolean; tokens: number }>();
  for (let i = 0; i < v.length; i++) {
    const c: unknown = v[i];
    const full = isObj(c) && isObj(c.policies) ? c.policies.full : undefined;
    if (!isObj(c) || typeof c.id !== 'string' || !isObj(full) || typeof full.correct !== 'boolean' || !isNum(full.stopToken)) {
      return `caseResults[${i}] must have an id and policies.full with correct and stopToken`;
    }
    if (out.has(c.id)) return `caseResults[${i}]: duplicate id "${c.id}"`;
    out.set(c.id, { correct: full.correct, tokens: full.stopToken });
  }
  return out;
}

function readPromptCount(p: Record<string, unknown>, reportTokenizer: string): PromptCount {
  return {
    tokens: p.tokens as number,
    countedFrom: p.countedFrom === 'body' ? 'body' : 'file',
    frontMatterTokens: isNum(p.frontMatterTokens) ? p.frontMatterTokens : null,
    tokenizer: typeof p.tokenizer === 'string' ? p.tokenizer : reportTokenizer,
  };
}

/** What counted a report's figures: its `tokenizer`, else its `encoding`. */
function reportTokenizer(o: Record<string, unknown>): string {
  return typeof o.tokenizer === 'string' ? o.tokenizer : typeof o.encoding === 'string' ? o.encoding : 'unknown';
}

function readSweep(o: Record<string, unknown>): ParsedReport {
  const b = o.baseline;
  if (!isNum(o.cases)) return { ok: false, reason: 'cases must be a number' };
  if (!isObj(b) || !isNum(b.em) || !isNum(b.meanTokens) || !isNum(b.correct)) return { ok: false, reason: 'baseline must have em, meanTokens and correct' };
  const rec = readRecommendation(o.recommendation);
  if (typeof rec === 'string') return { ok: false, reason: rec };
  const cases = o.caseResults === undefined ? null : readCaseResults(o.caseResults);
  if (typeof cases === 'string') return { ok: false, reason: cases };
  const prompt = o.prompt;
  if (prompt !== undefined && prompt !== null && !(isObj(prompt) && isNum(prompt.tokens))) return { ok: false, reason: 'prompt must be null or an object with tokens' };
  return {
    ok: true,
    report: {
      kind: 'sweep',
      cases: o.cases,
      encoding: typeof o.encoding === 'string' ? o.encoding : 'unknown',
      baseline: { em: b.em, meanTokens: b.meanTokens, correct: b.correct },
      recommendation: rec,
      caseResults: cases,
      promptTokens: isObj(prompt) ? (prompt.tokens as number) : null,
      prompt: isObj(prompt) ? readPromptCount(prompt, reportTokenizer(o)) : null,
    },
  };
}

function readPrompts(v: unknown, where: string): PromptLiteral[] | null | string {
  if (v === undefined) return null;
  if (!Array.isArray(v)) return `${where}.prompts must be an array`;
  const out: PromptLiteral[] = [];
  for (let i = 0; i < v.length; i++) {
    const p: unknown = v[i];
    if (!isObj(p) || !isNum(p.line) || !isNum(p.column) || !isNum(p.tokens)) return `${where}.prompts[${i}] must have line, column and tokens`;
    out.push({ line: p.line, column: p.column, tokens: p.tokens, kind: typeof p.kind === 'string' ? p.kind : 'prompt' });
  }
  return out;
}

function readCount(o: Record<string, unknown>): ParsedReport {
  if (!Array.isArray(o.files)) return { ok: false, reason: 'files must be an array' };
  const files: CountReportFigures['files'] = [];
  for (let i = 0; i < o.files.length; i++) {
    const f: unknown = o.files[i];
    if (!isObj(f) || typeof f.file !== 'string' || !isNum(f.tokens)) return { ok: false, reason: `files[${i}] must have file and tokens` };
    const prompts = readPrompts(f.prompts, `files[${i}]`);
    if (typeof prompts === 'string') return { ok: false, reason: prompts };
    files.push({ file: f.file, tokens: f.tokens, prompts, counted: readPromptCount(f, reportTokenizer(o)) });
  }
  const total = isNum(o.total) ? o.total : files.reduce((s, f) => s + f.tokens, 0);
  return { ok: true, report: { kind: 'count', encoding: typeof o.encoding === 'string' ? o.encoding : 'unknown', files, total } };
}

/** Reads a report's text: a sweep report (it has `rows` and `baseline`) or a count report (`files`). */
export function parseReport(text: string): ParsedReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `not JSON (${(e as Error).message})` };
  }
  if (!isObj(value)) return { ok: false, reason: 'expected a JSON object' };
  if (Array.isArray(value.rows) && value.baseline !== undefined) return readSweep(value);
  if (Array.isArray(value.files)) return readCount(value);
  return { ok: false, reason: 'neither a sweep report (prompt-budget sweep --format json) nor a count report (prompt-budget count --format json)' };
}

function change(before: number, after: number): Change {
  return { before, after, delta: after - before, relative: before === 0 ? null : (after - before) / before };
}

function pairBaselines(before: Map<string, { correct: boolean; tokens: number }>, after: Map<string, { correct: boolean; tokens: number }>): PairedBaseline | null {
  let matched = 0;
  let rightBefore = 0;
  let rightAfter = 0;
  let lost = 0;
  let gained = 0;
  const diffs: number[] = [];
  let tokBefore = 0;
  let tokAfter = 0;
  for (const [id, b] of before) {
    const a = after.get(id);
    if (!a) continue;
    matched++;
    if (b.correct) rightBefore++;
    if (a.correct) rightAfter++;
    if (b.correct && !a.correct) lost++;
    if (!b.correct && a.correct) gained++;
    tokBefore += b.tokens;
    tokAfter += a.tokens;
    diffs.push(a.tokens - b.tokens);
  }
  if (matched === 0) return null;
  const meanDiff = (tokAfter - tokBefore) / matched;
  const variance = matched > 1 ? diffs.reduce((s, d) => s + (d - meanDiff) ** 2, 0) / (matched - 1) : 0;
  const half = normalQuantile(0.975) * Math.sqrt(variance / matched);
  return {
    matched,
    onlyBefore: before.size - matched,
    onlyAfter: after.size - matched,
    em: change(rightBefore / matched, rightAfter / matched),
    emCi95: pairedDifferenceCi(lost, gained, matched),
    flipsToWrong: lost,
    flipsToRight: gained,
    meanTokens: change(tokBefore / matched, tokAfter / matched),
    tokensCi95: [meanDiff - half, meanDiff + half],
  };
}

/**
 * Null when both reports counted the prompt the same way; else what each counted and the change with
 * the whole file on both sides (≈: the front matter and the body counted apart can differ by a token
 * from the file counted whole).
 */
export function promptCountingChange(before: PromptCount, after: PromptCount): PromptCountingChange | null {
  if (before.countedFrom === after.countedFrom) return null;
  const whole = (p: PromptCount): number | null => (p.countedFrom === 'file' ? p.tokens : p.frontMatterTokens === null ? null : p.tokens + p.frontMatterTokens);
  const side = (p: PromptCount): string => (p.countedFrom === 'file' ? 'the whole file' : `the body only${p.frontMatterTokens === null ? '' : ` (${p.frontMatterTokens} tokens of front matter excluded)`}`);
  const tokenizers = before.tokenizer === after.tokenizer ? '' : `, in ${before.tokenizer} → ${after.tokenizer}`;
  const b = whole(before);
  const a = whole(after);
  return {
    before: before.countedFrom,
    after: after.countedFrom,
    wholeFile: b !== null && a !== null ? change(b, a) : null,
    reason: `counted differently, not a prompt change: the before report counted ${side(before)}, the after report ${side(after)}${tokenizers}`,
  };
}

function compareSweeps(before: SweepReportFigures, after: SweepReportFigures): SweepComparison {
  const notes: string[] = [];
  if (before.encoding !== after.encoding) notes.push(`the reports count tokens in different encodings (${before.encoding} → ${after.encoding}); token changes mix the two`);
  let paired: PairedBaseline | null = null;
  let unpairedReason: string | null = null;
  if (!before.caseResults || !after.caseResults) {
    const which = !before.caseResults && !after.caseResults ? 'neither report has' : !before.caseResults ? 'the before report has no' : 'the after report has no';
    unpairedReason = `unpaired: ${which} per-case results (run the sweep with --format json --cases)`;
  } else {
    paired = pairBaselines(before.caseResults, after.caseResults);
    if (!paired) unpairedReason = 'unpaired: no case id is in both reports';
    else if (paired.onlyBefore || paired.onlyAfter) notes.push(`paired on the ${paired.matched} cases in both reports; ${paired.onlyBefore} only before, ${paired.onlyAfter} only after`);
  }
  const recBefore = before.recommendation;
  const recAfter = after.recommendation;
  const counting = before.prompt && after.prompt ? promptCountingChange(before.prompt, after.prompt) : null;
  return {
    kind: 'sweep',
    encoding: { before: before.encoding, after: after.encoding },
    cases: { before: before.cases, after: after.cases },
    baseline: { em: change(before.baseline.em, after.baseline.em), meanTokens: change(before.baseline.meanTokens, after.baseline.meanTokens) },
    paired,
    unpairedReason,
    recommendation: { before: recBefore, after: recAfter, samePolicy: (recBefore?.policy ?? null) === (recAfter?.policy ?? null) },
    promptTokens: before.promptTokens !== null && after.promptTokens !== null ? change(before.promptTokens, after.promptTokens) : null,
    ...(counting ? { promptCounting: counting } : {}),
    notes,
  };
}

function comparePrompts(file: string, before: PromptLiteral[], after: PromptLiteral[]): CountItemChange[] {
  const item = (b: PromptLiteral | null, a: PromptLiteral | null): CountItemChange => {
    const p = (a ?? b) as PromptLiteral;
    return { file, at: `${p.line}:${p.column}`, kind: p.kind, before: b?.tokens ?? null, after: a?.tokens ?? null, delta: (a?.tokens ?? 0) - (b?.tokens ?? 0) };
  };
  // Same number of literals: the nth stays the nth when lines above it move; otherwise match by position.
  if (before.length === after.length) return after.map((a, i) => item(before[i], a));
  const key = (p: PromptLiteral) => `${p.line}:${p.column}`;
  const byPos = new Map(before.map((p) => [key(p), p]));
  const out = after.map((a) => {
    const b = byPos.get(key(a)) ?? null;
    byPos.delete(key(a));
    return item(b, a);
  });
  for (const b of byPos.values()) out.push(item(b, null));
  return out;
}

function compareCounts(before: CountReportFigures, after: CountReportFigures): CountComparison {
  const notes: string[] = [];
  if (before.encoding !== after.encoding) notes.push(`the reports count tokens in different encodings (${before.encoding} → ${after.encoding})`);
  const beforeFiles = new Map(before.files.map((f) => [f.file, f]));
  const files: CountItemChange[] = [];
  const prompts: CountItemChange[] = [];
  for (const a of after.files) {
    const b = beforeFiles.get(a.file);
    beforeFiles.delete(a.file);
    const counting = b ? promptCountingChange(b.counted, a.counted) : null;
    files.push({ file: a.file, before: b?.tokens ?? null, after: a.tokens, delta: a.tokens - (b?.tokens ?? 0), ...(counting ? { counting } : {}) });
    if (a.prompts || b?.prompts) prompts.push(...comparePrompts(a.file, b?.prompts ?? [], a.prompts ?? []));
  }
  for (const b of beforeFiles.values()) {
    files.push({ file: b.file, before: b.tokens, after: null, delta: -b.tokens });
    if (b.prompts) prompts.push(...comparePrompts(b.file, b.prompts, []));
  }
  const differ = files.filter((f) => f.counting?.wholeFile);
  const total = change(before.total, after.total);
  if (differ.length === 0) return { kind: 'count', encoding: { before: before.encoding, after: after.encoding }, total, files, prompts, notes };
  // The same footing for the total: each file counted differently is taken whole on both sides.
  const added = (side: 'before' | 'after') => differ.reduce((s, f) => s + (f.counting?.wholeFile?.[side] ?? 0) - (f[side] ?? 0), 0);
  notes.push(`${differ.length} file(s) were counted as the whole file in one report and as the body in the other; the total with every file whole on both sides: ${before.total + added('before')} → ${after.total + added('after')}`);
  return { kind: 'count', encoding: { before: before.encoding, after: after.encoding }, total, wholeFileTotal: change(before.total + added('before'), after.total + added('after')), files, prompts, notes };
}

/** Compares two reports of the same kind; a string says why they cannot be compared. */
export function compareReports(before: SweepReportFigures | CountReportFigures, after: SweepReportFigures | CountReportFigures): Comparison | string {
  if (before.kind === 'sweep' && after.kind === 'sweep') return compareSweeps(before, after);
  if (before.kind === 'count' && after.kind === 'count') return compareCounts(before, after);
  return `cannot compare a ${before.kind} report with a ${after.kind} report`;
}

const pctText = (f: number) => `${(f * 100).toFixed(1)}%`;

function tokenGate(what: string, c: Change, limit: number): GateCheck {
  const grew = c.relative === null ? (c.delta > 0 ? Infinity : 0) : c.relative;
  const by = c.relative === null ? `${c.delta > 0 ? '+' : ''}${fmtTokens(c.delta)} tokens from 0` : `${signedPts(grew)}%`;
  return {
    gate: `--max-token-increase ${percentArg(limit)}`,
    pass: grew <= limit + 1e-12,
    reason: `gate --max-token-increase: ${what} ${fmtTokens(c.before)} → ${fmtTokens(c.after)} (${by}), allowed +${pctText(limit)}`,
  };
}

function fmtTokens(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** Checks the gates that are set. `--max-em-drop` needs sweep reports (the caller rejects it for counts). */
export function checkCompareGates(c: Comparison, gates: CompareGates): GateCheck[] {
  const checks: GateCheck[] = [];
  if (gates.maxTokenIncrease !== undefined) {
    if (c.kind === 'count') checks.push(c.wholeFileTotal ? tokenGate('prompt tokens (total, every file whole on both sides)', c.wholeFileTotal, gates.maxTokenIncrease) : tokenGate('prompt tokens (total)', c.total, gates.maxTokenIncrease));
    else {
      const tokens = c.paired ? c.paired.meanTokens : c.baseline.meanTokens;
      checks.push(tokenGate(`baseline mean output tokens${c.paired ? ` (paired, ${c.paired.matched} cases)` : ' (unpaired)'}`, tokens, gates.maxTokenIncrease));
      // Counted differently, the reported change is no prompt change: the gate compares the whole file on both sides.
      const whole = c.promptCounting?.wholeFile;
      if (c.promptTokens) checks.push(whole ? tokenGate('prompt tokens (the whole file on both sides: the reports counted it differently)', whole, gates.maxTokenIncrease) : tokenGate('prompt tokens', c.promptTokens, gates.maxTokenIncrease));
    }
  }
  if (gates.maxEmDrop !== undefined && c.kind === 'sweep') {
    const em = c.paired ? c.paired.em : c.baseline.em;
    const ci = c.paired ? `, 95% CI ${formatCi(c.paired.emCi95)}` : '';
    checks.push({
      gate: `--max-em-drop ${percentArg(gates.maxEmDrop)}`,
      pass: -em.delta <= gates.maxEmDrop + 1e-12,
      reason: `gate --max-em-drop: baseline EM ${pctText(em.before)} → ${pctText(em.after)} (${signedPts(em.delta)} pts${c.paired ? `, paired on ${c.paired.matched} cases` : ', unpaired'}${ci}), allowed −${(gates.maxEmDrop * 100).toFixed(1)}`,
    });
  }
  return checks;
}

