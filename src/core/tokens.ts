/**
 * OpenAI encodings behind one interface, two engines with identical ids: gpt-tokenizer (default, faster) and js-tiktoken
 * (the parity reference). Rank tables load on first use; no file system, so it bundles for browsers and edge workers too.
 */
import type { GptEncoding } from 'gpt-tokenizer/GptEncoding';
import type { Tiktoken, TiktokenBPE } from 'js-tiktoken/lite';
import type { EncodingName, EngineName, TokenizerEncoding, TokenizerEngine } from './types';
import { utf8Length } from './tokenOffsets';
import { bpeEncodePiece, bpeShortMerge, MergeRanks, utf8Bytes } from './bpeHeapMerge';
import { DEFAULT_ENCODING, DEFAULT_ENGINE, ENCODING_NAMES, ENGINE_NAMES, isEncodingName, isEngineName } from './encodingNames';

export type { EncodingName, EngineName } from './types';
export type { TokenizedText } from './tokenOffsets';
export { cutText, tokenizeWithOffsets, utf8Length } from './tokenOffsets';

export { DEFAULT_ENCODING, DEFAULT_ENGINE, ENCODING_NAMES, ENGINE_NAMES, isEncodingName, isEngineName } from './encodingNames';

/**
 * One encoding served by one engine. Special-token strings such as `<|endoftext|>` are encoded as ordinary text (as an API
 * does with user content), never rejected and never turned into special ids.
 */
export interface Tokenizer {
  readonly encoding: TokenizerEncoding;
  readonly engine: TokenizerEngine;
  /** What figures counted with it are labelled with: the encoding, or the model's tokenizer name. */
  readonly name: string;
  encode(text: string): number[];
  decode(ids: number[]): string;
  /** Number of tokens of `text`; always equal to `encode(text).length`. */
  count(text: string): number;
  /** UTF-8 byte length of one token. Throws a RangeError for an id the encoding does not have. */
  tokenByteLength(id: number): number;
}

type GptRanks = readonly (string | readonly number[] | undefined)[];

function defaultExport<T>(mod: unknown): T {
  const m = mod as { default?: T } | null;
  return (m !== null && typeof m === 'object' && 'default' in m ? m.default : mod) as T;
}

/* eslint-disable @typescript-eslint/no-require-imports --
 * Synchronous lazy loading: evaluating one rank table takes 0.1–0.7 s, so it must not happen at
 * import time. esbuild bundles these literal specifiers (for any platform and format) and runs each
 * table only when required; unbundled, this needs a CommonJS loader such as tsx/cjs. */
function loadGptTokenizer(encoding: EncodingName): { api: GptEncoding; ranks: GptRanks } {
  switch (encoding) {
    case 'o200k_base':
      return {
        api: defaultExport<GptEncoding>(require('gpt-tokenizer/encoding/o200k_base')),
        ranks: defaultExport<GptRanks>(require('gpt-tokenizer/bpeRanks/o200k_base')),
      };
    case 'cl100k_base':
      return {
        api: defaultExport<GptEncoding>(require('gpt-tokenizer/encoding/cl100k_base')),
        ranks: defaultExport<GptRanks>(require('gpt-tokenizer/bpeRanks/cl100k_base')),
      };
  }
}

function loadTiktoken(encoding: EncodingName): { Tiktoken: typeof Tiktoken; ranks: TiktokenBPE } {
  const lite = require('js-tiktoken/lite') as { Tiktoken: typeof Tiktoken };
  switch (encoding) {
    case 'o200k_base':
      return { Tiktoken: lite.Tiktoken, ranks: defaultExport<TiktokenBPE>(require('js-tiktoken/ranks/o200k_base')) };
    case 'cl100k_base':
      return { Tiktoken: lite.Tiktoken, ranks: defaultExport<TiktokenBPE>(require('js-tiktoken/ranks/cl100k_base')) };
  }
}
/* eslint-enable @typescript-eslint/no-require-imports */

function unknownToken(id: number, encoding: EncodingName): RangeError {
  return new RangeError(`Token id ${id} is not in ${encoding}.`);
}

/** Byte lengths cached per id; 0 marks "not computed yet" (every token has at least one byte). */
class ByteLengthCache {
  private readonly table: Uint16Array;

  constructor(
    size: number,
    private readonly compute: (id: number) => number,
  ) {
    this.table = new Uint16Array(size);
  }

  get(id: number): number {
    if (!(id >= 0 && id < this.table.length && Math.floor(id) === id)) return this.compute(id);
    const cached = this.table[id];
    if (cached !== 0) return cached;
    const length = this.compute(id);
    this.table[id] = length;
    return length;
  }
}

const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

interface BpeCore {
  bytePairEncode(piece: string): number[];
  getBpeRankFromString(text: string): number | undefined;
  bytePairMerge(piece: Uint8Array): number[];
  getBpeRankFromBytes(key: Uint8Array): number | undefined;
}

