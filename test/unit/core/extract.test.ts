// Each extraction preset against the scorer it imitates (lm-eval's GSM8K filters, hendrycks MATH boxed,
// ZeroEval JSON): same matches, same ranges, and random texts compared with the reference regexes.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_MARKERS,
  EXTRACT_PRESETS,
  findFirstMarker,
  makeExtractor,
  parseExtractConfig,
  validateExtractConfig,
} from '../../../src/core/extract';
import type { ExtractConfig, ExtractPreset, Extraction } from '../../../src/core/types';

function ex(preset: ExtractPreset, text: string, extra: Partial<ExtractConfig> = {}): Extraction | null {
  return makeExtractor({ preset, ...extra })(text);
}

// Every extraction must point at a non-empty range: the panel highlights it in the trace.
function answer(preset: ExtractPreset, text: string, extra: Partial<ExtractConfig> = {}): string | null {
  const found = ex(preset, text, extra);
  if (found) assert.equal(text.slice(found.start, found.end).length > 0, true, 'range must be non-empty');
  return found ? found.answer : null;
}

/** lm-eval's flexible-extract, run the way its RegexFilter does, with group_select -1. */
function lmEvalFlexible(text: string): { answer: string; start: number } | null {
  const re = /(-?[$0-9.,]{2,})|(-?[0-9]+)/g;
  let last: RegExpExecArray | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) last = m;
  if (!last) return null;
  return { answer: (last[1] ?? last[2]) as string, start: last.index };
}

