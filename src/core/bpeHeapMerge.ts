/**
 * Byte-pair merge of one pre-token with tiktoken ranks: tiktoken's loop in typed scratch arrays for a
 * short one, O(n log n) for a long one (rank queues, else a binary heap over adjacent pair ranks, with
 * stale entries skipped). Ties go to the leftmost pair, as in tiktoken, so the ids equal its merge.
 */
import { mergeInRankQueues, mergeWithPairHeap } from './rankQueueMerge';

/** Rank of a byte sequence in the encoding, or undefined when it is not a token. */
export type RankOf = (bytes: Uint8Array) => number | undefined;

/** Rank of tokens `a` + `b` found without their bytes (−1: not a token), or undefined to ask {@link RankOf}. */
export type PairRankOf = (a: number, b: number) => number | undefined;

/** Pre-tokens at least this many bytes long are merged with {@link bpeHeapMerge} rather than the quadratic loop. */
export const HEAP_MERGE_MIN_BYTES = 256;

/** Marks a pair that does not merge, above every rank, so the lowest-rank scan needs one comparison. */
const NO_MERGE = 0x7fffffff;

/**
 * Rank of the concatenation of two tokens, by their ranks (−1: not a token), remembered across
 * pre-tokens and texts in open addressing over one typed array (left, right, merged rank per slot,
 * so a probe touches one cache line). Every part of a merge is a token, so two ranks fix the merged
 * bytes: the encoding's own lookup (`pairOf`, else decode the bytes, then a string map of 200,000
 * entries) runs once per distinct pair. Cleared when half full.
 */
export class MergeRanks {
  private readonly slots: Int32Array;
  private readonly mask: number;
  private used = 0;
  private readonly singles = new Int32Array(256).fill(-2);

  constructor(
    private readonly rankOf: RankOf,
    slots = 1 << 18,
    private readonly pairOf?: PairRankOf,
  ) {
    this.mask = slots - 1;
    this.slots = new Int32Array(4 * slots).fill(-1);
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
    const slots = this.slots;
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) & this.mask;
    while (slots[h << 2] !== -1) {
      if (slots[h << 2] === a && slots[(h << 2) + 1] === b) return slots[(h << 2) + 2];
      h = (h + 1) & this.mask;
    }
    const rank = this.pairOf?.(a, b) ?? this.rankOf(piece.subarray(start, end)) ?? -1;
    if (++this.used > (this.mask + 1) >> 1) {
      slots.fill(-1);
      this.used = 1;
      h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) & this.mask;
    }
    slots[h << 2] = a;
    slots[(h << 2) + 1] = b;
    slots[(h << 2) + 2] = rank;
    return rank;
  }
}

// Scratch of the short merge (pre-tokens are shorter than HEAP_MERGE_MIN_BYTES): part i is the token
// parts[i] covering bytes [starts[i], starts[i + 1]); pairs[i] is the rank parts i and i + 1 merge to.
const parts = new Int32Array(HEAP_MERGE_MIN_BYTES);
const starts = new Int32Array(HEAP_MERGE_MIN_BYTES + 1);
const pairs = new Int32Array(HEAP_MERGE_MIN_BYTES);

function pairRank(ranks: MergeRanks, piece: Uint8Array, i: number): number {
  const r = ranks.pair(parts[i], parts[i + 1], piece, starts[i], starts[i + 2]);
  return r < 0 ? NO_MERGE : r;
}

/**
 * Token ids of a short pre-token: tiktoken's loop (merge the lowest-rank adjacent pair, leftmost on a
 * tie, until none is a token), quadratic in its length, with the pair ranks from `ranks`, in typed
 * scratch arrays shifted in place. A longer piece goes to {@link bpeHeapMerge}.
 */
export function bpeShortMerge(piece: Uint8Array, ranks: MergeRanks): number[] {
  let m = piece.length;
  if (m >= HEAP_MERGE_MIN_BYTES) return bpeHeapMerge(piece, ranks);
  for (let i = 0; i < m; i++) {
    starts[i] = i;
    parts[i] = ranks.single(piece, i);
  }
  starts[m] = m;
  for (let i = 0; i < m - 1; i++) pairs[i] = pairRank(ranks, piece, i);
  while (m > 1) {
    let best = -1;
    let lowest = NO_MERGE;
    for (let i = 0; i < m - 1; i++) {
      if (pairs[i] < lowest) {
        lowest = pairs[i];
        best = i;
      }
    }
    if (best < 0) break;
    parts[best] = lowest;
    for (let i = best + 1; i < m - 1; i++) {
      parts[i] = parts[i + 1];
      starts[i] = starts[i + 1];
      pairs[i - 1] = pairs[i];
    }
    starts[m - 1] = starts[m];
    m--;
    if (best < m - 1) pairs[best] = pairRank(ranks, piece, best);
    if (best > 0) pairs[best - 1] = pairRank(ranks, piece, best - 1);
  }
  const out: number[] = [];
  for (let i = 0; i < m; i++) out.push(parts[i]);
  return out;
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

const scratchBytes = new Uint8Array(4096);

/**
 * UTF-8 bytes of `text` as TextEncoder writes them (a lone surrogate becomes U+FFFD). Up to 1,365
 * UTF-16 units (at most 3 bytes each) they are written into one buffer that the next call reuses.
 */
export function utf8Bytes(text: string): Uint8Array {
  const len = text.length;
  const buf = 3 * len <= scratchBytes.length ? scratchBytes : new Uint8Array(3 * len);
  let n = 0;
  for (let i = 0; i < len; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      buf[n++] = c;
      continue;
    }
    if (c < 0x800) {
      buf[n++] = 0xc0 | (c >> 6);
      buf[n++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < len ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        buf[n++] = 0xf0 | (c >> 18);
        buf[n++] = 0x80 | ((c >> 12) & 0x3f);
        buf[n++] = 0x80 | ((c >> 6) & 0x3f);
        buf[n++] = 0x80 | (c & 0x3f);
        continue;
      }
      c = 0xfffd;
    }
    buf[n++] = 0xe0 | (c >> 12);
    buf[n++] = 0x80 | ((c >> 6) & 0x3f);
    buf[n++] = 0x80 | (c & 0x3f);
  }
  return buf.subarray(0, n);
}

/** Token ids of one pre-token given as text: {@link bpeShortMerge}, or {@link bpeHeapMerge} from HEAP_MERGE_MIN_BYTES on. */
export function bpeEncodePiece(text: string, ranks: MergeRanks): number[] {
  return bpeShortMerge(utf8Bytes(text), ranks);
}
