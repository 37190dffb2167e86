// The editor's live token count: it recounts only the chunk an edit touched, yet must always equal a
// whole-text count, and must say "approximate" only when it really is.
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { countTokens, getTokenizer } from '../../../src/core/tokens';
import type { EncodingName, EngineName } from '../../../src/core/types';
import { chunkStarts, IncrementalCounter, isRegexSpace, sumByRanges } from '../../../src/core/incrementalCounter';

const counterFor = (encoding: EncodingName, engine: EngineName = 'gpt-tokenizer') => {
  const tok = getTokenizer(encoding, engine);
  let calls = 0;
  const counter = new IncrementalCounter((t) => {
    calls++;
    return countTokens(tok, t);
  });
  return { tok, counter, calls: () => calls };
};

// Pieces that stress the pre-tokenizer patterns at line starts: indentation, blank lines, `/`,
// punctuation runs that swallow newlines, CRLF, numbers, contractions, non-Latin text.
const PIECES = ['\n', '\r\n', '\n\n', ' ', '  ', '\t', '/', '//', '.', '...', '!\n', '#', '## ', 'word', "'s", "don't", '123', '4567', 'Ünïcode', '日本語', '😀', '-', '*', '```', '{', '}', 'x', '\u00a0', ' \n', '?/\n'];

describe('IncrementalCounter', () => {
  it('splits only before lines that start with neither whitespace nor /', () => {
    const text = 'a\n b\n/c\nd\n\ne\r\nf';
    // No chunk before " b" (whitespace) or "/c" (o200k may join `\n/`); one before d, e and f.
    assert.deepEqual(chunkStarts(text), { offsets: [0, 8, 11, 14], lines: [0, 3, 5, 6] });
  });

  it('knows the characters of the tokenizers’ \\s class', () => {
    for (const ch of [' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u2003', '\u2028', '\u3000', '\ufeff']) assert.ok(isRegexSpace(ch.charCodeAt(0)), JSON.stringify(ch));
    // U+200B (zero-width space) is not \s in JavaScript or in the tokenizers' regexes.
    for (const ch of ['a', '/', '#', '\u200b', '0']) assert.ok(!isRegexSpace(ch.charCodeAt(0)), JSON.stringify(ch));
  });

  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    it(`equals a whole-text count after random edits (${encoding})`, () => {
      const { tok, counter } = counterFor(encoding);
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 80 }), fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...PIECES)), { maxLength: 12 }), (pieces, edits) => {
          let text = pieces.join('');
          assert.equal(counter.update(text).count, tok.encode(text).length);
          for (const [at, del, ins] of edits) {
            const i = text.length ? at % (text.length + 1) : 0;
            text = text.slice(0, i) + ins + text.slice(Math.min(text.length, i + del));
            assert.equal(counter.update(text).count, tok.encode(text).length, JSON.stringify(text));
          }
        }),
        { numRuns: 300, seed: 42 },
      );
    });
  }

  it('recounts only the chunk a keystroke touched', () => {
    const { counter, calls } = counterFor('o200k_base');
    const lines = Array.from({ length: 200 }, (_, i) => `Line ${i}: keep the answer short.`);
    counter.update(lines.join('\n'));
    const before = calls();
    // One keystroke's worth of change in the middle of 200 lines.
    lines[100] = 'Line 100: keep the answer very short.';
    const snap = counter.update(lines.join('\n'));
    assert.equal(snap.recounted, 1);
    assert.equal(calls() - before, 1);
    assert.equal(snap.chunks.length, 200);
    assert.equal(counter.size, 200);
  });

  it('matches js-tiktoken on a real trace file excerpt', () => {
    const { tok, counter } = counterFor('o200k_base', 'js-tiktoken');
    const text = 'Step 1:\n  compute 12 × 7 = 84\n/* note */\n\n\nThe answer is 84.\n';
    assert.equal(counter.update(text).count, tok.encode(text).length);
  });

  it('flags a pasted line without spaces as approximate only when it cannot be cut exactly', () => {
    const { counter } = counterFor('o200k_base');
    assert.equal(counter.update(`intro\n${'ab1'.repeat(2000)}\nend`).approximate, false);
    assert.equal(counter.update(`intro\n${'a'.repeat(5000)}\nend`).approximate, true);
  });

  it('sums chunks into line ranges', () => {
    const chunks = [
      { line: 0, count: 3, approximate: false },
      { line: 2, count: 4, approximate: true },
      { line: 5, count: 5, approximate: false },
    ];
    assert.deepEqual(sumByRanges(chunks, [2, 5]), [
      { count: 4, approximate: true },
      { count: 5, approximate: false },
    ]);
  });
});
