/**
 * Byte-pair merge in O(n log n) for one long pre-token: a binary heap over adjacent pair ranks and a
 * linked list of parts, with stale heap entries skipped (lazy invalidation). Ties go to the leftmost
 * pair, as in tiktoken, so the ids equal the quadratic reference merge.
 */
import { mergeInRankQueues, mergeWithPairHeap } from './rankQueueMerge';

/** Rank of a byte sequence in the encoding, or undefined when it is not a token. */
export type RankOf = (bytes: Uint8Array) => number | undefined;

/** Pre-tokens at least this many bytes long are merged with {@link bpeHeapMerge} rather than the library's quadratic loop. */
export const HEAP_MERGE_MIN_BYTES = 256;

/**
 * Rank of the concatenation of two tokens, by their ranks (−1: not a token), remembered across
 * pre-tokens and texts in open addressing over typed arrays. Every part of a merge is a token, so two
 * ranks fix the merged bytes: the encoding's own lookup (decode the bytes, then a string map of
 * 200,000 entries) runs once per distinct pair. Cleared when half full.
 */
export class MergeRanks {
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly merged: Int32Array;
  private readonly mask: number;
  private used = 0;
  private readonly singles = new Int32Array(256).fill(-2);

  constructor(
    private readonly rankOf: RankOf,
    slots = 1 << 18,
  ) {
    this.mask = slots - 1;
    this.left = new Int32Array(slots).fill(-1);
    this.right = new Int32Array(slots);
    this.merged = new Int32Array(slots);
  }

  /** Rank of the single byte `piece[i]`; throws when the encoding has no token for it. */
  single(piece: Uint8Array, i: number): number {
    const b = piece[i];
    if (this.singles[b] === -2) this.singles[b] = this.rankOf(piece.subarray(i, i + 1)) ?? -1;
    if (this.singles[b] < 0) throw new RangeError(`No token for byte ${b} of a pre-token.`);
    return this.singles[b];
  }

  /** Rank of tokens `a` + `b`, which are `piece[start, end)`; −1 when that is not a token. */
  pair(a: number, b: number, piece: Uint8Array, start: number, end: number): number {
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) & this.mask;
    while (this.left[h] !== -1) {
      if (this.left[h] === a && this.right[h] === b) return this.merged[h];
      h = (h + 1) & this.mask;
    }
    const rank = this.rankOf(piece.subarray(start, end)) ?? -1;
    if (++this.used > (this.mask + 1) >> 1) {
      this.left.fill(-1);
      this.used = 1;
      h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) & this.mask;
    }
    this.left[h] = a;
    this.right[h] = b;
    this.merged[h] = rank;
    return rank;
  }
}

/**
 * Token ids of a short pre-token: tiktoken's loop (merge the lowest-rank adjacent pair, leftmost on a
 * tie, until none is a token), quadratic in its length, with the pair ranks from `ranks`.
 */
export function bpeShortMerge(piece: Uint8Array, ranks: MergeRanks): number[] {
  const n = piece.length;
  const starts: number[] = [];
  const parts: number[] = [];
  for (let i = 0; i < n; i++) {
    starts.push(i);
    parts.push(ranks.single(piece, i));
  }
  starts.push(n);
  const pairs: number[] = [];
  for (let i = 0; i < n - 1; i++) pairs.push(ranks.pair(parts[i], parts[i + 1], piece, i, i + 2));
  while (pairs.length > 0) {
    let best = -1;
    let lowest = Infinity;
    for (let i = 0; i < pairs.length; i++) {
      const r = pairs[i];
      if (r >= 0 && r < lowest) {
        lowest = r;
        best = i;
      }
    }
    if (best < 0) break;
    parts[best] = lowest;
    parts.splice(best + 1, 1);
    starts.splice(best + 1, 1);
    pairs.splice(best, 1);
    if (best < pairs.length) pairs[best] = ranks.pair(parts[best], parts[best + 1], piece, starts[best], starts[best + 2]);
    if (best > 0) pairs[best - 1] = ranks.pair(parts[best - 1], parts[best], piece, starts[best - 1], starts[best + 1]);
  }
  return parts;
}

/** Token ids of `piece` (the UTF-8 bytes of one pre-token), merged with the ranks `ranks` gives. */
export function bpeHeapMerge(piece: Uint8Array, ranks: MergeRanks): number[] {
  const n = piece.length;
  if (n === 0) return [];
  // Part i covers bytes [i, next[i]) and is the token part[i].
  const part = new Int32Array(n);
  for (let i = 0; i < n; i++) part[i] = ranks.single(piece, i);
  const rankAt = (i: number, j: number, end: number): number => ranks.pair(part[i], part[j], piece, i, end);
  const merge = (i: number, _j: number, rank: number): void => {
    part[i] = rank;
  };
  // Rank queues first (O(1) pops on a repetition loop); when they step aside, possibly after some
  // merges, the pair heap starts over from the single bytes.
  let next = mergeInRankQueues(n, rankAt, merge);
  if (!next) {
    for (let i = 0; i < n; i++) part[i] = ranks.single(piece, i);
    next = mergeWithPairHeap(n, rankAt, merge);
  }
  const out: number[] = [];
  for (let i = 0; i < n; i = next[i]) out.push(part[i]);
  return out;
}
