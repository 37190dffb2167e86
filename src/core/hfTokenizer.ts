/**
 * Any Hugging Face tokenizer (`tokenizer.json` + `tokenizer_config.json`) behind the same
 * {@link Tokenizer} interface as the OpenAI encodings, through `@huggingface/tokenizers` (pure JS,
 * no dependencies, nothing downloaded). Text is encoded as the model sees generated text: no BOS or
 * other special tokens are added, and added tokens (`<think>`, `<|im_end|>`) count as one token.
 *
 * Two hot spots of the library are replaced for speed, keeping its ids (tested against a second
 * implementation on real traces): the BPE merge (string pairs keyed by `JSON.stringify`, an LRU
 * cache that deletes and re-inserts on every hit) by an id-pair heap merge ({@link mergeIds}), and
 * the byte-level pre-tokenizer's per-byte object lookups by a table.
 */
import { Tokenizer as HfLibraryTokenizer } from '@huggingface/tokenizers';
import type { Tokenizer } from './tokens';
import { utf8Length } from './tokenOffsets';
import { buildMergeTable, mergeIds, type BpeMergeTable } from './hfBpe';

/** The files of one Hugging Face tokenizer, as text or parsed JSON. */
export interface HfTokenizerFiles {
  /** Name every figure is labelled with, e.g. `Qwen/Qwen3-8B`. */
  name: string;
  tokenizerJson: string | object;
  /** `tokenizer_config.json`; `{}` when the model has none. */
  tokenizerConfig?: string | object;
}

/** A Hugging Face tokenizer: a {@link Tokenizer} with the data exports and chat templates need. */
export interface HfTokenizer extends Tokenizer {
  readonly encoding: 'huggingface';
  readonly engine: '@huggingface/tokenizers';
  /** FNV-1a (32-bit, hex) of the vocabulary and merges: names the exact tokenizer in an export. */
  readonly fingerprint: string;
  /** The parsed `tokenizer_config.json` (chat template, special tokens). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Strings the tokenizer keeps whole (added tokens), longest first. */
  readonly addedTokens: readonly string[];
  /** The library's own encode, without the id-level fast path (tests and the bench compare the two). */
  encodeWithLibrary(text: string): number[];
  /** The pre-tokenizer's split pattern when it is one regex (null otherwise), as the library runs it. */
  readonly splitPattern: RegExp | null;
  /** The same pattern as tokenizer.json writes it (Oniguruma syntax). */
  readonly splitSource: string | null;
}

interface LibraryInternals {
  model: {
    tokens_to_ids: Map<string, number>;
    vocab: string[];
    merges?: (string | [string, string])[];
    config?: { type?: string; dropout?: number | null; byte_fallback?: boolean };
    end_of_word_suffix?: string | null;
    continuing_subword_suffix?: string | null;
    bpe?: (token: string) => string[];
  };
  pre_tokenizer: PreTokenizerNode | null;
  decoder: { config?: { type?: string } } | null;
  added_tokens: { content: string; id: number }[];
}

interface PreTokenizerNode {
  config?: { type?: string; use_regex?: boolean; add_prefix_space?: boolean; behavior?: string; invert?: boolean; pattern?: { Regex?: string; String?: string } };
  tokenizers?: PreTokenizerNode[];
  pattern?: RegExp | null;
  pre_tokenize_text?: (text: string, options?: unknown) => string[];
  _call?: (text: string, options?: unknown) => string[];
}

function parse(value: string | object | undefined, what: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'string') return value as Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
  }
}

/** GPT-2's byte → printable character table that byte-level BPE vocabularies are written in. */
function bytesToUnicode(): string[] {
  const table: string[] = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : 256 + extra++);
  }
  return table;
}

const BYTE_CHARS = bytesToUnicode();

/**
 * The UTF-8 bytes of `text` spelled with {@link BYTE_CHARS}, as the byte-level pre-tokenizer does
 * (a lone surrogate becomes U+FFFD, as `TextEncoder` encodes it). Encoded inline: `TextEncoder`
 * costs more per call than the whole conversion of a short pre-token.
 */
function byteLevelChars(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out += BYTE_CHARS[c];
      continue;
    }
    if (c < 0x800) {
      out += BYTE_CHARS[0xc0 | (c >> 6)] + BYTE_CHARS[0x80 | (c & 0x3f)];
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const low = text.charCodeAt(i + 1);
      if (c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        out += BYTE_CHARS[0xf0 | (cp >> 18)] + BYTE_CHARS[0x80 | ((cp >> 12) & 0x3f)] + BYTE_CHARS[0x80 | ((cp >> 6) & 0x3f)] + BYTE_CHARS[0x80 | (cp & 0x3f)];
        i++;
        continue;
      }
      c = 0xfffd;
    }
    out += BYTE_CHARS[0xe0 | (c >> 12)] + BYTE_CHARS[0x80 | ((c >> 6) & 0x3f)] + BYTE_CHARS[0x80 | (c & 0x3f)];
  }
  return out;
}

