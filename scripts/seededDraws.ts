// The seeded draws of the sample generators: core's mulberry32 (`createRng`), so the committed samples
// stay byte-identical for as long as their seeds do.
import { createRng } from '../src/core/stats';

export interface SeededDraws {
  /** Uniform integer in [lo, hi]. */
  int: (lo: number, hi: number) => number;
  pick: <T>(xs: readonly T[]) => T;
  /** True with probability p. */
  chance: (p: number) => boolean;
}

export function seededDraws(seed: number): SeededDraws {
  const rand = createRng(seed);
  return {
    int: (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(rand() * xs.length)],
    chance: (p) => rand() < p,
  };
}
