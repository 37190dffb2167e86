/**
 * The brief index of a sweep's cases that the results panel browses: where each policy stopped on
 * each case and whether it was right, in compact aligned arrays.
 */
import type { CaseIndex, CaseResult } from './types';

/** Builds the index from the sweep's per-case results, for the given policies (the sweep's rows). */
export function buildCaseIndex(caseResults: readonly CaseResult[], policies: readonly string[]): CaseIndex {
  const index: CaseIndex = { ids: [], lines: [], tokens: [], stops: {}, correct: {} };
  const correct: Record<string, string[]> = {};
  for (const p of policies) {
    index.stops[p] = [];
    correct[p] = [];
  }
  for (const c of caseResults) {
    index.ids.push(c.id);
    index.lines.push(c.line);
    index.tokens.push(c.totalTokens);
    for (const p of policies) {
      const o = c.policies[p];
      index.stops[p].push(o ? o.stopToken : c.totalTokens);
      correct[p].push(o?.correct ? '1' : '0');
    }
  }
  for (const p of policies) index.correct[p] = correct[p].join('');
  return index;
}
