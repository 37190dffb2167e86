import { readFileSync } from 'node:fs';
import { parseTestSet } from '../src/core/testSet';
import { getTokenizer, tokenizeWithOffsets } from '../src/core/tokens';
import { runSweep } from '../src/core/sweep';
import { DEFAULT_CUTOFFS, DEFAULT_DYNAMIC_POLICIES } from '../src/core/policies';
import type { Case, ExtractConfig, PolicySpec } from '../src/core/types';

export interface SweepBenchFigure {
  file: string;
  cases: number;
  policies: number;
  /** Fastest of the timed runs. */
  tokenizeMs: number;
  /** Fastest of the timed runs. */
  sweepMs: number;
  ratio: number;
  /** Medians of the same runs, for reference: on a loaded machine they drift with the load. */
  tokenizeMedianMs: number;
  sweepMedianMs: number;
}

/**
 * Timed runs of each side per file. The figures are the fastest runs: other load on a shared
 * machine only ever adds time, so the fastest run is the closest to the code's own cost.
 */
export const SWEEP_BENCH_REPEATS = 7;

/** A full collection before a timed run, when node runs with --expose-gc (`npm run bench` does). */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function timeOnce(fn: () => void): number {
  collect();
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function median(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Full sweep (12 cutoffs + dynamic policies + 2,000 resamples) vs one tokenization pass, same traces, same run. */
export function benchSweep(files: { path: string; extract: ExtractConfig }[], repeats = SWEEP_BENCH_REPEATS): SweepBenchFigure[] {
  const tok = getTokenizer('o200k_base', 'gpt-tokenizer');
  const policies: PolicySpec[] = [...DEFAULT_CUTOFFS.map((k): PolicySpec => ({ kind: 'cutoff', tokens: k })), ...DEFAULT_DYNAMIC_POLICIES];
  return files.map(({ path, extract }) => {
    const cases: Case[] = parseTestSet(readFileSync(path), { fileName: path }).cases;
    const tokenize = (): void => {
      for (const c of cases) tokenizeWithOffsets(tok, c.output ?? '');
    };
    const sweep = (): void => {
      runSweep(cases, 0, { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract, match: { preset: extract.preset === 'last-number' ? 'numeric' : 'math' }, policies, margin: 0.01, seed: 1, resamples: 2000, folds: 0 });
    };
    // One untimed run of each first, so both sides are timed with compiled code and warm caches.
    tokenize();
    sweep();
    // Interleaved, so a burst of load on a shared machine tends to hit both sides.
    const tokenizeTimes: number[] = [];
    const sweepTimes: number[] = [];
    for (let r = 0; r < repeats; r++) {
      tokenizeTimes.push(timeOnce(tokenize));
      sweepTimes.push(timeOnce(sweep));
    }
    const tokenizeMs = Math.min(...tokenizeTimes);
    const sweepMs = Math.min(...sweepTimes);
    return {
      file: path.split('/').pop() ?? path,
      cases: cases.length,
      policies: policies.length + 1,
      tokenizeMs,
      sweepMs,
      ratio: sweepMs / tokenizeMs,
      tokenizeMedianMs: median(tokenizeTimes),
      sweepMedianMs: median(sweepTimes),
    };
  });
}
