/**
 * Token counts of a document that changes one keystroke at a time. Chunks start at line starts where every OpenAI
 * pre-tokenizer splits (after a newline, before neither whitespace nor `/`), so chunk counts sum to the whole count; counts
 * are cached by chunk text, and boundaries depend on local content only, so an edit re-counts only the chunks it changed.
 */

/** A token count; `approximate` when a guard estimated part of the text instead of encoding it. */
export interface TokenCount {
  count: number;
  approximate: boolean;
}

/** Counts the tokens of one chunk of text. */
export type ChunkCountFn = (text: string) => TokenCount;

/** One chunk of the last counted text. */
export interface ChunkInfo {
  /** 0-based line where the chunk starts. */
  line: number;
  count: number;
  approximate: boolean;
}

/** The result of {@link IncrementalCounter.update}. */
export interface CounterSnapshot extends TokenCount {
  /** Chunks in document order; their counts sum to `count`. */
  chunks: ChunkInfo[];
  /** Chunks that had to be tokenized in this update (the rest came from the cache). */
  recounted: number;
}

const SLASH = 47;

/** True for the characters JavaScript's `\s` matches (what the tokenizers' patterns use). */
export function isRegexSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 160) return false;
  return (
    code === 160 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/**
 * Offsets (UTF-16) where a chunk may start: 0 plus every line start whose first character is not
 * whitespace and not `/` (o200k lets a punctuation token swallow `\n/`).
 */
export function chunkStarts(text: string): { offsets: number[]; lines: number[] } {
  const offsets = [0];
  const lines = [0];
  let line = 0;
  let i = text.indexOf('\n');
  while (i >= 0) {
    line++;
    const next = i + 1;
    if (next < text.length) {
      const c = text.charCodeAt(next);
      if (c !== SLASH && !isRegexSpace(c)) {
        offsets.push(next);
        lines.push(line);
      }
    }
    i = text.indexOf('\n', next);
  }
  return { offsets, lines };
}

/**
 * Keeps chunk counts between updates of one document. Entries not used by the latest update are
 * dropped, so memory stays proportional to the document.
 */
export class IncrementalCounter {
  private cache = new Map<string, TokenCount>();

  constructor(private readonly countChunk: ChunkCountFn) {}

  /** Counts `text`, reusing the counts of chunks seen in the previous update. */
  update(text: string): CounterSnapshot {
    const { offsets, lines } = chunkStarts(text);
    const next = new Map<string, TokenCount>();
    const chunks: ChunkInfo[] = [];
    let count = 0;
    let approximate = false;
    let recounted = 0;
    for (let k = 0; k < offsets.length; k++) {
      const end = k + 1 < offsets.length ? offsets[k + 1] : text.length;
      const piece = text.slice(offsets[k], end);
      let c = next.get(piece) ?? this.cache.get(piece);
      if (!c) {
        c = this.countChunk(piece);
        recounted++;
      }
      next.set(piece, c);
      chunks.push({ line: lines[k], count: c.count, approximate: c.approximate });
      count += c.count;
      approximate ||= c.approximate;
    }
    this.cache = next;
    return { count, approximate, chunks, recounted };
  }

  get size(): number {
    return this.cache.size;
  }

  clear(): void {
    this.cache.clear();
  }
}

/**
 * Sums chunk counts between line ranges. `startLines` must be chunk starts (markdown headings
 * always are, since `#` is neither whitespace nor `/`), sorted ascending.
 */
export function sumByRanges(chunks: readonly ChunkInfo[], startLines: readonly number[]): TokenCount[] {
  const out: TokenCount[] = startLines.map(() => ({ count: 0, approximate: false }));
  let r = -1;
  for (const chunk of chunks) {
    while (r + 1 < startLines.length && chunk.line >= startLines[r + 1]) r++;
    if (r < 0) continue;
    out[r].count += chunk.count;
    out[r].approximate ||= chunk.approximate;
  }
  return out;
}
