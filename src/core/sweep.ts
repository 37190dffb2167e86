/**
 * The sweep: evaluates many stopping policies over one test set's recorded traces and compares each
 * with the full-length baseline on the same cases.
 */
import type { Case, CaseResult, EncodingName, EngineName, ExtractConfig, MatchConfig, PolicyOutcome, PolicySpec, SweepResult, SweepRow } from './types';
import { getTokenizer, tokenizeWithOffsets, type Tokenizer } from './tokens';
import { makeExtractor } from './extract';
import { makeMatcher } from './match';
import { confidenceDefaults, evaluableProbePolicies } from './probePolicies';
import { applyPolicy, PrefixExtractor, usesProbes, policyLabel, policyName, THINKING_DYNAMIC_POLICIES, thinkingCutoffs, tokenIndexCovering, type PreparedTrace } from './policies';
import { choosePolicy, crossValidate, policyStats, powerInfo, type PolicyMatrix, type PolicyStats } from './recommend';
import { DEFAULT_THINKING_TAGS, splitTrace } from './traceAnatomy';
import { mean, quantileOfSorted } from './stats';
import { computeTagBudgets } from './tagBudgets';
import { computeCasesToAdd } from './casesToAdd';
import { thinkingTokens as countThinking } from './forcedAnswer';
import { checkArmObeyed } from './armCheck';
import { baselineWarning, detectPresets } from './detectPresets';

export interface SweepOptions {
  encoding: EncodingName;
  engine: EngineName;
  /** Counts with this tokenizer (a model's own, see hfTokenizer.ts) instead of `encoding`/`engine`. */
  tokenizer?: Tokenizer;
  extract: ExtractConfig;
  match: MatchConfig;
  /** Policies to evaluate; `full` is always added first as the baseline, duplicates are dropped. */
  policies: readonly PolicySpec[];
  /** Non-inferiority margin as a fraction (0.01 = 1 EM point). */
  margin: number;
  seed: number;
  resamples: number;
  /** Folds for cross-validating the recommendation (0 disables it). */
  folds: number;
  /**
   * Sweep the policies over this arm's traces (`arms.<name>` of each row) instead of the default
   * generation; the arm's full length is then the baseline, and no arm rows are shown.
   */
  arm?: string;
  /** Requested numeric budgets of arms by name (from `live.arms`), for the obeyed check. */
  armBudgets?: Readonly<Record<string, number>>;
  /**
   * Detect the extraction and/or the match from the test set (see detectPresets.ts): true for the
   * ones nobody named. The detected presets replace `extract` / `match` and are reported as
   * `detected` in the result.
   */
  detect?: { extract: boolean; match: boolean };
  /** Cases to add speaks only of policies saving at least this share of full's tokens beyond the recommendation (default 0.05). */
  casesToAddMinSavings?: number;
  /**
   * True when `policies` are the defaults nobody chose: a test set whose traces mostly have a thinking
   * block then gets the thinking defaults (cutoffs up to its p95 length, THINKING_DYNAMIC_POLICIES).
   */
  adaptDefaults?: boolean;
  /** Hesitation words for the adapted `settled` defaults (config `hesitations`). */
  hesitations?: readonly string[];
  /** Include per-case results (`caseResults`). */
  includeCases?: boolean;
  /** Called after each traced case is evaluated. */
  onProgress?: (done: number, total: number) => void;
  /** Polled between cases; when it returns true the sweep throws {@link SweepCancelled}. */
  isCancelled?: () => boolean;
}

/** Thrown when {@link SweepOptions.isCancelled} asks the sweep to stop. */
export class SweepCancelled extends Error {
  constructor() {
    super('sweep cancelled');
    this.name = 'SweepCancelled';
  }
}

export { SWEEP_DEFAULTS } from './sweepDefaults';