/** Pieces of `text` split by `pattern` with the matches kept ("Isolated"), gaps included. */
function splitIsolated(text: string, pattern: RegExp): string[] {
  const out: string[] = [];
  const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  let prev = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (prev < m.index) out.push(text.slice(prev, m.index));
    out.push(m[0]);
    prev = m.index + m[0].length;
  }
  if (prev < text.length) out.push(text.slice(prev));
  return out;
}

function forEachPreTokenizer(node: PreTokenizerNode | null, visit: (n: PreTokenizerNode) => void): void {
  if (!node) return;
  visit(node);
  for (const child of node.tokenizers ?? []) forEachPreTokenizer(child, visit);
}

/** Symbol ids of one pre-token; undefined when a symbol is not in the vocabulary (byte fallback). */
function symbolIds(token: string, table: BpeMergeTable): number[] | undefined {
  const ids: number[] = [];
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    const wide = c >= 0xd800 && c <= 0xdbff && i + 1 < token.length;
    const id = table.idOf(wide ? token.slice(i, i + 2) : token[i]);
    if (id === undefined) return undefined;
    ids.push(id);
    if (wide) i++;
  }
  return ids;
}

const MERGE_CACHE_LIMIT = 16_384;
const CACHED_TOKEN_CHARS = 256;

function installFastPaths(lib: LibraryInternals): BpeMergeTable | null {
  const model = lib.model;
  const cfg = model.config ?? {};
  if (cfg.type !== undefined && cfg.type !== 'BPE') return null;
  if (typeof model.bpe !== 'function' || !Array.isArray(model.merges) || cfg.dropout || model.end_of_word_suffix || model.continuing_subword_suffix) return null;
  const table = buildMergeTable(model.tokens_to_ids, (id) => model.vocab[id], model.merges);
  if (table) {
    const libraryMerge = model.bpe.bind(model);
    // A plain Map cleared when full: the library's LRU re-inserts on every hit, which slows V8's Map.
    const cache = new Map<string, string[]>();
    model.bpe = (token: string): string[] => {
      const hit = cache.get(token);
      if (hit) return hit;
      const ids = symbolIds(token, table);
      if (!ids) return libraryMerge(token);
      const merged = mergeIds(ids, table);
      const result = merged.map((id) => model.vocab[id]);
      if (token.length < CACHED_TOKEN_CHARS) {
        if (cache.size >= MERGE_CACHE_LIMIT) cache.clear();
        cache.set(token, result);
      }
      return result;
    };
  }
  forEachPreTokenizer(lib.pre_tokenizer, (node) => {
    if (isPlainByteLevel(node)) node.pre_tokenize_text = (text: string) => [byteLevelChars(text)];
  });
  // The common shape (Qwen2/2.5/3, Llama 3): one isolating regex split, then bytes. Done in one pass
  // instead of the library's reduce + map + flat over arrays.
  const top = lib.pre_tokenizer;
  const [split, bytes] = top?.tokenizers ?? [];
  if (top && top.tokenizers?.length === 2 && isIsolatingSplit(split) && isPlainByteLevel(bytes)) {
    const pattern = split.pattern;
    top._call = (text: string) => splitIsolated(text, pattern).map(byteLevelChars);
  }
  return table;
}

interface AddedTokenJson {
  content?: unknown;
  id?: unknown;
  normalized?: unknown;
  lstrip?: unknown;
  rstrip?: unknown;
  single_word?: unknown;
}

/**
 * The library's encode for the common shape of LLM tokenizers (added tokens kept whole, an optional
 * NFC normalizer, one isolating regex split, byte-level BPE), on ids from end to end: the library
 * maps every token to a string and back through several Maps. Built only when the tokenizer has
 * exactly that shape; the ids are the library's (see hfTokenizer.test.ts).
 */
class FastByteLevelEncoder {
  private readonly cache = new Map<string, number[]>();
  private readonly addedPattern: RegExp | null;

