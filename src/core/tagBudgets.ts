/**
 * Per-tag budgets: one stop policy per tag group (difficulty, task type, MATH level…) under ONE
 * overall margin (the 95% CI lower bound of the combined assignment's ΔEM stays ≥ −margin), so easy
 * tags are cut hard while hard tags keep their tokens; compared with the best single policy and
 * cross-validated, since per-tag choices overfit small tags.
 *
 * Per case, the plan and full length are one paired pair of right/wrong answers, so the combined CI
 * is Tango's score interval (pairedInterval.ts) on the plan's summed discordant counts; fixed group
 * sizes make those counts less variable than the interval assumes, never more (coverage simulated in
 * the unit test). Candidates per group: its Pareto frontier plus the global recommendation. Up to
 * `exhaustiveLimit` combinations, branch and bound finds the cheapest feasible one; beyond, a greedy
 * descent from all-`full` takes the move saving most tokens per right answer lost. The all-global
 * assignment is feasible, so the plan never costs more than the best single policy.
 */
import type { TagBudget, TagBudgets, TagCrossValidation } from './types';
import { points, signedPoints } from './format';
import { pairedDifferenceCi } from './pairedInterval';
import { BOUND_SLACK, choosePolicy, policyStats, seededFolds, type PolicyMatrix } from './recommend';

/** Tags with fewer cases than this take the global policy (their own ΔEM would be mostly noise). */
export const TAG_MIN_CASES = 30;
/** Above this many combinations the search is greedy instead of exhaustive. */
export const TAG_EXHAUSTIVE_LIMIT = 20000;
/** Group of cases without a (matching) tag. */
export const UNTAGGED = '(untagged)';

export interface TagBudgetOptions {
  /** Non-inferiority margin for the combined assignment (fraction). */
  margin: number;
  /** Seeds the cross-validation folds. */
  seed: number;
  /** Cross-validation folds (< 2 disables it). */
  folds: number;
  /** Default {@link TAG_MIN_CASES}. */
  minCases?: number;
  /** Group by the first tag that starts with this prefix (e.g. `level:`) instead of the first tag. */
  tagPrefix?: string;
  /** Default {@link TAG_EXHAUSTIVE_LIMIT}. */
  exhaustiveLimit?: number;
}

/** The group of each case: its first tag (with the prefix, when given), else {@link UNTAGGED}. */
export function tagGroups(tags: readonly (readonly string[])[], prefix?: string): string[] {
  return tags.map((t) => (prefix === undefined ? t[0] : t.find((x) => x.startsWith(prefix))) ?? UNTAGGED);
}

/** Cases right under full and wrong under a plan (`lost`), and the reverse (`gained`). */
export interface PlanDiscordance {
  lost: number;
  gained: number;
}

/**
 * The discordant counts of a per-group assignment (`policy[group]`, indices into the matrix)
 * against full, over `cases` (all when omitted). Its ΔEM 95% CI is
 * `pairedDifferenceCi(lost, gained, cases)`, which is what the plan reports and decides on.
 */
export function planDiscordance(m: PolicyMatrix, groupOf: ArrayLike<number>, policy: readonly number[], cases?: ArrayLike<number>): PlanDiscordance {
  const base = m.correct[0];
  const n = cases ? cases.length : groupOf.length;
  let lost = 0;
  let gained = 0;
  for (let k = 0; k < n; k++) {
    const i = cases ? cases[k] : k;
    const d = m.correct[policy[groupOf[i]]][i] - base[i];
    if (d < 0) lost++;
    else if (d > 0) gained++;
  }
  return { lost, gained };
}

interface Plan {
  /** Policy index per group (same order as `groups`). */
  policy: number[];
  fallback: boolean[];
  single: number;
  search: 'exhaustive' | 'greedy';
}

type PlanOptions = Required<Pick<TagBudgetOptions, 'margin' | 'minCases' | 'exhaustiveLimit'>>;

/** A candidate policy of one group, with its discordant counts against full on the group's cases. */
interface Cand extends PlanDiscordance {
  p: number;
  tokens: number;
  correct: number;
}

/** A subset of cases split into tag groups, with what the search needs per (group, policy). */
class SubsetGroups {
  /** Positions in the subset of each group's cases. */
  readonly members: number[][];

  constructor(
    private readonly m: PolicyMatrix,
    private readonly subset: Uint32Array,
    groupOf: Uint32Array,
    groupCount: number,
  ) {
    this.members = Array.from({ length: groupCount }, () => []);
    for (let k = 0; k < subset.length; k++) this.members[groupOf[subset[k]]].push(k);
  }

