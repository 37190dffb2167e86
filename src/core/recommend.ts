/** Per-policy stats against full length, the recommendation (cheapest non-inferior policy), its power and stability. */
import type { CrossValidation, PowerInfo } from './types';
import { casesNeeded, createRng, forEachBootstrapClassCount, median, minDetectableLoss, mcnemarExactP, percentileCiFromSums } from './stats';
import { pairedDifferenceCi } from './pairedInterval';
import { points, signedPoints } from './format';

/** Sweep outcomes of P policies on the same N cases. Index 0 is the baseline `full`. */
export interface PolicyMatrix {
  names: string[];
  /** Per policy, per case: 1 when the extracted answer was right. */
  correct: Uint8Array[];
  tokens: Float64Array[];
}

/** One policy compared with policy 0 on the same cases. Fractions, not percentages. */
export interface PolicyStats {
  name: string;
  correct: number;
  em: number;
  deltaEm: number;
  /** ΔEM 95% CI: Tango's score interval for paired proportions (src/core/pairedInterval.ts). */
  ci95: [number, number];
  /** Paired percentile bootstrap 95% CI of ΔEM, for comparison (too narrow when flips are rare); `bootstrap: true`. */
  bootstrapCi95?: [number, number];
  mcnemarP: number;
  meanTokens: number;
  savings: number;
  flipsToWrong: number;
  flipsToRight: number;
}

function checkMatrix(m: PolicyMatrix): number {
  const p = m.names.length;
  if (m.correct.length !== p || m.tokens.length !== p) throw new RangeError('PolicyMatrix: names, correct and tokens must have one entry per policy');
  const n = p > 0 ? m.correct[0].length : 0;
  for (let k = 0; k < p; k++) {
    if (m.correct[k].length !== n || m.tokens[k].length !== n) throw new RangeError(`PolicyMatrix: policy ${m.names[k]} does not have ${n} cases`);
  }
  return n;
}

function allCases(n: number): Uint32Array {
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  return all;
}

/** Cases grouped by how every policy scored them (see {@link patternClasses}). */
export interface PatternClasses {
  /** Class of each position of the case list. */
  classOf: Uint32Array;
  classes: number;
  size: Uint32Array;
  /** One position of each class. */
  first: Uint32Array;
}

/**
 * Groups the cases (`cases[k]`) by their right/wrong pattern over all policies, within the classes `initial` gives (one
 * when omitted), numbered by first appearance. A class's cases share every paired difference against the baseline, so
 * a bootstrap sum needs only the draws per class ({@link forEachBootstrapClassCount}).
 */
export function patternClasses(m: PolicyMatrix, cases: Uint32Array, initial?: Uint32Array): PatternClasses {
  const n = cases.length;
  const classOf = initial ? Uint32Array.from(initial) : new Uint32Array(n);
  let classes = 0;
  for (let k = 0; k < n; k++) classes = Math.max(classes, classOf[k] + 1);
  // Refine policy by policy: (class so far, right or wrong here) → new class.
  for (const correct of m.correct) {
    const next = new Int32Array(2 * classes).fill(-1);
    let count = 0;
    for (let k = 0; k < n; k++) {
      const key = 2 * classOf[k] + correct[cases[k]];
      if (next[key] < 0) next[key] = count++;
      classOf[k] = next[key];
    }
    classes = count;
  }
  const size = new Uint32Array(classes);
  const first = new Uint32Array(classes);
  for (let k = n - 1; k >= 0; k--) {
    size[classOf[k]]++;
    first[classOf[k]] = k;
  }
  return { classOf, classes, size, first };
}

/**
 * Stats of every policy on `subset` (default: all cases) against policy 0; `bootstrap: true` adds `bootstrapCi95` from
 * one seeded resample stream counted per {@link patternClasses} class. No cases: every figure 0 (CI [0, 0], p = 1).
 */