  private constructor(
    private readonly table: BpeMergeTable,
    private readonly split: RegExp,
    private readonly nfc: boolean,
    private readonly ignoreMerges: boolean,
    private readonly addedIds: Map<string, number>,
  ) {
    // Longest first, so that at one position the alternation takes the longest token, as the
    // library's trie does.
    const contents = [...addedIds.keys()].sort((a, b) => b.length - a.length);
    this.addedPattern = contents.length ? new RegExp(contents.map((c) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|'), 'g') : null;
  }

  static create(json: Record<string, unknown>, lib: LibraryInternals, table: BpeMergeTable | null, split: RegExp | null): FastByteLevelEncoder | null {
    if (!table || !split) return null;
    const normalizer = json.normalizer as { type?: string } | null | undefined;
    if (normalizer && normalizer.type !== 'NFC') return null;
    const pre = lib.pre_tokenizer;
    const [first, second] = pre?.tokenizers ?? [];
    if (!pre || pre.tokenizers?.length !== 2 || !isIsolatingSplit(first) || !isPlainByteLevel(second)) return null;
    const config = (lib as unknown as { config?: Record<string, unknown> }).config ?? {};
    if (config.remove_space === true || config.do_lowercase_and_remove_accent === true) return null;
    const added = new Map<string, number>();
    for (const t of (json.added_tokens ?? []) as AddedTokenJson[]) {
      if (typeof t.content !== 'string' || typeof t.id !== 'number' || t.content === '') return null;
      if (t.normalized === true || t.lstrip === true || t.rstrip === true || t.single_word === true) return null;
      if (!added.has(t.content)) added.set(t.content, t.id);
    }
    const model = lib.model as { ignore_merges?: boolean };
    return new FastByteLevelEncoder(table, new RegExp(split.source, split.flags.includes('g') ? split.flags : `${split.flags}g`), normalizer?.type === 'NFC', model.ignore_merges === true, added);
  }

  encode(text: string): number[] {
    const out: number[] = [];
    const re = this.addedPattern;
    let start = 0;
    if (re) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        if (m.index > start) this.encodeSection(text.slice(start, m.index), out);
        out.push(this.addedIds.get(m[0]) as number);
        start = m.index + m[0].length;
      }
    }
    if (start < text.length) this.encodeSection(start === 0 ? text : text.slice(start), out);
    return out;
  }

  private encodeSection(section: string, out: number[]): void {
    const text = this.nfc ? section.normalize('NFC') : section;
    const re = this.split;
    re.lastIndex = 0;
    let prev = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      if (prev < m.index) this.encodePiece(text.slice(prev, m.index), out);
      this.encodePiece(m[0], out);
      prev = m.index + m[0].length;
    }
    if (prev < text.length) this.encodePiece(text.slice(prev), out);
  }

  private encodePiece(piece: string, out: number[]): void {
    let ids = this.cache.get(piece);
    if (!ids) {
      const chars = byteLevelChars(piece);
      const whole = this.ignoreMerges ? this.table.idOf(chars) : undefined;
      ids = whole !== undefined ? [whole] : mergeIds(symbolIds(chars, this.table) as number[], this.table);
      if (piece.length < CACHED_TOKEN_CHARS) {
        if (this.cache.size >= MERGE_CACHE_LIMIT) this.cache.clear();
        this.cache.set(piece, ids);
      }
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
  }
}

function isPlainByteLevel(node: PreTokenizerNode | undefined): boolean {
  const c = node?.config;
  return c?.type === 'ByteLevel' && c.use_regex === false && !c.add_prefix_space && typeof node?.pre_tokenize_text === 'function';
}

function isIsolatingSplit(node: PreTokenizerNode | undefined): node is PreTokenizerNode & { pattern: RegExp } {
  const c = node?.config;
  return c?.type === 'Split' && !c.invert && (c.behavior ?? '').toLowerCase() === 'isolated' && node?.pattern instanceof RegExp;
}

/** FNV-1a over the model type, vocabulary (token and id), merges and added tokens. */
function fingerprintOf(json: Record<string, unknown>): string {
  let h = 0x811c9dc5;
  const mix = (s: string): void => {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x0a, 0x01000193);
  };
  const model = (json.model ?? {}) as { type?: string; vocab?: unknown; merges?: unknown[] };
  mix(String(model.type ?? ''));
  if (model.vocab && typeof model.vocab === 'object') {
    if (Array.isArray(model.vocab)) for (const v of model.vocab) mix(JSON.stringify(v));
    else
      for (const [k, v] of Object.entries(model.vocab as Record<string, unknown>)) {
        mix(k);
        h = Math.imul(h ^ Number(v), 0x01000193);
      }
  }
  for (const m of model.merges ?? []) mix(Array.isArray(m) ? m.join(' ') : String(m));
  for (const t of (json.added_tokens ?? []) as { content?: string; id?: number }[]) mix(`${t.id}\t${t.content}`);
  return (h >>> 0).toString(16).padStart(8, '0');
}

