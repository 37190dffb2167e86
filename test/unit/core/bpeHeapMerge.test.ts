// The heap merge must give the ids of a reference merge: js-tiktoken (which never uses our heap) is the
// reference, on degenerate long pre-tokens where gpt-tokenizer's path switches to the heap.
import { strict as assert } from 'node:assert';
import { getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import type { EncodingName } from '../../../src/core/tokens';
import { bpeHeapMerge, bpeShortMerge, MergeRanks } from '../../../src/core/bpeHeapMerge';

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
  };
}

describe('bpeHeapMerge via gpt-tokenizer', () => {
  for (const encoding of ['o200k_base', 'cl100k_base'] as EncodingName[]) {
    for (const [name, text] of Object.entries(degenerateTexts())) {
      it(`gives js-tiktoken's ids on ${name} (${encoding})`, () => {
        const ids = getTokenizer(encoding, 'gpt-tokenizer').encode(text);
        assert.deepEqual(ids, getTokenizer(encoding, 'js-tiktoken').encode(text));
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

  it('throws on a byte the vocabulary has no token for', () => {
    assert.throws(() => bpeShortMerge(Buffer.from('abc', 'latin1'), new MergeRanks(rankOf)), /No token for byte 99/);
  });
});
