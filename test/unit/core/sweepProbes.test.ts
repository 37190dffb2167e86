// Probe and forced-answer tokens in a sweep: counted per policy apart from the answer path, and
// shown in the table, the JSON and the CSV.
import assert from 'node:assert/strict';
import { runSweep, type SweepOptions } from '../../../src/core/sweep';
import { sweepToCsv, sweepToJson, sweepToTable } from '../../../src/core/report';
import type { Case } from '../../../src/core/types';

const options: SweepOptions = {
  encoding: 'o200k_base',
  engine: 'gpt-tokenizer',
  extract: { preset: 'boxed' },
  match: { preset: 'numeric' },
  policies: [{ kind: 'budget', tokens: 4 }, { kind: 'probe', every: 2, agree: 2 }, { kind: 'cutoff', tokens: 5 }],
  margin: 0.01,
  seed: 1,
  resamples: 200,
  folds: 0,
  includeCases: true,
};

// Eight thinking tokens; a forced answer (2 tokens) at 4; probes at 2, 4, 6 of 3, 4 and 5 tokens.
const long: Case = {
  id: 'long',
  question: 'Q1',
  answers: ['8'],
  tags: [],
  line: 1,
  output: '<think>one two three four five six seven eight</think>\\boxed{8}',
  forced: [{ atToken: 4, text: '**Final Answer**: \\boxed{8}', tokens: 2 }],
  probes: [
    { atToken: 2, text: '\\boxed{5}', tokens: 3 },
    { atToken: 4, text: '\\boxed{8}', tokens: 4 },
    { atToken: 6, text: '\\boxed{8}', tokens: 5 },
  ],
};
// Three thinking tokens: within budget 4, so no forced answer; its probes never agree.
const short: Case = {
  id: 'short',
  question: 'Q2',
  answers: ['3'],
  tags: [],
  line: 2,
  output: '<think>one two three</think>\\boxed{3}',
  probes: [
    { atToken: 2, text: '\\boxed{1}', tokens: 6 },
    { atToken: 4, text: '\\boxed{2}', tokens: 2 },
  ],
};

describe('core/sweep: probe and forced-answer tokens apart from the answer path', () => {
  it('a forced answer counts in the mean tokens as answer tokens, and its mean is reported apart', () => {
    const r = runSweep([long], 0, options);
    const budget = r.rows.find((x) => x.policy === 'budget:4');
    assert.ok(budget);
    assert.deepEqual([budget.meanTokens, budget.meanThinkingTokens, budget.meanAnswerTokens, budget.meanForcedTokens], [6, 4, 2, 2]);
    assert.equal(budget.meanProbeTokens, undefined);
    const probe = r.rows.find((x) => x.policy === 'probe:2x2');
    // Agreed at token 6 after three probes: 6 answer-path tokens, 3 + 4 + 5 probe tokens on top.
    assert.deepEqual([probe?.meanTokens, probe?.meanProbeTokens, probe?.meanForcedTokens], [6, 12, undefined]);
    const cutoff = r.rows.find((x) => x.policy === 'cutoff:5');
    assert.deepEqual([cutoff?.meanProbeTokens, cutoff?.meanForcedTokens], [undefined, undefined]);
  });

  it('averages over every case: a case whose thinking fits spends no forced tokens', () => {
    const r = runSweep([long, short], 0, options);
    const budget = r.rows.find((x) => x.policy === 'budget:4');
    assert.equal(budget?.meanForcedTokens, 1);
    // short: both probes (6 + 2) and no agreement; long: 12.
    assert.equal(r.rows.find((x) => x.policy === 'probe:2x2')?.meanProbeTokens, 10);
  });

  it('the table, the JSON and the CSV carry the two figures', () => {
    const r = runSweep([long, short], 0, options);
    const table = sweepToTable(r).split('\n');
    const head = table.find((l) => l.trimStart().startsWith('policy'));
    assert.ok(head);
    assert.match(head, /think tok\s+answer tok\s+intermediate\s+probe tok\s+forced tok\s+savings/);
    const budgetLine = table.find((l) => /^(▶| ) budget:4 /.test(l));
    assert.match(budgetLine ?? '', /\s1\.0\s/);
    assert.ok(table.includes('extra calls: "probe tok" is spent in probe calls on top of "mean tok"; "forced tok" is the forced answer\'s share of "mean tok" (means per case).'));
    const json = sweepToJson(r) as { rows: { policy: string; meanForcedTokens?: number; meanProbeTokens?: number }[] };
    assert.deepEqual(
      json.rows.map((x) => [x.policy, x.meanProbeTokens, x.meanForcedTokens]),
      [
        ['full', undefined, undefined],
        ['budget:4', undefined, 1],
        ['probe:2x2', 10, undefined],
        ['cutoff:5', undefined, undefined],
      ],
    );
    const csv = sweepToCsv(r).trim().split('\n');
    const cols = csv[0].split(',');
    assert.deepEqual(cols.slice(-2), ['meanProbeTokens', 'meanForcedTokens']);
    const at = (policy: string): string[] => (csv.find((l) => l.startsWith(`${policy},`)) ?? '').split(',').slice(-2);
    assert.deepEqual(at('budget:4'), ['', '1']);
    assert.deepEqual(at('probe:2x2'), ['10', '']);
  });
});
