// Token offsets decide where every cutoff cuts a trace: a cut must be whole characters within the bytes
// of the kept tokens, on both engines.
import assert from 'node:assert/strict';
import { cutText, tokenizeWithOffsets, utf8Length } from '../../../src/core/tokenOffsets';
import { getTokenizer } from '../../../src/core/tokens';

// Lone surrogates are encoded as U+FFFD (3 bytes) by TextEncoder, and utf8Length must agree.
const samples = ['', 'plain ascii', 'café', '日本語のテキスト', 'emoji 👍🏽 and 🇫🇷', 'lone \ud800 surrogate', 'tail \udc00', 'mixed Ω≈ç√ 12,345.67\n\tend'];

describe('core/tokenOffsets', () => {
  it('utf8Length equals what TextEncoder writes, lone surrogates included', () => {
    const enc = new TextEncoder();
    for (const s of samples) assert.equal(utf8Length(s), enc.encode(s).length, JSON.stringify(s));
  });

  for (const engine of ['gpt-tokenizer', 'js-tiktoken'] as const) {
    it(`tokenizeWithOffsets gives one rising end per token, ending at the text's length (${engine})`, () => {
      const tok = getTokenizer('o200k_base', engine);
      for (const s of samples) {
        const t = tokenizeWithOffsets(tok, s);
        assert.equal(t.count, tok.encode(s).length, s);
        for (let k = 1; k < t.count; k++) assert.ok(t.ends[k] >= t.ends[k - 1], s);
        if (t.count > 0) assert.equal(t.ends[t.count - 1], s.length, s);
      }
    });
  }

  it('cutText keeps whole tokens and whole characters only', () => {
    const tok = getTokenizer('o200k_base');
    const text = 'The answer is 42. 👍🏽👍🏽 done';
    const t = tokenizeWithOffsets(tok, text);
    assert.equal(cutText(text, t, 0), '');
    assert.equal(cutText(text, t, -1), '');
    assert.equal(cutText(text, t, t.count), text);
    assert.equal(cutText(text, t, t.count + 5), text);
    assert.equal(cutText(text, t, 2.7), cutText(text, t, 2));
    const ids = tok.encode(text);
    for (let k = 1; k < t.count; k++) {
      const cut = cutText(text, t, k);
      assert.ok(text.startsWith(cut));
      // Never more bytes than the first k tokens hold, and never a broken surrogate pair.
      const bytes = ids.slice(0, k).reduce((n, id) => n + tok.tokenByteLength(id), 0);
      assert.ok(utf8Length(cut) <= bytes, `k=${k}`);
      assert.ok(!/[\ud800-\udbff]$/.test(cut), `k=${k}`);
    }
    assert.equal(cutText(text, t, 3), 'The answer is');
    assert.equal(cutText(text, t, 5), 'The answer is 42');
    // The first token of 👍🏽 holds only part of the skin-tone modifier's bytes: that character waits.
    const thumbs = [...Array(t.count).keys()].map((k) => cutText(text, t, k + 1)).filter((c) => c.endsWith('👍'));
    assert.ok(thumbs.length >= 2);
  });
});
