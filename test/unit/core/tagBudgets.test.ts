// Per-tag budgets: known-answer cases for how the one margin is spent across tags, the fallbacks, and a
// real MATH run grouped by level that must never save less than the single policy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { computeTagBudgets, planDiscordance, tagGroups, UNTAGGED } from '../../../src/core/tagBudgets';
import { choosePolicy, policyStats, type PolicyMatrix } from '../../../src/core/recommend';
import { pairedDifferenceCi } from '../../../src/core/pairedInterval';
import { createRng } from '../../../src/core/stats';
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

/**
 * A simulated paired test set in three tag groups (half, 30%, 20% of n) with the plan cut:a on the
 * first, cut:b on the second and full on the third. Each group flips at its own rate (`rate` × 1.6,
 * × 0.6, 0) with `lostShare[g]` of its flips losses, so the plan's flips are a mixture, not one
 * multinomial. Returns the matrix, the groups and the plan's true ΔEM given those group sizes.
 */
function mixedPlanSet(n: number, rate: number, lostShare: readonly number[], rng: () => number): { m: PolicyMatrix; groupOf: number[]; delta: number } {
  const sizes = [Math.round(n * 0.5), Math.round(n * 0.3)];
  sizes.push(n - sizes[0] - sizes[1]);
  const rates = [1.6 * rate, 0.6 * rate, 0];
  const groupOf = sizes.flatMap((size, g) => new Array<number>(size).fill(g));
  const m: PolicyMatrix = { names: ['full', 'cut:a', 'cut:b'], correct: [0, 1, 2].map(() => new Uint8Array(n)), tokens: [0, 1, 2].map(() => new Float64Array(n)) };
  let delta = 0;
  for (let i = 0; i < n; i++) {
    const g = groupOf[i];
    const pLost = rates[g] * lostShare[g];
    const pGained = rates[g] * (1 - lostShare[g]);
    delta += pGained - pLost;
    const u = rng();
    const base = u < pLost ? 1 : u < pLost + pGained ? 0 : rng() < 0.8 ? 1 : 0;
    const flipped = u < pLost + pGained ? 1 - base : base;
    for (let p = 0; p < 3; p++) m.correct[p][i] = p === g + 1 ? flipped : base;
  }
  return { m, groupOf, delta: delta / n };
}