export function policyStats(m: PolicyMatrix, opts: { resamples: number; seed: number; subset?: Uint32Array; bootstrap?: boolean }): PolicyStats[] {
  const total = checkMatrix(m);
  const cases = opts.subset ?? allCases(total);
  const n = cases.length;
  const policies = m.names.length;
  if (policies === 0) return [];
  const classes = patternClasses(m, cases);
  const flips = discordantClasses(m, cases, classes);
  const ci = opts.bootstrap ? bootstrapCis(flips, classes, n, opts) : undefined;
  const baseSums = caseSums(m, cases, 0);
  const baseEm = n > 0 ? baseSums.correct / n : 0;
  const baseMeanTokens = n > 0 ? baseSums.tokens / n : 0;

  const out: PolicyStats[] = [];
  for (let p = 0; p < policies; p++) {
    const s = p === 0 ? baseSums : caseSums(m, cases, p);
    const em = n > 0 ? s.correct / n : 0;
    const meanTokens = n > 0 ? s.tokens / n : 0;
    const lostCases = flips.lostCases[p];
    const gainedCases = flips.gainedCases[p];
    // The baseline against itself is exactly 0; every other policy gets a real interval, flips or not.
    const ci95: [number, number] = p === 0 ? [0, 0] : pairedDifferenceCi(lostCases, gainedCases, n);
    const stats: PolicyStats = {
      name: m.names[p],
      correct: s.correct,
      em,
      deltaEm: em - baseEm,
      ci95,
      mcnemarP: mcnemarExactP(lostCases, gainedCases),
      meanTokens,
      savings: baseMeanTokens > 0 ? 1 - meanTokens / baseMeanTokens : 0,
      flipsToWrong: lostCases,
      flipsToRight: gainedCases,
    };
    if (ci) stats.bootstrapCi95 = ci.get(p) ?? [0, 0];
    out.push(stats);
  }
  return out;
}

/** Per policy: the classes where it gains / loses against the baseline, and how many cases they hold. */
interface DiscordantClasses {
  gained: Uint32Array[];
  lost: Uint32Array[];
  gainedCases: Uint32Array;
  lostCases: Uint32Array;
}

function discordantClasses(m: PolicyMatrix, cases: Uint32Array, { classes, size, first }: PatternClasses): DiscordantClasses {
  const policies = m.names.length;
  const base = m.correct[0];
  const out: DiscordantClasses = { gained: [], lost: [], gainedCases: new Uint32Array(policies), lostCases: new Uint32Array(policies) };
  for (let p = 0; p < policies; p++) {
    const g: number[] = [];
    const l: number[] = [];
    const other = m.correct[p];
    for (let c = 0; c < classes; c++) {
      const i = cases[first[c]];
      if (other[i] > base[i]) {
        g.push(c);
        out.gainedCases[p] += size[c];
      } else if (other[i] < base[i]) {
        l.push(c);
        out.lostCases[p] += size[c];
      }
    }
    out.gained.push(Uint32Array.from(g));
    out.lost.push(Uint32Array.from(l));
  }
  return out;
}

/** Percentile bootstrap CI of ΔEM per policy that disagrees with the baseline on some case. */
function bootstrapCis(
  { gained, lost }: DiscordantClasses,
  { classOf, classes }: PatternClasses,
  n: number,
  opts: { resamples: number; seed: number },
): Map<number, [number, number]> {
  // One shared stream of resamples; each policy only reads the counts of its discordant classes.
  const active: number[] = [];
  for (let p = 0; p < gained.length; p++) if (gained[p].length + lost[p].length > 0) active.push(p);
  const resamples = active.length > 0 && n > 0 ? opts.resamples : 0;
  const bootSums = active.map(() => new Int32Array(resamples));
  forEachBootstrapClassCount(classOf, classes, resamples, opts.seed, (r, counts) => {
    for (let a = 0; a < active.length; a++) {
      const g = gained[active[a]];
      const l = lost[active[a]];
      let s = 0;
      for (let k = 0; k < g.length; k++) s += counts[g[k]];
      for (let k = 0; k < l.length; k++) s -= counts[l[k]];
      bootSums[a][r] = s;
    }
  });
  const ci = new Map<number, [number, number]>();
  active.forEach((p, a) => ci.set(p, percentileCiFromSums(bootSums[a], n, 0.95)));
  return ci;
}

