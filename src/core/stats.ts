/** Paired comparisons against the full-length baseline: seeded bootstrap, exact McNemar, quantiles, power and sample size. */

const TWO_POW_32 = 4294967296;
const MULBERRY_STEP = 0x6d2b79f5;

/** The mulberry32 output for an already advanced state: an unsigned 32-bit word. */
function mulberryWord(state: number): number {
  let z = Math.imul(state ^ (state >>> 15), state | 1);
  z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
  return (z ^ (z >>> 14)) >>> 0;
}

/** Seeded mulberry32: uniform floats in [0, 1) with 32-bit resolution; equal `seed >>> 0` give equal streams. */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + MULBERRY_STEP) | 0;
    return mulberryWord(state) / TWO_POW_32;
  };
}

/**
 * Lemire's bounded integer for one 32-bit candidate w (used when n ≥ 2^16): ⌊w·n / 2^32⌋, or −1
 * when (w·n mod 2^32) < `threshold` = 2^32 mod n. The product is split so it stays exact for
 * every n < 2^32 (w·n passes 2^53 once n ≥ 2^21).
 */
function bounded32(w: number, n: number, threshold: number): number {
  if (Math.imul(w, n) >>> 0 < threshold) return -1;
  const a = w * (n >>> 16);
  const ah = Math.floor(a / 65536);
  return ah + Math.floor(((a - ah * 65536) * 65536 + w * (n & 0xffff)) / TWO_POW_32);
}

/** Calls `take(i)` with the n case indices of one resample drawn at `state` ({@link bootstrapIndices}); new state. */
function drawResample(state: number, n: number, take: (i: number) => void): number {
  if (n >= 0x10000) {
    const threshold = TWO_POW_32 % n;
    for (let k = 0; k < n; ) {
      state = (state + MULBERRY_STEP) | 0;
      const i = bounded32(mulberryWord(state), n, threshold);
      if (i >= 0) {
        take(i);
        k++;
      }
    }
    return state;
  }
  const threshold = 0x10000 % n;
  let k = 0;
  while (k < n) {
    state = (state + MULBERRY_STEP) | 0;
    const w = mulberryWord(state);
    let m = (w & 0xffff) * n;
    if ((m & 0xffff) >= threshold) {
      take(m >>> 16);
      k++;
    }
    if (k === n) break;
    m = (w >>> 16) * n;
    if ((m & 0xffff) >= threshold) {
      take(m >>> 16);
      k++;
    }
  }
  return state;
}

/**
 * Bootstrap resamples as a flat array: `idx[r * n + k]` is the k-th case drawn (with replacement) in resample r; shared
 * across policies. {@link bootstrapCounts}, {@link forEachBootstrapResample} and {@link forEachBootstrapClassCount} give
 * the very same resamples in cheaper forms.
 *
 * The stream: mulberry32 words from `seed >>> 0` ({@link createRng} before the division by 2^32). For n < 2^16 each word
 * gives two 16-bit candidates, low half then high half; x becomes case ⌊x·n / 2^16⌋ unless (x·n mod 2^16) < (2^16 mod n),
 * when it is skipped (Lemire: every case has exactly ⌊2^16 / n⌋ accepted candidates, so draws are exactly uniform). For
 * n ≥ 2^16 each word is one candidate, 2^32 in place of 2^16. Each resample starts on a fresh word (a left-over half is dropped).
 */
export function bootstrapIndices(n: number, resamples: number, seed: number): Uint32Array {
  const idx = new Uint32Array(n * resamples);
  let state = seed >>> 0;
  let j = 0;
  const take = (i: number): void => {
    idx[j++] = i;
  };
  for (let r = 0; r < resamples && n > 0; r++) state = drawResample(state, n, take);
  return idx;
}

function countsArray(n: number, length: number): Uint16Array | Uint32Array {
  // A count never exceeds n, so 16 bits always suffice below 65536 cases.
  return n < 0x10000 ? new Uint16Array(length) : new Uint32Array(length);
}

/**
 * Streams the resamples of `bootstrapIndices(n, resamples, seed)` in O(n) memory: `visit(r, counts)` gets how many times
 * each case was drawn in resample r (`counts` is reused between calls).
 */
export function forEachBootstrapResample(
  n: number,
  resamples: number,
  seed: number,
  visit: (r: number, counts: Uint16Array | Uint32Array) => void,
): void {
  const identity = new Uint32Array(n);
  for (let i = 0; i < n; i++) identity[i] = i;
  forEachBootstrapClassCount(identity, n, resamples, seed, visit);
}

