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
  tokenizeMs: number;
  sweepMs: number;
  ratio: number;
}

function timeMs(fn: () => void, repeats: number): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Full sweep (12 cutoffs + dynamic policies + 2,000 resamples) vs one tokenization pass, same traces, same run. */
export function benchSweep(files: { path: string; extract: ExtractConfig }[], repeats = 3): SweepBenchFigure[] {
  const tok = getTokenizer('o200k_base', 'gpt-tokenizer');
  const policies: PolicySpec[] = [...DEFAULT_CUTOFFS.map((k): PolicySpec => ({ kind: 'cutoff', tokens: k })), ...DEFAULT_DYNAMIC_POLICIES];
  return files.map(({ path, extract }) => {
    const cases: Case[] = parseTestSet(readFileSync(path), { fileName: path }).cases;
    tokenizeWithOffsets(tok, cases[0].output ?? '');
    const tokenizeMs = timeMs(() => {
      for (const c of cases) tokenizeWithOffsets(tok, c.output ?? '');
    }, repeats);
    const sweepMs = timeMs(() => {
      runSweep(cases, 0, { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract, match: { preset: extract.preset === 'last-number' ? 'numeric' : 'math' }, policies, margin: 0.01, seed: 1, resamples: 2000, folds: 0 });
    }, repeats);
    return { file: path.split('/').pop() ?? path, cases: cases.length, policies: policies.length + 1, tokenizeMs, sweepMs, ratio: sweepMs / tokenizeMs };
  });
}
