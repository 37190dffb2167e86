// Incremental tokenization: a committed token must never change when more text arrives.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamTokens } from '../../../src/runtime/streamTokens';
import { getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import type { EncodingName, EngineName } from '../../../src/core/types';

const COMBOS: [EncodingName, EngineName][] = [
  ['o200k_base', 'gpt-tokenizer'],
  ['cl100k_base', 'gpt-tokenizer'],
  ['o200k_base', 'js-tiktoken'],
  ['cl100k_base', 'js-tiktoken'],
];

/** Pieces that exercise every alternative of the o200k / cl100k pre-tokenizers and their lookaheads. */
const ATOMS = [
  // s, l, v, e, r, d follow an apostrophe in contractions; Ǆ/ǅ are upper and title case; \u0301 and the Devanagari signs are marks.
  'a', 'b', 's', 'l', 'L', 'v', 'e', 'r', 'd', 'A', 'B', 'Ǆ', 'ǅ', 'ß', 'é', '\u0301', '\u0915', '\u093f', '中', '文',
  '1', '2', '3', '²', '½', ' ', '  ', '\n', '\r', '\r\n', '\t', '\u00a0', '\u2028', '\u3000',
  "'", "'s", "'ll", "'ve", "'re", '/', '.', '!', '-', '$', '\\', '{', '}', '"', ':', '😀', '𝐀', '👍🏽', '<|endoftext|>',
];

function assertPrefixOfWhole(st: StreamTokens, whole: { count: number; ends: Uint32Array }, where: string): void {
  const t = st.tokens;
  // Committed tokens must be a prefix of the whole text's tokens, boundary for boundary.
  assert.ok(t.count <= whole.count, `${where}: ${t.count} final tokens > ${whole.count}`);
  for (let k = 0; k < t.count; k++) {
    if (t.ends[k] !== whole.ends[k]) assert.fail(`${where}: token ${k + 1} ends at ${t.ends[k]}, whole text says ${whole.ends[k]}`);
  }
}

/** Feeds `text` cut at `cuts` (UTF-16 offsets, so surrogate pairs get split) and checks every step. */
function check(text: string, cuts: number[], encoding: EncodingName, engine: EngineName): void {
  const whole = tokenizeWithOffsets(getTokenizer(encoding, engine), text);
  const st = new StreamTokens(encoding, engine);
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < text.length).sort((x, y) => x - y), text.length]) {
    if (cut <= from) continue;
    st.push(text.slice(from, cut));
    from = cut;
    assertPrefixOfWhole(st, whole, `${encoding}/${engine} ${JSON.stringify(text)} after ${cut}`);
  }
  // At the end every pending piece becomes final, and the count must match exactly.
  st.end();
  assert.equal(st.tokens.count, whole.count, `${encoding}/${engine} ${JSON.stringify(text)}: token count at the end`);
  assertPrefixOfWhole(st, whole, `${encoding}/${engine} ${JSON.stringify(text)} at the end`);
}

describe('runtime/StreamTokens', () => {
  before(() => {
    for (const [encoding, engine] of COMBOS) getTokenizer(encoding, engine);
  });

  it('never commits a token that the whole text tokenizes differently (regex lookahead cases)', () => {
    const cases: [string, number[]][] = [
      ["hello's world", [5, 6]], // o200k contraction suffix arrives after the word
      ["it'll be", [3, 4]],
      ['a\n   \nb', [5]], // \s*[\r\n]+ grows over a later newline
      ['x  \t\t}', [4, 5]], // \s+(?!\S) gives back one space once a non-space follows
      [' b:中中Ar', [7]], // letter alternatives backtrack inside an upper/lower run
      ['\u0301Lé', [2]],
      ['1234567', [2, 4, 5]], // \p{N}{1,3}
      ['x 𝐀v 😀 y', [3, 6, 7]], // cuts inside surrogate pairs
      ['tab\r\n\r\nnext', [4, 5, 6]],
      ['<|endoftext|> 42', [3, 9]],
    ];
    for (const [encoding, engine] of COMBOS) for (const [text, cuts] of cases) check(text, cuts, encoding, engine);
  });

  it('commits tokens before the end once later text cannot change them', () => {
    const st = new StreamTokens('o200k_base', 'gpt-tokenizer');
    for (const ch of 'The answer is 42. Then more') st.push(ch);
    // Everything up to "Then" is final; " more" may still grow.
    assert.equal(st.text.slice(0, st.committed), 'The answer is 42. Then');
    assert.equal(st.tokens.count, tokenizeWithOffsets(getTokenizer('o200k_base', 'gpt-tokenizer'), 'The answer is 42. Then').count);
  });

  it('property: random texts cut anywhere (one char at a time, across surrogate pairs) match whole-text tokenization', function () {
    this.timeout(60000);
    const text = fc.array(fc.constantFrom(...ATOMS), { minLength: 1, maxLength: 24 }).map((a) => a.join(''));
    for (const [encoding, engine] of COMBOS) {
      fc.assert(
        fc.property(text, fc.array(fc.nat({ max: 120 }), { maxLength: 12 }), fc.boolean(), (t, cuts, everyChar) => {
          check(t, everyChar ? Array.from({ length: t.length }, (_, i) => i) : cuts, encoding, engine);
        }),
        { numRuns: engine === 'js-tiktoken' ? 500 : 1000, seed: 5 },
      );
    }
  });
});
