/**
 * The byte-pair merge loop of a long word in one queue of positions per rank, for both BPE engines
 * (tiktoken ranks in bpeHeapMerge.ts, Hugging Face id pairs in hfBpe.ts).
 */

/** Rank of the pair of symbols starting at `i` and `j` (`j` ends at `end`), or −1 when they do not merge. */
export type PairRankAt = (i: number, j: number, end: number) => number;

/** The word's symbols as a linked list over positions, shared by both merge loops. */
class SymbolList {
  readonly next: Int32Array;
  readonly prev: Int32Array;
  private readonly alive: Uint8Array;

  constructor(
    private readonly n: number,
    private readonly rankAt: PairRankAt,
  ) {
    this.next = new Int32Array(n);
    this.prev = new Int32Array(n);
    this.alive = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      this.next[i] = i + 1;
      this.prev[i] = i - 1;
    }
  }

  /** Rank of the pair that starts at symbol i now, or −1 (no next symbol, or no merge). */
  pairRank(i: number): number {
    const j = this.next[i];
    return j >= this.n ? -1 : this.rankAt(i, j, this.next[j]);
  }

  /**
   * Applies a queued (rank, i) unless it is stale: the symbol at i was merged away, or the pair there changed since the
   * push (a rank names one merge, so an equal rank means the same pair). True when it merged; the caller re-queues the
   * pairs that now start at `prev[i]` and at i.
   */
  mergeAt(i: number, rank: number, merge: (i: number, j: number, rank: number) => void): boolean {
    if (!this.alive[i] || this.pairRank(i) !== rank) return false;
    const j = this.next[i];
    merge(i, j, rank);
    this.alive[j] = 0;
    this.next[i] = this.next[j];
    if (this.next[j] < this.n) this.prev[this.next[j]] = i;
    return true;
  }
}

/**
 * Merges a word of `n` symbols: repeatedly the lowest-rank adjacent pair, the leftmost on a tie, as a
 * heap over (rank, position) would. A repetition loop (`xxxx…`, `====…`) finds the pairs of each rank
 * left to right, so each rank keeps a queue popped from its front (O(1)) and only the ranks that have
 * queued pairs sit in a heap. `merge(i, j, rank)` tells the caller that symbol j joined symbol i.
 * Returns the linked list of the surviving symbols (`next[i]`, from 0; `n` ends it), or null as soon as
 * a pair is queued left of an earlier one of its rank: the caller then merges with its pair heap.
 */
export function mergeInRankQueues(n: number, rankAt: PairRankAt, merge: (i: number, j: number, rank: number) => void): Int32Array | null {
  const list = new SymbolList(n, rankAt);
  const queues = new Map<number, { pos: number[]; head: number }>();
  const ranks: number[] = [];
  let inOrder = true;
  const push = (i: number): void => {
    const rank = list.pairRank(i);
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
    if (!list.mergeAt(i, rank, merge)) continue;
    if (list.prev[i] >= 0) push(list.prev[i]);
    push(i);
  }
  return inOrder ? list.next : null;
}

const POS_SPACE = 2 ** 32;

/**
 * The same merge with one heap of pairs, for any word: entries are one number, rank * 2^32 +
 * position, so the smallest is the lowest rank, then the leftmost pair; a popped entry is applied
 * only when the symbols at its position still form a pair of that rank. Returns the surviving list.
 */
export function mergeWithPairHeap(n: number, rankAt: PairRankAt, merge: (i: number, j: number, rank: number) => void): Int32Array {
  const list = new SymbolList(n, rankAt);
  // Each merge pushes at most two entries: 3n bounds the heap.
  const heap = new Float64Array(3 * n);
  let size = 0;
  const push = (i: number): void => {
    const rank = list.pairRank(i);
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
    if (!list.mergeAt(i, rank, merge)) continue;
    if (list.prev[i] >= 0) push(list.prev[i]);
    push(i);
  }
  return list.next;
}
