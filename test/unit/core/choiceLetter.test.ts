// choice-letter on its own: which letters a config allows, which forms count as the final answer,
// and what counts as an intermediate letter in thinking.
import assert from 'node:assert/strict';
import { DEFAULT_LETTERS, letterClass, makeChoiceLetter, makeThinkingChoice } from '../../../src/core/choiceLetter';

describe('core/choiceLetter', () => {
  it('reads a letter set as a range or a list of upper-case letters, null otherwise', () => {
    assert.equal(DEFAULT_LETTERS, 'A-J');
    assert.equal(letterClass('A-D'), 'A-D');
    assert.equal(letterClass(' A - D '), 'A-D');
    assert.equal(letterClass('ABCD'), 'ABCD');
    assert.equal(letterClass('A-Z'), 'A-Z');
    // A backwards range, lower case and digits are not letter sets.
    assert.deepEqual(['D-A', 'a-d', '1-4', '', 'A-D-F'].map(letterClass), [null, null, null, null, null]);
  });

  it('finds answer statements, \\boxed and bare letter lines, with the span of the letter', () => {
    const pick = makeChoiceLetter(DEFAULT_LETTERS);
    assert.deepEqual(pick('The answer is (C).'), { answer: 'C', start: 15, end: 16 });
    assert.deepEqual(pick('**Answer:** I'), { answer: 'I', start: 12, end: 13 });
    assert.deepEqual(pick('answer is option D'), { answer: 'D', start: 17, end: 18 });
    assert.deepEqual(pick('\\boxed{\\text{B}}'), { answer: 'B', start: 13, end: 14 });
    assert.deepEqual(pick('Thinking...\n\n**C**'), { answer: 'C', start: 15, end: 16 });
    // The last statement wins.
    assert.equal(pick('The answer is (C). Actually the answer is (E).')?.answer, 'E');
  });

  it('takes letters beyond E up to J by default, and none past the set', () => {
    const pick = makeChoiceLetter(DEFAULT_LETTERS);
    assert.deepEqual(['The answer is (G).', 'Answer: F', '\\boxed{H}', 'The answer is J.'].map((t) => pick(t)?.answer), ['G', 'F', 'H', 'J']);
    assert.equal(pick('The answer is (K).'), null);
  });

  it('with letters "A-D" ignores E to J, so an earlier allowed statement wins', () => {
    const pick = makeChoiceLetter('A-D');
    assert.deepEqual(['The answer is (G).', 'Answer: F', '\\boxed{H}'].map(pick), [null, null, null]);
    assert.equal(pick('The answer is (C). Actually the answer is (E).')?.answer, 'C');
    assert.equal(makeChoiceLetter('ACE')('The answer is (B). No: the answer is (E).')?.answer, 'E');
    // A set that is not letters falls back to A-J rather than matching nothing.
    assert.equal(makeChoiceLetter('a-d')('The answer is (G).')?.answer, 'G');
  });

  it('marks a parenthesised letter of the last paragraph as tentative and ignores earlier paragraphs', () => {
    const pick = makeChoiceLetter('A-D');
    assert.deepEqual(pick('It could be (A) or maybe (B) here.'), { answer: 'B', start: 26, end: 27, tentative: true });
    assert.equal(pick('first (A)\n\nthen nothing'), null);
  });

  it('does not read "A" or "I" that starts a sentence as an answer', () => {
    const pick = makeChoiceLetter(DEFAULT_LETTERS);
    assert.equal(pick('The answer is A good one'), null);
    assert.equal(pick('I think so. A is wrong.'), null);
    assert.equal(makeThinkingChoice(DEFAULT_LETTERS)('So I guess'), null);
  });

  it('finds intermediate letters in thinking: "so X", "option X", "(X)", statements', () => {
    const think = makeThinkingChoice(DEFAULT_LETTERS);
    assert.deepEqual(think("So it's B, hmm"), { answer: 'B', start: 8, end: 9 });
    assert.equal(think('option C looks right')?.answer, 'C');
    assert.equal(think('maybe (D)')?.answer, 'D');
    assert.equal(think('so E')?.answer, 'E');
    assert.equal(think('first (A), then option H, so G')?.answer, 'G');
    assert.equal(makeThinkingChoice('A-D')('first (A), then option H, so G')?.answer, 'A');
  });

  it('gives the same answers after many letter sets have been used (its regex cache is cleared past 32)', () => {
    const sets = Array.from({ length: 40 }, (_, i) => `A-${String.fromCharCode(66 + (i % 24))}`);
    for (const set of sets) makeChoiceLetter(set)('The answer is (B).');
    assert.equal(makeChoiceLetter('A-D')('The answer is (E). The answer is (D).')?.answer, 'D');
    assert.equal(makeChoiceLetter('A-C')('The answer is (D).'), null);
  });
});