  private sum(g: number, row: ArrayLike<number>): number {
    return this.members[g].reduce((s, k) => s + row[this.subset[k]], 0);
  }

  /** Group g's cases where policy p loses / gains against full. */
  discordant(g: number, p: number): PlanDiscordance {
    const base = this.m.correct[0];
    const other = this.m.correct[p];
    let lost = 0;
    let gained = 0;
    for (const k of this.members[g]) {
      const i = this.subset[k];
      if (other[i] < base[i]) lost++;
      else if (other[i] > base[i]) gained++;
    }
    return { lost, gained };
  }

  /** Group g's candidates: its Pareto frontier on (tokens ↑, correct ↓) plus the global policy and full. */
  candidates(g: number, single: number): Cand[] {
    const all = this.m.names.map((_, p) => ({ p, tokens: this.sum(g, this.m.tokens[p]), correct: this.sum(g, this.m.correct[p]) }));
    all.sort((a, b) => a.tokens - b.tokens || b.correct - a.correct || a.p - b.p);
    const out: Cand[] = [];
    let best = -1;
    for (const c of all) {
      if (c.correct > best || c.p === single || c.p === 0) out.push({ ...c, ...this.discordant(g, c.p) });
      best = Math.max(best, c.correct);
    }
    return out;
  }
}

/** The search over one candidate per active group, keeping the cheapest feasible choice found. */
class PlanSearch {
  best: number[];
  private bestCost: number;
  private bestRight: number;
  private readonly lowerBounds = new Map<number, number>();

  constructor(
    private readonly cands: Cand[][],
    private readonly fixed: PlanDiscordance,
    private readonly n: number,
    private readonly margin: number,
    incumbent: number[],
  ) {
    this.best = incumbent;
    this.bestCost = this.costOf(incumbent);
    this.bestRight = this.rightOf(incumbent);
  }

  private feasible(d: PlanDiscordance): boolean {
    const key = d.lost * (this.n + 1) + d.gained;
    let lower = this.lowerBounds.get(key);
    if (lower === undefined) {
      lower = pairedDifferenceCi(d.lost, d.gained, this.n)[0];
      this.lowerBounds.set(key, lower);
    }
    return lower >= -this.margin - BOUND_SLACK;
  }

  countsOf(choice: readonly number[]): PlanDiscordance {
    return choice.reduce(
      (s, c, a) => ({ lost: s.lost + this.cands[a][c].lost, gained: s.gained + this.cands[a][c].gained }),
      { lost: this.fixed.lost, gained: this.fixed.gained },
    );
  }

  private costOf(choice: readonly number[]): number {
    return choice.reduce((s, c, a) => s + this.cands[a][c].tokens, 0);
  }

  private rightOf(choice: readonly number[]): number {
    return choice.reduce((s, c, a) => s + this.cands[a][c].correct, 0);
  }

  private better(cost: number, right: number): boolean {
    return cost < this.bestCost || (cost === this.bestCost && right > this.bestRight);
  }

  /** Branch and bound on tokens over every combination. */
  exhaustive(): void {
    const { cands } = this;
    if (cands.length === 0) return;
    const minRest = new Float64Array(cands.length + 1);
    for (let a = cands.length - 1; a >= 0; a--) minRest[a] = minRest[a + 1] + Math.min(...cands[a].map((c) => c.tokens));
    const choice = new Array<number>(cands.length).fill(0);
    const dfs = (a: number, cost: number, right: number, lost: number, gained: number): void => {
      if (cost + minRest[a] > this.bestCost) return;
      if (a === cands.length) {
        if (this.better(cost, right) && this.feasible({ lost, gained })) {
          this.best = [...choice];
          this.bestCost = cost;
          this.bestRight = right;
        }
        return;
      }
      for (let c = 0; c < cands[a].length; c++) {
        const cand = cands[a][c];
        choice[a] = c;
        dfs(a + 1, cost + cand.tokens, right + cand.correct, lost + cand.lost, gained + cand.gained);
      }
    };
    dfs(0, 0, 0, this.fixed.lost, this.fixed.gained);
  }

  /** Greedy descent from all-full (ΔEM contribution 0 everywhere, so feasible). */
  greedy(): void {
    const { cands } = this;
    if (cands.length === 0) return;
    const choice = cands.map((list) => list.findIndex((c) => c.p === 0));
    for (let move = this.bestMove(choice); move; move = this.bestMove(choice)) choice[move.a] = move.c;
    if (this.better(this.costOf(choice), this.rightOf(choice)) && this.feasible(this.countsOf(choice))) {
      this.best = choice;
      this.bestCost = this.costOf(choice);
      this.bestRight = this.rightOf(choice);
    }
  }