/** Drops duplicate policies (by name) and puts `full` first. */
export function normalizePolicies(policies: readonly PolicySpec[]): PolicySpec[] {
  const seen = new Set<string>(['full']);
  const out: PolicySpec[] = [{ kind: 'full' }];
  for (const p of policies) {
    const name = policyName(p);
    if (!seen.has(name)) {
      seen.add(name);
      out.push(p);
    }
  }
  return out;
}

/** The cases with each arm's trace as their output (without one when the case lacks the arm). */
function onArm(cases: readonly Case[], arm: string): Case[] {
  return cases.map(({ output: _default, arms, probes: _probes, ...c }) => {
    const a = arms?.[arm];
    return a ? { ...c, output: a.output, ...(a.finishReason !== undefined ? { finishReason: a.finishReason } : {}), ...(a.usage ? { usage: a.usage } : {}) } : c;
  });
}

/** Arms every traced case has, in first-seen order; an arm some cases lack is left out with a warning. */
function sweptArms(traced: readonly Case[], warnings: string[]): string[] {
  const all: string[] = [];
  for (const c of traced) for (const name of Object.keys(c.arms ?? {})) if (!all.includes(name)) all.push(name);
  return all.filter((name) => {
    const missing = traced.filter((c) => !c.arms?.[name]).length;
    if (missing > 0) warnings.push(`arm ${name} has no output on ${missing} of ${traced.length} case(s), so it was not evaluated; run them in live mode with the arm.`);
    return missing === 0;
  });
}

/** An arm's generation read whole, as the `full` policy reads the default one. */
function armOutcome(text: string, tokenizer: ReturnType<typeof getTokenizer>, extract: ReturnType<typeof makeExtractor>, thinkingTags: PreparedTrace['thinkingTags']): PolicyOutcome {
  const trace: PreparedTrace = { text, tokens: tokenizeWithOffsets(tokenizer, text), thinkingTags };
  return applyPolicy({ kind: 'full' }, trace, new PrefixExtractor(trace, extract), extract);
}

/** One sweep's inputs once the cases are chosen, the presets settled and the traces tokenized. */
interface SweepRun {
  /** The options with detected presets applied. */
  opts: SweepOptions;
  traced: Case[];
  armNames: string[];
  tokenizer: Tokenizer;
  prepared: PreparedTrace[];
  /** Tokens of the thinking part of each whole trace (through the close tag; all of it while open); -1 without thinking. */
  thinkingTokens: number[];
  thinkingTraces: number;
  policies: PolicySpec[];
  /** Thinking tokens per case as budget policies count them; empty when no budget policy is swept. */
  budgetThinking: number[];
  /** Column names: the policies, then `arm:<name>` per arm. */
  names: string[];
  warnings: string[];
}

/** Per column (policies, then arms) and per case, what the sweep measured. */
interface Evaluation {
  matrix: PolicyMatrix;
  answered: Uint8Array[];
  probeTokens: Float64Array[];
  forcedTokens: Float64Array[];
  intermediate: number[];
  caseResults: CaseResult[];
}

/** The cases with an output to replay (on the swept arm when one is named) and the arms to compare. */
function tracedCases(cases: readonly Case[], opts: SweepOptions, warnings: string[]): { traced: Case[]; untraced: number; armNames: string[] } {
  const source = opts.arm === undefined ? cases : onArm(cases, opts.arm);
  const traced = source.filter((c) => typeof c.output === 'string');
  const untraced = cases.length - traced.length;
  if (untraced > 0) warnings.push(opts.arm === undefined ? `${untraced} case(s) have no recorded output and were left out; run them in live mode first.` : `${untraced} case(s) have no output of arm ${opts.arm} and were left out.`);
  const armNames = opts.arm === undefined ? sweptArms(traced, warnings) : [];
  return { traced, untraced, armNames };
}