// 1.5 points: with 400 cases and no flip, an honest 95% interval of ΔEM still reaches about −1.07 points.
const OPTS = { margin: 0.015, seed: 3, folds: 0 };

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
    // The combined CI is Tango's interval on the assembled per-case answers' discordant counts (none here).
    const plan = tb.perTag.map((t) => m.names.indexOf(t.policy));
    const groupOf = Array.from({ length: n }, (_, i) => (i < 200 ? 0 : 1));
    assert.deepEqual(planDiscordance(m, groupOf, plan), { lost: 0, gained: 0 });
    assert.deepEqual(tb.overall.ci95, pairedDifferenceCi(0, 0, n));
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
    // No flip is still a real interval: about ±1.07 points at 400 cases (the bootstrap said [0, 0]).
    assert.ok(tb.overall.ci95[0] < -0.009 && tb.overall.ci95[0] > -0.012 && Math.abs(tb.overall.ci95[0] + tb.overall.ci95[1]) < 1e-9, `${tb.overall.ci95}`);
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
    // Tango's interval on 600 cases: 3 losses reach −1.52 points, 6 losses −2.22, so a 1.8-point margin admits one tag.
    const margin = 0.018;
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
    const stats = policyStats(m, { resamples: 1000, seed: 3 });
    assert.deepEqual(tb.overall.ci95, stats[2].ci95);
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

  it('the plan\'s interval covers the plan\'s true ΔEM ≥ 93% in every cell of sizes 30–1,000 × flip rates 0.5–15% (simulation)', function () {
    this.timeout(120000);
    // Tango on the combined counts (planDiscordance), with groups of their own flip rates and fixed sizes.
    const failures: string[] = [];
    let seed = 1;
    for (const n of [30, 50, 110, 300, 1000]) {
      for (const rate of [0.005, 0.01, 0.02, 0.05, 0.1, 0.15]) {
        for (const lostShare of [[1, 1, 1], [1, 0.5, 0.75]]) {
          const rng = createRng(seed++);
          let cover = 0;
          const reps = 1000;
          for (let r = 0; r < reps; r++) {
            const { m, groupOf, delta } = mixedPlanSet(n, rate, lostShare, rng);
            const { lost, gained } = planDiscordance(m, groupOf, [1, 2, 0]);
            const [lo, hi] = pairedDifferenceCi(lost, gained, n);
            if (lo <= delta + 1e-12 && delta <= hi + 1e-12) cover++;
          }
          if (cover / reps < 0.93) failures.push(`n=${n} flips=${rate} lost shares=${lostShare.join('/')}: ${((cover / reps) * 100).toFixed(1)}%`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it('chosen by the search, the plan still keeps its coverage and rarely passes a plan that loses more than the margin (simulation)', function () {
    this.timeout(120000);
    // Three tags, three cut policies losing 1–12% per tag (cheaper loses more); the search picks among 4³ plans.
    const share = [0.5, 0.3, 0.2];
    const loss = [[0, 0, 0], [0.01, 0.03, 0.06], [0.03, 0.06, 0.12], [0, 0.02, 0.02]];
    const tokens = [100, 40, 20, 60];
    const margin = 0.02;
    for (const n of [300, 1000]) {
      const rng = createRng(n);
      const reps = 300;
      let cover = 0;
      let passedTooLossy = 0;
      for (let r = 0; r < reps; r++) {
        const groupOf = share.flatMap((s, g) => new Array<number>(Math.round(s * n)).fill(g));
        const m: PolicyMatrix = { names: ['full', 'a', 'b', 'c'], correct: loss.map(() => new Uint8Array(n)), tokens: tokens.map((t) => new Float64Array(n).fill(t)) };
        for (let i = 0; i < n; i++) {
          const u = rng();
          const base = rng() < 0.85 ? 1 : 0;
          for (let p = 0; p < loss.length; p++) m.correct[p][i] = base && u < loss[p][groupOf[i]] ? 0 : base;
        }
        const tb = computeTagBudgets(m, groupOf.map((g) => [`t${g}`]), { margin, seed: 1, folds: 0, minCases: 10 });
        assert.ok(tb);
        const plan = tb.perTag.map((t) => m.names.indexOf(t.policy));
        const truth = -share.reduce((s, w, g) => s + w * 0.85 * loss[plan[g]][g], 0);
        if (tb.overall.ci95[0] <= truth + 1e-12 && truth <= tb.overall.ci95[1] + 1e-12) cover++;
        if (truth < -margin) passedTooLossy++;
      }
      assert.ok(cover / reps >= 0.93, `n=${n}: covered ${cover}/${reps}`);
      assert.ok(passedTooLossy / reps <= 0.05, `n=${n}: ${passedTooLossy}/${reps} plans lose more than the margin`);
    }
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
    const tb = computeTagBudgets(m, per.map((c) => c.tags), { margin: 0.02, seed: 1, folds: 5 });
    assert.ok(tb);
    assert.ok(tb.perTag.length >= 4, `${tb.perTag.length} levels`);
    assert.equal(tb.single?.policy, result.recommendation?.policy);
    assert.ok(tb.overall.ci95[0] >= -0.02 - 1e-12, `CI ${tb.overall.ci95}`);
    assert.ok(tb.extraSavingsOverSingle >= 0);
    assert.ok(tb.crossValidation && tb.crossValidation.folds === 5);
    // runSweep adds the same plan (its folds were 0, so without cross-validation) when cases carry tags.
    assert.deepEqual(result.tagBudgets?.perTag, tb.perTag);
    assert.equal(result.tagBudgets?.crossValidation, null);
    const untagged = runSweep(cases.slice(0, 50).map((c) => ({ ...c, tags: [] })), 0, { ...OPTS, resamples: 1000, encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'boxed' }, match: { preset: 'math' }, policies: [] });
    assert.equal(untagged.tagBudgets, undefined);
  });
});
