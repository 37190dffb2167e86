// Both tokenizer engines must give identical ids on every real trace and on known strings, and every cut
// and count built on them must stay exact (fast-check for the random cases).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  DEFAULT_ENCODING,
  DEFAULT_ENGINE,
  DEFAULT_MAX_RUN_CHARS,
  ENCODING_NAMES,
  ENGINE_NAMES,
  countTokens,
  cutText,
  getTokenizer,
  isEncodingName,
  isEngineName,
  tokenizeWithOffsets,
  utf8Length,
} from '../../../src/core/tokens';
import type { Tokenizer } from '../../../src/core/tokens';
import type { EncodingName, EngineName } from '../../../src/core/types';

const dataDir = path.resolve(__dirname, '../../../../shared/data');
const DATA_FILES = ['gsm8k_faithfulcot_gpt4_cot.jsonl', 'math_qwen25math_cot100x8.jsonl', 'math_l5_zeroeval_qwen25_72b.jsonl'];

interface Row {
  id: string;
  question: string;
  output: string;
}

const rowsCache = new Map<string, Row[]>();
function readRows(file: string): Row[] {
  let rows = rowsCache.get(file);
  if (!rows) {
    rows = readFileSync(path.join(dataDir, file), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Row);
    rowsCache.set(file, rows);
  }
  return rows;
}

const encoder = new TextEncoder();
const bytesOf = (s: string): number => encoder.encode(s).length;

// Lone surrogates are legal in JS strings and in traces; tokenizers see them as U+FFFD.
const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isHigh(c) && isLow(text.charCodeAt(i + 1))) i++;
    else if (isHigh(c) || isLow(c)) return false;
  }
  return true;
}

/** UTF-8 offset (by TextEncoder) of every code point boundary of `text`, keyed by UTF-16 offset. */
function charBoundaries(text: string): Map<number, number> {
  const map = new Map<number, number>([[0, 0]]);
  let units = 0;
  let bytes = 0;
  for (const ch of text) {
    units += ch.length;
    bytes += bytesOf(ch);
    map.set(units, bytes);
  }
  return map;
}

/**
 * Checks every cut of `text` against the contract of tokenizeWithOffsets / cutText. `exhaustive`
 * also encodes each cut and decodes each token prefix (quadratic, so only for short texts).
 */
function checkOffsets(tok: Tokenizer, text: string, exhaustive = true): void {
  const ids = tok.encode(text);
  const t = tokenizeWithOffsets(tok, text);
  assert.equal(t.count, ids.length);
  assert.equal(t.ends.length, ids.length);
  if (t.count > 0) assert.equal(t.ends[t.count - 1], text.length, 'last end is the text length');
  const boundaries = charBoundaries(text);
  const boundaryBytes = new Set(boundaries.values());
  const wellFormed = isWellFormed(text);
  let tokenBytes = 0;
  let prevEnd = 0;
  for (let k = 1; k <= t.count; k++) {
    tokenBytes += tok.tokenByteLength(ids[k - 1]);
    const end = t.ends[k - 1];
    assert.ok(end >= prevEnd, `ends non-decreasing at k=${k}`);
    prevEnd = end;
    const cut = cutText(text, t, k);
    assert.equal(cut, text.slice(0, end));
    const cutBytes = boundaries.get(end);
    assert.ok(cutBytes !== undefined, `cut ${k} at ${end} is not a character boundary`);
    if (exhaustive) assert.equal(bytesOf(cut), cutBytes);
    assert.ok(cutBytes <= tokenBytes, `cut ${k}: ${cutBytes} bytes > ${tokenBytes} token bytes`);
    if (boundaryBytes.has(tokenBytes)) {
      assert.equal(cutBytes, tokenBytes, `cut ${k} on a char boundary keeps all token bytes`);
      if (wellFormed && (exhaustive || k % 64 === 0)) assert.equal(cut, tok.decode(ids.slice(0, k)), `cut ${k} equals the decoded prefix`);
    } else if (end < text.length) {
      const next = text.codePointAt(end) ?? 0;
      assert.ok(cutBytes + bytesOf(String.fromCodePoint(next)) > tokenBytes, `cut ${k} is the largest boundary`);
    }
  }
  assert.equal(tokenBytes, utf8Length(text), 'token bytes add up to the text bytes');
  assert.equal(tokenBytes, bytesOf(text));
  assert.equal(cutText(text, t, 0), '');
  assert.equal(cutText(text, t, t.count + 5), text);
}

