// The heap merge must give the ids of a reference merge: js-tiktoken (which never uses our heap) is the
// reference, on degenerate long pre-tokens where gpt-tokenizer's path switches to the heap.
import { strict as assert } from 'node:assert';
import { getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import type { EncodingName } from '../../../src/core/tokens';
import { bpeHeapMerge, bpeShortMerge, MergeRanks, utf8Bytes } from '../../../src/core/bpeHeapMerge';

/** Deterministic pseudo-random integers in [0, n), the bench's generator. */
function lcg(seed: number): (n: number) => number {
  return (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 16) % n;
  };
}

/** Random bytes as base64 (short, unique pre-tokens: nearly all merged by our short merge). */
function randomBase64(bytes: number): string {
  const next = lcg(7);
  return Buffer.from(Array.from({ length: bytes }, () => next(256))).toString('base64');
}

/** Text drawn from a palette: words, digits, punctuation, whitespace, accents, CJK, emoji, lone surrogates, special-token strings. */
function randomMixed(pieces: number): string {
  const palette = [' the', 'Hello', "'s", ' 12345', '==', '+/', 'Zq9', '\n', '\n\n', '  ', '\t', 'é', 'e\u0301', '数据', '😀', '\ud800', '\udc00x', '<|endoftext|>', 'ß', ' ümlaut', '—', '$$', 'QUJD', '\ufeff'];
  const next = lcg(11);
  let s = '';
  for (let i = 0; i < pieces; i++) s += next(4) === 0 ? String.fromCharCode(33 + next(94)) : palette[next(palette.length)];
  return s;
}

function degenerateTexts(): Record<string, string> {
  const b64 = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 256)).toString('base64');
  return {
    'one char': '='.repeat(5000),
    letters: 'x'.repeat(4000),
    punctuation: '!?.,;:-_=+*#'.repeat(300),
    base64: b64,
    mixed: `abc ${'ab12=='.repeat(400)} ${'.'.repeat(700)}\n${'é'.repeat(600)}`,
    multibyte: '数据'.repeat(500) + '😀'.repeat(300) + 'ü'.repeat(400),
    spaces: `a${' '.repeat(2000)}b`,
    'random base64 (30 KB)': randomBase64(22_500),
    'random mixed text': randomMixed(6000),
    // U+FEFF is EF BB BF, which a default TextDecoder drops at the start of a byte key.
    'byte-order marks': `\ufeff${'a\ufeffb \ufeff\ufeff.\ufeff\ufeff\ufeff'.repeat(50)}\ufeff`,
  };
}

describe('bpeHeapMerge via gpt-tokenizer', () => {
  for (const encoding of ['o200k_base', 'cl100k_base'] as EncodingName[]) {
    for (const [name, text] of Object.entries(degenerateTexts())) {
      it(`gives js-tiktoken's ids on ${name} (${encoding})`, () => {
        const ids = getTokenizer(encoding, 'gpt-tokenizer').encode(text);
        assert.deepEqual(ids, getTokenizer(encoding, 'js-tiktoken').encode(text));
        assert.deepEqual(getTokenizer(encoding, 'gpt-tokenizer').encode(text), ids, 'a second encode (cached long pieces)');
        assert.equal(getTokenizer(encoding, 'gpt-tokenizer').count(text), ids.length);
        const t = tokenizeWithOffsets(getTokenizer(encoding, 'gpt-tokenizer'), text);
        assert.equal(t.ends[t.count - 1], text.length);
      });
    }
  }
});

describe('bpeHeapMerge and bpeShortMerge on a toy vocabulary', () => {
  // Every byte is a token; merges by rank: ab, aa, bb, abab, aab, bba, aaaa, abb.
  const vocab = ['a', 'b', 'ab', 'aa', 'bb', 'abab', 'aab', 'bba', 'aaaa', 'abb'];
  const rankOf = (bytes: Uint8Array): number | undefined => {
    const i = vocab.indexOf(String.fromCharCode(...bytes));
    return i < 0 ? undefined : i;
  };
  // tiktoken's loop, looking every pair up by its bytes.
  function reference(text: string): number[] {
    let parts = [...text];
    for (;;) {
      let best = -1;
      let lowest = Infinity;
      for (let i = 0; i + 1 < parts.length; i++) {
        const r = vocab.indexOf(parts[i] + parts[i + 1]);
        if (r >= 0 && r < lowest) [best, lowest] = [i, r];
      }
      if (best < 0) return parts.map((p) => vocab.indexOf(p));
      parts = [...parts.slice(0, best), parts[best] + parts[best + 1], ...parts.slice(best + 2)];
    }
  }

  it('both give the reference ids, also when the pair cache fills and clears (16 slots)', () => {
    let seed = 3;
    for (let k = 0; k < 200; k++) {
      const len = 1 + (k % 60);
      let text = '';
      for (let i = 0; i < len; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        text += seed >>> 31 ? 'a' : 'b';
      }
      const bytes = Buffer.from(text, 'latin1');
      const want = reference(text);
      assert.deepEqual(bpeHeapMerge(bytes, new MergeRanks(rankOf, 16)), want, text);
      assert.deepEqual(bpeShortMerge(bytes, new MergeRanks(rankOf, 16)), want, text);
      assert.deepEqual(bpeShortMerge(bytes, new MergeRanks(rankOf)), want, text);
    }
  });

  it('bpeShortMerge hands a piece of 256 bytes or more to the heap merge, with the same ids', () => {
    const next = lcg(5);
    for (const len of [255, 256, 300]) {
      const text = Array.from({ length: len }, () => (next(2) ? 'a' : 'b')).join('');
      assert.deepEqual(bpeShortMerge(Buffer.from(text, 'latin1'), new MergeRanks(rankOf)), reference(text), `${len} bytes`);
    }
  });

  it('throws on a byte the vocabulary has no token for', () => {
    assert.throws(() => bpeShortMerge(Buffer.from('abc', 'latin1'), new MergeRanks(rankOf)), /No token for byte 99/);
  });
});

describe('utf8Bytes', () => {
  it('writes what TextEncoder writes, lone surrogates as U+FFFD, short and long texts', () => {
    const enc = new TextEncoder();
    for (const text of ['', 'abc', 'é€数😀', '\ud800', 'a\udc00b', '\ud83d', '😀\ud800😀', 'x'.repeat(2000), '数'.repeat(1500) + '😀\udfff']) {
      assert.deepEqual([...utf8Bytes(text)], [...enc.encode(text)], JSON.stringify(text.slice(0, 20)));
    }
  });
});
