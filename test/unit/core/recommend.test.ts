// Per-policy statistics against the baseline, the non-inferiority pick and its cross-validation: small
// hand-made matrices with known answers, plus reproducibility for a seed.
import * as assert from 'node:assert/strict';
import { choosePolicy, crossValidate, patternClasses, policyStats, powerInfo, type PolicyMatrix } from '../../../src/core/recommend';
import { bootstrapIndices, createRng, mcnemarExactP, pairedBootstrapCi } from '../../../src/core/stats';

interface PolicySpecForTest {
  name: string;
  tokens: number | ((i: number) => number);
  /** Correctness on case i given the baseline's. */
  correct: (i: number, base: number) => number;
}

/** Baseline `full` is right on the first `baseRight` cases and uses `baseTokens` tokens on each. */
function build(n: number, baseRight: number, baseTokens: number, others: PolicySpecForTest[]): PolicyMatrix {
  const base = Uint8Array.from({ length: n }, (_, i) => (i < baseRight ? 1 : 0));
  const m: PolicyMatrix = { names: ['full'], correct: [base], tokens: [new Float64Array(n).fill(baseTokens)] };
  for (const spec of others) {
    m.names.push(spec.name);
    m.correct.push(Uint8Array.from({ length: n }, (_, i) => spec.correct(i, base[i])));
    const tok = spec.tokens;
    m.tokens.push(Float64Array.from({ length: n }, (_, i) => (typeof tok === 'number' ? tok : tok(i))));
  }
  return m;
}

const same = (_i: number, b: number): number => b;
/** Loses the first `k` cases (right under the baseline, wrong here). */
const losesFirst =
  (k: number) =>
  (i: number, b: number): number =>
    i < k ? 0 : b;

/** Random matrix: baseline right 75%; policy p flips each case with probability rate[p]. */
function randomMatrix(n: number, seed: number, rates: number[]): PolicyMatrix {
  const rng = createRng(seed);
  const base = Uint8Array.from({ length: n }, () => (rng() < 0.75 ? 1 : 0));
  const m: PolicyMatrix = { names: ['full'], correct: [base], tokens: [Float64Array.from({ length: n }, () => 800 + rng() * 400)] };
  rates.forEach((rate, p) => {
    m.names.push(`cutoff:${(rates.length - p) * 64}`);
    m.correct.push(Uint8Array.from(base, (b) => (rng() < rate ? (rng() < 0.8 ? 0 : 1) : b)));
    m.tokens.push(Float64Array.from({ length: n }, () => (rates.length - p) * 64 * (0.5 + rng())));
  });
  return m;
}

