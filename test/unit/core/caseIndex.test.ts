import * as assert from 'node:assert/strict';
import { buildCaseIndex } from '../../../src/core/caseIndex';
import type { CaseResult } from '../../../src/core/types';

describe('case index', () => {
  const kase = (id: string, line: number, totalTokens: number, stops: Record<string, [number, boolean]>): CaseResult => ({
    id,
    gold: ['1'],
    line,
    tags: [],
    totalTokens,
    policies: Object.fromEntries(Object.entries(stops).map(([p, [stopToken, correct]]) => [p, { stopToken, correct, answer: correct ? '1' : null, reason: '' } as CaseResult['policies'][string]])),
  });

  it('lines up ids, lines, lengths, stops and verdicts per policy', () => {
    const index = buildCaseIndex(
      [kase('a', 1, 300, { full: [300, true], 'cutoff:64': [64, false] }), kase('b', 3, 40, { full: [40, true], 'cutoff:64': [40, true] })],
      ['full', 'cutoff:64'],
    );
    assert.deepEqual(index, { ids: ['a', 'b'], lines: [1, 3], tokens: [300, 40], stops: { full: [300, 40], 'cutoff:64': [64, 40] }, correct: { full: '11', 'cutoff:64': '01' } });
  });

  it('counts a policy missing on a case as kept in full and wrong', () => {
    const index = buildCaseIndex([kase('a', 1, 90, { full: [90, true] })], ['full', 'probe:32x2']);
    assert.deepEqual([index.stops['probe:32x2'], index.correct['probe:32x2']], [[90], '0']);
  });
});