function caseSums(m: PolicyMatrix, cases: Uint32Array, p: number): { correct: number; tokens: number } {
  let correct = 0;
  let tokens = 0;
  const c = m.correct[p];
  const t = m.tokens[p];
  for (let k = 0; k < cases.length; k++) {
    correct += c[cases[k]];
    tokens += t[cases[k]];
  }
  return { correct, tokens };
}

function pointsWord(x: number): string {
  return points(x) === '1' ? 'point' : 'points';
}

/** Small tolerance so a bound equal to −margin up to rounding counts as inside (recommendation, per-tag plans, cases to add). */
export const BOUND_SLACK = 1e-12;

/**
 * The cheapest policy (fewest mean tokens) whose ΔEM 95% CI lower bound is ≥ −margin; ties go
 * to the higher EM, then to the earlier policy. The baseline always qualifies (CI [0, 0]) when
 * margin ≥ 0, so the worst normal answer is "full". Null when nothing qualifies.
 */
export function choosePolicy(stats: PolicyStats[], margin: number): { index: number; reason: string } | null {
  let best = -1;
  for (let p = 0; p < stats.length; p++) {
    if (!(stats[p].ci95[0] >= -margin - BOUND_SLACK)) continue;
    if (best < 0) {
      best = p;
      continue;
    }
    const a = stats[p];
    const b = stats[best];
    if (a.meanTokens < b.meanTokens || (a.meanTokens === b.meanTokens && a.em > b.em)) best = p;
  }
  if (best < 0) return null;
  const s = stats[best];
  const bound = `−${points(margin)} ${pointsWord(margin)}`;
  if (best === 0 || s.savings <= 0) {
    const cheaper = stats.filter((x, p) => p !== best && x.meanTokens < s.meanTokens).length;
    const why =
      cheaper === 0
        ? 'no cheaper policy was evaluated'
        : cheaper === 1
          ? `the one cheaper policy has a ΔEM 95% CI lower bound below ${bound}`
          : `none of the ${cheaper} cheaper policies has a ΔEM 95% CI lower bound of at least ${bound}`;
    return { index: best, reason: `Keep ${s.name}: ${why}.` };
  }
  return {
    index: best,
    reason:
      `${s.name} is the cheapest policy whose ΔEM 95% CI lower bound (${signedPoints(s.ci95[0])} pts) is at least ${bound}: ` +
      `it saves ${(s.savings * 100).toFixed(1)}% of tokens at ΔEM ${signedPoints(s.deltaEm)} pts (95% CI ${signedPoints(s.ci95[0])}…${signedPoints(s.ci95[1])}).`,
  };
}

/**
 * k-fold cross-validation of the whole procedure: {@link choosePolicy} (the sweep's paired score interval) on k−1
 * seeded folds (sizes within one case), ΔEM and savings on the held-out fold; a fold where nothing qualifies keeps the
 * baseline (0, 0). `agreement` compares each fold's choice with `recommendedIndex` (else the choice on all cases).
 * Null when n < 2·folds or folds < 2.
 */
export function crossValidate(
  m: PolicyMatrix,
  opts: { folds: number; margin: number; seed: number; recommendedIndex?: number | null },
): CrossValidation | null {
  const n = checkMatrix(m);
  const folds = Math.floor(opts.folds);
  if (!(folds >= 2) || n < 2 * folds || m.names.length === 0) return null;

  const foldOf = seededFolds(n, folds, opts.seed);

  const recommended =
    opts.recommendedIndex !== undefined
      ? opts.recommendedIndex
      : (choosePolicy(policyStats(m, { resamples: 0, seed: 0 }), opts.margin)?.index ?? null);

  const chosen: (string | null)[] = [];
  let deltaSum = 0;
  let savingsSum = 0;
  let agree = 0;
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? test : train).push(i);
    const stats = policyStats(m, { resamples: 0, seed: 0, subset: Uint32Array.from(train) });
    const pick = choosePolicy(stats, opts.margin);
    const index = pick ? pick.index : null;
    chosen.push(index === null ? null : m.names[index]);
    if (index === recommended) agree++;
    if (index === null) continue;
    const held = policyStats(m, { resamples: 0, seed: 0, subset: Uint32Array.from(test) });
    deltaSum += held[index].deltaEm;
    savingsSum += held[index].savings;
  }
  return { folds, heldOutDeltaEm: deltaSum / folds, heldOutSavings: savingsSum / folds, agreement: agree / folds, chosen };
}