describe('recommend', () => {
  describe('policyStats', () => {
    const m = build(10, 6, 100, [
      { name: 'cutoff:50', tokens: 50, correct: (i, b) => (i === 0 || i === 1 ? 0 : i === 8 ? 1 : b) },
      { name: 'same', tokens: (i) => i * 10, correct: same },
    ]);

    it('counts EM, flips, McNemar p and savings against the baseline', () => {
      const [full, cut, twin] = policyStats(m, { resamples: 200, seed: 1, bootstrap: true });
      assert.deepEqual(full, { name: 'full', correct: 6, em: 0.6, deltaEm: 0, ci95: [0, 0], bootstrapCi95: [0, 0], mcnemarP: 1, meanTokens: 100, savings: 0, flipsToWrong: 0, flipsToRight: 0 });
      assert.equal(cut.correct, 5);
      assert.equal(cut.em, 0.5);
      assert.ok(Math.abs(cut.deltaEm + 0.1) < 1e-12);
      assert.equal(cut.flipsToWrong, 2);
      assert.equal(cut.flipsToRight, 1);
      // b = 2, c = 1: 2·(1 + 3)/2^3 = 1 → capped at 1.
      assert.equal(cut.mcnemarP, 1);
      assert.equal(cut.meanTokens, 50);
      assert.equal(cut.savings, 0.5);
      assert.ok(cut.ci95[0] < -0.1 && cut.ci95[1] > -0.1 + 1e-9, `${cut.ci95}`);
      // No flip in 10 cases is no proof of no loss: a real interval, symmetric about 0 (the bootstrap said [0, 0]).
      assert.deepEqual(twin.bootstrapCi95, [0, 0]);
      assert.ok(twin.ci95[0] < -0.2 && Math.abs(twin.ci95[0] + twin.ci95[1]) < 1e-9, `${twin.ci95}`);
      assert.equal(twin.meanTokens, 45);
      assert.ok(Math.abs(twin.savings - 0.55) < 1e-12);
    });

    it('uses the same resamples as pairedBootstrapCi with bootstrapIndices', () => {
      const r = randomMatrix(400, 3, [0.3, 0.1, 0.02]);
      const stats = policyStats(r, { resamples: 600, seed: 77, bootstrap: true });
      const idx = bootstrapIndices(400, 600, 77);
      for (let p = 1; p < r.names.length; p++) {
        assert.deepEqual(stats[p].bootstrapCi95, pairedBootstrapCi(r.correct[0], r.correct[p], idx, 400));
        assert.equal(stats[p].mcnemarP, mcnemarExactP(stats[p].flipsToWrong, stats[p].flipsToRight));
      }
    });

    it('groups cases by their right/wrong pattern over all policies, within initial classes', () => {
      // Patterns (full, cutoff:50, same) per case: 0–1 → 1 0 1, 2–5 → 1 1 1, 6–7 → 0 0 0, 8 → 0 1 0, 9 → 0 0 0.
      const all = Uint32Array.from({ length: 10 }, (_, i) => i);
      const pc = patternClasses(m, all);
      assert.equal(pc.classes, 4);
      assert.deepEqual(Array.from(pc.classOf), [0, 0, 1, 1, 1, 1, 2, 2, 3, 2]);
      assert.deepEqual(Array.from(pc.size), [2, 4, 3, 1]);
      assert.deepEqual(Array.from(pc.first), [0, 2, 6, 8]);
      // Split by an initial grouping (cases 0–4 / 5–9), on a subset in reverse order.
      const subset = Uint32Array.from([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      const split = patternClasses(m, subset, Uint32Array.from(subset, (i) => (i < 5 ? 0 : 1)));
      assert.equal(split.classes, 5);
      assert.deepEqual(Array.from(split.classOf), [0, 1, 0, 0, 2, 3, 3, 3, 4, 4]);
    });

    it('is reproducible for a seed and changes with it', () => {
      const r = randomMatrix(300, 4, [0.2, 0.05]);
      const a = policyStats(r, { resamples: 500, seed: 5, bootstrap: true });
      assert.deepEqual(policyStats(r, { resamples: 500, seed: 5, bootstrap: true }), a);
      assert.notDeepEqual(policyStats(r, { resamples: 500, seed: 6, bootstrap: true }).map((s) => s.bootstrapCi95), a.map((s) => s.bootstrapCi95));
      // The score interval depends on the counts only, never on the seed.
      assert.deepEqual(policyStats(r, { resamples: 500, seed: 6 }).map((s) => s.ci95), a.map((s) => s.ci95));
    });

    it('runs the bootstrap only when asked; every other figure is the same without it', () => {
      const r = randomMatrix(300, 4, [0.2, 0.05]);
      const withBoot = policyStats(r, { resamples: 500, seed: 5, bootstrap: true });
      const without = policyStats(r, { resamples: 500, seed: 5 });
      assert.ok(without.every((s) => !('bootstrapCi95' in s)));
      assert.deepEqual(
        without,
        withBoot.map(({ bootstrapCi95: _ci, ...rest }) => rest),
      );
    });

    it('restricts everything to a subset of cases', () => {
      const r = randomMatrix(200, 8, [0.25, 0.1]);
      const subset = Uint32Array.from({ length: 70 }, (_, k) => k * 2 + 30);
      const sub: PolicyMatrix = {
        names: r.names,
        correct: r.correct.map((c) => Uint8Array.from(subset, (i) => c[i])),
        tokens: r.tokens.map((t) => Float64Array.from(subset, (i) => t[i])),
      };
      assert.deepEqual(policyStats(r, { resamples: 300, seed: 9, subset, bootstrap: true }), policyStats(sub, { resamples: 300, seed: 9, bootstrap: true }));
    });

    it('returns zeros (and the widest interval) for no cases and rejects ragged matrices', () => {
      const empty = build(0, 0, 100, [{ name: 'cutoff:1', tokens: 1, correct: same }]);
      const stats = policyStats(empty, { resamples: 100, seed: 1, bootstrap: true });
      assert.deepEqual(stats[1], { name: 'cutoff:1', correct: 0, em: 0, deltaEm: 0, ci95: [-1, 1], bootstrapCi95: [0, 0], mcnemarP: 1, meanTokens: 0, savings: 0, flipsToWrong: 0, flipsToRight: 0 });
      const ragged: PolicyMatrix = { names: ['full', 'x'], correct: [new Uint8Array(3), new Uint8Array(2)], tokens: [new Float64Array(3), new Float64Array(2)] };
      assert.throws(() => policyStats(ragged, { resamples: 10, seed: 1 }), /does not have 3 cases/);
    });
  });

  describe('choosePolicy', () => {
    // 1000 cases, baseline right on 800; the cheap policy loses 50 of them (−5 points, CI ≈ −6.4…−3.7).
    const cheapLoses5 = { name: 'cutoff:100', tokens: 100, correct: losesFirst(50) };
    const midIdentical = { name: 'cutoff:500', tokens: 500, correct: same };

    it('does not pick a cheap policy that loses 5 points at margin 1, but does at margin 10', () => {
      const stats = policyStats(build(1000, 800, 1000, [cheapLoses5]), { resamples: 2000, seed: 1 });
      assert.ok(stats[1].ci95[0] < -0.05 && stats[1].ci95[0] > -0.1, `${stats[1].ci95}`);
      const strict = choosePolicy(stats, 0.01);
      assert.equal(strict?.index, 0);
      assert.equal(strict?.reason, 'Keep full: the one cheaper policy has a ΔEM 95% CI lower bound below −1 point.');
      const loose = choosePolicy(stats, 0.1);
      assert.equal(loose?.index, 1);
      assert.match(loose?.reason ?? '', /^cutoff:100 is the cheapest policy whose ΔEM 95% CI lower bound \(−6\.\d pts\) is at least −10 points: it saves 90\.0% of tokens at ΔEM −5 pts \(95% CI −6\.\d…−3\.\d\)\.$/);
    });

    it('picks a cheaper policy that changes nothing', () => {
      const stats = policyStats(build(1000, 800, 1000, [cheapLoses5, midIdentical]), { resamples: 2000, seed: 1 });
      assert.equal(choosePolicy(stats, 0.01)?.index, 2);
      assert.match(choosePolicy(stats, 0.01)?.reason ?? '', /saves 50\.0% of tokens at ΔEM 0 pts \(95% CI −0\.4…\+0\.4\)/);
      assert.equal(choosePolicy(stats, 0.1)?.index, 1);
    });

    it('breaks token ties by higher EM, and returns null when nothing qualifies', () => {
      const stats = policyStats(
        build(1000, 800, 1000, [
          { name: 'a', tokens: 300, correct: losesFirst(5) },
          { name: 'b', tokens: 300, correct: losesFirst(2) },
        ]),
        { resamples: 1000, seed: 2 },
      );
      assert.equal(choosePolicy(stats, 0.05)?.index, 2);
      assert.equal(choosePolicy(stats, -0.01), null);
      assert.equal(choosePolicy([], 0.01), null);
    });
  });

  describe('crossValidate', () => {
    it('is deterministic for a fixed seed', () => {
      const r = randomMatrix(600, 12, [0.3, 0.06, 0.03, 0.01]);
      const a = crossValidate(r, { folds: 5, margin: 0.03, seed: 3 });
      assert.ok(a);
      assert.deepEqual(crossValidate(r, { folds: 5, margin: 0.03, seed: 3 }), a);
      assert.equal(a.folds, 5);
      assert.deepEqual(a.chosen, ['cutoff:64', 'cutoff:64', 'cutoff:64', 'cutoff:64', 'cutoff:64']);
      // 600 cases in folds of 120: the mean of the fold ΔEMs is the overall ΔEM (−2/600).
      assert.ok(Math.abs(a.heldOutDeltaEm + 2 / 600) < 1e-12);
      // Another seed makes other folds, so per-fold savings (ratios of means) average differently.
      const b = crossValidate(r, { folds: 5, margin: 0.03, seed: 4 });
      assert.notEqual(b?.heldOutSavings, a.heldOutSavings);
    });

    it('picks the clearly best policy on every fold', () => {
      const m = build(1000, 800, 1000, [
        { name: 'cutoff:100', tokens: 100, correct: (i, b) => (i < 300 ? 0 : b) },
        { name: 'stability:32x2', tokens: 300, correct: same },
        { name: 'cutoff:600', tokens: 600, correct: same },
      ]);
      const cv = crossValidate(m, { folds: 5, margin: 0.01, seed: 1 });
      assert.deepEqual(cv?.chosen, ['stability:32x2', 'stability:32x2', 'stability:32x2', 'stability:32x2', 'stability:32x2']);
      assert.equal(cv?.agreement, 1);
      assert.equal(cv?.heldOutDeltaEm, 0);
      assert.ok(Math.abs((cv?.heldOutSavings ?? 0) - 0.7) < 1e-12);
    });

    it('measures the held-out loss of a lossy choice', () => {
      // Losing 5 points spread evenly (every 20th case) is inside a 10-point margin on every fold.
      const m = build(1000, 1000, 1000, [{ name: 'cutoff:100', tokens: 100, correct: (i, b) => (i % 20 === 0 ? 0 : b) }]);
      const cv = crossValidate(m, { folds: 5, margin: 0.1, seed: 4, recommendedIndex: 1 });
      assert.deepEqual(cv?.chosen, ['cutoff:100', 'cutoff:100', 'cutoff:100', 'cutoff:100', 'cutoff:100']);
      assert.ok(Math.abs((cv?.heldOutDeltaEm ?? 0) + 0.05) < 1e-12);
      assert.ok(Math.abs((cv?.heldOutSavings ?? 0) - 0.9) < 1e-12);
      assert.equal(cv?.agreement, 1);
      const disagree = crossValidate(m, { folds: 5, margin: 0.1, seed: 4, recommendedIndex: 0 });
      assert.equal(disagree?.agreement, 0);
    });

    it('returns null when there are fewer than two cases per fold', () => {
      const m = build(9, 5, 100, [{ name: 'x', tokens: 10, correct: same }]);
      assert.equal(crossValidate(m, { folds: 5, margin: 0.01, seed: 1 }), null);
      assert.ok(crossValidate(m, { folds: 4, margin: 0.01, seed: 1 }));
      assert.equal(crossValidate(m, { folds: 1, margin: 0.01, seed: 1 }), null);
    });

  });

  describe('powerInfo', () => {
    // 200 cases; the chosen policy disagrees with full on 18 (9%): loses 14, gains 4.
    const chosen = { name: 'cutoff:256', tokens: 256, correct: (i: number, b: number) => (i < 14 ? 0 : i >= 190 && i < 194 ? 1 : b) };

    it('flags a test set too small for the margin', () => {
      const m = build(200, 180, 1000, [chosen]);
      const info = powerInfo(m, 1, 0.01);
      // (1.6448536 + 0.8416212)·√(0.09/200) = 2.4864749 · 0.0212132 = 0.0527461
      assert.ok(Math.abs(info.minDetectableLoss - 0.05274609705380006) < 1e-8);
      assert.equal(info.underpowered, true);
      assert.equal(info.discordantRate, 0.09);
      // 2.4864749² · 0.09 / 0.01² = 5564.3 → 5565
      assert.equal(info.casesNeeded, 5565);
      assert.equal(
        info.message,
        'With 200 cases and a 9% discordance rate (the recommended policy vs full) this test set can only detect an EM loss of ≥ 5.3 points at 80% power; ' +
          'your margin is 1 point. About 5565 cases would be needed. Add cases, or widen the margin.',
      );
    });

    it('passes when the margin is wide enough', () => {
      const info = powerInfo(build(200, 180, 1000, [chosen]), 1, 0.06);
      assert.equal(info.underpowered, false);
      assert.equal(info.message, 'With 200 cases and a 9% discordance rate (the recommended policy vs full) this test set can detect an EM loss of 5.3 points at 80% power, within your margin of 6 points.');
    });

    it('falls back to the median discordance of the policies within the margin', () => {
      const m = build(200, 180, 1000, [
        { name: 'cutoff:32', tokens: 32, correct: losesFirst(60) },
        chosen,
        { name: 'cutoff:512', tokens: 512, correct: losesFirst(10) },
        { name: 'cutoff:1024', tokens: 900, correct: same },
      ]);
      // At a 6-point margin: the chosen policy (ΔEM −5, ψ 9%) and cutoff:512 (−5, ψ 5%); cutoff:32 (−30, ψ 30%) is left out.
      for (const idx of [0, 4, null]) {
        const info = powerInfo(m, idx, 0.06);
        assert.ok(Math.abs((info.discordantRate ?? 0) - 0.07) < 1e-12, `ψ ${info.discordantRate}`);
        assert.ok(Math.abs(info.minDetectableLoss - 2.4864748605243863 * Math.sqrt(0.07 / 200)) < 1e-8);
        assert.match(info.message, /\(the median policy within the margin vs full\)/);
      }
      // At 1 point nothing that disagrees is within the margin: one discordant case, not the 30% of a broken cutoff.
      const tight = powerInfo(m, 4, 0.01);
      assert.equal(tight.discordantRate, 1 / 200);
      assert.match(tight.message, /\(one case vs full\)/);
    });

    it('assumes one discordant case when no policy disagrees, and handles no cases', () => {
      const info = powerInfo(build(200, 180, 1000, [{ name: 'same', tokens: 5, correct: same }]), 1, 0.01);
      assert.equal(info.discordantRate, 0.005);
      // 2.4864749 · √(0.005/200) = 2.4864749 · 0.005
      assert.ok(Math.abs(info.minDetectableLoss - 2.4864748605243863 * 0.005) < 1e-8);
      assert.equal(info.underpowered, true);
      const none = powerInfo(build(0, 0, 1000, []), null, 0.01);
      assert.equal(none.underpowered, true);
      assert.equal(none.minDetectableLoss, 1);
    });
  });
});