class HfEngine implements HfTokenizer {
  readonly encoding = 'huggingface';
  readonly engine = '@huggingface/tokenizers';
  readonly fingerprint: string;
  readonly addedTokens: readonly string[];
  readonly splitPattern: RegExp | null;
  readonly splitSource: string | null;
  private readonly lib: HfLibraryTokenizer;
  private readonly internals: LibraryInternals;
  private readonly byteLevel: boolean;
  private readonly added: Map<number, string>;
  private readonly lengths: Int32Array;
  private readonly fast: FastByteLevelEncoder | null;

  constructor(
    readonly name: string,
    json: Record<string, unknown>,
    readonly config: Readonly<Record<string, unknown>>,
  ) {
    try {
      this.lib = new HfLibraryTokenizer(json, config);
    } catch (e) {
      throw new Error(`${name}: not a tokenizer this library can load (${(e as Error).message})`, { cause: e });
    }
    this.internals = this.lib as unknown as LibraryInternals;
    const table = installFastPaths(this.internals);
    this.fingerprint = fingerprintOf(json);
    this.added = new Map(this.internals.added_tokens.map((t) => [t.id, t.content]));
    this.addedTokens = [...new Set(this.added.values())].sort((a, b) => b.length - a.length);
    this.byteLevel = this.internals.decoder?.config?.type === 'ByteLevel';
    this.lengths = new Int32Array(this.internals.model.vocab.length).fill(-1);
    let split: PreTokenizerNode | undefined;
    let splits = 0;
    forEachPreTokenizer(this.internals.pre_tokenizer, (n) => {
      if (n.config?.type === 'Split') {
        splits++;
        split = n;
      }
    });
    const one = splits === 1 ? (split as PreTokenizerNode | undefined) : undefined;
    this.splitPattern = one?.pattern ?? null;
    this.splitSource = one?.config?.pattern?.Regex ?? null;
    this.fast = FastByteLevelEncoder.create(json, this.internals, table, this.splitPattern);
  }

  encode(text: string): number[] {
    if (text === '') return [];
    if (this.fast) return this.fast.encode(text);
    return this.lib.encode(text, { add_special_tokens: false }).ids;
  }

  encodeWithLibrary(text: string): number[] {
    if (text === '') return [];
    return this.lib.encode(text, { add_special_tokens: false }).ids;
  }

  count(text: string): number {
    return this.encode(text).length;
  }

  decode(ids: number[]): string {
    if (ids.length === 0) return '';
    return this.lib.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  tokenByteLength(id: number): number {
    if (!(Number.isInteger(id) && id >= 0 && id < this.lengths.length)) throw new RangeError(`Token id ${id} is not in ${this.name}.`);
    const cached = this.lengths[id];
    if (cached >= 0) return cached;
    const length = this.computeByteLength(id);
    this.lengths[id] = length;
    return length;
  }

  private computeByteLength(id: number): number {
    const added = this.added.get(id);
    if (added !== undefined) return utf8Length(added);
    const token = this.internals.model.vocab[id];
    if (token === undefined) throw new RangeError(`Token id ${id} is not in ${this.name}.`);
    // Byte-level vocabularies spell each byte as one character.
    if (this.byteLevel) return token.length;
    // SentencePiece-style: `<0xNN>` is one byte, `▁` a space.
    if (/^<0x[0-9A-Fa-f]{2}>$/.test(token)) return 1;
    return utf8Length(token.replace(/\u2581/g, ' '));
  }
}

/**
 * Loads a Hugging Face tokenizer from its files. Throws an Error naming the tokenizer when the
 * JSON is not valid or describes a tokenizer the library cannot build. Loading a 10 MB
 * `tokenizer.json` takes about a second; callers keep the result.
 */
export function createHfTokenizer(files: HfTokenizerFiles): HfTokenizer {
  const json = parse(files.tokenizerJson, `${files.name}: tokenizer.json`);
  const config = parse(files.tokenizerConfig, `${files.name}: tokenizer_config.json`);
  if (!json.model || typeof json.model !== 'object') throw new Error(`${files.name}: tokenizer.json has no "model"; is it a Hugging Face tokenizer.json?`);
  json.added_tokens ??= [];
  return new HfEngine(files.name, json, config);
}

/** Whether a tokenizer counts in a Hugging Face tokenizer's tokens. */
export function isHfTokenizer(tok: Tokenizer): tok is HfTokenizer {
  return tok.encoding === 'huggingface';
}