function withDetectedPresets(opts: SweepOptions, traced: readonly Case[]): { opts: SweepOptions; detected?: SweepResult['detected'] } {
  if (!opts.detect || !(opts.detect.extract || opts.detect.match) || traced.length === 0) return { opts };
  const d = detectPresets(traced, { extract: opts.detect.extract ? undefined : opts.extract, match: opts.detect.match ? undefined : opts.match });
  // Configured thinking tags stay with whatever extraction was detected.
  const thinking = opts.extract.thinking;
  const extract = thinking && !d.extract.thinking ? { ...d.extract, thinking } : d.extract;
  return { opts: { ...opts, extract, match: d.match }, detected: { extract: d.extract, match: d.match, reason: d.reason } };
}

function prepareTraces(traced: readonly Case[], tokenizer: Tokenizer, opts: SweepOptions): Pick<SweepRun, 'prepared' | 'thinkingTokens' | 'thinkingTraces'> {
  const tags = opts.extract.thinking ?? DEFAULT_THINKING_TAGS;
  const prepared: PreparedTrace[] = traced.map((c) => {
    const text = c.output as string;
    return { text, tokens: tokenizeWithOffsets(tokenizer, text), probes: c.probes, thinkingTags: opts.extract.thinking };
  });
  const thinkingTokens = prepared.map((t) => {
    const split = splitTrace(t.text, tags);
    return split === null ? -1 : split.closed ? tokenIndexCovering(t.tokens, split.closeEnd) : t.tokens.count;
  });
  return { prepared, thinkingTokens, thinkingTraces: thinkingTokens.filter((k) => k >= 0).length };
}

/** The requested policies, or the thinking defaults when nobody chose and most traces think. */
function requestedPolicies(opts: SweepOptions, prepared: readonly PreparedTrace[], thinkingTraces: number): PolicySpec[] {
  if (!opts.adaptDefaults || thinkingTraces * 2 <= prepared.length) return normalizePolicies(opts.policies);
  const lengths = prepared.map((t) => t.tokens.count).sort((a, b) => a - b);
  const cutoffs = thinkingCutoffs(quantileOfSorted(lengths, 0.95));
  const words = opts.hesitations;
  const dynamic = THINKING_DYNAMIC_POLICIES.map((p): PolicySpec => (p.kind === 'settled' && words ? { ...p, hesitations: [...words] } : p));
  return normalizePolicies([...cutoffs.map((k): PolicySpec => ({ kind: 'cutoff', tokens: k })), ...dynamic]);
}

/** Adds the confidence defaults when nobody chose policies, then leaves out probe policies the recorded probes cannot replay. */
function withoutUnprobedPolicies(policies: PolicySpec[], traced: readonly Case[], opts: SweepOptions, warnings: string[]): PolicySpec[] {
  const all = opts.adaptDefaults ? normalizePolicies([...policies, ...confidenceDefaults(traced)]) : policies;
  const probed = evaluableProbePolicies(all, traced);
  warnings.push(...probed.warnings);
  return probed.policies;
}

/** Leaves out budget policies a case lacks the forced answer for, and counts thinking for the rest. */
function withoutUnforcedBudgets(policies: PolicySpec[], traced: readonly Case[], tokenizer: Tokenizer, tags: SweepOptions['extract']['thinking'], warnings: string[]): { policies: PolicySpec[]; budgetThinking: number[] } {
  const budgets = policies.filter((p): p is Extract<PolicySpec, { kind: 'budget' }> => p.kind === 'budget');
  if (budgets.length === 0) return { policies, budgetThinking: [] };
  const budgetThinking = traced.map((c) => countThinking(tokenizer, c.output as string, tags));
  const lacking = budgets.filter((b) => traced.some((c, i) => budgetThinking[i] > b.tokens && !c.forced?.some((f) => f.atToken === b.tokens)));
  if (lacking.length === 0) return { policies, budgetThinking };
  warnings.push(
    `budget policies (${lacking.map(policyName).join(', ')}) need a forced answer recorded at K on every case whose thinking is longer than K (run with --budgets); some cases have none, so they were not evaluated.`,
  );
  return { policies: policies.filter((p) => !lacking.includes(p as (typeof budgets)[number])), budgetThinking };
}