/**
 * Pre-tokens of this many UTF-16 units or more (below LONG_PIECE_MAX_UNITS) keep their ids in a cache
 * of up to LONG_PIECE_CACHE entries, emptied when full: countTokens cuts a long run into equal pieces
 * (200 KB of one letter: 400 pieces of 512), which then merge once. Shorter ones merge every time,
 * which costs less than a string-keyed cache entry for a unique piece (random base64).
 */
const LONG_PIECE_UNITS = 64;
const LONG_PIECE_MAX_UNITS = 4096;
const LONG_PIECE_CACHE = 256;

/**
 * gpt-tokenizer merges a pre-token that is not itself a token in `bytePairEncode`: a string-keyed LRU
 * cache (delete + set on every hit, slower the fuller it is), TextEncoder, then `bytePairMerge`, which
 * rescans every pair after each merge, quadratic in the pre-token's length (100 K of `=` took 6.6 s),
 * and looks every pair up by decoding its bytes into a string map. In the 100 KB random base64 bench
 * trace, 15,500 of 45,000 pre-tokens take that path, ~2.4 µs each (37 of its 50 ms). Here
 * `bytePairEncode` writes the UTF-8 into a reused buffer and merges with {@link bpeShortMerge}
 * (tiktoken's loop) or, for long ones, {@link bpeHeapMerge}, pair ranks remembered by the two tokens'
 * ranks ({@link MergeRanks}, filled from the library's own lookups), so the ids stay the same. A pair
 * of two text tokens is looked up as their joined strings, which skips decoding its bytes: the first
 * pass over 100 KB of random base64 meets ~26,000 distinct pairs.
 */
function installHeapMerge(api: GptEncoding, tokens: GptRanks): void {
  const core = (api as unknown as { bytePairEncodingCoreProcessor?: BpeCore }).bytePairEncodingCoreProcessor;
  if (!core || typeof core.bytePairMerge !== 'function' || typeof core.getBpeRankFromBytes !== 'function') return;
  const byText = typeof core.getBpeRankFromString === 'function' ? core.getBpeRankFromString.bind(core) : undefined;
  const pairOf = (a: number, b: number): number | undefined => {
    const x = tokens[a];
    const y = tokens[b];
    // Valid UTF-8 on both sides: the joined bytes decode to the joined strings.
    return byText && typeof x === 'string' && typeof y === 'string' ? (byText(x + y) ?? -1) : undefined;
  };
  const bom = new BomTokens(tokens);
  const byBytes = core.getBpeRankFromBytes.bind(core);
  const ranks = new MergeRanks((bytes) => (BomTokens.starts(bytes) ? bom.rank(bytes) : byBytes(bytes)), undefined, pairOf);
  core.bytePairMerge = (piece) => bpeShortMerge(piece, ranks);
  if (typeof core.bytePairEncode !== 'function') return;
  const long = new Map<string, number[]>();
  core.bytePairEncode = (piece) => {
    if (piece.charCodeAt(0) === 0xfeff) {
      const whole = bom.rank(utf8Bytes(piece));
      if (whole !== undefined) return [whole];
    }
    if (piece.length < LONG_PIECE_UNITS || piece.length >= LONG_PIECE_MAX_UNITS) return bpeEncodePiece(piece, ranks);
    let ids = long.get(piece);
    if (ids === undefined) {
      if (long.size >= LONG_PIECE_CACHE) long.clear();
      ids = bpeEncodePiece(piece, ranks);
      long.set(piece, ids);
    }
    return ids;
  };
}

/**
 * Tokens whose bytes start with a UTF-8 byte-order mark (EF BB BF), which gpt-tokenizer 4.0.0 never
 * finds: it decodes a byte key with a TextDecoder that drops a leading BOM, then looks the shortened
 * string up (so U+FEFF gave 2 tokens where js-tiktoken gives 1). Listed from the rank table on first use.
 */
class BomTokens {
  private byBytes: Map<string, number> | undefined;

  constructor(private readonly tokens: GptRanks) {}

  static starts(bytes: Uint8Array): boolean {
    return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  }

  rank(bytes: Uint8Array): number | undefined {
    if (!this.byBytes) {
      this.byBytes = new Map();
      this.tokens.forEach((value, rank) => {
        const b = typeof value === 'string' ? (value.charCodeAt(0) === 0xfeff ? utf8Bytes(value) : undefined) : value;
        if (b && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) this.byBytes?.set(b.join(','), rank);
      });
    }
    return this.byBytes.get(bytes.join(','));
  }
}

class GptTokenizerEngine implements Tokenizer {
  readonly engine = 'gpt-tokenizer';
  readonly name: string;
  private readonly lengths: ByteLengthCache;

