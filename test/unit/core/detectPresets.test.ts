// Preset detection on every shared data file (the pair its README names, and the baseline it reaches)
// and on small hand-made sets of kinds the shared data lacks (letters, free text, JSON, #### lines).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { baselineWarning, classifyGold, detectPresets, isCompleteTrace } from '../../../src/core/detectPresets';
import { makeExtractor } from '../../../src/core/extract';
import { makeMatcher } from '../../../src/core/match';
import { runSweep } from '../../../src/core/sweep';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import type { Case } from '../../../src/core/types';

const DATA = path.resolve(__dirname, '../../../../shared/data');

function load(file: string): Case[] {
  const full = path.join(DATA, file);
  return parseTestSet(readFileSync(full, 'utf8'), { fileName: full }).cases;
}

/** Full-length EM under the detected pair, scored as the sweep's baseline does. */
function baselineCorrect(cases: readonly Case[], d: ReturnType<typeof detectPresets>): number {
  const ex = makeExtractor(d.extract);
  const match = makeMatcher(d.match);
  return cases.filter((c) => {
    const got = ex(c.output as string);
    return got !== null && match(got.answer, c.answers).pass;
  }).length;
}

let n = 0;
function kase(output: string, answer: string, extra: Partial<Case> = {}): Case {
  n++;
  return { id: String(n), question: `q${n}`, answers: [answer], output, tags: [], line: n, ...extra };
}