  /** The feasible single-group move that saves the most tokens per right answer lost, if any. */
  private bestMove(choice: readonly number[]): { a: number; c: number; score: number } | null {
    let move: { a: number; c: number; score: number } | null = null;
    for (let a = 0; a < this.cands.length; a++) {
      const cur = this.cands[a][choice[a]];
      for (let c = 0; c < this.cands[a].length; c++) {
        const cand = this.cands[a][c];
        const saved = cur.tokens - cand.tokens;
        if (saved <= 0) continue;
        const score = saved / (Math.max(0, cur.correct - cand.correct) + 1);
        if (move && score <= move.score) continue;
        const trial = [...choice];
        trial[a] = c;
        if (this.feasible(this.countsOf(trial))) move = { a, c, score };
      }
    }
    return move;
  }
}

/**
 * Chooses the per-group policies on a subset of cases (positions into the matrix). Groups with
 * fewer than `minCases` cases in the subset take the subset's global choice.
 */
function selectPlan(m: PolicyMatrix, subset: Uint32Array, groupOf: Uint32Array, groupCount: number, opts: PlanOptions): Plan {
  const stats = policyStats(m, { resamples: 0, seed: 0, subset });
  const single = choosePolicy(stats, opts.margin)?.index ?? 0;
  const groups = new SubsetGroups(m, subset, groupOf, groupCount);
  const fallback = groups.members.map((list) => list.length < opts.minCases);
  const active: number[] = [];
  const fixed: PlanDiscordance = { lost: 0, gained: 0 };
  for (let g = 0; g < groupCount; g++) {
    if (groups.members[g].length === 0) continue;
    if (fallback[g]) {
      const d = groups.discordant(g, single);
      fixed.lost += d.lost;
      fixed.gained += d.gained;
    } else active.push(g);
  }
  const cands = active.map((g) => groups.candidates(g, single));
  // Incumbent: every group on the global policy (feasible by construction of `single`).
  const incumbent = cands.map((list) => list.findIndex((c) => c.p === single));
  const plan = new PlanSearch(cands, fixed, subset.length, opts.margin, incumbent);
  let combos = 1;
  for (const list of cands) combos = Math.min(combos * list.length, Number.MAX_SAFE_INTEGER);
  const search: Plan['search'] = combos <= opts.exhaustiveLimit ? 'exhaustive' : 'greedy';
  if (search === 'exhaustive') plan.exhaustive();
  else plan.greedy();
  const policy = new Array<number>(groupCount).fill(single);
  active.forEach((g, a) => (policy[g] = cands[a][plan.best[a]].p));
  return { policy, fallback, single, search };
}

/** Sums of correct answers and tokens of a per-group assignment over some cases. */
function measure(m: PolicyMatrix, cases: ArrayLike<number>, groupOf: Uint32Array, policy: number[]): { right: number; baseRight: number; tokens: number; baseTokens: number } {
  let right = 0;
  let baseRight = 0;
  let tokens = 0;
  let baseTokens = 0;
  for (let k = 0; k < cases.length; k++) {
    const i = cases[k];
    const p = policy[groupOf[i]];
    right += m.correct[p][i];
    baseRight += m.correct[0][i];
    tokens += m.tokens[p][i];
    baseTokens += m.tokens[0][i];
  }
  return { right, baseRight, tokens, baseTokens };
}

/**
 * Recommends one policy per tag group under one overall margin (see the module comment for the
 * rule and the search), reports how much more it saves than the best single policy, and
 * cross-validates the whole procedure (chosen on k−1 folds, measured on the held-out fold). Groups
 * with fewer than `minCases` cases take the global policy. Null when fewer than two groups hold
 * cases (nothing to split) or the matrix is empty.
 */
