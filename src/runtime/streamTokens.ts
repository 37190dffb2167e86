import type { EncodingName, EngineName } from '../core/types';
import { getTokenizer, tokenizeWithOffsets, type TokenizedText, type Tokenizer } from '../core/tokens';
import type { HfTokenizer } from '../core/hfTokenizer';

/**
 * The pre-tokenizer patterns of Hugging Face tokenizers whose reads {@link readHorizon} bounds: the
 * cl100k pattern (Llama 3, DeepSeek-R1-Distill-Llama) and its one-digit variant (Qwen2, 2.5, 3 and
 * DeepSeek-R1-Distill-Qwen), as written in tokenizer.json.
 */
const STREAMABLE_HF_SPLITS = new Set([
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
]);

/** Added tokens as one leftmost-longest alternation, as the tokenizer splits them out before the regex. */
function addedTokenPattern(tokens: readonly string[]): RegExp | null {
  if (tokens.length === 0) return null;
  const sorted = [...tokens].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map((t) => t.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|'), 'g');
}

/** The engine's own pre-tokenizer regex for an encoding (not a copy); BPE runs per match, so tokens never cross one. */
function splitPattern(encoding: EncodingName, engine: EngineName): RegExp {
  /* eslint-disable @typescript-eslint/no-require-imports -- lazy, like core/tokens: js-tiktoken's pattern is in its ~0.5 s rank table */
  let source: RegExp | string;
  if (engine === 'gpt-tokenizer') {
    const c = require('gpt-tokenizer/encodingParams/constants') as { O200K_TOKEN_SPLIT_REGEX: RegExp; CL100K_TOKEN_SPLIT_REGEX: RegExp };
    source = encoding === 'o200k_base' ? c.O200K_TOKEN_SPLIT_REGEX : c.CL100K_TOKEN_SPLIT_REGEX;
  } else {
    const ranks = encoding === 'o200k_base' ? require('js-tiktoken/ranks/o200k_base') : require('js-tiktoken/ranks/cl100k_base');
    source = ((ranks as { default?: { pat_str: string } }).default ?? (ranks as { pat_str: string })).pat_str;
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  return typeof source === 'string' ? new RegExp(source, 'uy') : new RegExp(source.source, 'uy');
}

const WHITESPACE_RUN = /\s*/uy;
const LETTER_RUN = /[\p{L}\p{M}]*/uy;
const LETTER_OR_MARK = /[\p{L}\p{M}]/u;
const NO_PREFIX = /[\r\n\p{N}]/u;

function runEnd(re: RegExp, text: string, from: number): number {
  re.lastIndex = from;
  re.exec(text);
  return re.lastIndex;
}

function codePointAt(text: string, i: number): string {
  const c = text.codePointAt(i) ?? 0;
  return String.fromCodePoint(c);
}

/**
 * The furthest UTF-16 index the o200k / cl100k pre-tokenizer regex (both engines) may read when matching [start, end).
 * A whitespace-only piece (`\s+(?!\S)`, `\s*[\r\n]+`, `\s+$`) scans its whole run and one character past it. Any other
 * piece may have scanned a run of letters and marks (the letter alternatives backtrack inside it) and the character after,
 * plus two more after an apostrophe (`'ll`, `'ve`, `'re`); digits and punctuation read one past their end at most.
 * A piece is final once every character read exists: later text cannot change it or any piece before it, and BPE never
 * merges across pieces. Returned negated for a whitespace-only piece.
 */
function readHorizon(text: string, start: number, end: number): number {
  const ws = runEnd(WHITESPACE_RUN, text, start);
  if (ws >= end) return -ws;
  const first = codePointAt(text, start);
  let from = -1;
  if (LETTER_OR_MARK.test(first)) from = start;
  else if (!NO_PREFIX.test(first)) from = start + first.length;
  const r = from < 0 ? end : Math.max(end, runEnd(LETTER_RUN, text, from));
  return text.charCodeAt(r) === 39 /* ' */ ? r + 2 : r;
}

/**
 * Tokenizes a growing text and exposes only tokens later text cannot change (equal to tokenizing the final text at once).
 * Each pre-tokenizer piece is tokenized once it is final ({@link readHorizon}); only pending pieces are re-split per push.
 */
export class StreamTokens {
  text = '';
  /** Final tokens: `ends[k-1]` is the UTF-16 offset after k tokens (partial trailing char dropped). */
  readonly tokens: TokenizedText = { count: 0, ends: new Uint32Array(256) };
  /** UTF-16 offset where the final pieces end; text after it is still pending. */
  committed = 0;
  /** `text.slice(committed)`, kept apart so that scanning it never flattens the whole text. */
  private pending = '';
  private ended = false;
  private readonly tok: Tokenizer;
  private readonly split: RegExp;
  /** Added tokens (Hugging Face tokenizers), split out before the regex; null for OpenAI encodings. */
  private readonly added: RegExp | null = null;
  private readonly longestAdded: number = 0;

  /**
   * An OpenAI encoding, or a Hugging Face tokenizer whose pre-tokenizer is one cl100k-family regex (Qwen2/2.5/3,
   * Llama 3 and the R1 distills on them); throws an Error naming the tokenizer for any other shape.
   */
  constructor(encoding: EncodingName | HfTokenizer, engine?: EngineName) {
    if (typeof encoding === 'string') {
      this.tok = getTokenizer(encoding, engine);
      this.split = splitPattern(encoding, engine ?? 'gpt-tokenizer');
      return;
    }
    const source = encoding.splitSource;
    if (source === null || !STREAMABLE_HF_SPLITS.has(source) || !encoding.splitPattern) {
      throw new Error(`prompt-budget: the streaming runtime cannot tokenize incrementally with ${encoding.name}: its pre-tokenizer is not one regex of the GPT-4 (cl100k) family`);
    }
    this.tok = encoding;
    this.split = new RegExp(encoding.splitPattern.source, 'uy');
    this.added = addedTokenPattern(encoding.addedTokens);
    this.longestAdded = encoding.addedTokens.reduce((m, t) => Math.max(m, t.length), 0);
  }

  /** Appends text and commits every piece that became final. */
  push(delta: string): void {
    if (this.ended) throw new Error('StreamTokens: push after end');
    if (delta === '') return;
    this.text += delta;
    this.pending += delta;
    this.advance();
  }

  /** Marks the end of the text: everything pending becomes final. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.pending !== '') this.append(tokenizeWithOffsets(this.tok, this.pending), this.committed);
    this.committed = this.text.length;
    this.pending = '';
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private advance(): void {
    const text = this.pending;
    // A trailing high surrogate may still become a letter when its low half arrives.
    const last = text.charCodeAt(text.length - 1);
    const known = last >= 0xd800 && last <= 0xdbff ? text.length - 1 : text.length;
    if (this.added) {
      this.advanceSections(text, known);
      return;
    }
    const re = this.split;
    let pos = 0;
    // Text cut after a non-whitespace piece splits the same way: tokenize up to it in one call, whitespace after it alone.
    let batchEnd = 0;
    const spaces: number[] = [];
    while (pos < known) {
      re.lastIndex = pos;
      const m = re.exec(text);
      if (!m || m[0].length === 0) break;
      const end = pos + m[0].length;
      const horizon = readHorizon(text, pos, end);
      if (Math.abs(horizon) >= known) break;
      if (horizon < 0) spaces.push(end);
      else {
        batchEnd = end;
        spaces.length = 0;
      }
      pos = end;
    }
    if (pos === 0) return;
    if (batchEnd > 0) this.append(tokenizeWithOffsets(this.tok, text.slice(0, batchEnd)), this.committed);
    let from = batchEnd;
    for (const end of spaces) {
      this.append(tokenizeWithOffsets(this.tok, text.slice(from, end)), this.committed + from);
      from = end;
    }
    this.committed += pos;
    this.pending = text.slice(pos);
  }

  /**
   * With added tokens: text is cut at added tokens, then each section split by the regex. An added token starting
   * ≥ `longestAdded - 1` characters before the end cannot grow, nor can one start before it: a section it ends is
   * final. In the last, open section, pieces commit as without added tokens, up to that point.
   */
  private advanceSections(text: string, known: number): void {
    const limit = Math.max(0, known - this.longestAdded + 1);
    const added = this.added as RegExp;
    let pos = 0;
    for (;;) {
      added.lastIndex = pos;
      const m = added.exec(text);
      if (m && m.index < limit && m.index + m[0].length <= known) {
        const end = m.index + m[0].length;
        this.append(tokenizeWithOffsets(this.tok, text.slice(pos, end)), this.committed + pos);
        pos = end;
        continue;
      }
      break;
    }
    const open = this.finalPieces(text, pos, limit);
    if (open.end > pos) {
      if (open.batchEnd > pos) this.append(tokenizeWithOffsets(this.tok, text.slice(pos, open.batchEnd)), this.committed + pos);
      let from = Math.max(pos, open.batchEnd);
      for (const end of open.spaces) {
        this.append(tokenizeWithOffsets(this.tok, text.slice(from, end)), this.committed + from);
        from = end;
      }
      pos = open.end;
    }
    if (pos === 0) return;
    this.committed += pos;
    this.pending = text.slice(pos);
  }

  /**
   * Final regex pieces from `from` on: each must end, and have been read by the regex, before
   * `limit` (no added token can start before it, so nothing later changes what the regex sees).
   */
  private finalPieces(text: string, from: number, limit: number): { end: number; batchEnd: number; spaces: number[] } {
    const re = this.split;
    let pos = from;
    let batchEnd = from;
    const spaces: number[] = [];
    while (pos < limit) {
      re.lastIndex = pos;
      const m = re.exec(text);
      if (!m || m[0].length === 0) break;
      const end = pos + m[0].length;
      const horizon = readHorizon(text, pos, end);
      if (Math.abs(horizon) >= limit || end > limit) break;
      if (horizon < 0) spaces.push(end);
      else {
        batchEnd = end;
        spaces.length = 0;
      }
      pos = end;
    }
    return { end: pos, batchEnd, spaces };
  }

  private append(piece: TokenizedText, offset: number): void {
    const t = this.tokens;
    const need = t.count + piece.count;
    if (need > t.ends.length) {
      const grown = new Uint32Array(Math.max(need, t.ends.length * 2));
      grown.set(t.ends.subarray(0, t.count));
      t.ends = grown;
    }
    for (let k = 0; k < piece.count; k++) t.ends[t.count + k] = piece.ends[k] + offset;
    t.count = need;
  }
}