/** Chooses the cases, settles presets and policies, and tokenizes: everything before the replay. */
function setUpSweep(cases: readonly Case[], options: SweepOptions): SweepRun & { untraced: number; detected?: SweepResult['detected'] } {
  const warnings: string[] = [];
  const { traced, untraced, armNames } = tracedCases(cases, options, warnings);
  const { opts, detected } = withDetectedPresets(options, traced);
  const tokenizer = opts.tokenizer ?? getTokenizer(opts.encoding, opts.engine);
  const traces = prepareTraces(traced, tokenizer, opts);
  const probed = withoutUnprobedPolicies(requestedPolicies(opts, traces.prepared, traces.thinkingTraces), traced, opts, warnings);
  const { policies, budgetThinking } = withoutUnforcedBudgets(probed, traced, tokenizer, opts.extract.thinking, warnings);
  const names = [...policies.map(policyName), ...armNames.map((a) => `arm:${a}`)];
  return { opts, traced, untraced, armNames, tokenizer, ...traces, policies, budgetThinking, names, warnings, ...(detected ? { detected } : {}) };
}

/** Replays every case under every column and grades each answer once per case. */
function evaluateCases(run: SweepRun): Evaluation {
  const { opts, traced, names, policies, armNames, tokenizer } = run;
  const n = traced.length;
  const extract = makeExtractor(opts.extract);
  const matcher = makeMatcher(opts.match);
  const ev: Evaluation = {
    matrix: { names, correct: names.map(() => new Uint8Array(n)), tokens: names.map(() => new Float64Array(n)) },
    answered: names.map(() => new Uint8Array(n)),
    probeTokens: names.map(() => new Float64Array(n)),
    forcedTokens: names.map(() => new Float64Array(n)),
    intermediate: names.map(() => 0),
    caseResults: [],
  };
  for (let i = 0; i < n; i++) {
    if (opts.isCancelled?.()) throw new SweepCancelled();
    const c = traced[i];
    const trace: PreparedTrace = c.forced || run.budgetThinking.length > 0 ? { ...run.prepared[i], forced: c.forced, thinkingTokens: run.budgetThinking[i] } : run.prepared[i];
    const prefixes = new PrefixExtractor(trace, extract);
    const perPolicy: CaseResult['policies'] = {};
    // Policies often stop on the same answer (full, long cutoffs): grade each distinct answer once.
    const graded = new Map<string, boolean>();
    for (let p = 0; p < names.length; p++) {
      const outcome = p < policies.length ? applyPolicy(policies[p], trace, prefixes, extract) : armOutcome((c.arms ?? {})[armNames[p - policies.length]].output, tokenizer, extract, opts.extract.thinking);
      let ok = false;
      if (outcome.answer !== null) {
        const seen = graded.get(outcome.answer);
        ok = seen ?? matcher(outcome.answer, c.answers).pass;
        if (seen === undefined) graded.set(outcome.answer, ok);
      }
      recordOutcome(ev, p, i, outcome, ok);
      if (opts.includeCases) perPolicy[names[p]] = { stopToken: outcome.stopToken, answer: outcome.answer, correct: ok, reason: outcome.reason, answerKind: outcome.answerKind ?? 'none' };
    }
    if (opts.includeCases) {
      const cr: CaseResult = { id: c.id, gold: c.answers, line: c.line, tags: c.tags, totalTokens: trace.tokens.count, policies: perPolicy };
      if (run.thinkingTraces > 0) cr.thinkingTokens = Math.max(0, run.thinkingTokens[i]);
      ev.caseResults.push(cr);
    }
    opts.onProgress?.(i + 1, n);
  }
  return ev;
}

