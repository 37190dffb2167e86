import { readFileSync } from 'node:fs';
import { parseTestSet } from '../src/core/testSet/parseTestSet';
import { getTokenizer, tokenizeWithOffsets } from '../src/core/tokens';
import { runSweep } from '../src/core/sweep';
import { DEFAULT_CUTOFFS, DEFAULT_DYNAMIC_POLICIES } from '../src/core/policies';
import type { Case, ExtractConfig, PolicySpec } from '../src/core/types';

export interface SweepBenchFigure {
  file: string;
  cases: number;
  policies: number;
  /** CPU time of this process (user + system), fastest of the timed runs. */
  tokenizeMs: number;
  /** CPU time of this process (user + system), fastest of the timed runs. */
  sweepMs: number;
  ratio: number;
  /** Wall-clock time, fastest of the same runs. */
  tokenizeWallMs: number;
  sweepWallMs: number;
}

/**
 * Timed runs of each side per file. The figures are CPU time, fastest run: on a shared machine
 * other processes only ever add to a run (wall time also counts the time this process waits for
 * a core), so the fastest CPU time is the closest to the code's own cost, on both sides alike.
 */
export const SWEEP_BENCH_REPEATS = 7;

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function timeOnce(fn: () => void): { cpu: number; wall: number } {
  const cpu0 = cpuMs();
  const wall0 = performance.now();
  fn();
  return { cpu: cpuMs() - cpu0, wall: performance.now() - wall0 };
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
    const tokenizeTimes: { cpu: number; wall: number }[] = [];
    const sweepTimes: { cpu: number; wall: number }[] = [];
    for (let r = 0; r < repeats; r++) {
      tokenizeTimes.push(timeOnce(tokenize));
      sweepTimes.push(timeOnce(sweep));
    }
    const fastest = (times: { cpu: number; wall: number }[], clock: 'cpu' | 'wall'): number => Math.min(...times.map((t) => t[clock]));
    const tokenizeMs = fastest(tokenizeTimes, 'cpu');
    const sweepMs = fastest(sweepTimes, 'cpu');
    return {
      file: path.split('/').pop() ?? path,
      cases: cases.length,
      policies: policies.length + 1,
      tokenizeMs,
      sweepMs,
      ratio: sweepMs / tokenizeMs,
      tokenizeWallMs: fastest(tokenizeTimes, 'wall'),
      sweepWallMs: fastest(sweepTimes, 'wall'),
    };
  });
}