  constructor(
    readonly encoding: EncodingName,
    private readonly api: GptEncoding,
    ranks: GptRanks,
  ) {
    this.name = encoding;
    installHeapMerge(api, ranks);
    this.lengths = new ByteLengthCache(ranks.length, (id) => {
      const value = ranks[id];
      if (typeof value === 'string') return utf8Length(value);
      if (value !== undefined) return value.length;
      return utf8Length(this.decodeSpecial(id));
    });
  }

  encode(text: string): number[] {
    return this.api.encode(text, PLAIN_TEXT);
  }

  count(text: string): number {
    return this.api.countTokens(text, PLAIN_TEXT);
  }

  decode(ids: number[]): string {
    return this.api.decode(ids);
  }

  tokenByteLength(id: number): number {
    return this.lengths.get(id);
  }

  private decodeSpecial(id: number): string {
    if (!Number.isInteger(id) || id < 0) throw unknownToken(id, this.encoding);
    try {
      return this.api.decode([id]);
    } catch {
      throw unknownToken(id, this.encoding);
    }
  }
}

/** Byte length of every mergeable token, read from the tiktoken rank file (base64 tokens, consecutive ranks). */
function tiktokenByteLengths(ranks: TiktokenBPE): Uint16Array {
  const lengths: number[] = [];
  for (const line of ranks.bpe_ranks.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const offset = Number.parseInt(fields[1], 10);
    for (let i = 2; i < fields.length; i++) lengths[offset + i - 2] = base64ByteLength(fields[i]);
  }
  return Uint16Array.from(lengths, (n) => n ?? 0);
}

function base64ByteLength(b64: string): number {
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor(((b64.length - padding) * 3) / 4);
}

class JsTiktokenEngine implements Tokenizer {
  readonly engine = 'js-tiktoken';
  readonly name: string;
  private lengths: Uint16Array | undefined;
  private specialLengths: Map<number, number> | undefined;

  constructor(
    readonly encoding: EncodingName,
    private readonly tiktoken: Tiktoken,
    private readonly ranks: TiktokenBPE,
  ) {
    this.name = encoding;
  }

  encode(text: string): number[] {
    return this.tiktoken.encode(text, [], []);
  }

  count(text: string): number {
    return this.encode(text).length;
  }

  decode(ids: number[]): string {
    return this.tiktoken.decode(ids);
  }

  tokenByteLength(id: number): number {
    this.lengths ??= tiktokenByteLengths(this.ranks);
    const length = this.lengths[id];
    if (length) return length;
    this.specialLengths ??= new Map(Object.entries(this.ranks.special_tokens).map(([text, rank]) => [rank, utf8Length(text)]));
    const special = this.specialLengths.get(id);
    if (special === undefined) throw unknownToken(id, this.encoding);
    return special;
  }
}

const tokenizers = new Map<string, Tokenizer>();

/** The tokenizer for an encoding and engine, loaded on first use (synchronously, ~0.2–1 s) and cached. */
export function getTokenizer(encoding: EncodingName = DEFAULT_ENCODING, engine: EngineName = DEFAULT_ENGINE): Tokenizer {
  if (!isEncodingName(encoding)) throw new RangeError(`Unknown encoding "${String(encoding)}"; use ${ENCODING_NAMES.join(' or ')}.`);
  if (!isEngineName(engine)) throw new RangeError(`Unknown tokenizer engine "${String(engine)}"; use ${ENGINE_NAMES.join(' or ')}.`);
  const key = `${encoding}/${engine}`;
  let tok = tokenizers.get(key);
  if (!tok) {
    if (engine === 'gpt-tokenizer') {
      const { api, ranks } = loadGptTokenizer(encoding);
      tok = new GptTokenizerEngine(encoding, api, ranks);
    } else {
      const { Tiktoken: TiktokenClass, ranks } = loadTiktoken(encoding);
      tok = new JsTiktokenEngine(encoding, new TiktokenClass(ranks), ranks);
    }
    tokenizers.set(key, tok);
  }
  return tok;
}

/** Whether {@link getTokenizer} already holds this tokenizer, i.e. the next call returns at once. */
export function isTokenizerLoaded(encoding: EncodingName = DEFAULT_ENCODING, engine: EngineName = DEFAULT_ENGINE): boolean {
  return tokenizers.has(`${encoding}/${engine}`);
}

/** Result of {@link countTokens}. */
export interface CountResult {
  count: number;
  /** True when a very long run had to be cut where a token could span the cut (see countTokens). */
  approximate: boolean;
}

/**
 * Longest run (UTF-16 units) of non-whitespace, or of whitespace, counted in one piece by
 * {@link countTokens}. BPE time grows with the square of a pre-token's length: measured here with
 * gpt-tokenizer, 16 K repeated letters take ~0.26 s, 64 K ~3.6 s and 200 K ~37 s, 16 K spaces ~1 s;
 * js-tiktoken needs ~21 s for 16 K letters. Pieces of at most 512 keep a 200 KB run well under a second.
 */
