// The bootstrap stream is documented (stats.ts) and checked draw for draw against a reference
// implementation of that text; the statistics against slow reference implementations and known values.
import * as assert from 'node:assert/strict';
import {
  bootstrapCounts,
  bootstrapIndices,
  casesNeeded,
  createRng,
  discordantCases,
  forEachBootstrapClassCount,
  forEachBootstrapResample,
  logGamma,
  mcnemarExactP,
  mean,
  median,
  minDetectableLoss,
  normalQuantile,
  pairedBootstrapCi,
  pairedBootstrapCiFromCounts,
  percentileCiFromSums,
  quantile,
  quantileOfSorted,
} from '../../../src/core/stats';

/** Random 0/1 vectors: base right with probability pBase, other flips each case with probability pFlip. */
function pairedData(n: number, seed: number, pBase: number, pFlip: number): { base: Uint8Array; other: Uint8Array } {
  const rng = createRng(seed);
  const base = new Uint8Array(n);
  const other = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    base[i] = rng() < pBase ? 1 : 0;
    other[i] = rng() < pFlip ? 1 - base[i] : base[i];
  }
  return { base, other };
}

/** Straightforward reference: per resample, mean(other) − mean(base) over the drawn cases; numpy-linear percentiles. */
function slowCi(base: Uint8Array, other: Uint8Array, idx: Uint32Array, n: number, level: number): [number, number] {
  const resamples = idx.length / n;
  const diffs: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sb = 0;
    let so = 0;
    for (let k = 0; k < n; k++) {
      sb += base[idx[r * n + k]];
      so += other[idx[r * n + k]];
    }
    diffs.push(so / n - sb / n);
  }
  diffs.sort((a, b) => a - b);
  const at = (q: number): number => {
    const h = (diffs.length - 1) * q;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, diffs.length - 1);
    return diffs[lo] + (h - lo) * (diffs[hi] - diffs[lo]);
  };
  return [at((1 - level) / 2), at(1 - (1 - level) / 2)];
}

/**
 * The documented bootstrap stream, written plainly with BigInt: mulberry32 words (createRng × 2^32);
 * for n < 2^16 the low then the high half of each word, for larger n the whole word, as candidate
 * x; x·n mod 2^L < 2^L mod n is skipped, else the case is ⌊x·n / 2^L⌋; each resample starts on a
 * fresh word. The first `limit` draws.
 */
function referenceIndices(n: number, resamples: number, seed: number, limit = n * resamples): number[] {
  const rng = createRng(seed);
  const N = BigInt(n);
  const bits = n < 65536 ? 16n : 32n;
  const L = 1n << bits;
  const threshold = L % N;
  const out: number[] = [];
  for (let r = 0; r < resamples && out.length < limit; r++) {
    let drawn = 0;
    while (drawn < n && out.length < limit) {
      const w = BigInt(rng() * 2 ** 32);
      for (const x of bits === 16n ? [w & 0xffffn, w >> 16n] : [w]) {
        if (drawn === n || out.length === limit) break;
        const m = x * N;
        if (m % L >= threshold) {
          out.push(Number(m >> bits));
          drawn++;
        }
      }
    }
  }
  return out;
}

/** Exact two-sided binomial p with BigInt arithmetic (reference for mcnemarExactP). */
function bigIntMcnemar(b: number, c: number): number {
  const total = b + c;
  const k = Math.min(b, c);
  let term = 1n;
  let sum = 1n;
  for (let i = 0; i < k; i++) {
    term = (term * BigInt(total - i)) / BigInt(i + 1);
    sum += term;
  }
  // 2·sum / 2^total, keeping 30 significant decimal digits.
  const scale = 10n ** 30n;
  return Math.min(1, Number((2n * sum * scale) / 2n ** BigInt(total)) / 1e30);
}

