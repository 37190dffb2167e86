// The sweep on the whole GSM8K file: every cell must equal applyPolicy + the matcher run case by case
// without the sweep's shared caches, and every row must equal its cells.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runSweep } from '../../../src/core/sweep';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import { getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import { makeExtractor } from '../../../src/core/extract';
import { makeMatcher } from '../../../src/core/match';
import { applyPolicy, DEFAULT_CUTOFFS, DEFAULT_DYNAMIC_POLICIES, PrefixExtractor, policyName } from '../../../src/core/policies';
import { mean, quantile } from '../../../src/core/stats';
import type { Case, PolicySpec } from '../../../src/core/types';

const DATA = path.resolve(__dirname, '../../../../shared/data');

describe('core/sweep', () => {
  it('real data (GSM8K, default cutoffs and dynamic policies): every cell equals applyPolicy + the matcher, every row its cells', function () {
    this.timeout(60000);
    const file = path.join(DATA, 'gsm8k_faithfulcot_gpt4_cot.jsonl');
    const cases: Case[] = parseTestSet(readFileSync(file), { fileName: file }).cases;
    const policies: PolicySpec[] = [...DEFAULT_CUTOFFS.map((k): PolicySpec => ({ kind: 'cutoff', tokens: k })), ...DEFAULT_DYNAMIC_POLICIES];
    const result = runSweep(cases, 0, {
      encoding: 'o200k_base',
      engine: 'gpt-tokenizer',
      extract: { preset: 'last-number' },
      match: { preset: 'numeric' },
      policies,
      margin: 0.01,
      seed: 1,
      resamples: 200,
      folds: 0,
      includeCases: true,
    });
    assert.equal(result.cases, 1319);
    // The data README's full-length figure for GPT-4's last number, compared numerically.
    assert.equal(result.baseline.correct, 1234);
    const specs = [{ kind: 'full' } as PolicySpec, ...policies];
    assert.deepEqual(result.rows.map((r) => r.policy), specs.map(policyName));

    // Each case graded on its own, without the sweep's shared caches.
    const tok = getTokenizer('o200k_base', 'gpt-tokenizer');
    const extract = makeExtractor({ preset: 'last-number' });
    const matcher = makeMatcher({ preset: 'numeric' });
    const per = result.caseResults ?? [];
    assert.equal(per.length, 1319);
    cases.forEach((c, i) => {
      const text = c.output ?? '';
      const trace = { text, tokens: tokenizeWithOffsets(tok, text) };
      for (const spec of specs) {
        // A fresh extractor per policy: the sweep shares one per trace, which must not change any answer.
        const fresh = new PrefixExtractor(trace, extract);
        const outcome = applyPolicy(spec, trace, fresh, extract);
        const cell = per[i].policies[policyName(spec)];
        const correct = outcome.answer !== null && matcher(outcome.answer, c.answers).pass;
        assert.deepEqual(cell, { stopToken: outcome.stopToken, answer: outcome.answer, correct, reason: outcome.reason, answerKind: outcome.answerKind }, `${c.id} ${policyName(spec)}`);
      }
    });

    result.rows.forEach((row, p) => {
      const name = row.policy;
      const stops = per.map((c) => c.policies[name].stopToken);
      assert.equal(row.meanTokens, mean(stops), name);
      assert.equal(row.medianTokens, quantile(stops, 0.5), name);
      assert.equal(row.p95Tokens, quantile(stops, 0.95), name);
      assert.equal(row.correct, per.filter((c) => c.policies[name].correct).length, name);
      assert.equal(row.cutBeforeAnswer, per.filter((c) => c.policies[name].answer === null).length, name);
      // Flips in test-set order: the panel lists them as they appear in the file.
      assert.deepEqual(row.flipsToWrongIds, per.filter((c) => c.policies.full.correct && !c.policies[name].correct).map((c) => c.id), name);
      assert.deepEqual(row.flipsToRightIds, per.filter((c) => !c.policies.full.correct && c.policies[name].correct).map((c) => c.id), name);
      if (p === 0) assert.deepEqual(row.ci95, [0, 0]);
    });
    // Short cutoffs cut most answers off; long ones change nothing.
    // 32 tokens is well under a GPT-4 GSM8K answer (311 characters median): most right answers are lost.
    assert.ok((result.rows.find((r) => r.policy === 'cutoff:32')?.flipsToWrong ?? 0) > 1000);
    // The longest output is 1090 characters, under 1024 tokens: nothing is cut.
    assert.equal(result.rows.find((r) => r.policy === 'cutoff:1024')?.flipsToWrong, 0);
  });
});
