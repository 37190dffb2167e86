/**
 * CI of the difference of two paired proportions (policy EM − baseline EM): Tango's score interval, ¼-count continuity correction.
 * Not the percentile bootstrap: with rare flips (a good policy against full length) it is far too narrow on small sets, and
 * no flip at all gives [0, 0]. Simulated (4,000 sets per cell, n = 30…1,000, flip rates 0.5…15%, all, ¾ or ½ of flips losses):
 * plain Tango dips to 92.8% coverage, Bonett–Price's adjusted Wald to 92.9%; Tango with ¼ stays ≥ 94.5% (½ gives ≥ 94.8% but
 * is wider than the exact bound when nothing flipped: ±1.19 vs 0.92 points at n = 400; ¼ gives ±1.07).
 * test/unit/core/pairedInterval.test.ts repeats the grid.
 */

import { normalQuantile } from './stats';

/** Constrained MLE of P(lost) under Δ = P(gained) − P(lost) = `delta`: the feasible root of 2n·p² − B·p − C = 0. */
function constrainedLost(lost: number, gained: number, n: number, delta: number): number {
  const concordant = n - lost - gained;
  const b = lost * (1 - 3 * delta) + gained * (1 - delta) - 2 * concordant * delta;
  const c = lost * delta * (1 - delta);
  const p = (b + Math.sqrt(Math.max(0, b * b + 8 * n * c))) / (4 * n);
  return Math.min(Math.max(p, Math.max(0, -delta)), (1 - delta) / 2);
}

/** Tango's score statistic for H0: Δ = delta, continuity-corrected towards 0. */
function scoreStatistic(lost: number, gained: number, n: number, delta: number, correction: number): number {
  const p = constrainedLost(lost, gained, n, delta);
  const variance = n * (2 * p + delta - delta * delta);
  const raw = gained - lost - n * delta;
  const num = Math.sign(raw) * Math.max(0, Math.abs(raw) - correction);
  if (num === 0) return 0;
  return variance > 0 ? num / Math.sqrt(variance) : num * Infinity;
}

export interface PairedIntervalOptions {
  /** Two-sided confidence level; default 0.95. */
  level?: number;
  /** Continuity correction in counts; default ¼ (0 gives Tango's plain score interval). */
  correction?: number;
}

/** CI in [−1, 1] for Δ = (gained − lost) / n of `n` paired cases (`lost`: right at baseline, wrong with the policy). */
export function pairedDifferenceCi(lost: number, gained: number, n: number, opts: PairedIntervalOptions = {}): [number, number] {
  if (n <= 0) return [-1, 1];
  const z = normalQuantile(1 - (1 - (opts.level ?? 0.95)) / 2);
  const correction = opts.correction ?? 0.25;
  const estimate = (gained - lost) / n;
  const inside = (d: number) => Math.abs(scoreStatistic(lost, gained, n, d, correction)) <= z;
  // The statistic falls as Δ grows, so each bound is one bisection from the estimate outwards.
  const bound = (outside: number) => {
    let lo = estimate;
    let hi = outside;
    if (inside(hi)) return hi;
    for (let i = 0; i < 50; i++) {
      const mid = (lo + hi) / 2;
      if (inside(mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  return [bound(-1), bound(1)];
}
