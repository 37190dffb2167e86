/**
 * Byte-pair merge for Hugging Face BPE models (`tokenizer.json`, `model.type: "BPE"`) on token ids:
 * the pair table is keyed by two ids and holds the merge's rank and the merged id, and one word is
 * merged with a binary heap over adjacent pairs and a linked list of symbols (stale entries skipped),
 * so a word of n symbols costs O(n log n). Ties go to the leftmost pair, as in the Rust `tokenizers`
 * crate (and in `@huggingface/tokenizers`, whose merge this replaces: see hfTokenizer.ts).
 */
import { mergeInRankQueues, mergeWithPairHeap, type PairRankAt } from './rankQueueMerge';

/** Ids and ranks stay below 2^31 (Int32Array); vocabularies are far smaller. */
const ID_SPACE = 2 ** 31;

/**
 * Pair → (rank, merged id), open addressing over typed arrays: a Map keyed by a packed pair would
 * hash a heap number (the pair needs more than 31 bits) on every lookup.
 */
export class PairTable {
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly ranks: Int32Array;
  private readonly merged: Int32Array;
  private readonly mask: number;

  constructor(capacity: number) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.mask = size - 1;
    this.left = new Int32Array(size).fill(-1);
    this.right = new Int32Array(size);
    this.ranks = new Int32Array(size);
    this.merged = new Int32Array(size);
  }

  private slot(a: number, b: number): number {
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) & this.mask;
    while (this.left[h] !== -1 && (this.left[h] !== a || this.right[h] !== b)) h = (h + 1) & this.mask;
    return h;
  }

  /** Adds a pair unless it is there already (the first, lowest rank, wins). */
  add(a: number, b: number, rank: number, merged: number): void {
    const h = this.slot(a, b);
    if (this.left[h] !== -1) return;
    this.left[h] = a;
    this.right[h] = b;
    this.ranks[h] = rank;
    this.merged[h] = merged;
  }

  /** Slot of the pair, or -1 when the two ids never merge. */
  find(a: number, b: number): number {
    const h = this.slot(a, b);
    return this.left[h] === -1 ? -1 : h;
  }

  rankAt(slot: number): number {
    return this.ranks[slot];
  }

  mergedAt(slot: number): number {
    return this.merged[slot];
  }
}

/** The merges of one BPE model, as id pairs. */
export interface BpeMergeTable {
  readonly idOf: (token: string) => number | undefined;
  readonly tokenOf: (id: number) => string | undefined;
  readonly pairs: PairTable;
}

/** The pair table of a vocabulary and its merges (`"a b"` or `[a, b]`); null when a merge names an unknown token. */
export function buildMergeTable(
  vocab: ReadonlyMap<string, number>,
  tokenOf: (id: number) => string | undefined,
  merges: readonly (string | readonly [string, string])[],
): BpeMergeTable | null {
  if (vocab.size >= ID_SPACE || merges.length >= ID_SPACE) return null;
  const pairs = new PairTable(merges.length);
  for (let rank = 0; rank < merges.length; rank++) {
    const m = merges[rank];
    let a: string;
    let b: string;
    if (typeof m === 'string') {
      const space = m.indexOf(' ');
      if (space < 0) return null;
      a = m.slice(0, space);
      b = m.slice(space + 1);
    } else {
      [a, b] = m;
    }
    const left = vocab.get(a);
    const right = vocab.get(b);
    const merged = vocab.get(a + b);
    if (left === undefined || right === undefined || merged === undefined || left >= ID_SPACE || right >= ID_SPACE || merged >= ID_SPACE) return null;
    // The first (lowest-rank) merge of a pair wins, as when the library builds its rank map.
    pairs.add(left, right, rank, merged);
  }
  return { idOf: (t) => vocab.get(t), tokenOf, pairs };
}

/** Words at least this long try {@link mergeIdsInBuckets} first. */
const BUCKET_MIN_SYMBOLS = 256;

/**
 * Merges one word from its initial symbols' ids into the merged symbols' ids (`ids` is reused as
 * scratch space): the lowest-rank pair first, the leftmost on a tie, as in the Rust crate (rank
 * queues for long words, else the pair heap; see rankQueueMerge.ts).
 */
export function mergeIds(ids: number[], table: BpeMergeTable): number[] {
  if (ids.length >= BUCKET_MIN_SYMBOLS) {
    const fast = mergeIdsInBuckets(ids.slice(), table);
    if (fast) return fast;
  }
  return mergeIdsWithHeap(ids, table);
}

/** {@link mergeIds} with the pair heap alone. */
export function mergeIdsWithHeap(ids: number[], table: BpeMergeTable): number[] {
  const n = ids.length;
  if (n < 2) return ids;
  const next = mergeWithPairHeap(n, idPairRank(ids, table), idPairMerge(ids, table));
  const out: number[] = [];
  for (let i = 0; i < n; i = next[i]) out.push(ids[i]);
  return out;
}

function idPairRank(ids: number[], { pairs }: BpeMergeTable): PairRankAt {
  return (i, j) => {
    const slot = pairs.find(ids[i], ids[j]);
    return slot < 0 ? -1 : pairs.rankAt(slot);
  };
}

function idPairMerge(ids: number[], { pairs }: BpeMergeTable): (i: number, j: number) => void {
  return (i, j) => {
    ids[i] = pairs.mergedAt(pairs.find(ids[i], ids[j]));
  };
}

/** {@link mergeIds} for a long word through {@link mergeInRankQueues} (O(1) pops); null if it steps aside. */
export function mergeIdsInBuckets(ids: number[], table: BpeMergeTable): number[] | null {
  const next = mergeInRankQueues(ids.length, idPairRank(ids, table), idPairMerge(ids, table));
  if (!next) return null;
  const out: number[] = [];
  for (let i = 0; i < ids.length; i = next[i]) out.push(ids[i]);
  return out;
}