function recordOutcome(ev: Evaluation, p: number, i: number, outcome: PolicyOutcome, ok: boolean): void {
  ev.matrix.correct[p][i] = ok ? 1 : 0;
  ev.matrix.tokens[p][i] = outcome.stopToken;
  ev.answered[p][i] = outcome.answer !== null ? 1 : 0;
  ev.probeTokens[p][i] = outcome.probeTokens ?? 0;
  ev.forcedTokens[p][i] = outcome.forcedTokens ?? 0;
  if (outcome.answerKind === 'intermediate') ev.intermediate[p]++;
}

function sweepRow(run: SweepRun, ev: Evaluation, s: PolicyStats, p: number): SweepRow {
  const { traced, policies } = run;
  const n = traced.length;
  const spec: PolicySpec | undefined = policies[p];
  const baseCorrect = ev.matrix.correct[0];
  const toWrong: string[] = [];
  const toRight: string[] = [];
  let cut = 0;
  for (let i = 0; i < n; i++) {
    if (baseCorrect[i] === 1 && ev.matrix.correct[p][i] === 0) toWrong.push(traced[i].id);
    else if (baseCorrect[i] === 0 && ev.matrix.correct[p][i] === 1) toRight.push(traced[i].id);
    if (ev.answered[p][i] === 0) cut++;
  }
  const tokens = ev.matrix.tokens[p];
  const sorted = tokens.slice().sort();
  const row: SweepRow = {
    policy: run.names[p],
    label: spec ? policyLabel(spec) : `arm ${run.armNames[p - policies.length]}`,
    em: s.em,
    correct: s.correct,
    deltaEm: s.deltaEm,
    ci95: s.ci95,
    mcnemarP: s.mcnemarP,
    meanTokens: n ? mean(tokens) : 0,
    medianTokens: n ? quantileOfSorted(sorted, 0.5) : 0,
    p95Tokens: n ? quantileOfSorted(sorted, 0.95) : 0,
    savings: s.savings,
    cutBeforeAnswer: cut,
    flipsToWrong: toWrong.length,
    flipsToRight: toRight.length,
    flipsToWrongIds: toWrong,
    flipsToRightIds: toRight,
  };
  if (spec && usesProbes(spec)) row.meanProbeTokens = n ? mean(ev.probeTokens[p]) : 0;
  if (spec?.kind === 'budget') row.meanForcedTokens = n ? mean(ev.forcedTokens[p]) : 0;
  if (!spec) addArmCheck(row, run, ev, run.armNames[p - policies.length], p);
  else if (run.thinkingTraces > 0) addThinkingSplit(row, run.thinkingTokens, tokens, ev.forcedTokens[p], ev.intermediate[p]);
  return row;
}

/** An arm row's obeyed check against its requested budget; an arm without effect is also a warning. */
function addArmCheck(row: SweepRow, run: SweepRun, ev: Evaluation, arm: string, p: number): void {
  row.arm = arm;
  const reasoning = run.traced.flatMap((c) => (typeof c.arms?.[arm]?.usage?.reasoningTokens === 'number' ? [c.arms[arm].usage?.reasoningTokens as number] : []));
  row.obeyed = checkArmObeyed(arm, ev.matrix.tokens[p], ev.matrix.tokens[0], reasoning, run.opts.armBudgets?.[arm]);
  if (row.obeyed.noEffect) {
    row.noEffect = true;
    run.warnings.push(row.obeyed.reason);
  }
}

/** A policy row's tokens split into thinking and answer (a forced answer's tokens are answer tokens), with its intermediate stops. */
function addThinkingSplit(row: SweepRow, thinkingTokens: readonly number[], tokens: Float64Array, forced: Float64Array, intermediateStops: number): void {
  const n = tokens.length;
  const think = new Float64Array(n);
  const answer = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    think[i] = Math.min(tokens[i] - forced[i], Math.max(0, thinkingTokens[i]));
    answer[i] = tokens[i] - think[i];
  }
  row.meanThinkingTokens = n ? mean(think) : 0;
  row.p95ThinkingTokens = n ? quantileOfSorted(think.slice().sort(), 0.95) : 0;
  row.meanAnswerTokens = n ? mean(answer) : 0;
  row.p95AnswerTokens = n ? quantileOfSorted(answer.slice().sort(), 0.95) : 0;
  row.intermediateStops = intermediateStops;
}