function discordanceRate(m: PolicyMatrix, p: number, n: number): number {
  const base = m.correct[0];
  const other = m.correct[p];
  let d = 0;
  for (let i = 0; i < n; i++) if (base[i] !== other[i]) d++;
  return d / n;
}

/**
 * Whether the test set detects an EM loss of `margin` at 80% power (α = 0.05 one-sided): {@link minDetectableLoss} with
 * the chosen policy's discordance ψ against the baseline. Without one (no choice, the baseline, no discordant case) ψ
 * is the median over discordant policies whose ΔEM estimate is within the margin, what the decision is about (a cutoff
 * losing 60 points would ask for tens of thousands of cases no decision needs). None discordant: ψ = 1/n.
 */
export function powerInfo(m: PolicyMatrix, chosenIndex: number | null, margin: number): PowerInfo {
  const n = checkMatrix(m);
  if (n === 0) return { minDetectableLoss: 1, underpowered: true, message: 'The test set has no usable cases, so no EM loss can be detected.' };

  let psi = chosenIndex !== null && chosenIndex > 0 && chosenIndex < m.names.length ? discordanceRate(m, chosenIndex, n) : 0;
  let source = 'the recommended policy';
  if (psi === 0) {
    const rates: number[] = [];
    const baseRight = m.correct[0].reduce((a, b) => a + b, 0);
    for (let p = 1; p < m.names.length; p++) {
      const r = discordanceRate(m, p, n);
      const delta = (m.correct[p].reduce((a, b) => a + b, 0) - baseRight) / n;
      if (r > 0 && delta >= -margin - BOUND_SLACK) rates.push(r);
    }
    psi = rates.length > 0 ? median(rates) : 1 / n;
    source = rates.length > 0 ? 'the median policy within the margin' : 'one case';
  }
  const mdl = minDetectableLoss(n, psi);
  const underpowered = mdl > margin;
  const need = casesNeeded(psi, margin, 0);
  const rate = `${(psi * 100).toFixed(1).replace(/\.0$/, '')}%`;
  const head = `With ${n} cases and a ${rate} discordance rate (${source} vs full)`;
  const marginText = `${points(margin)} ${pointsWord(margin)}`;
  const detect = mdl >= 1 ? 'cannot reliably detect any EM loss' : `can only detect an EM loss of ≥ ${points(mdl)} ${pointsWord(mdl)}`;
  const message = underpowered
    ? `${head} this test set ${detect} at 80% power; your margin is ${marginText}. ` +
      (Number.isFinite(need) ? `About ${need} cases would be needed. ` : '') +
      'Add cases, or widen the margin.'
    : `${head} this test set can detect an EM loss of ${points(mdl)} ${pointsWord(mdl)} at 80% power, within your margin of ${marginText}.`;
  const info: PowerInfo = { minDetectableLoss: mdl, underpowered, message, discordantRate: psi };
  if (Number.isFinite(need)) info.casesNeeded = need;
  return info;
}

/** Fold of each case for k-fold cross-validation: a seeded Fisher–Yates shuffle dealt round-robin. */
export function seededFolds(n: number, folds: number, seed: number): Uint32Array {
  const order = allCases(n);
  const rng = createRng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const foldOf = new Uint32Array(n);
  for (let k = 0; k < n; k++) foldOf[order[k]] = k % folds;
  return foldOf;
}
