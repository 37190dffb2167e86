/**
 * The byte-pair merge loop of a long word in one queue of positions per rank, for both BPE engines
 * (tiktoken ranks in bpeHeapMerge.ts, Hugging Face id pairs in hfBpe.ts).
 */

/** Rank of the pair of symbols starting at `i` and `j` (`j` ends at `end`), or −1 when they do not merge. */
export type PairRankAt = (i: number, j: number, end: number) => number;

/**
 * Merges a word of `n` symbols: repeatedly the lowest-rank adjacent pair, the leftmost on a tie, as a
 * heap over (rank, position) would. A repetition loop (`xxxx…`, `====…`) finds the pairs of each rank
 * left to right, so each rank keeps a queue popped from its front (O(1)) and only the ranks that have
 * queued pairs sit in a heap. `merge(i, j, rank)` tells the caller that symbol j joined symbol i.
 * Returns the linked list of the surviving symbols (`next[i]`, from 0; `n` ends it), or null as soon as
 * a pair is queued left of an earlier one of its rank: the caller then merges with its pair heap.
 */
export function mergeInRankQueues(n: number, rankAt: PairRankAt, merge: (i: number, j: number, rank: number) => void): Int32Array | null {
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  const queues = new Map<number, { pos: number[]; head: number }>();
  const ranks: number[] = [];
  let inOrder = true;
  const push = (i: number): void => {
    const j = next[i];
    if (j >= n) return;
    const rank = rankAt(i, j, next[j]);
    if (rank < 0) return;
    let q = queues.get(rank);
    if (!q) {
      q = { pos: [], head: 0 };
      queues.set(rank, q);
    }
    if (q.pos.length === q.head) {
      // An empty queue: its rank joins the heap.
      let c = ranks.length;
      ranks.push(rank);
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (ranks[p] <= rank) break;
        ranks[c] = ranks[p];
        c = p;
      }
      ranks[c] = rank;
    } else if (q.pos[q.pos.length - 1] > i) {
      inOrder = false;
    }
    q.pos.push(i);
  };
  const dropTopRank = (): void => {
    const last = ranks.pop() as number;
    if (ranks.length === 0) return;
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      if (l >= ranks.length) break;
      const m = l + 1 < ranks.length && ranks[l + 1] < ranks[l] ? l + 1 : l;
      if (ranks[m] >= last) break;
      ranks[p] = ranks[m];
      p = m;
    }
    ranks[p] = last;
  };
  for (let i = 0; i < n - 1 && inOrder; i++) push(i);
  while (ranks.length > 0 && inOrder) {
    const rank = ranks[0];
    const q = queues.get(rank) as { pos: number[]; head: number };
    const i = q.pos[q.head++];
    if (q.head === q.pos.length) {
      q.pos.length = 0;
      q.head = 0;
      dropTopRank();
    }
    if (!alive[i]) continue;
    const j = next[i];
    // Stale when the symbols at i changed since the push: a rank names one merge, so equal rank means the same pair.
    if (j >= n || rankAt(i, j, next[j]) !== rank) continue;
    merge(i, j, rank);
    alive[j] = 0;
    next[i] = next[j];
    if (next[j] < n) prev[next[j]] = i;
    if (prev[i] >= 0) push(prev[i]);
    push(i);
  }
  return inOrder ? next : null;
}

const POS_SPACE = 2 ** 32;

/**
 * The same merge with one heap of pairs, for any word: entries are one number, rank * 2^32 +
 * position, so the smallest is the lowest rank, then the leftmost pair; a popped entry is applied
 * only when the symbols at its position still form a pair of that rank. Returns the surviving list.
 */
export function mergeWithPairHeap(n: number, rankAt: PairRankAt, merge: (i: number, j: number, rank: number) => void): Int32Array {
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  // Each merge pushes at most two entries: 3n bounds the heap.
  const heap = new Float64Array(3 * n);
  let size = 0;
  const push = (i: number): void => {
    const j = next[i];
    if (j >= n) return;
    const rank = rankAt(i, j, next[j]);
    if (rank < 0) return;
    const key = rank * POS_SPACE + i;
    let c = size++;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (heap[p] <= key) break;
      heap[c] = heap[p];
      c = p;
    }
    heap[c] = key;
  };
  const pop = (): number => {
    const top = heap[0];
    const last = heap[--size];
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      if (l >= size) break;
      const r = l + 1;
      const m = r < size && heap[r] < heap[l] ? r : l;
      if (heap[m] >= last) break;
      heap[p] = heap[m];
      p = m;
    }
    heap[p] = last;
    return top;
  };
  for (let i = 0; i < n - 1; i++) push(i);
  while (size > 0) {
    const key = pop();
    // Division and floor, not %: a floating-point remainder is a slow library call.
    const rank = Math.floor(key / POS_SPACE);
    const i = key - rank * POS_SPACE;
    if (!alive[i]) continue;
    const j = next[i];
    if (j >= n || rankAt(i, j, next[j]) !== rank) continue;
    merge(i, j, rank);
    alive[j] = 0;
    next[i] = next[j];
    if (next[j] < n) prev[next[j]] = i;
    if (prev[i] >= 0) push(prev[i]);
    push(i);
  }
  return next;
}
