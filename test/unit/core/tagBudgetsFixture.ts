import type { TagBudgets } from '../../../src/core/types';

/** A per-tag result with these (tag, policy) choices and single-policy recommendation; the figures are placeholders the rules never read. */
export function budgets(perTag: [string, string][], single: string | null): TagBudgets {
  return {
    perTag: perTag.map(([tag, policy]) => ({ tag, cases: 50, policy, fallback: false, em: 0.9, deltaEm: 0, meanTokens: 10, savings: 0.5 })),
    overall: { em: 0.9, deltaEm: -0.01, ci95: [-0.02, 0], meanTokens: 10, savings: 0.5 },
    single: single ? { policy: single, meanTokens: 20, savings: 0.25 } : null,
    extraSavingsOverSingle: 0.25,
    minCases: 30,
    margin: 0.02,
    search: 'exhaustive',
    crossValidation: null,
    message: '',
  };
}
