// A real sweep for the panel's tests: the first 120 GSM8K GPT-4 traces of ../shared/data under a
// few cutoffs, as the extension would send it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildCaseIndex } from '../../../src/core/caseIndex';
import { parsePolicy } from '../../../src/core/policies';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import { runSweep } from '../../../src/core/sweep';
import { resolveSweepOptions } from '../../../src/core/sweepOptions';
import type { SweepResult } from '../../../src/core/types';
import { emptyViewState, type SweepSummary, type ViewState } from '../../../src/shared/protocol';

export const GSM8K = path.resolve(__dirname, '../../../../shared/data/gsm8k_faithfulcot_gpt4_cot.jsonl');

let cached: SweepResult | undefined;

/** The sweep with per-case results (computed once per test run). */
export function gsm8kSweep(): SweepResult {
  if (!cached) {
    const text = readFileSync(GSM8K, 'utf8').split('\n').slice(0, 120).join('\n');
    const { cases, skipped } = parseTestSet(text, { fileName: 'gsm8k.jsonl' });
    const { options } = resolveSweepOptions(undefined, { cutoffs: [32, 64, 96, 128], policies: [parsePolicy('stability:16x2').spec!, parsePolicy('marker:0').spec!], folds: 0 });
    cached = runSweep(cases, skipped, { ...options, includeCases: true });
  }
  return cached;
}

export function summary(promptTokens: number | null = 120): SweepSummary {
  const { caseResults, ...result } = gsm8kSweep();
  const cases = buildCaseIndex(caseResults ?? [], result.rows.map((r) => r.policy));
  return { result, testSet: 'data/gsm8k.jsonl', prompt: null, promptTokens, finishedAt: '2026-12-07T16:00:00.000Z', durationMs: 1234, cases };
}

export function viewState(patch: Partial<ViewState> = {}): ViewState {
  return { ...emptyViewState({ inputPer1M: 2.5, outputPer1M: 10 }), sweep: summary(), ...patch };
}