export function computeTagBudgets(matrix: PolicyMatrix, tags: readonly (readonly string[])[], opts: TagBudgetOptions): TagBudgets | null {
  const P = matrix.names.length;
  const n = P > 0 ? matrix.correct[0].length : 0;
  if (tags.length !== n) throw new RangeError(`computeTagBudgets: ${tags.length} tag lists for ${n} cases`);
  if (n === 0) return null;
  const names = tagGroups(tags, opts.tagPrefix);
  const groups = [...new Set(names)].sort((a, b) => (a === UNTAGGED ? 1 : b === UNTAGGED ? -1 : a.localeCompare(b)));
  if (groups.length < 2) return null;
  const index = new Map(groups.map((g, i) => [g, i]));
  const groupOf = Uint32Array.from(names, (g) => index.get(g) as number);
  const settings = {
    margin: opts.margin,
    minCases: opts.minCases ?? TAG_MIN_CASES,
    exhaustiveLimit: opts.exhaustiveLimit ?? TAG_EXHAUSTIVE_LIMIT,
  };
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  const plan = selectPlan(matrix, all, groupOf, groups.length, settings);

  const perTag: TagBudget[] = groups.map((tag, g) => {
    const cases = Uint32Array.from(all.filter((i) => groupOf[i] === g));
    const s = measure(matrix, cases, groupOf, plan.policy);
    return {
      tag,
      cases: cases.length,
      policy: matrix.names[plan.policy[g]],
      fallback: plan.fallback[g],
      em: s.right / cases.length,
      deltaEm: (s.right - s.baseRight) / cases.length,
      meanTokens: s.tokens / cases.length,
      savings: s.baseTokens > 0 ? 1 - s.tokens / s.baseTokens : 0,
    };
  });
  const total = measure(matrix, all, groupOf, plan.policy);
  const flips = planDiscordance(matrix, groupOf, plan.policy);
  const overall = {
    em: total.right / n,
    deltaEm: (total.right - total.baseRight) / n,
    ci95: pairedDifferenceCi(flips.lost, flips.gained, n),
    meanTokens: total.tokens / n,
    savings: total.baseTokens > 0 ? 1 - total.tokens / total.baseTokens : 0,
  };
  const singleTokens = matrix.tokens[plan.single].reduce((s, t) => s + t, 0);
  const single = { policy: matrix.names[plan.single], meanTokens: singleTokens / n, savings: total.baseTokens > 0 ? 1 - singleTokens / total.baseTokens : 0 };
  const extra = overall.savings - single.savings;

  const crossValidation = tagCrossValidation(matrix, groupOf, groups.length, plan, settings, opts.folds, opts.seed);
  const small = perTag.filter((t) => t.fallback);
  const distinct = new Set(perTag.map((t) => t.policy)).size;
  const message =
    (distinct === 1 && perTag[0].policy === single.policy
      ? `Per-tag budgets find nothing cheaper than ${single.policy} for every tag within the ${points(opts.margin)}-point margin.`
      : `Per-tag budgets save ${points(overall.savings)}% of tokens against ${points(single.savings)}% for ${single.policy} alone (${signedPoints(extra)} points), ` +
        `overall ΔEM ${signedPoints(overall.deltaEm)} pts (95% CI ${signedPoints(overall.ci95[0])}…${signedPoints(overall.ci95[1])}) within the ${points(opts.margin)}-point margin.`) +
    (small.length > 0 ? ` ${small.length} tag${small.length === 1 ? '' : 's'} with fewer than ${settings.minCases} cases use ${single.policy}.` : '') +
    (crossValidation
      ? ` Held out (${crossValidation.folds}-fold): ΔEM ${signedPoints(crossValidation.heldOutDeltaEm)} pts, savings ${points(crossValidation.heldOutSavings)}% (${signedPoints(crossValidation.heldOutExtraSavings)} points over the single policy).`
      : '');
  return {
    perTag,
    overall,
    single,
    extraSavingsOverSingle: extra,
    minCases: settings.minCases,
    margin: opts.margin,
    search: plan.search,
    crossValidation,
    message,
  };
}

function tagCrossValidation(
  m: PolicyMatrix,
  groupOf: Uint32Array,
  groupCount: number,
  plan: Plan,
  settings: PlanOptions,
  foldsOpt: number,
  seed: number,
): TagCrossValidation | null {
  const n = groupOf.length;
  const folds = Math.floor(foldsOpt);
  if (!(folds >= 2) || n < 2 * folds) return null;
  const foldOf = seededFolds(n, folds, seed);
  const present = new Set(groupOf);
  let delta = 0;
  let savings = 0;
  let extra = 0;
  let agree = 0;
  let choices = 0;
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? test : train).push(i);
    const p = selectPlan(m, Uint32Array.from(train), groupOf, groupCount, settings);
    const held = measure(m, test, groupOf, p.policy);
    const heldSingle = measure(m, test, groupOf, new Array<number>(groupCount).fill(p.single));
    delta += (held.right - held.baseRight) / test.length;
    const s = held.baseTokens > 0 ? 1 - held.tokens / held.baseTokens : 0;
    savings += s;
    extra += s - (heldSingle.baseTokens > 0 ? 1 - heldSingle.tokens / heldSingle.baseTokens : 0);
    for (const g of present) {
      choices++;
      if (p.policy[g] === plan.policy[g]) agree++;
    }
  }
  return { folds, heldOutDeltaEm: delta / folds, heldOutSavings: savings / folds, heldOutExtraSavings: extra / folds, agreement: choices > 0 ? agree / choices : 0 };
}
