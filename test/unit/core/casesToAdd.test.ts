// "Cases to add" is a sample-size formula: checked against a hand computation, then on real GSM8K rows
// where the figure must follow from the sweep row's own ΔEM and discordance.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { computeCasesToAdd } from '../../../src/core/casesToAdd';
import { runSweep } from '../../../src/core/sweep';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import type { SweepRow } from '../../../src/core/types';
import { THINKING_DYNAMIC_POLICIES } from '../../../src/core/policies';
import { sweepRow } from '../../support/sweepRow';

const row = sweepRow;

describe('core/casesToAdd', () => {
  const full = row('full', { meanTokens: 400 });
  // 200 cases: 6 right→wrong, 2 wrong→right ⇒ ψ = 0.04, ΔEM = −0.02; margin 3 points.
  const cut = row('cutoff:128', {
    meanTokens: 120,
    deltaEm: -0.02,
    ci95: [-0.045, 0.005],
    flipsToWrong: 6,
    flipsToRight: 2,
    flipsToWrongIds: ['a', 'b', 'c', 'd', 'e', 'f'],
    flipsToRightIds: ['g', 'h'],
  });

  it('matches a hand computation of the sample size', () => {
    // By hand: z0.95 = 1.644854, z0.80 = 0.841621, (z0.95 + z0.80)² = 2.486475² = 6.182557;
    // variance ψ − Δ² = 0.04 − 0.0004 = 0.0396; gap Δ + m = −0.02 + 0.03 = 0.01;
    // N = 6.182557 × 0.0396 / 0.0001 = 2448.29 → 2449 cases, i.e. 2249 more than 200.
    const r = computeCasesToAdd([full, row('cutoff:256', { meanTokens: 200, ci95: [-0.01, 0.01], deltaEm: 0 }), cut], 200, 0.03, 'cutoff:256');
    assert.ok(r);
    assert.equal(r.policy, 'cutoff:128');
    assert.equal(r.discordantRate, 0.04);
    assert.equal(r.casesNeeded, 2449);
    assert.equal(r.casesToAdd, 2249);
    assert.deepEqual(r.flipsToWrongIds, ['a', 'b', 'c', 'd', 'e', 'f']);
    assert.deepEqual(r.flipsToRightIds, ['g', 'h']);
    assert.equal(
      r.message,
      'cutoff:128 would save 70% of tokens at ΔEM −2 pts, but its 95% CI lower bound (−4.5 pts) is outside the 3-point margin on 200 cases. ' +
        'With its 4% discordance rate, about 2449 cases (2249 more of the same kind) would show it non-inferior at 80% power, if ΔEM stays at −2 pts. ' +
        'It hinges on 6 cases right under full and wrong under it (a, b, c, d, e, f), and 2 the other way (g, h).',
    );
  });

  it('skips hopeless or already passing policies and those not cheaper than the recommendation', () => {
    // Hopeless: its point ΔEM is already past the margin, so no number of cases would pass it.
    const hopeless = row('cutoff:32', { meanTokens: 40, deltaEm: -0.05, ci95: [-0.08, -0.02], flipsToWrong: 10 });
    const passing = row('cutoff:512', { meanTokens: 300, deltaEm: 0, ci95: [-0.005, 0.005], flipsToWrong: 1, flipsToRight: 1 });
    assert.equal(computeCasesToAdd([full, hopeless, cut, passing], 200, 0.03, 'cutoff:512')?.policy, 'cutoff:128');
    // Nothing cheaper than the recommendation is promising.
    assert.equal(computeCasesToAdd([full, hopeless, passing], 200, 0.03, 'cutoff:512'), null);
    // No recommendation at all: every policy is a candidate.
    assert.equal(computeCasesToAdd([full, cut], 200, 0.03, null)?.casesNeeded, 2449);
    // A candidate more expensive than the recommendation is not reported.
    const cheaper = row('cutoff:64', { meanTokens: 80, deltaEm: 0, ci95: [-0.01, 0.01], flipsToWrong: 1, flipsToRight: 1 });
    assert.equal(computeCasesToAdd([full, cheaper, cut], 200, 0.03, 'cutoff:64'), null);
  });

  it('speaks only of candidates saving at least minSavings (default 5%) of full length beyond the recommendation', () => {
    // The example: a policy saving 0.1% of tokens would need tens of thousands of cases.
    const tiny = row('stability:32x3', { meanTokens: 399.6, deltaEm: -0.001, ci95: [-0.02, 0.01], flipsToWrong: 3, flipsToRight: 2 });
    assert.equal(computeCasesToAdd([full, tiny], 200, 0.01, null), null);
    // 4% beyond the recommendation (cutoff:256 at 200 tokens ⇒ 184 tokens) is below the default 5%.
    const close = row('cutoff:224', { meanTokens: 184, deltaEm: -0.01, ci95: [-0.04, 0.02], flipsToWrong: 4, flipsToRight: 2 });
    const rec = row('cutoff:256', { meanTokens: 200, ci95: [-0.01, 0.01] });
    assert.equal(computeCasesToAdd([full, rec, close], 200, 0.03, 'cutoff:256'), null);
    assert.equal(computeCasesToAdd([full, rec, close], 200, 0.03, 'cutoff:256', { minSavings: 0.03 })?.policy, 'cutoff:224');
  });

  it('plans with at least 3 flips (rule of three) when fewer were seen, never with 0 cases', () => {
    // 40 cases, no flip, interval ±9.9 pts: ψ = 3/40, N = 6.182557 × 0.075 / 0.01² = 4636.9 → 4637.
    const quiet = row('stability:16x2', { meanTokens: 368, deltaEm: 0, ci95: [-0.099, 0.099] });
    const r = computeCasesToAdd([row('full', { meanTokens: 400 }), quiet], 40, 0.01, 'full');
    assert.deepEqual([r?.discordantRate, r?.casesNeeded, r?.casesToAdd], [0.075, 4637, 4597]);
  });

  it('says which rate it plans with when fewer than 3 flips were seen', () => {
    // 40 cases, 1 flip each way: planned with 3 in 40 (7.5%), N = 6.182557 × 0.075 / 0.01² = 4636.9 → 4637.
    const two = row('stability:16x2', { meanTokens: 368, deltaEm: 0, ci95: [-0.05, 0.05], flipsToWrong: 1, flipsToRight: 1, flipsToWrongIds: ['a'], flipsToRightIds: ['b'] });
    const r = computeCasesToAdd([row('full', { meanTokens: 400 }), two], 40, 0.01, 'full');
    assert.deepEqual([r?.discordantRate, r?.casesNeeded], [0.075, 4637]);
    assert.match(r?.message ?? '', / With 2 flips in 40 cases, too few to estimate a rate, planning with a 7\.5% discordance rate \(3 in 40\), about 4637 cases \(4597 more/);
  });

  it('never reports a rate above 100%: on a 2-case sweep it plans with the worst case and says so', () => {
    // Before: max(2 flips, 3) / 2 cases = a "150% discordance rate". Now ψ = 1 (every case disagrees),
    // N = 6.182557 × (1 − 0) / 0.03² = 6869.5 → 6870 at a 3-point margin.
    const split = row('cutoff:64', { meanTokens: 100, deltaEm: 0, ci95: [-0.5, 0.5], flipsToWrong: 1, flipsToRight: 1, flipsToWrongIds: ['q1'], flipsToRightIds: ['q2'] });
    const r = computeCasesToAdd([row('full', { meanTokens: 400 }), split], 2, 0.03, null);
    assert.ok(r);
    assert.equal(r.discordantRate, 1);
    assert.equal(r.casesNeeded, 6870);
    assert.equal(r.casesToAdd, 6868);
    assert.doesNotMatch(r.message, /\d{3,}(\.\d+)?% discordance/);
    assert.equal(
      r.message,
      'cutoff:64 would save 75% of tokens at ΔEM 0 pts, but its 95% CI lower bound (−50 pts) is outside the 3-point margin on 2 cases. ' +
        '2 flips in 2 cases cannot estimate how often it disagrees with full; planning with the worst case (every case disagrees), about 6870 cases (6868 more of the same kind) would show it non-inferior at 80% power, if ΔEM stays at 0 pts. ' +
        'It hinges on 1 case right under full and wrong under it (q1), and 1 the other way (q2).',
    );
    // One case, no flip at all: still at most 100%, and the words say 1 case.
    const one = computeCasesToAdd([row('full', { meanTokens: 400 }), row('cutoff:64', { meanTokens: 100, deltaEm: 0, ci95: [-1, 1] })], 1, 0.03, null);
    assert.deepEqual([one?.discordantRate, one?.casesNeeded], [1, 6870]);
    assert.match(one?.message ?? '', / 0 flips in 1 case cannot estimate/);
    // Every rate the function can report, over tiny to small sets, stays within [0, 1].
    for (let cases = 1; cases <= 12; cases++) {
      for (let flips = 0; flips <= cases; flips++) {
        const r2 = computeCasesToAdd([row('full', { meanTokens: 400 }), row('cutoff:64', { meanTokens: 100, deltaEm: 0, ci95: [-1, 1], flipsToWrong: flips - (flips >> 1), flipsToRight: flips >> 1 })], cases, 0.03, null);
        assert.ok(r2 && r2.discordantRate > 0 && r2.discordantRate <= 1, `${flips} of ${cases}: ${r2?.discordantRate}`);
        assert.ok(!/[1-9]\d{2,}(\.\d+)?% discordance/.test(r2.message) || r2.discordantRate === 1, r2.message);
      }
    }
  });

  it('picks the candidate needing the fewest cases, so unrelated policies do not move it', () => {
    // cut (ΔEM −2, gap 1 pt) needs 2449 cases; steady (ΔEM 0, ψ 2%) needs 6.18 × 0.02 / 0.0009 = 138.
    const steady = row('stability:16x2', { meanTokens: 250, deltaEm: 0, ci95: [-0.031, 0.031], flipsToWrong: 2, flipsToRight: 2 });
    const base = computeCasesToAdd([full, cut, steady], 200, 0.03, null);
    assert.deepEqual([base?.policy, base?.casesNeeded], ['stability:16x2', 138]);
    const unrelated = [
      row('cutoff:32', { meanTokens: 40, deltaEm: -0.09, ci95: [-0.12, -0.06], flipsToWrong: 18 }),
      row('cutoff:1024', { meanTokens: 390, deltaEm: 0, ci95: [-0.01, 0.01] }),
      row('marker:16', { meanTokens: 260, deltaEm: -0.025, ci95: [-0.06, 0.01], flipsToWrong: 9, flipsToRight: 4 }),
      row('stability:32x3', { meanTokens: 398, deltaEm: 0, ci95: [-0.04, 0.04], flipsToWrong: 1, flipsToRight: 1 }),
    ];
    for (let k = 1; k <= unrelated.length; k++) {
      const more = computeCasesToAdd([full, ...unrelated.slice(0, k), cut, steady], 200, 0.03, null);
      assert.deepEqual([more?.policy, more?.casesNeeded, more?.casesToAdd], ['stability:16x2', 138, 0], `with ${k} more`);
    }
  });

  it('on R1 GSM8K with a two-point margin: the figure follows the formula from the sweep row', function () {
    this.timeout(120000);
    const file = path.resolve(__dirname, '../../../../shared/data/gsm8k_thoughtology_deepseek_r1.jsonl');
    const { cases } = parseTestSet(readFileSync(file, 'utf8'), { fileName: file });
    const result = runSweep(cases, 0, {
      encoding: 'o200k_base',
      engine: 'gpt-tokenizer',
      extract: { preset: 'boxed' },
      match: { preset: 'numeric' },
      // Thinking-aware rules (markers wait for the final answer, so they save almost nothing here); stability:256x3 saves 6% at −1.8 points.
      policies: [...THINKING_DYNAMIC_POLICIES, { kind: 'stability', every: 256, repeats: 3 }],
      // Two points: tight enough that the cheap policy misses the margin and more cases would be needed.
      margin: 0.02,
      seed: 1,
      resamples: 1000,
      folds: 0,
    });
    // At two points `committed` (16.7% saved, CI lower bound −1.4) is shown non-inferior and recommended; nothing saves
    // 5% more than it, so the formula is checked against full as the reference instead.
    assert.equal(result.recommendation?.policy, 'committed');
    assert.equal(computeCasesToAdd(result.rows, result.cases, 0.02, 'committed'), null);
    const r = computeCasesToAdd(result.rows, result.cases, 0.02, null);
    assert.ok(r, JSON.stringify(result.rows.map((x) => [x.policy, x.meanTokens, x.deltaEm, x.ci95])));
    const source = result.rows.find((x) => x.policy === r.policy) as SweepRow;
    const psi = Math.max(source.flipsToWrong + source.flipsToRight, 3) / 439;
    // z for one-sided α = 0.05 plus z for 80% power, as computeCasesToAdd uses them.
    const z = 1.6448536269514722 + 0.8416212335729143;
    assert.equal(r.casesNeeded, Math.ceil((z * z * (psi - source.deltaEm ** 2)) / (source.deltaEm + 0.02) ** 2 - 1e-9));
    assert.equal(r.casesToAdd, Math.max(0, r.casesNeeded - 439));
    assert.ok(source.savings >= 0.05, r.message);
    assert.deepEqual(r.flipsToWrongIds, source.flipsToWrongIds);
    assert.ok(r.casesToAdd > 0);
  });
});