describe('extract presets', () => {
  it('lists every preset', () => {
    assert.deepEqual([...EXTRACT_PRESETS], ['gsm8k', 'last-number', 'answer-is', 'boxed', 'json-answer', 'after-think', 'choice-letter', 'regex']);
  });

  describe('gsm8k (lm-eval strict-match, first match)', () => {
    it('reads the number after "#### " with its range', () => {
      const text = 'She makes 9 * 2 = 18.\n#### 18';
      // The first line is 21 characters, then the newline and `#### `: the 18 sits at 27–29.
      assert.deepEqual(ex('gsm8k', text), { answer: '18', start: 27, end: 29 });
    });
    it('keeps sign, commas and dots as written', () => {
      assert.equal(answer('gsm8k', '#### -1,234.50 dollars'), '-1,234.50');
      // As written: cleaning is the matcher's job, so the panel shows what the model wrote.
      assert.equal(answer('gsm8k', '#### 18.'), '18.');
    });
    it('takes the first match, as the RegexFilter with group_select 0', () => {
      // The first, not the last: strict-match in lm-eval keeps group_select 0.
      assert.equal(answer('gsm8k', '#### 5\nwait, actually\n#### 7'), '5');
    });
    it('skips a "#### " not followed by a number', () => {
      assert.equal(answer('gsm8k', '#### Step 1\n#### 42'), '42');
      assert.equal(answer('gsm8k', '#### -x'), null);
    });
    it('needs exactly "#### " (a space) and finds it inside "#####"', () => {
      assert.equal(answer('gsm8k', '####18'), null);
      assert.equal(answer('gsm8k', '##### 3'), '3');
      assert.equal(answer('gsm8k', 'The answer is 18.'), null);
    });
  });

  describe('last-number (lm-eval flexible-extract, last match)', () => {
    it('takes the last number of a GSM8K-style trace', () => {
      const text = 'She sells 9 eggs at $2, so she makes 9 * $2 = $18 per day.';
      // The dollar sign stays in the match, as in lm-eval's regex; the numeric matcher removes it.
      assert.deepEqual(ex('last-number', text), { answer: '$18', start: 46, end: 49 });
    });
    it('keeps $ , . in the match as the regex does', () => {
      assert.equal(answer('last-number', 'It costs $1,234.50.'), '$1,234.50.');
      assert.equal(answer('last-number', 'Total: 3 + 4 = 7.'), '7.');
    });
    it('takes a single digit through the second group, with a minus sign', () => {
      assert.equal(answer('last-number', 'so x = -5 here'), '-5');
      // The regex reads the dash as a minus sign; the reference does the same, so we do too.
      assert.equal(answer('last-number', 'range 3-5'), '-5');
      assert.equal(answer('last-number', 'just 7'), '7');
    });
    it('skips lone punctuation that the regex does not match', () => {
      assert.equal(answer('last-number', 'It is 12. Really. Yes, $ and -.'), '12.');
      assert.equal(answer('last-number', 'no numbers here, none.'), null);
      // Three dots are a run of length ≥ 2 of [$0-9.,]: the reference regex matches them.
      assert.equal(answer('last-number', '...'), '...');
    });
    it('agrees with the lm-eval regex on random texts', () => {
      const extract = makeExtractor({ preset: 'last-number' });
      // Only the characters that matter to the regex, so random texts hit its edge cases often.
      const alphabet = fc.constantFrom('-', '$', '.', ',', '0', '7', '9', 'a', ' ', '\n', 'é');
      fc.assert(
        fc.property(fc.array(alphabet, { maxLength: 40 }), (chars) => {
          const text = chars.join('');
          const mine = extract(text);
          const ref = lmEvalFlexible(text);
          assert.deepEqual(mine && { answer: mine.answer, start: mine.start }, ref);
          if (mine) assert.equal(text.slice(mine.start, mine.end), mine.answer);
        }),
        { numRuns: 3000, seed: 42 },
      );
    });
  });

  describe('answer-is', () => {
    it('reads up to the end of the sentence', () => {
      const text = 'So 16 - 7 = 9 eggs. The answer is 18.';
      // The 9 earlier is ignored; the sentence's final `.` is not part of the answer.
      assert.deepEqual(ex('answer-is', text), { answer: '18', start: 34, end: 36 });
    });
    it('keeps decimals and stops at a sentence end or line end', () => {
      assert.equal(answer('answer-is', 'The answer is 3.5. Next question.'), '3.5');
      assert.equal(answer('answer-is', 'the answer is 42\nQ: next'), '42');
      // The whole clause: why realData.test.ts finds 816 and not 825 with this preset.
      assert.equal(answer('answer-is', 'The answer is 4 hours.'), '4 hours');
    });
    it('is case-insensitive, allows a colon and strips ** and $ wrappers', () => {
      assert.equal(answer('answer-is', 'THE ANSWER IS: **B**.'), 'B');
      assert.equal(answer('answer-is', 'The answer is $\\frac{1}{2}$.'), '\\frac{1}{2}');
      assert.equal(answer('answer-is', 'The answer is **18.**'), '18');
    });
    it('takes the last occurrence', () => {
      assert.equal(answer('answer-is', 'The answer is 5. Hmm, no. The answer is 6.'), '6');
    });
    it('gives null when the text stops right after the phrase', () => {
      // A trace cut right after the phrase has no answer yet; a stop here must not score as empty.
      assert.equal(answer('answer-is', 'Therefore, the answer is '), null);
      assert.equal(answer('answer-is', 'no phrase at all'), null);
    });
  });

  describe('boxed (hendrycks last_boxed_only_string)', () => {
    it('returns the content of the last \\boxed{} with its range', () => {
      const text = 'First \\boxed{1}, finally $\\boxed{42}$.';
      // The range is the content of the last box only, without `\boxed{` or the `$` around it.
      assert.deepEqual(ex('boxed', text), { answer: '42', start: 33, end: 35 });
    });
    it('matches nested braces', () => {
      assert.equal(answer('boxed', 'so \\boxed{\\frac{\\sqrt{3}}{2}} done'), '\\frac{\\sqrt{3}}{2}');
      assert.equal(answer('boxed', '\\boxed{\\{1, 2\\}}'), '\\{1, 2\\}');
    });
    it('gives null for an unclosed last \\boxed{ (text cut mid-answer)', () => {
      assert.equal(answer('boxed', 'earlier \\boxed{3} and now \\boxed{\\frac{1}{'), null);
      assert.equal(answer('boxed', 'cut right here \\boxed'), null);
    });
    it('reads \\fbox and the brace-less \\boxed 5 form', () => {
      assert.equal(answer('boxed', 'The result is \\fbox{7}.'), '7');
      assert.equal(answer('boxed', 'so $\\boxed 5$ is it'), '5');
      assert.equal(answer('boxed', 'so \\boxed {12} with a space'), '12');
    });
    it('gives null for empty content or no box', () => {
      assert.equal(answer('boxed', 'put your final answer within \\boxed{}'), null);
      assert.equal(answer('boxed', 'The answer is 5'), null);
    });
  });

  describe('json-answer', () => {
    it('decodes the last "answer" string with JSON rules', () => {
      const text = '```json\n{"reasoning": "x", "answer": "\\\\frac{1}{2}"}\n```';
      const found = ex('json-answer', text);
      // The range covers the raw JSON string body (escaped backslash included), so the panel highlights the text as written.
      assert.deepEqual(found, { answer: '\\frac{1}{2}', start: 38, end: 50 });
      assert.equal(text.slice(38, 50), '\\\\frac{1}{2}');
    });
    it('handles escaped quotes and backslashes', () => {
      assert.equal(answer('json-answer', '{"answer": "say \\"hi\\" \\\\ ok"}'), 'say "hi" \\ ok');
      assert.equal(answer('json-answer', '{"answer" :\n  "\\u00e9t\\u00e9"}'), 'été');
    });
    it('ignores an escaped \\"answer\\" inside the reasoning string', () => {
      const text = '{"reasoning": "I will write \\"answer\\": \\"7\\" later", "answer": "8"}';
      assert.equal(answer('json-answer', text), '8');
      assert.equal(answer('json-answer', '{"reasoning": "the \\"answer\\": \\"7\\" is'), null);
    });
    it('takes the last pair; a number is read as written, other values give null', () => {
      assert.equal(answer('json-answer', '{"answer": "1"} {"answer": "2"}'), '2');
      assert.deepEqual(ex('json-answer', '{"answer": "1"} {"answer": -2.5e3}'), { answer: '-2.5e3', start: 27, end: 33 });
      assert.equal(answer('json-answer', '{"answer": "1"} {"answer": null}'), null);
      assert.equal(answer('json-answer', '"answer" is a word; "answer": "3"'), '3');
    });
    it('gives null for an unterminated string (cut-off text)', () => {
      assert.equal(answer('json-answer', '{"reasoning": "...", "answer": "\\\\frac{3}{'), null);
      assert.equal(answer('json-answer', '{"answer": "5\\"'), null);
    });
    it('decodes invalid JSON escapes leniently, keeping the backslash', () => {
      assert.equal(answer('json-answer', '{"answer": "\\sqrt{2} \\\\pi"}'), '\\sqrt{2} \\pi');
    });
  });

  describe('after-think', () => {
    it('returns the trimmed text after the last </think>', () => {
      const text = '<think>a</think> no <think>b</think>\n  Final: 12 \n';
      // After the last </think> (28–36), trimmed of the newline and spaces: 39–48. Tentative, since more
      // text could still extend the answer part.
      assert.deepEqual(ex('after-think', text), { answer: 'Final: 12', start: 39, end: 48, kind: 'final', tentative: true });
    });
    it('gives null with no </think> or nothing after it', () => {
      assert.equal(answer('after-think', '<think>still thinking'), null);
      assert.equal(answer('after-think', '<think>done</think>  \n'), null);
    });
  });

  describe('choice-letter', () => {
    it('reads the answer-phrase forms', () => {
      assert.equal(answer('choice-letter', 'Thus the answer is (C).'), 'C');
      assert.equal(answer('choice-letter', 'Answer: B'), 'B');
      assert.equal(answer('choice-letter', 'The correct answer is option D, since'), 'D');
      assert.equal(answer('choice-letter', 'ANSWER: **E**'), 'E');
    });
    it('reads a parenthesised letter and a line holding only a letter', () => {
      assert.equal(answer('choice-letter', 'I pick (D) here'), 'D');
      assert.equal(answer('choice-letter', 'Final choice:\n**B**\n'), 'B');
      assert.equal(answer('choice-letter', 'Final choice:\n  A.\n'), 'A');
    });
    it('an answer statement wins over a letter in the reasoning after it, with its range', () => {
      const text = 'Answer: B\nBut (A) is wrong and (C) fits.';
      assert.deepEqual(ex('choice-letter', text), { answer: 'B', start: 8, end: 9 });
    });
    it('without a statement, takes (X) from the last paragraph only', () => {
      assert.equal(answer('choice-letter', 'Maybe (C) fits.\n\nSo I go with (H) in the end.'), 'H');
      assert.equal(answer('choice-letter', 'Maybe (C) fits.\n\nNo letter here.'), null);
    });
    it('ignores words, lower-case letters and letters past J', () => {
      assert.equal(answer('choice-letter', 'The answer is a bit unclear; answer is Carbon.'), null);
      assert.equal(answer('choice-letter', 'The answer is (K)'), null);
      assert.equal(answer('choice-letter', 'A cat. Bob.'), null);
      assert.equal(answer('choice-letter', 'Answer: I think it is odd'), null);
    });
    it('reads letters A–J in the common final forms', () => {
      assert.equal(answer('choice-letter', 'Answer: (F)'), 'F');
      assert.equal(answer('choice-letter', 'Reasoning (C) …\n**Answer:** I'), 'I');
      assert.equal(answer('choice-letter', 'so the pick is \\boxed{E}.'), 'E');
      assert.equal(answer('choice-letter', 'The answer is (C)'), 'C');
      assert.equal(answer('choice-letter', 'Thinking about (B).\nJ\n'), 'J');
      assert.equal(answer('choice-letter', 'The final answer is: \\boxed{\\text{G}}'), 'G');
    });
    it('honours a letters option', () => {
      assert.equal(answer('choice-letter', 'Answer: (F)', { letters: 'A-D' }), null);
      assert.equal(answer('choice-letter', 'Answer: (D)', { letters: 'A-D' }), 'D');
      assert.equal(answer('choice-letter', 'Answer: (D)', { letters: 'ABC' }), null);
      assert.equal(validateExtractConfig({ preset: 'choice-letter', letters: 'a-d' }), '"letters" must be upper-case letters such as "A-D" or "ABCD", got "a-d"');
    });
    it('reads only the answer part of a closed thinking trace', () => {
      const text = '<think>Option (C) looks right. The answer is (C).</think>\nThe answer is (H).';
      // </think> ends at 57: the (C) inside the thinking is skipped, the (H) after it read.
      assert.deepEqual(ex('choice-letter', text), { answer: 'H', start: 73, end: 74, kind: 'final' });
      assert.equal(answer('choice-letter', '<think>The answer is (C).</think>\nI am not sure.'), null);
    });
    it('trims Unicode white space', () => {
      assert.equal(answer('after-think', '<think>x</think>\u3000I\u2003'), 'I');
      assert.equal(answer('last-number', 'total\u3000 12\u3000'), '12');
    });
  });

  describe('regex', () => {
    it('returns the capture group of the last match, trimmed', () => {
      const text = 'Final: 3\nFinal: 41 ';
      // The last of the two matches; its group, not the whole match, gives the range.
      assert.deepEqual(ex('regex', text, { pattern: 'Final:\\s*(\\d+)' }), { answer: '41', start: 16, end: 18 });
    });
    it('honours group and flags', () => {
      assert.equal(answer('regex', 'ANS=x; ans=y', { pattern: '(ans)=(\\w)', group: 2, flags: 'i' }), 'y');
      assert.equal(answer('regex', 'a 12 b', { pattern: '\\d+', group: 0 }), '12');
      assert.deepEqual(ex('regex', 'Final: 7 !', { pattern: 'Final:(.*)!' }), { answer: '7', start: 7, end: 8 });
    });
    it('without a group, takes the first non-empty group of the last match (lm-eval), or the whole match', () => {
      const flexible = { pattern: '(-?[$0-9.,]{2,})|(-?[0-9]+)' };
      assert.equal(answer('regex', 'paid $12 then 7', flexible), '7');
      assert.equal(answer('regex', 'paid 7 then $1,234.', flexible), '$1,234.');
      assert.equal(answer('regex', 'a 12 b 3', { pattern: '\\d+' }), '3');
      // With group 1 named, a last match through the second alternative is skipped.
      assert.equal(answer('regex', 'paid $12 then 7', { ...flexible, group: 1 }), '$12');
    });
    it('accepts a leading Python inline flag group', () => {
      assert.equal(answer('regex', 'x\n#### 7', { pattern: '(?s).*#### (\\d+)' }), '7');
    });
    it('skips matches where the group did not take part, and survives empty matches', () => {
      assert.equal(answer('regex', 'b1 a2 b3', { pattern: 'a(\\d)|b\\d' }), '2');
      assert.equal(answer('regex', 'abc', { pattern: '(x?)' }), null);
    });
    it('validates the pattern, flags and group', () => {
      assert.match(validateExtractConfig({ preset: 'regex', pattern: '(' }) ?? '', /invalid regex/);
      assert.match(validateExtractConfig({ preset: 'regex' }) ?? '', /needs a non-empty "pattern"/);
      assert.match(validateExtractConfig({ preset: 'regex', pattern: '(a)', flags: 'y' }) ?? '', /unsupported regex flag "y"/);
      assert.equal(validateExtractConfig({ preset: 'regex', pattern: '(a)(b)', group: 3 }), '"group" is 3 but the pattern has 2 capture groups');
      assert.match(validateExtractConfig({ preset: 'regex', pattern: '(?x)a' }) ?? '', /inline flag \(\?x\)/);
      assert.equal(validateExtractConfig({ preset: 'regex', pattern: '(a)', flags: 'is' }), null);
      assert.throws(() => makeExtractor({ preset: 'regex', pattern: '[' }), /invalid regex/);
    });
  });

  describe('thinking traces', () => {
    it('reads the intermediate answer while the thinking is open, by preset', () => {
      assert.deepEqual(ex('last-number', '<think>3 + 4 = 7, so 7 eggs. Wait'), { answer: '7', start: 21, end: 22, kind: 'intermediate' });
      assert.equal(answer('boxed', '<think>maybe \\boxed{5}? The answer is 6. Hmm'), '6');
      assert.equal(answer('answer-is', '<think>The answer is 12. Let me check'), '12');
      assert.equal(answer('choice-letter', '<think>Option B is out, so C. Hmm, (D) maybe'), 'D');
      assert.equal(answer('choice-letter', '<think>I eliminate nothing yet'), null);
      assert.equal(answer('after-think', '<think>The answer is 12.'), null);
    });
    it('boxed reads a stated answer in the thinking up to its clause, unwraps a box in it, and skips prose', () => {
      // Shapes from R1 GSM8K traces; prose after "the answer is" falls back to the concluded number (`2.`, as last-number reads it).
      assert.equal(answer('boxed', '<think>Total water 6+9=15. The answer should be 15 liters? Wait, that seems straightforward'), '15 liters');
      assert.equal(answer('boxed', '<think>So the final answer is \\boxed{7425}, if each class has its own students'), '7425');
      assert.equal(answer('boxed', '<think>So 13-11=2. Therefore the answer is how many he did not sell in the end, right'), '2.');
      assert.equal(answer('boxed', '<think>Final answer: 64; let me verify'), '64');
    });
    it('reads the final answer from the answer part once closed', () => {
      assert.deepEqual(ex('last-number', '<think>so 7</think>\nIt is 8'), { answer: '8', start: 26, end: 27, kind: 'final' });
      assert.equal(answer('last-number', '<think>so 7</think>\n'), null);
      assert.equal(answer('boxed', '<|begin_of_thought|>\\boxed{1}<|end_of_thought|> \\boxed{2}'), '2');
      assert.equal(answer('after-think', 'prompt had the open tag, 5\n</think>\n\n6'), '6');
    });
    it('splits gpt-oss harmony channels and honours configured tags', () => {
      const harmony = '<|channel|>analysis<|message|>So 4.<|end|><|start|>assistant<|channel|>final<|message|>5<|return|>';
      assert.equal(answer('after-think', harmony), '5');
      assert.equal(answer('last-number', harmony.slice(0, 40)), '4.');
      assert.equal(answer('last-number', '[R]so 4[/R] 9', { thinking: [{ open: '[R]', close: '[/R]' }] }), '9');
      assert.equal(answer('last-number', '<think>so 4</think> 9', { thinking: [{ open: '[R]', close: '[/R]' }] }), '9');
      assert.equal(answer('last-number', '[R]so 4', { thinking: [{ open: '[R]', close: '[/R]' }] }), '4');
    });
    it('after-think then a chain: the chain scoped to the answer part, else the answer part', () => {
      const chain = { then: [{ preset: 'choice-letter' as const }, { preset: 'boxed' as const }] };
      assert.equal(answer('after-think', '<think>(A)</think>\nAfter all, **Answer:** I', chain), 'I');
      assert.equal(answer('after-think', '<think>(A)</think>\nC', chain), 'C');
      assert.equal(answer('after-think', '<think>(A)</think>\nit is \\boxed{42}', chain), '42');
      assert.equal(answer('after-think', '<think>(A)</think>\nsomething else', chain), 'something else');
      // No thinking block: the chain runs on the whole text.
      assert.equal(answer('after-think', 'The answer is (B).', chain), 'B');
      assert.equal(answer('after-think', 'The answer is (B).'), null);
      // Any other preset: the first that finds an answer wins.
      assert.equal(answer('boxed', 'The answer is 7', { then: [{ preset: 'answer-is' }] }), '7');
    });
  });

  describe('parseExtractConfig', () => {
    it('reads a chain as a comma list or a then list', () => {
      assert.deepEqual(parseExtractConfig('after-think,choice-letter'), { config: { preset: 'after-think', then: [{ preset: 'choice-letter' }] } });
      assert.deepEqual(parseExtractConfig({ preset: 'after-think', then: ['choice-letter', { preset: 'boxed' }], letters: 'A-D' }), {
        config: { preset: 'after-think', letters: 'A-D', then: [{ preset: 'choice-letter' }, { preset: 'boxed' }] },
      });
      assert.equal(parseExtractConfig('after-think,boxxed').error, 'then: unknown extraction preset "boxxed" (expected one of gsm8k, last-number, answer-is, boxed, json-answer, after-think, choice-letter, regex)');
      assert.equal(parseExtractConfig({ preset: 'boxed', then: [{ preset: 'gsm8k', then: ['boxed'] }] }).error, 'then: "then" presets cannot have their own "then"');
      assert.equal(parseExtractConfig({ preset: 'boxed', thinking: { open: '', close: 'x' } }).error, 'each "thinking" pair needs non-empty "open" and "close" strings');
    });

    it('accepts a preset name or an object', () => {
      assert.deepEqual(parseExtractConfig('boxed'), { config: { preset: 'boxed' } });
      assert.deepEqual(parseExtractConfig({ preset: 'regex', pattern: 'x(\\d)', group: 1, flags: 'i' }), {
        config: { preset: 'regex', pattern: 'x(\\d)', group: 1, flags: 'i' },
      });
    });
    it('reports bad input', () => {
      assert.match(parseExtractConfig('boxxed').error ?? '', /unknown extraction preset "boxxed"/);
      assert.equal(parseExtractConfig('regex').error, 'the regex preset needs a non-empty "pattern"');
      assert.equal(parseExtractConfig({ preset: 'boxed', patern: 'x' }).error, 'unknown extraction field: patern');
      assert.equal(parseExtractConfig({ preset: 'regex', pattern: 'x(', group: 1 }).error?.startsWith('invalid regex'), true);
      assert.equal(parseExtractConfig({ preset: 'regex', pattern: '(x)', group: '1' }).error, '"group" must be a number');
      assert.equal(parseExtractConfig(3).error, 'extraction must be a preset name or an object with a "preset"');
      assert.equal(parseExtractConfig({}).error, 'extraction needs a "preset" string');
    });
  });

  describe('findFirstMarker', () => {
    it('has the default markers', () => {
      assert.deepEqual([...DEFAULT_MARKERS], ['The answer is', '####', '\\boxed{', '</think>', '"answer":']);
    });
    it('finds the earliest marker, ignoring case for alphabetic ones', () => {
      const text = 'reasoning... the answer is 5 and \\boxed{5}';
      assert.deepEqual(findFirstMarker(text, DEFAULT_MARKERS), { marker: 'The answer is', start: 13, end: 26 });
      assert.deepEqual(findFirstMarker('x </think> #### 3', DEFAULT_MARKERS), { marker: '</think>', start: 2, end: 10 });
      assert.deepEqual(findFirstMarker('{"answer": "1"}', DEFAULT_MARKERS), { marker: '"answer":', start: 1, end: 10 });
    });
    it('matches symbol markers exactly and gives null when none occurs', () => {
      assert.equal(findFirstMarker('\\BOXED{5}', DEFAULT_MARKERS), null);
      assert.equal(findFirstMarker('', DEFAULT_MARKERS), null);
      assert.equal(findFirstMarker('axb', ['a.b', '']), null);
      assert.deepEqual(findFirstMarker('xA.B', ['a.b']), { marker: 'a.b', start: 1, end: 4 });
    });
    it('prefers the longer marker on a tie', () => {
      assert.deepEqual(findFirstMarker('#### 5', ['###', '####']), { marker: '####', start: 0, end: 4 });
    });
  });
});