// Texts where bytes, code units and characters disagree: every cut there is a chance to split a character.
const SAMPLES: Record<string, string> = {
  emoji: 'Ok 😀👍🏽 family 👨‍👩‍👧‍👦 flag 🇫🇷🇯🇵 and 🧑🏿‍🚀!',
  cjk: '你好，世界。日本語のテキストと한국어 문장。进一步测试：中文标点符号“引号”。',
  combining: 'e\u0301te\u0301 n\u0303 Z\u0324\u0354\u0367\u0311\u0313 a\u0300\u0301\u0302\u0303\u0304 क्षि',
  mixed: 'Price: €12.50 → ≈ ¥1 900; x² + y² = z²; 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ʻokina; مرحبا بالعالم; Ελληνικά; \\boxed{\\frac{1}{2}}\n\n\tTabs\r\nend',
  loneSurrogates: 'a\ud800b \udc00c 😀\ud83d',
  specialText: 'before <|endoftext|> after <|im_start|>user',
};

describe('tokens', function () {
  // Loading one rank table takes ~1 s, more on a busy machine.
  this.timeout(180_000);
  describe('names and defaults', () => {
    it('lists encodings and engines and recognizes them', () => {
      assert.deepEqual([...ENCODING_NAMES], ['o200k_base', 'cl100k_base']);
      assert.deepEqual([...ENGINE_NAMES], ['gpt-tokenizer', 'js-tiktoken']);
      assert.equal(DEFAULT_ENCODING, 'o200k_base');
      assert.equal(DEFAULT_ENGINE, 'gpt-tokenizer');
      assert.ok(isEncodingName('cl100k_base'));
      assert.ok(!isEncodingName('p50k_base'));
      assert.ok(isEngineName('js-tiktoken'));
      assert.ok(!isEngineName('tiktoken'));
    });

    it('defaults to o200k_base with gpt-tokenizer and caches instances', () => {
      const tok = getTokenizer();
      assert.equal(tok.encoding, 'o200k_base');
      assert.equal(tok.engine, 'gpt-tokenizer');
      assert.equal(getTokenizer('o200k_base', 'gpt-tokenizer'), tok);
      assert.notEqual(getTokenizer('cl100k_base', 'gpt-tokenizer'), tok);
    });

    it('rejects unknown names with a RangeError', () => {
      assert.throws(() => getTokenizer('p50k_base' as EncodingName), RangeError);
      assert.throws(() => getTokenizer('o200k_base', 'tiktoken' as EngineName), /Unknown tokenizer engine "tiktoken"/);
    });
  });

  describe('known ids', () => {
    const known: Record<EncodingName, Record<string, number[]>> = {
      o200k_base: {
        'hello world': [24912, 2375],
        'Hello, world!': [13225, 11, 2375, 0],
        '😀': [84083],
        '你好，世界': [177519, 979, 28428],
      },
      cl100k_base: {
        'hello world': [15339, 1917],
        'Hello, world!': [9906, 11, 1917, 0],
        // cl100k has no token for 😀: its four bytes are split over two tokens.
        '😀': [76460, 222],
        '你好，世界': [57668, 53901, 3922, 3574, 244, 98220],
      },
    };
    for (const encoding of ENCODING_NAMES) {
      for (const engine of ENGINE_NAMES) {
        it(`${encoding} / ${engine}`, () => {
          const tok = getTokenizer(encoding, engine);
          for (const [text, ids] of Object.entries(known[encoding])) {
            assert.deepEqual(tok.encode(text), ids, text);
            assert.equal(tok.count(text), ids.length, text);
            assert.equal(tok.decode(ids), text);
          }
          assert.equal(tok.encode('').length, 0);
          assert.equal(countTokens(tok, '').count, 0);
        });
      }
    }

    it('encodes special-token text as ordinary text on both engines', () => {
      for (const encoding of ENCODING_NAMES) {
        const a = getTokenizer(encoding, 'gpt-tokenizer').encode(SAMPLES.specialText);
        const b = getTokenizer(encoding, 'js-tiktoken').encode(SAMPLES.specialText);
        assert.deepEqual(a, b);
        // User text that spells a special token must not become it (an API treats it as text too).
        assert.ok(!a.includes(encoding === 'o200k_base' ? 199999 : 100257), 'no <|endoftext|> id');
      }
      assert.deepEqual(getTokenizer('o200k_base').encode('<|endoftext|>'), [27, 91, 419, 1440, 919, 91, 29]);
    });
  });

  describe('token byte lengths', () => {
    for (const encoding of ENCODING_NAMES) {
      it(`agree between engines for every mergeable id of ${encoding}`, () => {
        const a = getTokenizer(encoding, 'gpt-tokenizer');
        const b = getTokenizer(encoding, 'js-tiktoken');
        // Ids below these are the mergeable ranks; the special tokens come after.
        const vocab = encoding === 'o200k_base' ? 199998 : 100256;
        let total = 0;
        for (let id = 0; id < vocab; id++) {
          const n = a.tokenByteLength(id);
          assert.equal(b.tokenByteLength(id), n, `id ${id}`);
          total += n;
        }
        // ' world' is 6 bytes; 222 and 76460 are the two halves of the 4-byte 😀 in cl100k.
        assert.equal(a.tokenByteLength(encoding === 'o200k_base' ? 2375 : 1917), 6);
        if (encoding === 'cl100k_base') assert.equal(a.tokenByteLength(76460) + a.tokenByteLength(222), 4);
        assert.ok(total > vocab * 5, 'average token is longer than 5 bytes');
      });
    }

    it('knows special ids and rejects unknown ones', () => {
      assert.equal(getTokenizer('o200k_base', 'js-tiktoken').tokenByteLength(199999), '<|endoftext|>'.length);
      assert.equal(getTokenizer('cl100k_base', 'gpt-tokenizer').tokenByteLength(100257), '<|endoftext|>'.length);
      for (const engine of ENGINE_NAMES) {
        const tok = getTokenizer('o200k_base', engine);
        // Negative, fractional and out-of-range ids must throw, never return a length.
        for (const bad of [-1, 1.5, 10_000_000]) assert.throws(() => tok.tokenByteLength(bad), RangeError, `${engine} ${bad}`);
      }
    });
  });

  describe('engine parity on the real traces', () => {
    // Totals pin the exact tokenization (gpt-tokenizer 4.0.0 / js-tiktoken 1.0.21).
    const totals: Record<EncodingName, Record<string, [number, number]>> = {
      o200k_base: {
        'gsm8k_faithfulcot_gpt4_cot.jsonl': [144327, 77107],
        'math_qwen25math_cot100x8.jsonl': [296912, 57768],
        'math_l5_zeroeval_qwen25_72b.jsonl': [350072, 58370],
      },
      cl100k_base: {
        'gsm8k_faithfulcot_gpt4_cot.jsonl': [145130, 77789],
        'math_qwen25math_cot100x8.jsonl': [296216, 57760],
        'math_l5_zeroeval_qwen25_72b.jsonl': [348135, 58287],
      },
    };
    for (const encoding of ENCODING_NAMES) {
      for (const file of DATA_FILES) {
        it(`${encoding}: identical ids for every output and question of ${file}`, () => {
          const a = getTokenizer(encoding, 'gpt-tokenizer');
          const b = getTokenizer(encoding, 'js-tiktoken');
          const rows = readRows(file);
          const mismatches: string[] = [];
          let outputTokens = 0;
          let questionTokens = 0;
          for (const row of rows) {
            for (const field of ['output', 'question'] as const) {
              const ids = a.encode(row[field]);
              const ref = b.encode(row[field]);
              if (ids.length !== ref.length || ids.some((id, i) => id !== ref[i])) mismatches.push(`${row.id}.${field}`);
              if (field === 'output') outputTokens += ids.length;
              else questionTokens += ids.length;
            }
          }
          assert.deepEqual(mismatches, []);
          assert.deepEqual([outputTokens, questionTokens], totals[encoding][file]);
        });
      }
    }

    it('decodes every output back to the same text', () => {
      for (const engine of ENGINE_NAMES) {
        const tok = getTokenizer('o200k_base', engine);
        for (const row of readRows(DATA_FILES[1])) assert.equal(tok.decode(tok.encode(row.output)), row.output, row.id);
      }
    });
  });

  describe('offsets and cuts', () => {
    for (const [name, text] of Object.entries(SAMPLES)) {
      it(`${name}: every cut is a whole-character prefix within the token bytes`, () => {
        for (const encoding of ENCODING_NAMES) {
          for (const engine of ENGINE_NAMES) checkOffsets(getTokenizer(encoding, engine), text);
        }
      });
    }

    it('drops a partial trailing character: 😀 is two tokens in cl100k_base', () => {
      const tok = getTokenizer('cl100k_base');
      const text = 'a😀b';
      const t = tokenizeWithOffsets(tok, text);
      assert.deepEqual(tok.encode(text), [64, 76460, 222, 65]);
      // After the first half of 😀 the cut cannot include it, so the end stays at 1.
      assert.deepEqual([...t.ends], [1, 1, 3, 4]);
      assert.equal(cutText(text, t, 2), 'a');
      assert.equal(cutText(text, t, 3), 'a😀');
    });

    it('maps CJK characters split across tokens', () => {
      const tok = getTokenizer('cl100k_base', 'js-tiktoken');
      const text = '你好，世界';
      const t = tokenizeWithOffsets(tok, text);
      // 世 (3 bytes) is split into tokens 3574 (2 bytes) and 244 (1 byte).
      assert.deepEqual([...t.ends], [1, 2, 3, 3, 4, 5]);
      assert.equal(cutText(text, t, 4), '你好，');
      assert.equal(cutText(text, t, 5), '你好，世');
    });

    it('returns nothing for empty text and handles fractional k', () => {
      const tok = getTokenizer();
      const empty = tokenizeWithOffsets(tok, '');
      assert.equal(empty.count, 0);
      assert.equal(cutText('', empty, 3), '');
      const t = tokenizeWithOffsets(tok, 'hello world');
      // A fractional k is floored and a negative one keeps nothing.
      assert.equal(cutText('hello world', t, 1.7), 'hello');
      assert.equal(cutText('hello world', t, -2), '');
    });

    it('holds on every real trace', () => {
      const tok = getTokenizer();
      // Not exhaustive: decoding every prefix of ~3,000 traces would be quadratic.
      for (const file of DATA_FILES) for (const row of readRows(file)) checkOffsets(tok, row.output, false);
    });

    it('holds for random unicode strings (fast-check)', () => {
      const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
      const text = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        fc.string({ unit: anyUnit, maxLength: 40 }),
        fc.array(fc.constantFrom('a', ' ', '😀', '你', 'e\u0301', '\n', '1', '"', "'", 'ß', '\ud800'), { maxLength: 50 }).map((a) => a.join('')),
      );
      fc.assert(
        fc.property(text, fc.constantFrom(...ENCODING_NAMES), (s, encoding) => {
          const tok = getTokenizer(encoding);
          checkOffsets(tok, s);
          assert.deepEqual(tok.encode(s), getTokenizer(encoding, 'js-tiktoken').encode(s));
        }),
        // A fixed seed keeps the run reproducible; a failure prints the shrunk counterexample.
        { numRuns: 300, seed: 20240611 },
      );
    });
  });

  describe('countTokens', () => {
    it('is exact on ordinary text', () => {
      for (const encoding of ENCODING_NAMES) {
        const tok = getTokenizer(encoding);
        for (const row of readRows(DATA_FILES[2])) {
          assert.deepEqual(countTokens(tok, row.output), { count: tok.encode(row.output).length, approximate: false }, row.id);
        }
      }
    });

    it('stays exact when every cut falls where no token can span (small maxRunChars on real traces)', () => {
      for (const encoding of ENCODING_NAMES) {
        const tok = getTokenizer(encoding);
        for (const [maxRunChars, minExactWithCuts] of [
          [16, 500],
          [48, 5],
        ]) {
          // Rows with a run longer than maxRunChars were cut; they must still count exactly unless flagged.
          let exactWithCuts = 0;
          let approximate = 0;
          for (const file of DATA_FILES) {
            for (const row of readRows(file)) {
              const r = countTokens(tok, row.output, { maxRunChars });
              const exact = tok.count(row.output);
              if (r.approximate) {
                approximate++;
                // The bound the test allows: two tokens per forced cut.
                assert.ok(Math.abs(r.count - exact) <= Math.ceil(row.output.length / maxRunChars) * 2, row.id);
              } else {
                assert.equal(r.count, exact, `${encoding} ${row.id} maxRunChars=${maxRunChars}`);
                if (new RegExp(`\\S{${maxRunChars + 1},}`).test(row.output)) exactWithCuts++;
              }
            }
          }
          assert.ok(exactWithCuts >= minExactWithCuts, `${encoding}/${maxRunChars}: ${exactWithCuts} rows were cut and stayed exact`);
          assert.ok(approximate > 0, `${encoding}/${maxRunChars}: some rows need an approximate cut`);
        }
      }
    });

    it('stays exact for random strings whenever it says so (fast-check)', () => {
      const text = fc
        .array(fc.constantFrom('a', 'B', 'z', '7', '0', '+', '/', '=', "'", '-', ' ', '\n', '😀', '你', '，', 'é', '\u0301', '²', '\u00a0', '\ud800', '\udc00'), { maxLength: 120 })
        .map((a) => a.join(''));
      fc.assert(
        fc.property(text, fc.integer({ min: 2, max: 12 }), fc.constantFrom(...ENCODING_NAMES), (s, maxRunChars, encoding) => {
          const tok = getTokenizer(encoding);
          const r = countTokens(tok, s, { maxRunChars });
          if (!r.approximate) assert.equal(r.count, tok.count(s));
          assert.equal(countTokens(tok, s, { maxRunChars: 1e9 }).count, tok.count(s));
        }),
        { numRuns: 400, seed: 7 },
      );
    });

    it('counts a 200 KB base64 line exactly in pieces', () => {
      let seed = 12345;
      const bytes = new Uint8Array(153_600);
      for (let i = 0; i < bytes.length; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        bytes[i] = seed >>> 24;
      }
      // A pasted data URL: one 200 KB line, yet exact, because base64 has letter|digit places no pre-token spans.
      const line = `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
      assert.ok(line.length > 200_000);
      for (const encoding of ENCODING_NAMES) {
        const tok = getTokenizer(encoding);
        const r = countTokens(tok, `Describe this image:\n${line}\nThanks.`);
        assert.deepEqual(r, { count: tok.count(`Describe this image:\n${line}\nThanks.`), approximate: false });
      }
    });

    it('cuts 200 KB unbreakable runs into pieces and says the count is approximate', () => {
      const tok = getTokenizer();
      // Exact counts of these runs (measured once; encoding them whole takes ~40 s).
      const letters = countTokens(tok, 'a'.repeat(204_800));
      assert.equal(letters.approximate, true);
      assert.ok(Math.abs(letters.count - 25_600) <= 25_600 * 0.01, `${letters.count}`);
      const spaces = countTokens(tok, `x${' '.repeat(204_800)}y`);
      assert.equal(spaces.approximate, true);
      assert.ok(spaces.count > 1000 && spaces.count < 3000, `${spaces.count}`);
      let seed = 99;
      let dna = '';
      for (let i = 0; i < 8192; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        dna += 'ACGT'[seed >>> 30];
      }
      // Random ACGT has no safe cut point, so the guard must cut and say so.
      const r = countTokens(tok, dna, { maxRunChars: DEFAULT_MAX_RUN_CHARS });
      assert.equal(r.approximate, true);
      const exact = tok.count(dna);
      assert.ok(Math.abs(r.count - exact) <= Math.ceil(dna.length / DEFAULT_MAX_RUN_CHARS) * 2, `${r.count} vs ${exact}`);
    });
  });

  describe('gpt-tokenizer merge path', () => {
    // tokens.ts replaces the library's bytePairEncode (string-keyed LRU cache, then its own merge) with
    // ours. This reads the library's internals on purpose: if an upgrade renames them, the replacement
    // silently stops (the cache fills again, or is gone), and this test says so.
    const cacheSize = (tok: Tokenizer): number | undefined =>
      (tok as unknown as { api: { bytePairEncodingCoreProcessor?: { mergeCache?: Map<string, unknown> } } }).api.bytePairEncodingCoreProcessor?.mergeCache?.size;

    it('merges with our code (the library cache stays empty), and counts stay exact', () => {
      const tok = getTokenizer('o200k_base', 'gpt-tokenizer');
      const ref = getTokenizer('o200k_base', 'js-tiktoken');
      let seed = 3;
      const word = (): string => {
        let w = ' ';
        for (let k = 0; k < 7; k++) w += String.fromCharCode(97 + ((seed = (seed * 48271) % 2147483647) % 26));
        return w;
      };
      const words = Array.from({ length: 6000 }, word);
      for (let i = 0; i < words.length; i += 500) {
        const text = words.slice(i, i + 500).join('');
        assert.equal(tok.count(text), ref.count(text));
        assert.deepEqual(tok.encode(text), ref.encode(text));
      }
      assert.equal(cacheSize(tok), 0, 'gpt-tokenizer filled its own merge cache (or no longer exposes bytePairEncodingCoreProcessor.mergeCache)');
      const paste = 'x7Q'.repeat(30_000);
      assert.deepEqual(countTokens(tok, paste), { count: ref.count(paste), approximate: false });
    });

    it('gives the same ids for long pre-tokens served from its cache, before and after the cache empties', () => {
      const tok = getTokenizer('cl100k_base', 'gpt-tokenizer');
      const ref = getTokenizer('cl100k_base', 'js-tiktoken');
      let seed = 9;
      // 300 distinct runs of 64–199 letters (more than the cache holds), then the first ones again.
      const runs = Array.from({ length: 300 }, (_, i) => {
        let w = ' ';
        for (let k = 0; k < 64 + (i % 136); k++) w += String.fromCharCode(97 + ((seed = (seed * 48271) % 2147483647) % 26));
        return w;
      });
      const text = runs.join('') + runs.slice(0, 40).join('');
      const want = ref.encode(text);
      assert.deepEqual(tok.encode(text), want);
      assert.deepEqual(tok.encode(text), want);
    });
  });
});