/**
 * The resamples of `bootstrapIndices(classOf.length, resamples, seed)` counted per class: `visit(r, counts)` gets how many
 * draws of resample r fell on cases of each class (`classOf[i]`). When every statistic depends on a case only through its
 * class, this is exactly the same bootstrap with `classes` reads per resample instead of n. `counts` is reused.
 */
export function forEachBootstrapClassCount(
  classOf: Uint8Array | Uint16Array | Uint32Array,
  classes: number,
  resamples: number,
  seed: number,
  visit: (r: number, counts: Uint16Array | Uint32Array) => void,
): void {
  const n = classOf.length;
  const counts = countsArray(n, classes);
  if (n === 0) {
    for (let r = 0; r < resamples; r++) visit(r, counts);
    return;
  }
  let state = seed >>> 0;
  if (n >= 0x10000) {
    const take = (i: number): void => {
      counts[classOf[i]]++;
    };
    for (let r = 0; r < resamples; r++) {
      counts.fill(0);
      state = drawResample(state, n, take);
      visit(r, counts);
    }
    return;
  }
  // The hot loop of every sweep: drawResample's 16-bit branch, inlined by hand.
  const threshold = 0x10000 % n;
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    let k = 0;
    while (k < n) {
      state = (state + MULBERRY_STEP) | 0;
      const w = mulberryWord(state);
      let m = (w & 0xffff) * n;
      if ((m & 0xffff) >= threshold) {
        counts[classOf[m >>> 16]]++;
        k++;
      }
      if (k === n) break;
      m = (w >>> 16) * n;
      if ((m & 0xffff) >= threshold) {
        counts[classOf[m >>> 16]]++;
        k++;
      }
    }
    visit(r, counts);
  }
}

/** Bootstrap resamples stored as per-case draw counts, one row of n counts per resample. */
export interface BootstrapCounts {
  n: number;
  resamples: number;
  /** `counts[r * n + i]`: how many times case i was drawn in resample r. */
  counts: Uint16Array | Uint32Array;
}

/**
 * The resamples of `bootstrapIndices(n, resamples, seed)` as per-case counts (half the memory): a paired CI then reads
 * resamples × (discordant cases) instead of resamples × n.
 */
export function bootstrapCounts(n: number, resamples: number, seed: number): BootstrapCounts {
  const counts = countsArray(n, n * resamples);
  forEachBootstrapResample(n, resamples, seed, (r, row) => counts.set(row, r * n));
  return { n, resamples, counts };
}

