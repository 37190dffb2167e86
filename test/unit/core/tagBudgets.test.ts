// Per-tag budgets: known-answer cases for how the one margin is spent across tags, the fallbacks, and a
// real MATH run grouped by level that must never save less than the single policy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { computeTagBudgets, tagGroups, UNTAGGED } from '../../../src/core/tagBudgets';
import { choosePolicy, policyStats, type PolicyMatrix } from '../../../src/core/recommend';
import { bootstrapIndices, pairedBootstrapCi } from '../../../src/core/stats';
import { runSweep } from '../../../src/core/sweep';
import type { Case } from '../../../src/core/types';

/** Builds a matrix from per-policy, per-case [correct, tokens] generators. */
function matrix(names: string[], n: number, cell: (p: number, i: number) => [0 | 1, number]): PolicyMatrix {
  return {
    names,
    correct: names.map((_, p) => Uint8Array.from({ length: n }, (_, i) => cell(p, i)[0])),
    tokens: names.map((_, p) => Float64Array.from({ length: n }, (_, i) => cell(p, i)[1])),
  };
}

// 1.5 points: with 400 cases and no flip, an honest 95% interval of ΔEM still reaches about −1.07 points.
const OPTS = { margin: 0.015, resamples: 1000, seed: 3, folds: 0 };

