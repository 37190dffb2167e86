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
  // Heap entries: rank, start of the left part, and that part's version when pushed.
  const heapRank: number[] = [];
  const heapPos: number[] = [];
  const heapVer: number[] = [];
  const less = (a: number, b: number): boolean => heapRank[a] < heapRank[b] || (heapRank[a] === heapRank[b] && heapPos[a] < heapPos[b]);
  const swap = (a: number, b: number): void => {
    [heapRank[a], heapRank[b]] = [heapRank[b], heapRank[a]];
    [heapPos[a], heapPos[b]] = [heapPos[b], heapPos[a]];
    [heapVer[a], heapVer[b]] = [heapVer[b], heapVer[a]];
  };
  const push = (i: number): void => {
    const j = next[i];
    if (j >= n) return;
    const rank = rankOf(piece.subarray(i, next[j]));
    if (rank === undefined) return;
    heapRank.push(rank);
    heapPos.push(i);
    heapVer.push(version[i]);
    let c = heapRank.length - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!less(c, p)) break;
      swap(c, p);
      c = p;
    }
  };
  const pop = (): void => {
    const last = heapRank.length - 1;
    swap(0, last);
    heapRank.pop();
    heapPos.pop();
    heapVer.pop();
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < heapRank.length && less(l, m)) m = l;
      if (r < heapRank.length && less(r, m)) m = r;
      if (m === p) break;
      swap(p, m);
      p = m;
    }
  };
  for (let i = 0; i < n - 1; i++) push(i);
  while (heapRank.length > 0) {
    const i = heapPos[0];
    const stale = heapVer[0] !== version[i];
    pop();
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