describe('stats', () => {
  describe('createRng', () => {
    it('gives the same stream for the same seed and another for another seed', () => {
      const a = createRng(42);
      const b = createRng(42);
      const c = createRng(43);
      const xs = Array.from({ length: 5 }, () => a());
      assert.deepEqual(Array.from({ length: 5 }, () => b()), xs);
      assert.notDeepEqual(Array.from({ length: 5 }, () => c()), xs);
    });

    it('is uniform on [0, 1)', () => {
      const rng = createRng(7);
      const bins = new Array<number>(10).fill(0);
      let sum = 0;
      for (let i = 0; i < 100000; i++) {
        const x = rng();
        assert.ok(x >= 0 && x < 1);
        sum += x;
        bins[Math.floor(x * 10)]++;
      }
      // The mean of 100,000 uniforms has sd ≈ 0.0009, each tenth's count ≈ 95: the bounds are over 5 sd.
      assert.ok(Math.abs(sum / 100000 - 0.5) < 0.005, `mean ${sum / 100000}`);
      for (const count of bins) assert.ok(Math.abs(count - 10000) < 500, `bin ${count}`);
    });
  });

  describe('bootstrap resamples', () => {
    it('follows the documented stream (mulberry32 words, Lemire bounded draws), resample-major', () => {
      for (const [n, resamples, seed] of [
        [37, 11, 5],
        [1319, 3, 1],
        // Both sides of 2^16: below it each mulberry32 word gives two 16-bit candidates, from it on one.
        [65535, 1, 2],
        [65536, 1, 3],
      ]) {
        const idx = bootstrapIndices(n, resamples, seed);
        assert.equal(idx.length, n * resamples);
        assert.deepEqual(Array.from(idx), referenceIndices(n, resamples, seed), `n = ${n}`);
      }
    });

    it('keeps the draws exact when n·2^32 passes 2^53', () => {
      // Above 2^21 cases the product w·n passes 2^53, where a plain double multiply would round.
      const n = 3_000_017;
      const idx = bootstrapIndices(n, 1, 8);
      assert.deepEqual(Array.from(idx.subarray(0, 2000)), referenceIndices(n, 1, 8, 2000));
      assert.ok(idx.every((i) => i < n));
    });

    it('has no bias: cases two 16-bit candidates map to are drawn as often as the others', () => {
      // Unrejected, ⌊x·n / 2^16⌋ sends two candidates x to 25536 of the 40000 cases and one to the rest,
      // so those cases would get 2·25536/65536 = 77.9% of the draws instead of 63.8%.
      const n = 40000;
      const two = new Uint8Array(n);
      for (let j = 0; j < n; j++) two[j] = Math.ceil(((j + 1) * 65536) / n) - Math.ceil((j * 65536) / n) === 2 ? 1 : 0;
      assert.equal(two.reduce((s, x) => s + x, 0), 25536);
      const resamples = 60;
      let hits = 0;
      forEachBootstrapResample(n, resamples, 4, (_r, counts) => {
        for (let i = 0; i < n; i++) if (two[i]) hits += counts[i];
      });
      const share = hits / (n * resamples);
      assert.ok(Math.abs(share - 25536 / n) < 0.002, `share of draws on those cases: ${share}`);
    });

    it('draws each case with probability 1/n', () => {
      const n = 3;
      const hits = [0, 0, 0];
      for (const i of bootstrapIndices(n, 100000, 12)) hits[i]++;
      // Each count ~ Bin(300000, 1/3): sd ≈ 258; 5 sd bounds.
      for (const h of hits) assert.ok(Math.abs(h - 100000) < 1300, `hits ${hits}`);
    });

    it('stores the same resamples as counts, and streams them too', () => {
      const n = 50;
      const resamples = 30;
      const idx = bootstrapIndices(n, resamples, 9);
      const counts = bootstrapCounts(n, resamples, 9);
      assert.ok(counts.counts instanceof Uint16Array);
      for (let r = 0; r < resamples; r++) {
        const expected = new Array<number>(n).fill(0);
        for (let k = 0; k < n; k++) expected[idx[r * n + k]]++;
        assert.deepEqual(Array.from(counts.counts.subarray(r * n, (r + 1) * n)), expected);
      }
      let seen = 0;
      forEachBootstrapResample(n, resamples, 9, (r, row) => {
        assert.equal(r, seen++);
        assert.deepEqual(Array.from(row), Array.from(counts.counts.subarray(r * n, (r + 1) * n)));
      });
      assert.equal(seen, resamples);
    });

    it('counts the same resamples per class', () => {
      const n = 90;
      const resamples = 25;
      const classOf = Uint16Array.from({ length: n }, (_, i) => (i * 7) % 4);
      const idx = bootstrapIndices(n, resamples, 3);
      let seen = 0;
      forEachBootstrapClassCount(classOf, 4, resamples, 3, (r, counts) => {
        assert.equal(r, seen++);
        const expected = [0, 0, 0, 0];
        for (let k = 0; k < n; k++) expected[classOf[idx[r * n + k]]]++;
        assert.deepEqual(Array.from(counts), expected);
      });
      assert.equal(seen, resamples);
    });
  });

  describe('pairedBootstrapCi', () => {
    const n = 300;
    const { base, other } = pairedData(n, 1, 0.8, 0.1);

    it('is reproducible for a fixed seed and changes with the seed', () => {
      const a = pairedBootstrapCi(base, other, bootstrapIndices(n, 1000, 123), n);
      const b = pairedBootstrapCi(base, other, bootstrapIndices(n, 1000, 123), n);
      const c = pairedBootstrapCi(base, other, bootstrapIndices(n, 1000, 124), n);
      assert.deepEqual(a, b);
      assert.notDeepEqual(a, c);
      assert.ok(a[0] < a[1]);
    });

    it('matches a slow reference implementation exactly on random data', () => {
      for (const seed of [2, 3, 4]) {
        const data = pairedData(n, seed, 0.7, 0.15);
        const idx = bootstrapIndices(n, 400, seed);
        const fast = pairedBootstrapCi(data.base, data.other, idx, n);
        const slow = slowCi(data.base, data.other, idx, n, 0.95);
        assert.ok(Math.abs(fast[0] - slow[0]) < 1e-12 && Math.abs(fast[1] - slow[1]) < 1e-12, `${fast} vs ${slow}`);
        const slow90 = slowCi(data.base, data.other, idx, n, 0.9);
        const fast90 = pairedBootstrapCi(data.base, data.other, idx, n, 0.9);
        assert.ok(Math.abs(fast90[0] - slow90[0]) < 1e-12 && Math.abs(fast90[1] - slow90[1]) < 1e-12);
      }
    });

    it('gives exactly the same interval from counts as from indices', () => {
      for (const seed of [11, 12]) {
        const data = pairedData(n, seed, 0.6, 0.2);
        const viaIdx = pairedBootstrapCi(data.base, data.other, bootstrapIndices(n, 500, seed), n);
        const viaCounts = pairedBootstrapCiFromCounts(data.base, data.other, bootstrapCounts(n, 500, seed));
        assert.deepEqual(viaCounts, viaIdx);
      }
    });

    it('agrees with the normal approximation on a large sample', () => {
      const big = 4000;
      const data = pairedData(big, 21, 0.8, 0.08);
      let d = 0;
      let disc = 0;
      for (let i = 0; i < big; i++) {
        d += data.other[i] - data.base[i];
        if (data.other[i] !== data.base[i]) disc++;
      }
      const delta = d / big;
      const se = Math.sqrt((disc / big - delta * delta) / big);
      const [lo, hi] = pairedBootstrapCiFromCounts(data.base, data.other, bootstrapCounts(big, 2000, 5));
      assert.ok(Math.abs(lo - (delta - 1.959964 * se)) < 0.002, `${lo} vs ${delta - 1.959964 * se}`);
      assert.ok(Math.abs(hi - (delta + 1.959964 * se)) < 0.002, `${hi} vs ${delta + 1.959964 * se}`);
    });

    it('is [0, 0] when the two policies are identical', () => {
      assert.deepEqual(pairedBootstrapCi(base, base.slice(), bootstrapIndices(n, 200, 1), n), [0, 0]);
      assert.deepEqual(pairedBootstrapCiFromCounts(base, base.slice(), bootstrapCounts(n, 200, 1)), [0, 0]);
    });

    it('percentileCiFromSums: the linear-interpolation percentiles of the sums, sums left as they were', () => {
      // Sorted: −3 −1 0 2 5; 2.5% → h = 0.1 → −3 + 0.1·2 = −2.8; 97.5% → h = 3.9 → 2 + 0.9·3 = 4.7; /10.
      const sums = Int32Array.from([2, -1, 5, -3, 0]);
      const [lo, hi] = percentileCiFromSums(sums, 10);
      assert.ok(Math.abs(lo + 0.28) < 1e-15 && Math.abs(hi - 0.47) < 1e-15, `${lo}, ${hi}`);
      assert.deepEqual(Array.from(sums), [2, -1, 5, -3, 0]);
      const rng = createRng(31);
      for (const [count, spread] of [
        [2000, 60],
        [1000, 1],
        [999, 100000],
        [1, 5],
      ]) {
        const values = Int32Array.from({ length: count }, () => Math.floor((rng() - 0.5) * 2 * spread));
        const sorted = Float64Array.from(values).sort();
        for (const level of [0.95, 0.9]) {
          const tail = (1 - level) / 2;
          const expected = [quantileOfSorted(sorted, tail) / 300 + 0, quantileOfSorted(sorted, 1 - tail) / 300 + 0];
          assert.deepEqual(percentileCiFromSums(values, 300, level), expected, `${count} sums within ±${spread}`);
        }
      }
    });

    it('lists discordant cases', () => {
      const d = discordantCases(Uint8Array.from([1, 0, 1, 0, 1]), Uint8Array.from([1, 1, 0, 0, 0]));
      assert.deepEqual(Array.from(d.gained), [1]);
      assert.deepEqual(Array.from(d.lost), [2, 4]);
    });

    it('rejects vectors of the wrong length', () => {
      assert.throws(() => pairedBootstrapCi(base, other.subarray(1), bootstrapIndices(n, 10, 1), n), RangeError);
    });
  });

  describe('mcnemarExactP', () => {
    it('matches hand-computed values', () => {
      // b=0, c=5: 2·C(5,0)/2^5 = 2/32.
      assert.equal(mcnemarExactP(0, 5), 0.0625);
      // b=1, c=9: 2·(1 + 10)/2^10 = 22/1024.
      assert.ok(Math.abs(mcnemarExactP(1, 9) - 0.021484375) < 1e-15);
      assert.ok(Math.abs(mcnemarExactP(9, 1) - 0.021484375) < 1e-15);
      // b=3, c=12: 2·(C(15,0)+C(15,1)+C(15,2)+C(15,3))/2^15 = 2·(1+15+105+455)/32768 = 1152/32768.
      assert.ok(Math.abs(mcnemarExactP(3, 12) - 0.03515625) < 1e-15);
      assert.equal(mcnemarExactP(10, 10), 1);
      assert.equal(mcnemarExactP(7, 8), 1);
      assert.equal(mcnemarExactP(0, 0), 1);
      // b=0, c=1: 2·1/2 = 1.
      assert.equal(mcnemarExactP(0, 1), 1);
    });

    it('stays accurate for large discordant counts', () => {
      const rel = (a: number, b: number): number => Math.abs(a - b) / b;
      assert.ok(rel(mcnemarExactP(1900, 2100), bigIntMcnemar(1900, 2100)) < 1e-9);
      assert.ok(rel(mcnemarExactP(40, 160), bigIntMcnemar(40, 160)) < 1e-9);
      // scipy.stats.binomtest(10000, 20400).pvalue = 0.005211904014323954
      assert.ok(rel(mcnemarExactP(10000, 10400), 0.005211904014323954) < 1e-9);
      // scipy.stats.binomtest(100000, 201000).pvalue = 0.02586239243973295
      assert.ok(rel(mcnemarExactP(100000, 101000), 0.02586239243973295) < 1e-8);
      assert.equal(mcnemarExactP(50000, 50000), 1);
      // 2·2^−2000 underflows to 0 in doubles, which is the nearest double.
      assert.equal(mcnemarExactP(0, 2000), 0);
    });

    it('rejects negative or fractional counts', () => {
      assert.throws(() => mcnemarExactP(-1, 3), RangeError);
      assert.throws(() => mcnemarExactP(1.5, 3), RangeError);
    });

    it('uses an accurate log-gamma', () => {
      // Python math.lgamma values.
      assert.ok(Math.abs(logGamma(0.5) - 0.5723649429247004) < 1e-13);
      assert.ok(Math.abs(logGamma(3.7) - 1.4280723266653883) < 1e-13);
      assert.ok(Math.abs(logGamma(1000.5) - 5908.674175848678) < 1e-9);
      assert.equal(logGamma(1), 0);
    });
  });

  describe('mean, median, quantile', () => {
    it('follow numpy linear interpolation', () => {
      // numpy.quantile([1,2,3,4,10], 0.95): h = 4·0.95 = 3.8 → 4 + 0.8·(10 − 4) = 8.8
      assert.ok(Math.abs(quantile([1, 2, 3, 4, 10], 0.95) - 8.8) < 1e-12);
      // numpy.quantile([1,2,3,4], 0.25): h = 0.75 → 1 + 0.75·1 = 1.75
      assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
      // numpy.quantile(arange(1, 21), 0.95): h = 18.05 → 19 + 0.05 = 19.05
      assert.ok(Math.abs(quantile(Float64Array.from({ length: 20 }, (_, i) => i + 1), 0.95) - 19.05) < 1e-12);
      assert.equal(quantile([5, 1, 3], 0), 1);
      assert.equal(quantile([5, 1, 3], 1), 5);
      assert.equal(quantile([7], 0.95), 7);
    });

    it('compute median and mean without touching the input', () => {
      const values = [3, 1, 2, 4];
      assert.equal(median(values), 2.5);
      assert.deepEqual(values, [3, 1, 2, 4]);
      assert.equal(median(Uint32Array.from([9, 1, 5])), 5);
      assert.equal(mean(Float64Array.from([1, 2, 3, 6])), 3);
    });

    it('return NaN on empty input', () => {
      assert.ok(Number.isNaN(mean([])));
      assert.ok(Number.isNaN(median([])));
      assert.ok(Number.isNaN(quantile(new Float64Array(0), 0.95)));
    });
  });

  describe('normalQuantile', () => {
    it('matches scipy.stats.norm.ppf', () => {
      const cases: [number, number][] = [
        [0.5, 0],
        [0.8, 0.8416212335729143],
        [0.95, 1.6448536269514722],
        [0.975, 1.959963984540054],
        [0.025, -1.9599639845400545],
        [0.001, -3.090232306167813],
        [0.99, 2.3263478740408408],
        [1e-10, -6.361340902404056],
      ];
      for (const [p, z] of cases) assert.ok(Math.abs(normalQuantile(p) - z) < 1e-8 * Math.max(1, Math.abs(z)), `${p}: ${normalQuantile(p)} vs ${z}`);
      assert.equal(normalQuantile(0), -Infinity);
      assert.equal(normalQuantile(1), Infinity);
      assert.ok(Number.isNaN(normalQuantile(1.5)));
    });
  });

  describe('minDetectableLoss and casesNeeded', () => {
    // z_{0.95} + z_{0.8} = 1.6448536270 + 0.8416212336 = 2.4864748605
    const z = 2.4864748605243863;

    it('minDetectableLoss = (z_{1−α} + z_power)·√(ψ/n)', () => {
      // n = 120, ψ = 0.09: 2.48647486 · √(0.09/120) = 2.48647486 · 0.02738613 = 0.06809492
      assert.ok(Math.abs(minDetectableLoss(120, 0.09) - 0.06809491848893591) < 1e-8);
      assert.ok(Math.abs(minDetectableLoss(120, 0.09) - z * Math.sqrt(0.09 / 120)) < 1e-8);
      // α = 0.025: (1.95996398 + 0.84162123) · 0.02738613 = 0.07672457
      assert.ok(Math.abs(minDetectableLoss(120, 0.09, { alpha: 0.025 }) - 0.07672457103667518) < 1e-8);
      // power 0.9: (1.64485363 + 1.28155157) · 0.02738613 = 0.08014291
      assert.ok(Math.abs(minDetectableLoss(120, 0.09, { power: 0.9 }) - 0.08014290681651734) < 1e-8);
      assert.equal(minDetectableLoss(0, 0.1), 1);
      assert.equal(minDetectableLoss(2, 1), 1);
      assert.equal(minDetectableLoss(500, 0), 0);
    });

    it('casesNeeded = ⌈(z_{1−α} + z_power)²·(ψ − Δ²)/(Δ + m)²⌉', () => {
      // ψ = 0.09, m = 0.02, Δ = 0: 6.18255 · 0.09 / 0.0004 = 1391.08 → 1392
      assert.equal(casesNeeded(0.09, 0.02, 0), 1392);
      // ψ = 0.10, m = 0.03, Δ = −0.01: 6.18255 · 0.0999 / 0.0004 = 1544.09 → 1545
      assert.equal(casesNeeded(0.1, 0.03, -0.01), 1545);
      assert.equal(casesNeeded(0.1, 0.02, -0.02), Infinity);
      assert.equal(casesNeeded(0.1, 0.02, -0.05), Infinity);
      assert.equal(casesNeeded(0, 0.02, 0), 0);
    });

    it('are inverses of each other when no loss is expected', () => {
      for (const [n, psi] of [
        [120, 0.09],
        [1319, 0.04],
        [57, 0.3],
      ]) {
        assert.equal(casesNeeded(psi, minDetectableLoss(n, psi), 0), n);
      }
    });
  });
});