describe('core/detectPresets', () => {
  describe('on every file in ../shared/data: the pair and the baseline its README gives', () => {
    const expected: [string, string, string, number, number][] = [
      // Right-of-rows figures from ../shared/data/README.md: GPT-4's last number is right for 1234 of 1319;
      // MATH ×8 under the hendrycks is_equiv steps 708 of 800 (the source's own scorer says 728);
      // ZeroEval 431 of 721 (11 outputs cut off); R1-distill's last \boxed{} 20 of 40; R1 on GSM8K 425 of 439.
      ['gsm8k_faithfulcot_gpt4_cot.jsonl', 'last-number', 'numeric', 1234, 1319],
      ['math_qwen25math_cot100x8.jsonl', 'boxed', 'math', 708, 800],
      ['math_l5_zeroeval_qwen25_72b.jsonl', 'json-answer', 'numeric', 431, 721],
      ['math_thoughtanchors_r1distill_think.jsonl', 'boxed', 'math', 20, 40],
      ['gsm8k_thoughtology_deepseek_r1.jsonl', 'boxed', 'numeric', 425, 439],
    ];
    for (const [file, extract, match, right, rows] of expected) {
      it(`${file}: ${extract} + ${match}, ${right} of ${rows}`, () => {
        const cases = load(file);
        assert.equal(cases.length, rows);
        const d = detectPresets(cases);
        assert.deepEqual([d.extract, d.match], [{ preset: extract }, { preset: match }], d.reason);
        assert.equal(baselineCorrect(cases, d), right);
      });
    }

    it('says why, with the counts it chose by', () => {
      const d = detectPresets(load('math_l5_zeroeval_qwen25_72b.jsonl'));
      assert.equal(
        d.reason,
        // 710: every ZeroEval output but the 11 cut off mid-reasoning; last-number finds something in all 721.
        'json-answer finds an answer in 710 of 721 complete traces (answer-is 3, last-number 721); the 721 gold answers are 719 numbers, 2 LaTeX or math, so match numeric.',
      );
      const g = detectPresets(load('gsm8k_faithfulcot_gpt4_cot.jsonl'));
      assert.equal(
        g.reason,
        // 854 is the README's count of GPT-4 outputs that say "The answer is N".
        'last-number finds an answer in 1319 of 1319 complete traces; the best marker, answer-is, finds 854; the 1319 gold answers are 1319 numbers, so match numeric.',
      );
    });

    it('through the sweep: detected replaces the defaults and is reported', () => {
      const cases = load('math_thoughtanchors_r1distill_think.jsonl');
      const result = runSweep(cases, 0, {
        encoding: 'o200k_base',
        engine: 'gpt-tokenizer',
        extract: { preset: 'last-number' },
        match: { preset: 'numeric' },
        detect: { extract: true, match: true },
        policies: [],
        margin: 0.01,
        seed: 1,
        resamples: 200,
        folds: 0,
      });
      // One right and one wrong sample per problem and model: 20 of the 40 traces are right at full length.
      assert.equal(result.baseline.correct, 20);
      assert.deepEqual([result.extract, result.match], [{ preset: 'boxed' }, { preset: 'math' }]);
      assert.deepEqual(result.detected && [result.detected.extract, result.detected.match], [{ preset: 'boxed' }, { preset: 'math' }]);
      assert.match(result.detected?.reason ?? '', /^boxed finds an answer in 40 of 40 complete traces .*40 of 40 hold <\/think>\.$/);
    });
  });

  describe('on hand-made data it has never seen', () => {
    it('choice letters: choice-letter + strict', () => {
      const cases = [
        kase('Let me think. B is too small.\nAnswer: C', 'C'),
        kase('Options compared... The answer is (A).', 'A'),
        kase('Reasoning here.\n\nD', 'D'),
        kase('I pick **(J)** since it holds.', 'J'),
      ];
      const d = detectPresets(cases);
      assert.deepEqual([d.extract, d.match], [{ preset: 'choice-letter' }, { preset: 'strict' }], d.reason);
      assert.equal(d.goldKind, 'letter');
    });

    it('free text with an "Answer:" line: the answer-line regex + squad', () => {
      const cases = [
        kase('The capital is on the Seine.\nAnswer: Paris', 'Paris'),
        kase('Thinking about rivers of Egypt.\nFinal answer: the Nile', 'Nile'),
        kase('Large mammals...\n**Answer:** blue whale', 'blue whale'),
      ];
      const d = detectPresets(cases);
      assert.equal(d.match.preset, 'squad');
      assert.equal(d.extract.preset, 'regex');
      assert.equal(baselineCorrect(cases, d), 3, d.reason);
      assert.match(d.reason, /^answer-line finds an answer in 3 of 3 complete traces/);
    });

    it('short free-text outputs that are the answer itself: the whole output', () => {
      const cases = [kase('Paris', 'Paris'), kase('The Nile.', 'Nile'), kase('blue whale', 'Blue Whale')];
      const d = detectPresets(cases);
      assert.equal(baselineCorrect(cases, d), 3, d.reason);
      assert.match(d.reason, /^whole-output finds an answer in 3 of 3/);
    });

    it('JSON answers with LaTeX golds: json-answer + math', () => {
      const cases = [
        kase('We compute.\n```json\n{"reasoning": "…", "answer": "\\\\frac{1}{2}"}\n```', '\\frac12'),
        kase('```json\n{"answer": "3\\\\sqrt{2}"}\n```', '3\\sqrt{2}'),
        kase('```json\n{"answer": "7"}\n```', '7'),
      ];
      const d = detectPresets(cases);
      assert.deepEqual([d.extract, d.match], [{ preset: 'json-answer' }, { preset: 'math' }], d.reason);
      assert.equal(baselineCorrect(cases, d), 3);
    });

    it('GSM8K-style #### answers win over the last number; cut-off traces are not counted', () => {
      const cases = [
        kase('3 + 4 = 7\n#### 7', '7'),
        kase('2 * 6 = 12\n#### 12 apples is 1 more than 11', '12'),
        kase('5 - 1 = 4\n#### 4', '4'),
        // Cut by the length limit: it has no answer yet, so it must not count against any preset.
        kase('We start with 10 and', '9', { finishReason: 'length' }),
      ];
      assert.equal(isCompleteTrace(cases[3] as Case), false);
      const d = detectPresets(cases);
      assert.deepEqual([d.extract, d.match], [{ preset: 'gsm8k' }, { preset: 'numeric' }], d.reason);
      // The length-cut trace is left out of the denominator.
      assert.equal(d.complete, 3);
      assert.match(d.reason, /^gsm8k finds an answer in 3 of 3 complete traces \(last-number 3\)/);
    });

    it('keeps what the user named and detects only the rest', () => {
      const cases = [kase('\\boxed{12}', '12'), kase('\\boxed{5}', '5')];
      const d = detectPresets(cases, { match: { preset: 'strict' } });
      assert.deepEqual([d.extract, d.match], [{ preset: 'boxed' }, { preset: 'strict' }]);
      assert.match(d.reason, /so match strict \(as configured\)\.$/);
    });
  });

  it('classifies gold answers', () => {
    assert.deepEqual(
      ['B', '(C)', '18', '$1,200', '\\frac{1}{2}', '(-\\infty, 3]', 'x^2+1', '2x', 'Paris', 'the blue whale', '4 hours'].map(classifyGold),
      ['letter', 'letter', 'number', 'number', 'latex', 'latex', 'latex', 'latex', 'text', 'text', 'number'],
    );
  });

  describe('baselineWarning', () => {
    it('warns when full length misses the answer in more than 3% of complete traces, and suggests a preset', () => {
      const cases = load('math_qwen25math_cot100x8.jsonl');
      const ex = makeExtractor({ preset: 'answer-is' });
      const answered = cases.map((c) => (ex(c.output as string) ? 1 : 0));
      assert.equal(
        baselineWarning(cases, answered, { preset: 'answer-is' }),
        // Qwen2.5-Math writes \boxed{} and rarely "the answer is": 25 of 800 traces have that phrase.
        'full length finds no answer in 97% of complete traces (775 of 800) with extract answer-is, so those count as wrong in every row; ' +
          'try extract boxed (finds an answer in 800 of 800), or an extraction { "preset": "regex", "pattern": "…" } whose group 1 captures the answer as these traces write it.',
      );
    });

    it('stays quiet at 3% or less, and ignores traces cut off by the length limit', () => {
      const cases = load('math_l5_zeroeval_qwen25_72b.jsonl');
      const ex = makeExtractor({ preset: 'json-answer' });
      assert.equal(baselineWarning(cases, cases.map((c) => (ex(c.output as string) ? 1 : 0)), { preset: 'json-answer' }), null);
      const cut = [kase('#### 3', '3'), kase('so far 1', '2', { finishReason: 'length' })];
      assert.equal(baselineWarning(cut, [1, 0], { preset: 'gsm8k' }), null);
    });
  });
});
