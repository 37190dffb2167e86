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
import { choosePolicy, crossValidate, policyStats, powerInfo, type PolicyMatrix } from './recommend';
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

/** Runs the sweep over `cases` (those without a recorded `output` are left out and counted as skipped). */
export function runSweep(cases: readonly Case[], skipped: number, options: SweepOptions): SweepResult {
  let opts = options;
  const warnings: string[] = [];
  const source = opts.arm === undefined ? cases : onArm(cases, opts.arm);
  const traced = source.filter((c) => typeof c.output === 'string');
  const untraced = cases.length - traced.length;
  if (untraced > 0) warnings.push(opts.arm === undefined ? `${untraced} case(s) have no recorded output and were left out; run them in live mode first.` : `${untraced} case(s) have no output of arm ${opts.arm} and were left out.`);
  const armNames = opts.arm === undefined ? sweptArms(traced, warnings) : [];

  let detected: SweepResult['detected'];
  if (opts.detect && (opts.detect.extract || opts.detect.match) && traced.length > 0) {
    const d = detectPresets(traced, { extract: opts.detect.extract ? undefined : opts.extract, match: opts.detect.match ? undefined : opts.match });
    detected = { extract: d.extract, match: d.match, reason: d.reason };
    // Configured thinking tags stay with whatever extraction was detected.
    const thinking = opts.extract.thinking;
    opts = { ...opts, extract: thinking && !d.extract.thinking ? { ...d.extract, thinking } : d.extract, match: d.match };
  }

  const tokenizer = opts.tokenizer ?? getTokenizer(opts.encoding, opts.engine);
  const tags = opts.extract.thinking ?? DEFAULT_THINKING_TAGS;
  const prepared: PreparedTrace[] = traced.map((c) => {
    const text = c.output as string;
    return { text, tokens: tokenizeWithOffsets(tokenizer, text), probes: c.probes, thinkingTags: opts.extract.thinking };
  });
  // Tokens of the thinking part of each whole trace (through the close tag; all of it while open); -1 without thinking.
  const thinkingTokens = prepared.map((t) => {
    const split = splitTrace(t.text, tags);
    return split === null ? -1 : split.closed ? tokenIndexCovering(t.tokens, split.closeEnd) : t.tokens.count;
  });
  const thinkingTraces = thinkingTokens.filter((k) => k >= 0).length;
  const hasThinking = thinkingTraces > 0;

  let policies = normalizePolicies(opts.policies);
  if (opts.adaptDefaults && thinkingTraces * 2 > traced.length) {
    const lengths = prepared.map((t) => t.tokens.count).sort((a, b) => a - b);
    const cutoffs = thinkingCutoffs(quantileOfSorted(lengths, 0.95));
    const words = opts.hesitations;
    const dynamic = THINKING_DYNAMIC_POLICIES.map((p): PolicySpec => (p.kind === 'settled' && words ? { ...p, hesitations: [...words] } : p));
    policies = normalizePolicies([...cutoffs.map((k): PolicySpec => ({ kind: 'cutoff', tokens: k })), ...dynamic]);
  }
  if (opts.adaptDefaults) policies = normalizePolicies([...policies, ...confidenceDefaults(traced)]);
  const probed = evaluableProbePolicies(policies, traced);
  policies = probed.policies;
  warnings.push(...probed.warnings);
  const budgets = policies.filter((p): p is Extract<PolicySpec, { kind: 'budget' }> => p.kind === 'budget');
  const thinking = budgets.length > 0 ? traced.map((c) => countThinking(tokenizer, c.output as string, tags)) : [];
  if (budgets.length > 0) {
    const lacking = budgets.filter((b) => traced.some((c, i) => thinking[i] > b.tokens && !c.forced?.some((f) => f.atToken === b.tokens)));
    if (lacking.length > 0) {
      policies = policies.filter((p) => !lacking.includes(p as (typeof budgets)[number]));
      warnings.push(
        `budget policies (${lacking.map(policyName).join(', ')}) need a forced answer recorded at K on every case whose thinking is longer than K (run with --budgets); some cases have none, so they were not evaluated.`,
      );
    }
  }
  const names = [...policies.map(policyName), ...armNames.map((a) => `arm:${a}`)];
  const columns = names.length;

  const extract = makeExtractor(opts.extract);
  const matcher = makeMatcher(opts.match);
  const n = traced.length;
  const matrix: PolicyMatrix = {
    names,
    correct: names.map(() => new Uint8Array(n)),
    tokens: names.map(() => new Float64Array(n)),
  };
  const answered = names.map(() => new Uint8Array(n));
  const probeTokens = names.map(() => new Float64Array(n));
  const forcedTokens = names.map(() => new Float64Array(n));
  const intermediate = names.map(() => 0);
  const caseResults: CaseResult[] = [];
  // Per case, the answers already graded: policies often stop on the same answer (full, long cutoffs).
  const graded: string[] = [];
  const gradedOk: boolean[] = [];

  for (let i = 0; i < n; i++) {
    if (opts.isCancelled?.()) throw new SweepCancelled();
    const c = traced[i];
    const trace: PreparedTrace = c.forced || budgets.length > 0 ? { ...prepared[i], forced: c.forced, thinkingTokens: thinking[i] } : prepared[i];
    const prefixes = new PrefixExtractor(trace, extract);
    const perPolicy: CaseResult['policies'] = {};
    graded.length = 0;
    gradedOk.length = 0;
    for (let p = 0; p < columns; p++) {
      const outcome: PolicyOutcome = p < policies.length ? applyPolicy(policies[p], trace, prefixes, extract) : armOutcome((c.arms ?? {})[armNames[p - policies.length]].output, tokenizer, extract, opts.extract.thinking);
      let ok = false;
      if (outcome.answer !== null) {
        const seen = graded.indexOf(outcome.answer);
        if (seen >= 0) ok = gradedOk[seen];
        else {
          ok = matcher(outcome.answer, c.answers).pass;
          graded.push(outcome.answer);
          gradedOk.push(ok);
        }
      }
      matrix.correct[p][i] = ok ? 1 : 0;
      matrix.tokens[p][i] = outcome.stopToken;
      answered[p][i] = outcome.answer !== null ? 1 : 0;
      probeTokens[p][i] = outcome.probeTokens ?? 0;
      forcedTokens[p][i] = outcome.forcedTokens ?? 0;
      if (outcome.answerKind === 'intermediate') intermediate[p]++;
      if (opts.includeCases) perPolicy[names[p]] = { stopToken: outcome.stopToken, answer: outcome.answer, correct: ok, reason: outcome.reason, answerKind: outcome.answerKind ?? 'none' };
    }
    if (opts.includeCases) {
      const cr: CaseResult = { id: c.id, gold: c.answers, line: c.line, tags: c.tags, totalTokens: trace.tokens.count, policies: perPolicy };
      if (hasThinking) cr.thinkingTokens = Math.max(0, thinkingTokens[i]);
      caseResults.push(cr);
    }
    opts.onProgress?.(i + 1, n);
  }

  const stats = policyStats(matrix, { resamples: opts.resamples, seed: opts.seed });
  const baseCorrect = matrix.correct[0];
  const rows: SweepRow[] = names.map((name, p) => {
    const spec: PolicySpec | undefined = policies[p];
    const s = stats[p];
    const toWrong: string[] = [];
    const toRight: string[] = [];
    let cut = 0;
    for (let i = 0; i < n; i++) {
      if (baseCorrect[i] === 1 && matrix.correct[p][i] === 0) toWrong.push(traced[i].id);
      else if (baseCorrect[i] === 0 && matrix.correct[p][i] === 1) toRight.push(traced[i].id);
      if (answered[p][i] === 0) cut++;
    }
    const tokens = matrix.tokens[p];
    const sorted = tokens.slice().sort();
    const row: SweepRow = {
      policy: name,
      label: spec ? policyLabel(spec) : `arm ${armNames[p - policies.length]}`,
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
    if (spec && usesProbes(spec)) row.meanProbeTokens = n ? mean(probeTokens[p]) : 0;
    if (spec?.kind === 'budget') row.meanForcedTokens = n ? mean(forcedTokens[p]) : 0;
    if (!spec) {
      const arm = armNames[p - policies.length];
      row.arm = arm;
      const reasoning = traced.flatMap((c) => (typeof c.arms?.[arm]?.usage?.reasoningTokens === 'number' ? [c.arms[arm].usage?.reasoningTokens as number] : []));
      row.obeyed = checkArmObeyed(arm, matrix.tokens[p], matrix.tokens[0], reasoning, opts.armBudgets?.[arm]);
      if (row.obeyed.noEffect) {
        row.noEffect = true;
        warnings.push(row.obeyed.reason);
      }
    } else if (hasThinking) {
      const think = new Float64Array(n);
      const answer = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        // A forced answer follows the cut thinking: its tokens are answer tokens.
        think[i] = Math.min(tokens[i] - forcedTokens[p][i], Math.max(0, thinkingTokens[i]));
        answer[i] = tokens[i] - think[i];
      }
      row.meanThinkingTokens = n ? mean(think) : 0;
      row.p95ThinkingTokens = n ? quantileOfSorted(think.slice().sort(), 0.95) : 0;
      row.meanAnswerTokens = n ? mean(answer) : 0;
      row.p95AnswerTokens = n ? quantileOfSorted(answer.slice().sort(), 0.95) : 0;
      row.intermediateStops = intermediate[p];
    }
    return row;
  });

  const chosen = n > 0 ? choosePolicy(stats, opts.margin) : null;
  const recommendation =
    chosen === null
      ? null
      : {
          policy: names[chosen.index],
          em: rows[chosen.index].em,
          deltaEm: rows[chosen.index].deltaEm,
          ci95: rows[chosen.index].ci95,
          meanTokens: rows[chosen.index].meanTokens,
          savings: rows[chosen.index].savings,
          margin: opts.margin,
          reason: chosen.reason,
        };
  const noAnswer = baselineWarning(traced, answered[0], opts.extract);
  if (noAnswer) warnings.push(noAnswer);
  const power = powerInfo(matrix, chosen ? chosen.index : null, opts.margin);
  if (power.underpowered) warnings.push(power.message);
  const cv = opts.folds > 1 && n > 0 ? crossValidate(matrix, { folds: opts.folds, margin: opts.margin, resamples: opts.resamples, seed: opts.seed, recommendedIndex: chosen ? chosen.index : null }) : null;

  const result: SweepResult = {
    cases: n,
    skipped: skipped + untraced,
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
  if (detected) result.detected = detected;
  const fingerprint = (tokenizer as { fingerprint?: unknown }).fingerprint;
  if (typeof fingerprint === 'string') result.tokenizerFingerprint = fingerprint;
  if (opts.includeCases) result.caseResults = caseResults;
  if (hasThinking) result.thinkingTraces = thinkingTraces;
  if (n > 0 && traced.some((c) => c.tags.length > 0)) {
    result.tagBudgets = computeTagBudgets(matrix, traced.map((c) => c.tags), { margin: opts.margin, resamples: opts.resamples, seed: opts.seed, folds: opts.folds });
  }
  const toAdd = computeCasesToAdd(rows, n, opts.margin, recommendation ? recommendation.policy : null, { minSavings: opts.casesToAddMinSavings });
  if (toAdd) result.casesToAdd = toAdd;
  return result;
}
