/**
 * "How many cases to add": when a cheaper policy's ΔEM is inside the margin but its CI lower bound is not, how many
 * paired cases of the same kind would show it, and the flipped cases the decision hinges on.
 */
import type { CasesToAdd, SweepRow } from './types';
import { points, signedPoints } from './format';
import { BOUND_SLACK } from './recommend';
import { casesNeeded, type PowerOptions } from './stats';

function listIds(ids: readonly string[], max = 10): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`;
}

/** Flips against full (right→wrong plus wrong→right): the cases where the two disagree. */
function flipsOf(row: SweepRow): number {
  return row.flipsToWrong + row.flipsToRight;
}

/**
 * The discordance rate to plan with: the observed one, but at least 3/n (the "rule of three" 95%
 * upper bound when fewer than 3 flips were seen), since 0 observed flips would give a sample size
 * of 0 while the interval is still wide. A rate, so never above 1: on 3 cases or fewer the floor is
 * the worst case, every case disagreeing.
 */
function discordance(row: SweepRow, cases: number): number {
  return Math.min(1, Math.max(flipsOf(row), 3) / cases);
}

/** How the planning rate came about, in words: observed, raised to 3 flips, or unknowable on so few cases. */
function rateText(row: SweepRow, cases: number, psi: number): string {
  const flips = flipsOf(row);
  const seen = `${flips} flip${flips === 1 ? '' : 's'} in ${cases} case${cases === 1 ? '' : 's'}`;
  if (cases <= 3) return `${seen} cannot estimate how often it disagrees with full; planning with the worst case (every case disagrees), `;
  if (flips < 3) return `With ${seen}, too few to estimate a rate, planning with a ${points(psi)}% discordance rate (3 in ${cases}), `;
  return `With its ${points(psi)}% discordance rate, `;
}

/**
 * Default for `casesToAdd.minSavings`: 5% of full's mean output tokens beyond the recommendation's saving. Less is
 * within the run-to-run spread of output lengths (a few percent), not worth thousands of cases to prove.
 */
export const DEFAULT_MIN_SAVINGS = 0.05;

/**
 * A policy worth more cases: of those not yet shown non-inferior (CI lower bound < −margin) but promising (ΔEM >
 * −margin) that save `minSavings` of full's mean tokens beyond `recommended` (or full), the one needing fewest cases
 * (ties: the cheaper). N = `casesNeeded(ψ, margin, Δ)` (stats.ts), ψ its discordance against full (≥ 3/cases, ≤ 1), Δ its
 * ΔEM; `casesToAdd` = max(0, N − cases). Each right→wrong flip that is a grading or gold error moves the bound.
 * `rows[0]` must be the baseline; null when no policy fits.
 */
export function computeCasesToAdd(
  rows: readonly SweepRow[],
  cases: number,
  margin: number,
  recommended: string | null,
  opts?: PowerOptions & { minSavings?: number },
): CasesToAdd | null {
  if (!(cases > 0) || rows.length < 2) return null;
  const base = rows[0] as SweepRow;
  if (!(base.meanTokens > 0)) return null;
  const rec = recommended === null ? undefined : rows.find((r) => r.policy === recommended);
  const minSavings = opts?.minSavings ?? DEFAULT_MIN_SAVINGS;
  const ceiling = (rec ? rec.meanTokens : base.meanTokens) - minSavings * base.meanTokens;
  let row: SweepRow | undefined;
  let needed = Infinity;
  for (const r of rows.slice(1)) {
    if (!(r.meanTokens <= ceiling + BOUND_SLACK && r.ci95[0] < -margin - BOUND_SLACK && r.deltaEm > -margin + BOUND_SLACK)) continue;
    const n = casesNeeded(discordance(r, cases), margin, r.deltaEm, opts);
    if (n < needed || (n === needed && row && r.meanTokens < row.meanTokens)) {
      row = r;
      needed = n;
    }
  }
  if (!row) return null;
  const psi = discordance(row, cases);
  const toAdd = Math.max(0, needed - cases);
  const saves = 1 - row.meanTokens / base.meanTokens;
  const head =
    `${row.policy} would save ${points(saves)}% of tokens at ΔEM ${signedPoints(row.deltaEm)} pts, but its 95% CI lower bound (${signedPoints(row.ci95[0])} pts) ` +
    `is outside the ${points(margin)}-point margin on ${cases} cases. `;
  const size =
    toAdd > 0
      ? `${rateText(row, cases, psi)}about ${needed} cases (${toAdd} more of the same kind) would show it non-inferior at 80% power, if ΔEM stays at ${signedPoints(row.deltaEm)} pts. `
      : `At 80% power ${needed} cases should already be enough; the bound missed by chance, so a few more cases (or a re-check of the flips) may settle it. `;
  const hinge =
    flipsOf(row) > 0
      ? `It hinges on ${row.flipsToWrong} case${row.flipsToWrong === 1 ? '' : 's'} right under full and wrong under it` +
        (row.flipsToWrong > 0 ? ` (${listIds(row.flipsToWrongIds)})` : '') +
        `, and ${row.flipsToRight} the other way` +
        (row.flipsToRight > 0 ? ` (${listIds(row.flipsToRightIds)})` : '') +
        '.'
      : '';
  return {
    policy: row.policy,
    cases,
    discordantRate: psi,
    deltaEm: row.deltaEm,
    ci95: [row.ci95[0], row.ci95[1]],
    margin,
    casesNeeded: needed,
    casesToAdd: toAdd,
    flipsToWrongIds: [...row.flipsToWrongIds],
    flipsToRightIds: [...row.flipsToRightIds],
    message: head + size + hinge,
  };
}
