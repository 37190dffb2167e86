// The heap merge must give the ids of a reference merge: js-tiktoken (which never uses our heap) is the
// reference, on degenerate long pre-tokens where gpt-tokenizer's path switches to the heap.
import { strict as assert } from 'node:assert';
import { getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import type { EncodingName } from '../../../src/core/tokens';

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
