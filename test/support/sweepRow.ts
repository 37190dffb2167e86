import type { SweepRow } from '../../src/core/types';

/** A sweep row for tests: 80% EM on 200 cases, no change against full, 100 tokens; `o` overrides any field. */
export function sweepRow(policy: string, o: Partial<SweepRow> = {}): SweepRow {
  return {
    policy,
    label: policy,
    em: 0.8,
    correct: 160,
    deltaEm: 0,
    ci95: [0, 0],
    mcnemarP: 1,
    meanTokens: 100,
    medianTokens: 100,
    p95Tokens: 100,
    savings: 0,
    cutBeforeAnswer: 0,
    flipsToWrong: 0,
    flipsToRight: 0,
    flipsToWrongIds: [],
    flipsToRightIds: [],
    ...o,
  };
}