/** {@link quantile} of values already sorted ascending, without copying (one sort for several); NaN if empty. */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const len = sorted.length;
  if (len === 0) return NaN;
  const h = (len - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, len - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** {@link quantileOfSorted} of the sorted `sums` at `qs`, off a histogram (no sort) when their range is small. */
function integerQuantiles(sums: Int32Array, qs: readonly number[]): number[] {
  const len = sums.length;
  if (len === 0) return qs.map(() => NaN);
  let min = sums[0];
  let max = sums[0];
  for (let r = 1; r < len; r++) {
    const v = sums[r];
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  if (max - min > 4 * len) {
    const sorted = Int32Array.from(sums).sort();
    return qs.map((q) => quantileOfSorted(sorted, q));
  }
  const histogram = new Uint32Array(max - min + 1);
  for (let r = 0; r < len; r++) histogram[sums[r] - min]++;
  // The values at ascending ranks, by one walk over the histogram.
  const ranks: number[] = [];
  for (const q of qs) {
    const h = (len - 1) * Math.min(1, Math.max(0, q));
    ranks.push(Math.floor(h), Math.min(Math.floor(h) + 1, len - 1));
  }
  const order = ranks.map((_, j) => j).sort((a, b) => ranks[a] - ranks[b]);
  const values = new Array<number>(ranks.length);
  let bin = 0;
  let below = histogram[0];
  for (const j of order) {
    while (below <= ranks[j]) below += histogram[++bin];
    values[j] = bin + min;
  }
  return qs.map((q, t) => {
    const h = (len - 1) * Math.min(1, Math.max(0, q));
    const lo = values[2 * t];
    return lo + (h - Math.floor(h)) * (values[2 * t + 1] - lo);
  });
}

function percentileInterval(sums: Int32Array, n: number, level: number): [number, number] {
  const tail = (1 - level) / 2;
  const [lower, upper] = integerQuantiles(sums, [tail, 1 - tail]);
  // Avoid −0 in output.
  return [lower / n + 0, upper / n + 0];
}

/**
 * Percentile bootstrap CI (linear interpolation) of mean(other) − mean(base) (fractions), paired by case, over the
 * resamples in `idx` ({@link bootstrapIndices} with this n). Identical inputs give [0, 0].
 */
export function pairedBootstrapCi(
  base: Uint8Array,
  other: Uint8Array,
  idx: Uint32Array,
  n: number,
  level = 0.95,
): [number, number] {
  if (base.length !== n || other.length !== n) throw new RangeError('pairedBootstrapCi: base and other must have n entries');
  if (n === 0) return [0, 0];
  const d = new Int8Array(n);
  let discordant = 0;
  for (let i = 0; i < n; i++) {
    d[i] = other[i] - base[i];
    if (d[i] !== 0) discordant++;
  }
  if (discordant === 0) return [0, 0];
  const resamples = Math.floor(idx.length / n);
  const sums = new Int32Array(resamples);
  for (let r = 0, off = 0; r < resamples; r++, off += n) {
    let s = 0;
    for (let k = 0; k < n; k++) s += d[idx[off + k]];
    sums[r] = s;
  }
  return percentileInterval(sums, n, level);
}

/** Lists the cases where `other` is right and `base` wrong (gained) and the reverse (lost). */
export function discordantCases(base: Uint8Array, other: Uint8Array): { gained: Uint32Array; lost: Uint32Array } {
  const gained: number[] = [];
  const lost: number[] = [];
  for (let i = 0; i < base.length; i++) {
    if (other[i] > base[i]) gained.push(i);
    else if (other[i] < base[i]) lost.push(i);
  }
  return { gained: Uint32Array.from(gained), lost: Uint32Array.from(lost) };
}

/** Percentile bootstrap CI of mean(other) − mean(base) from `sums[r]` = Σ (other − base) over resample r's draws. */
export function percentileCiFromSums(sums: Int32Array, n: number, level = 0.95): [number, number] {
  if (n === 0 || sums.length === 0) return [0, 0];
  return percentileInterval(sums, n, level);
}

/** {@link pairedBootstrapCi} for the same seed, from {@link bootstrapCounts}: only discordant cases are visited. */
export function pairedBootstrapCiFromCounts(
  base: Uint8Array,
  other: Uint8Array,
  counts: BootstrapCounts,
  level = 0.95,
): [number, number] {
  const { n, resamples } = counts;
  if (base.length !== n || other.length !== n) throw new RangeError('pairedBootstrapCi: base and other must have n entries');
  const { gained, lost } = discordantCases(base, other);
  if (n === 0 || gained.length + lost.length === 0) return [0, 0];
  const c = counts.counts;
  const sums = new Int32Array(resamples);
  for (let r = 0, off = 0; r < resamples; r++, off += n) {
    let s = 0;
    for (let k = 0; k < gained.length; k++) s += c[off + gained[k]];
    for (let k = 0; k < lost.length; k++) s -= c[off + lost[k]];
    sums[r] = s;
  }
  return percentileInterval(sums, n, level);
}

/** ln Γ(x) for x > 0: Stirling series to the x⁻¹¹ term after shifting x to ≥ 10 (truncation error < 1e-15). */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  let shift = 0;
  while (x < 10) {
    shift += Math.log(x);
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 * (1 / 1188 - inv2 * (691 / 360360))))));
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

/**
 * Exact two-sided McNemar p-value: a binomial test on the b + c discordant pairs,
 * p = min(1, 2·P(X ≤ min(b, c))) with X ~ Bin(b + c, 1/2); p = 1 when b + c = 0.
 * Exact in doubles up to b + c = 1000; above that computed in log space from the largest term
 * down, so it stays accurate (relative error ~1e-10) for b + c in the hundreds of thousands.
 */
