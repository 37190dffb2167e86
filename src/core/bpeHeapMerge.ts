/**
 * Byte-pair merge in O(n log n) for one long pre-token: a binary heap over adjacent pair ranks and a
 * linked list of parts, with stale heap entries skipped (lazy invalidation). Ties go to the leftmost
 * pair, as in tiktoken, so the ids equal the quadratic reference merge.
 */

/** Rank of a byte sequence in the encoding, or undefined when it is not a token. */
export type RankOf = (bytes: Uint8Array) => number | undefined;

/** Pre-tokens at least this many bytes long are merged with {@link bpeHeapMerge} rather than the library's quadratic loop. */
export const HEAP_MERGE_MIN_BYTES = 256;

/** Token ids of `piece` (the UTF-8 bytes of one pre-token), merged with the ranks `rankOf` gives. */
export function bpeHeapMerge(piece: Uint8Array, rankOf: RankOf): number[] {
  const n = piece.length;
  if (n === 0) return [];
  // Part i covers bytes [i, next[i]); next[i] === n marks the last part; dead parts are skipped.
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const version = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  const heap = new PairHeap();
  const push = (i: number): void => {
    const j = next[i];
    if (j >= n) return;
    const rank = rankOf(piece.subarray(i, next[j]));
    if (rank !== undefined) heap.push(rank, i, version[i]);
  };
  for (let i = 0; i < n - 1; i++) push(i);
  while (heap.size > 0) {
    const i = heap.topPos();
    const stale = heap.topVersion() !== version[i];
    heap.pop();
    if (stale) continue;
    const j = next[i];
    // Merge part j into part i; i and its left neighbour now pair differently.
    next[i] = next[j];
    if (next[j] < n) prev[next[j]] = i;
    version[i]++;
    version[j]++;
    push(i);
    if (prev[i] >= 0) {
      version[prev[i]]++;
      push(prev[i]);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < n; i = next[i]) {
    const rank = rankOf(piece.subarray(i, next[i]));
    if (rank === undefined) throw new RangeError(`No token for bytes ${i}–${next[i]} of a pre-token.`);
    out.push(rank);
  }
  return out;
}

/** Min-heap of adjacent pairs: rank, start of the left part, and that part's version when pushed. */
class PairHeap {
  private readonly rank: number[] = [];
  private readonly pos: number[] = [];
  private readonly ver: number[] = [];

  get size(): number {
    return this.rank.length;
  }

  topPos(): number {
    return this.pos[0];
  }

  topVersion(): number {
    return this.ver[0];
  }

  push(rank: number, pos: number, ver: number): void {
    this.rank.push(rank);
    this.pos.push(pos);
    this.ver.push(ver);
    let c = this.rank.length - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!this.less(c, p)) break;
      this.swap(c, p);
      c = p;
    }
  }

  pop(): void {
    this.swap(0, this.rank.length - 1);
    this.rank.pop();
    this.pos.pop();
    this.ver.pop();
    const len = this.rank.length;
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < len && this.less(l, m)) m = l;
      if (r < len && this.less(r, m)) m = r;
      if (m === p) break;
      this.swap(p, m);
      p = m;
    }
  }

  /** Lower rank first; ties go to the leftmost pair, as in tiktoken. */
  private less(a: number, b: number): boolean {
    return this.rank[a] < this.rank[b] || (this.rank[a] === this.rank[b] && this.pos[a] < this.pos[b]);
  }

  private swap(a: number, b: number): void {
    [this.rank[a], this.rank[b]] = [this.rank[b], this.rank[a]];
    [this.pos[a], this.pos[b]] = [this.pos[b], this.pos[a]];
    [this.ver[a], this.ver[b]] = [this.ver[b], this.ver[a]];
  }
}