function recommendationOf(chosen: ReturnType<typeof choosePolicy> | null, rows: readonly SweepRow[], margin: number): SweepResult['recommendation'] {
  if (chosen === null) return null;
  const row = rows[chosen.index];
  return { policy: row.policy, em: row.em, deltaEm: row.deltaEm, ci95: row.ci95, meanTokens: row.meanTokens, savings: row.savings, margin, reason: chosen.reason };
}

/** Runs the sweep over `cases` (those without a recorded `output` are left out and counted as skipped). */
export function runSweep(cases: readonly Case[], skipped: number, options: SweepOptions): SweepResult {
  const run = setUpSweep(cases, options);
  const { opts, traced, tokenizer, warnings } = run;
  const n = traced.length;
  const ev = evaluateCases(run);
  const stats = policyStats(ev.matrix, { resamples: opts.resamples, seed: opts.seed });
  const rows = run.names.map((_name, p) => sweepRow(run, ev, stats[p], p));
  const chosen = n > 0 ? choosePolicy(stats, opts.margin) : null;
  const recommendation = recommendationOf(chosen, rows, opts.margin);
  const noAnswer = baselineWarning(traced, ev.answered[0], opts.extract);
  if (noAnswer) warnings.push(noAnswer);
  const power = powerInfo(ev.matrix, chosen ? chosen.index : null, opts.margin);
  if (power.underpowered) warnings.push(power.message);
  const cv = opts.folds > 1 && n > 0 ? crossValidate(ev.matrix, { folds: opts.folds, margin: opts.margin, seed: opts.seed, recommendedIndex: chosen ? chosen.index : null }) : null;
  const result: SweepResult = {
    cases: n,
    skipped: skipped + run.untraced,
    encoding: tokenizer.encoding,
    engine: tokenizer.engine,
    tokenizer: tokenizer.name,
    extract: opts.extract,
    match: opts.match,
    margin: opts.margin,
    seed: opts.seed,
    resamples: opts.resamples,
    baseline: { em: rows[0]?.em ?? 0, meanTokens: rows[0]?.meanTokens ?? 0, correct: rows[0]?.correct ?? 0 },
    rows,
    recommendation,
    power,
    crossValidation: cv,
    warnings,
  };
  addOptionalParts(result, run, ev);
  return result;
}

function addOptionalParts(result: SweepResult, run: SweepRun & { detected?: SweepResult['detected'] }, ev: Evaluation): void {
  const { opts, traced } = run;
  const n = traced.length;
  if (run.detected) result.detected = run.detected;
  const fingerprint = (run.tokenizer as { fingerprint?: unknown }).fingerprint;
  if (typeof fingerprint === 'string') result.tokenizerFingerprint = fingerprint;
  if (opts.hesitations) result.hesitations = [...opts.hesitations];
  if (opts.includeCases) result.caseResults = ev.caseResults;
  if (run.thinkingTraces > 0) result.thinkingTraces = run.thinkingTraces;
  if (n > 0 && traced.some((c) => c.tags.length > 0)) {
    result.tagBudgets = computeTagBudgets(ev.matrix, traced.map((c) => c.tags), { margin: opts.margin, seed: opts.seed, folds: opts.folds });
  }
  const toAdd = computeCasesToAdd(result.rows, n, opts.margin, result.recommendation ? result.recommendation.policy : null, { minSavings: opts.casesToAddMinSavings });
  if (toAdd) result.casesToAdd = toAdd;
}