describe('core/tagBudgets', () => {
  it('cuts the easy tag hard and keeps the hard tag on the medium policy (known answer)', () => {
    // 200 easy then 200 hard cases; full is right on 90% of each.
    const n = 400;
    const right = (i: number): 0 | 1 => (i % 10 === 0 ? 0 : 1);
    const m = matrix(['full', 'cutoff:16', 'cutoff:64'], n, (p, i) => {
      const hard = i >= 200;
      if (p === 0) return [right(i), 100];
      if (p === 1) return [hard && i % 3 === 0 ? 0 : right(i), 10]; // cheap: loses a third of the hard cases
      return [right(i), hard ? 60 : 50]; // medium: loses nothing
    });
    const tags = Array.from({ length: n }, (_, i) => [i < 200 ? 'easy' : 'hard']);
    const single = choosePolicy(policyStats(m, { resamples: 1000, seed: 3 }), OPTS.margin);
    assert.equal(m.names[single?.index ?? -1], 'cutoff:64');

    const tb = computeTagBudgets(m, tags, OPTS);
    assert.ok(tb);
    // The combined CI is the paired bootstrap of the assembled per-case answers, same resamples.
    const plan = tb.perTag.map((t) => m.names.indexOf(t.policy));
    const combined = Uint8Array.from({ length: n }, (_, i) => m.correct[plan[i < 200 ? 0 : 1]][i]);
    assert.deepEqual(tb.overall.ci95, pairedBootstrapCi(m.correct[0], combined, bootstrapIndices(n, 1000, 3), n));
    assert.deepEqual(
      tb.perTag.map((t) => [t.tag, t.cases, t.policy, t.fallback]),
      [
        ['easy', 200, 'cutoff:16', false],
        ['hard', 200, 'cutoff:64', false],
      ],
    );
    assert.equal(tb.search, 'exhaustive');
    // cutoff:64 alone: 50 tokens on easy and 60 on hard, a mean of 55, so 45% saved against full's 100.
    assert.deepEqual([tb.single?.policy, tb.single?.meanTokens], ['cutoff:64', 55]);
    assert.ok(Math.abs((tb.single?.savings ?? 0) - 0.45) < 1e-12);
    // The plan: 10 tokens on easy (cutoff:16) and 60 on hard (cutoff:64), a mean of 35, so 65% saved.
    assert.equal(tb.overall.meanTokens, 35);
    assert.ok(Math.abs(tb.overall.savings - 0.65) < 1e-12);
    assert.ok(Math.abs(tb.extraSavingsOverSingle - 0.2) < 1e-12);
    assert.equal(tb.overall.deltaEm, 0);
    // Neither chosen policy changes a single answer, so every resample's ΔEM is 0.
    assert.deepEqual(tb.overall.ci95, [0, 0]);
    // Easy alone: 10 of full's 100 tokens.
    assert.ok(Math.abs(tb.perTag[0].savings - 0.9) < 1e-12);
    assert.match(tb.message, /save 65% of tokens against 45% for cutoff:64 alone \(\+20 points\)/);
  });

  it('spends the one margin where it buys the most tokens (both tags cannot be cut)', () => {
    // Policy cut saves 50 tokens per case on A but 10 on B, and loses 3 of 300 right answers on each.
    const n = 600;
    const m = matrix(['full', 'cut'], n, (p, i) => {
      const b = i >= 300;
      const j = i % 300;
      if (p === 0) return [1, 100];
      return [j < 3 ? 0 : 1, b ? 90 : 50];
    });
    const tags = Array.from({ length: n }, (_, i) => [i < 300 ? 'A' : 'B']);
    const margin = 0.015;
    const both = policyStats(m, { resamples: 1000, seed: 3 })[1];
    assert.ok(both.ci95[0] < -margin, `cut on both tags must fail the margin, CI ${both.ci95}`);
    for (const search of [{}, { exhaustiveLimit: 1 }]) {
      const tb = computeTagBudgets(m, tags, { ...OPTS, margin, ...search });
      assert.ok(tb);
      assert.equal(tb.search, 'exhaustiveLimit' in search ? 'greedy' : 'exhaustive');
      assert.deepEqual(
        tb.perTag.map((t) => [t.tag, t.policy]),
        [
          ['A', 'cut'],
          ['B', 'full'],
        ],
      );
      assert.equal(tb.single?.policy, 'full');
      assert.ok(tb.overall.ci95[0] >= -margin, `combined CI ${tb.overall.ci95}`);
      // Only A's 3 lost answers count; B keeps full.
      assert.equal(tb.overall.deltaEm, -3 / 600);
      // Cutting A saves 50 of 100 tokens on half the cases: 25% of full's tokens, all of it beyond the single `full`.
      assert.ok(Math.abs(tb.extraSavingsOverSingle - 0.25) < 1e-12);
    }
  });

  it('tags below minCases fall back to the global policy; the combined CI equals the single policy CI when nothing changes', () => {
    const n = 330;
    const m = matrix(['full', 'cutoff:32', 'cutoff:64'], n, (p, i) => {
      if (p === 0) return [i % 4 === 0 ? 0 : 1, 100];
      if (p === 1) return [i % 4 === 0 || (i < 300 && i % 5 === 1) ? 0 : 1, 20]; // cheap is bad on the big tag, perfect on the small one
      return [i % 4 === 0 || i === 7 ? 0 : 1, 50];
    });
    const tags = Array.from({ length: n }, (_, i) => (i < 300 ? ['big'] : ['small', 'x']));
    const tb = computeTagBudgets(m, tags, { ...OPTS, margin: 0.02, minCases: 40 });
    assert.ok(tb);
    const small = tb.perTag.find((t) => t.tag === 'small');
    // 30 small cases are under minCases 40: the tag takes the global recommendation.
    assert.deepEqual([small?.fallback, small?.policy, small?.cases], [true, 'cutoff:64', 30]);
    assert.equal(tb.perTag.find((t) => t.tag === 'big')?.policy, 'cutoff:64');
    const stats = policyStats(m, { resamples: 1000, seed: 3, bootstrap: true });
    assert.deepEqual(tb.overall.ci95, stats[2].bootstrapCi95);
    assert.equal(tb.extraSavingsOverSingle, 0);
    assert.match(tb.message, /nothing cheaper than cutoff:64 for every tag/);
    assert.match(tb.message, /1 tag with fewer than 40 cases use cutoff:64/);
    // With a lower threshold the small tag may take the cheap policy it is perfect on.
    const lower = computeTagBudgets(m, tags, { ...OPTS, minCases: 20 });
    assert.equal(lower?.perTag.find((t) => t.tag === 'small')?.policy, 'cutoff:32');
    assert.ok((lower?.extraSavingsOverSingle ?? 0) > 0);
  });

  it('cross-validates the per-tag plan like the single recommendation', () => {
    const n = 400;
    const right = (i: number): 0 | 1 => (i % 10 === 0 ? 0 : 1);
    const m = matrix(['full', 'cutoff:16', 'cutoff:64'], n, (p, i) => {
      const hard = i % 2 === 1;
      if (p === 0) return [right(i), 100];
      if (p === 1) return [hard && i % 3 === 0 ? 0 : right(i), 10];
      return [right(i), 55];
    });
    const tags = Array.from({ length: n }, (_, i) => [i % 2 === 1 ? 'hard' : 'easy']);
    const tb = computeTagBudgets(m, tags, { ...OPTS, folds: 5 });
    const cv = tb?.crossValidation;
    assert.ok(cv);
    assert.equal(cv.folds, 5);
    assert.equal(cv.agreement, 1);
    assert.equal(cv.heldOutDeltaEm, 0);
    assert.ok(Math.abs(cv.heldOutExtraSavings - 0.225) < 1e-9, `held-out extra savings ${cv.heldOutExtraSavings}`);
    assert.match(tb?.message ?? '', /Held out \(5-fold\)/);
  });

  it('groups by first tag or by prefix; null without two groups', () => {
    assert.deepEqual(tagGroups([['a', 'level:2'], [], ['level:5']], 'level:'), ['level:2', UNTAGGED, 'level:5']);
    assert.deepEqual(tagGroups([['a', 'level:2'], []]), ['a', UNTAGGED]);
    const m = matrix(['full', 'c'], 4, () => [1, 1]);
    assert.equal(computeTagBudgets(m, [['x'], ['x'], ['x'], ['x']], OPTS), null);
    assert.throws(() => computeTagBudgets(m, [['x']], OPTS), /1 tag lists for 4 cases/);
  });

  it('real data (MATH ×8 grouped by level): the plan stays within the margin and never saves less than the single policy', function () {
    this.timeout(60000);
    const file = path.resolve(__dirname, '../../../../shared/data/math_qwen25math_cot100x8.jsonl');
    const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; answer: string; output: string; meta: { level: string } });
    const cases: Case[] = rows.map((r, i) => ({ id: r.id, question: '', answers: [r.answer], output: r.output, tags: [`level:${r.meta.level}`], line: i + 1 }));
    const result = runSweep(cases, 0, {
      encoding: 'o200k_base',
      engine: 'gpt-tokenizer',
      extract: { preset: 'boxed' },
      match: { preset: 'math' },
      policies: [128, 192, 256, 320, 384, 512].map((k) => ({ kind: 'cutoff', tokens: k }) as const),
      margin: 0.02,
      seed: 1,
      resamples: 1000,
      folds: 0,
      includeCases: true,
    });
    const names = result.rows.map((r) => r.policy);
    const per = result.caseResults ?? [];
    const m: PolicyMatrix = {
      names,
      correct: names.map((p) => Uint8Array.from(per, (c) => (c.policies[p].correct ? 1 : 0))),
      tokens: names.map((p) => Float64Array.from(per, (c) => c.policies[p].stopToken)),
    };
    const tb = computeTagBudgets(m, per.map((c) => c.tags), { margin: 0.02, resamples: 1000, seed: 1, folds: 5 });
    assert.ok(tb);
    assert.ok(tb.perTag.length >= 4, `${tb.perTag.length} levels`);
    assert.equal(tb.single?.policy, result.recommendation?.policy);
    assert.ok(tb.overall.ci95[0] >= -0.02 - 1e-12, `CI ${tb.overall.ci95}`);
    assert.ok(tb.extraSavingsOverSingle >= 0);
    assert.ok(tb.crossValidation && tb.crossValidation.folds === 5);
    // runSweep adds the same plan (its folds were 0, so without cross-validation) when cases carry tags.
    assert.deepEqual(result.tagBudgets?.perTag, tb.perTag);
    assert.equal(result.tagBudgets?.crossValidation, null);
    const untagged = runSweep(cases.slice(0, 50).map((c) => ({ ...c, tags: [] })), 0, { ...OPTS, encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'boxed' }, match: { preset: 'math' }, policies: [] });
    assert.equal(untagged.tagBudgets, undefined);
  });
});