export const DEFAULT_MAX_RUN_CHARS = 512;

/**
 * Counts the tokens of `text` without letting one pathological run stall the caller. Runs (of non-whitespace, or of
 * whitespace) up to `maxRunChars` ({@link DEFAULT_MAX_RUN_CHARS}) are counted exactly; a longer run is counted in pieces,
 * cut where possible between characters no pre-token joins (letter|digit, digit|letter, digit|punctuation,
 * punctuation|digit, letter|punctuation but an apostrophe), which stays exact: base64, minified JSON, URLs, CJK prose with
 * punctuation. A run with no such place (200 KB of one letter, DNA, a long whitespace block) is cut anyway and
 * `approximate` is true: typically one or two tokens off per cut.
 */
export function countTokens(tok: Tokenizer, text: string, opts: { maxRunChars?: number } = {}): CountResult {
  const maxRun = Math.max(2, Math.floor(opts.maxRunChars ?? DEFAULT_MAX_RUN_CHARS));
  // Hugging Face tokenizers merge long pre-tokens in O(n log n) (hfBpe.ts) and have their own
  // pre-tokenizers, which the cut rules below do not describe: always exact.
  if (tok.encoding === 'huggingface') return { count: tok.count(text), approximate: false };
  if (text.length <= maxRun) return { count: tok.count(text), approximate: false };
  const { cuts, approximate } = planCuts(text, maxRun);
  if (cuts.length === 0) return { count: tok.count(text), approximate: false };
  let count = 0;
  let start = 0;
  for (const cut of cuts) {
    count += tok.count(text.slice(start, cut));
    start = cut;
  }
  count += tok.count(text.slice(start));
  return { count, approximate };
}

/** Same set as the `\s` class of the pre-tokenizer regexes. */
function isWhitespace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Cut positions inside runs longer than maxRun, and whether any of them may change the count. */
function planCuts(text: string, maxRun: number): { cuts: number[]; approximate: boolean } {
  const cuts: number[] = [];
  let approximate = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const space = isWhitespace(text.charCodeAt(i));
    let j = i + 1;
    while (j < n && isWhitespace(text.charCodeAt(j)) === space) j++;
    let pos = i;
    while (j - pos > maxRun) {
      const target = pos + maxRun;
      let cut = space ? -1 : findSafeCut(text, pos + Math.ceil(maxRun / 2), target);
      if (cut < 0) {
        cut = target;
        if (isLowSurrogate(text.charCodeAt(cut)) && isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
        approximate = true;
      }
      cuts.push(cut);
      pos = cut;
    }
    i = j;
  }
  return { cuts, approximate };
}

/**
 * Character classes deciding whether the o200k / cl100k pre-tokenizers join two neighbours (joiners: combining marks
 * and the apostrophe, which o200k attaches to letters).
 */
type CharClass = 'letter' | 'number' | 'punct' | 'joiner';

const LETTER = /^\p{L}$/u;
const NUMBER = /^\p{N}$/u;
const MARK = /^\p{M}$/u;

function classify(cp: number): CharClass {
  if (cp < 0x80) {
    if (cp >= 0x30 && cp <= 0x39) return 'number';
    if ((cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7a) return 'letter';
    return cp === 0x27 ? 'joiner' : 'punct';
  }
  const ch = String.fromCodePoint(cp);
  if (LETTER.test(ch)) return 'letter';
  if (NUMBER.test(ch)) return 'number';
  if (MARK.test(ch)) return 'joiner';
  return 'punct';
}

function isSafeBoundary(before: CharClass, after: CharClass): boolean {
  switch (before) {
    case 'letter':
      return after === 'number' || after === 'punct';
    case 'number':
      return after === 'letter' || after === 'punct';
    case 'punct':
      return after === 'number';
    case 'joiner':
      return false;
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The last position in [lo, hi] (scanning back from hi) where a cut cannot change the count, or -1. */
function findSafeCut(text: string, lo: number, hi: number): number {
  let after = text.codePointAt(hi) ?? 0;
  let p = hi;
  if (isLowSurrogate(text.charCodeAt(p)) && isHighSurrogate(text.charCodeAt(p - 1))) {
    p--;
    after = text.codePointAt(p) ?? 0;
  }
  let afterClass = classify(after);
  while (p > lo) {
    let q = p - 1;
    if (isLowSurrogate(text.charCodeAt(q)) && q > 0 && isHighSurrogate(text.charCodeAt(q - 1))) q--;
    const beforeClass = classify(text.codePointAt(q) ?? 0);
    if (isSafeBoundary(beforeClass, afterClass)) return p;
    afterClass = beforeClass;
    p = q;
  }
  return -1;
}