export function mcnemarExactP(b: number, c: number): number {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) {
    throw new RangeError(`mcnemarExactP: counts must be non-negative integers (got ${b}, ${c})`);
  }
  const total = b + c;
  if (total === 0) return 1;
  const k = Math.min(b, c);
  if (2 * k >= total) return 1;
  if (total <= 1000) {
    // Binomial coefficients stay below 2^1000 here and are exact integers while under 2^53; 2^−total is exact.
    let term = 1;
    let sum = 1;
    for (let i = 0; i < k; i++) {
      term = (term * (total - i)) / (i + 1);
      sum += term;
    }
    return Math.min(1, 2 * sum * Math.pow(2, -total));
  }
  // P(X = k) in log space, then the lower terms by the ratio P(X = i−1)/P(X = i) = i/(total−i+1) < 1.
  const logTop = logGamma(total + 1) - logGamma(k + 1) - logGamma(total - k + 1) - total * Math.LN2;
  let rel = 1;
  let sum = 1;
  for (let i = k; i > 0; i--) {
    rel *= i / (total - i + 1);
    sum += rel;
    if (rel < sum * 1e-17) break;
  }
  return Math.min(1, 2 * Math.exp(logTop + Math.log(sum)));
}

/** Arithmetic mean; NaN for an empty input. */
export function mean(values: ArrayLike<number>): number {
  const len = values.length;
  if (len === 0) return NaN;
  let s = 0;
  for (let i = 0; i < len; i++) s += values[i];
  return s / len;
}

/**
 * Quantile q ∈ [0, 1], numpy's default linear interpolation (Hyndman–Fan type 7): h = (len − 1)·q, result =
 * x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]) on the sorted values. NaN for an empty input; the input is not modified.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return quantileOfSorted(sorted, q);
}

/** Median: `quantile(values, 0.5)`. NaN for an empty input. */
export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

const ACK_A = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
const ACK_B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const ACK_C = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const ACK_D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const ACK_LOW = 0.02425;

function tailQuantile(p: number): number {
  const q = Math.sqrt(-2 * Math.log(p));
  const [c0, c1, c2, c3, c4, c5] = ACK_C;
  const [d0, d1, d2, d3] = ACK_D;
  return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
}

/** Inverse standard normal CDF by Acklam's rational approximation (relative error < 1.2e-9); NaN outside [0, 1]. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p < ACK_LOW) return tailQuantile(p);
  if (p > 1 - ACK_LOW) return -tailQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  const [a0, a1, a2, a3, a4, a5] = ACK_A;
  const [b0, b1, b2, b3, b4] = ACK_B;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

/** Test size and power for the paired-proportion approximations. */
export interface PowerOptions {
  /** One-sided significance level (default 0.05). */
  alpha?: number;
  /** Desired power (default 0.8). */
  power?: number;
}

function zSum(opts: PowerOptions | undefined): number {
  const alpha = opts?.alpha ?? 0.05;
  const power = opts?.power ?? 0.8;
  if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) throw new RangeError('alpha and power must lie in (0, 1)');
  return normalQuantile(1 - alpha) + normalQuantile(power);
}

/**
 * Smallest EM loss (fraction) that a one-sided paired test on n cases detects with the given
 * power, from the discordance rate ψ = (b + c)/n:
 *
 *   δ = (z_{1−α} + z_{power}) · √(ψ / n)
 *
 * Connor's (1987) normal approximation for paired proportions with ψ − δ² ≈ ψ (a few percent more
 * conservative); the inverse of `casesNeeded(ψ, margin, 0)`. Capped at 1; 1 when n = 0.
 */
export function minDetectableLoss(n: number, discordantRate: number, opts?: PowerOptions): number {
  if (!(n > 0)) return 1;
  const psi = Math.min(1, Math.max(0, discordantRate));
  return Math.min(1, zSum(opts) * Math.sqrt(psi / n));
}

/**
 * Paired cases needed to show non-inferiority at `margin` (fraction, > 0) with the given power,
 * when the true ΔEM is `expectedDelta` (fraction, negative = loss) and the discordance rate is ψ.
 * Wald form for a mean of d ∈ {−1, 0, 1} with variance ψ − Δ²:
 *
 *   n = ⌈ (z_{1−α} + z_{power})² · (ψ − Δ²) / (Δ + margin)² ⌉
 *
 * Infinity when Δ ≤ −margin (the loss is at least the margin, so no number of cases suffices).
 * 0 when the variance is 0 (no discordance: every resample agrees).
 */
export function casesNeeded(discordantRate: number, margin: number, expectedDelta: number, opts?: PowerOptions): number {
  const gap = expectedDelta + margin;
  if (!(gap > 0)) return Infinity;
  const variance = Math.max(0, Math.min(1, discordantRate) - expectedDelta * expectedDelta);
  const z = zSum(opts);
  // Tiny slack so an exact integer answer is not pushed up by rounding.
  return Math.max(0, Math.ceil((z * z * variance) / (gap * gap) - 1e-9));
}
