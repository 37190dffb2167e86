import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { makeExtractor } from '../../../src/core/extract';
import { makeMatcher } from '../../../src/core/match';
import { policyName, THINKING_DYNAMIC_POLICIES } from '../../../src/core/policies';
import { runSweep } from '../../../src/core/sweep';
import { resolveSweepOptions } from '../../../src/core/sweepOptions';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import { splitTrace } from '../../../src/core/traceAnatomy';
import type { Case, SweepResult } from '../../../src/core/types';

const DATA = path.resolve(__dirname, '../../../../shared/data');
const SAMPLE = path.resolve(__dirname, '../../../sample');

interface Row {
  id: string;
  answer: string;
  output: string;
  meta: Record<string, unknown>;
}

function rows(file: string, dir = DATA): Row[] {
  return readFileSync(path.join(dir, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Row);
}

function cases(file: string, dir = DATA): Case[] {
  return parseTestSet(readFileSync(path.join(dir, file))).cases;
}

function row(result: SweepResult, name: string): SweepResult['rows'][number] {
  const found = result.rows.find((r) => r.policy === name);
  assert.ok(found, `row ${name} in ${result.rows.map((r) => r.policy).join(', ')}`);
  return found;
}

describe('reasoning traces (shared data and the bundled thinking sample)', function () {
  this.timeout(300000);

  it('R1-distill MATH (thought-anchors): 40 traces, all closed by </think>; the last \\boxed{} after it is right for 20, as the source says', () => {
    const data = rows('math_thoughtanchors_r1distill_think.jsonl');
    assert.equal(data.length, 40);
    const splits = data.map((r) => splitTrace(r.output));
    assert.equal(splits.filter((s) => s?.closed === true && s.tags.close === '</think>').length, 40);
    const ex = makeExtractor({ preset: 'boxed' });
    const match = makeMatcher({ preset: 'math' });
    const right = data.filter((r) => {
      const got = ex(r.output);
      assert.equal(got?.kind, 'final', r.id);
      return got !== null && match(got.answer, [r.answer]).pass;
    });
    assert.equal(right.length, 20);
    assert.deepEqual(
      right.map((r) => r.id),
      data.filter((r) => r.meta.source_is_correct === true).map((r) => r.id),
    );
  });

  it('DeepSeek-R1 GSM8K (thoughtology): 439 traces; boxed after </think>, numeric, agrees with the source on every row (425 right)', () => {
    const data = rows('gsm8k_thoughtology_deepseek_r1.jsonl');
    assert.equal(data.length, 439);
    const ex = makeExtractor({ preset: 'boxed' });
    const match = makeMatcher({ preset: 'numeric' });
    let right = 0;
    const disagree: string[] = [];
    for (const r of data) {
      const got = ex(r.output);
      const pass = got !== null && match(got.answer, [r.answer]).pass;
      if (pass) right++;
      if (pass !== (Number(r.meta.source_result) === 1)) disagree.push(`${r.id} ${got?.answer ?? 'null'}`);
    }
    // The data README's 425/439 strips \text{}, \$, % and units; so does the numeric matcher (`60\%` included).
    assert.deepEqual(disagree, []);
    assert.equal(right, 425);
  });

  it('the default sweep of R1 GSM8K adapts to thinking traces and shows a real trade-off', () => {
    const { options } = resolveSweepOptions(undefined, { extract: { preset: 'boxed' }, match: { preset: 'numeric' }, resamples: 200, folds: 0 });
    assert.equal(options.adaptDefaults, true);
    const result = runSweep(cases('gsm8k_thoughtology_deepseek_r1.jsonl'), 0, { ...options, includeCases: true });
    assert.equal(result.thinkingTraces, 439);
    // Cutoffs up to the traces' p95 length, then the thinking defaults.
    assert.deepEqual(
      result.rows.map((r) => r.policy),
      ['full', 'cutoff:256', 'cutoff:512', 'cutoff:768', 'cutoff:1024', 'cutoff:1536', 'cutoff:2048', 'cutoff:3072', ...THINKING_DYNAMIC_POLICIES.map(policyName)],
    );
    const full = row(result, 'full');
    // Thinking and answer tokens add up to the kept tokens; full spends most of them thinking.
    for (const r of result.rows) assert.ok(Math.abs((r.meanThinkingTokens ?? NaN) + (r.meanAnswerTokens ?? NaN) - r.meanTokens) < 1e-6, r.policy);
    assert.equal(Math.round(full.meanThinkingTokens ?? 0), 1159);
    assert.equal(Math.round(full.meanAnswerTokens ?? 0), 180);
    assert.equal(full.intermediateStops, 0);
    const per = result.caseResults ?? [];
    assert.equal(per.reduce((s, c) => s + (c.thinkingTokens ?? 0), 0) / per.length, full.meanThinkingTokens);
    // Rows that save a quarter or more of the tokens, at a cost in EM: the fixed cutoffs and the shortest stability rule ...
    const big = result.rows.filter((r) => r.savings >= 0.25).map((r) => r.policy);
    assert.deepEqual(big, ['cutoff:256', 'cutoff:512', 'cutoff:768', 'cutoff:1024', 'stability:64x3']);
    assert.ok(row(result, 'cutoff:1024').intermediateStops === 155);
    const quarter = row(result, 'stability:64x3');
    assert.equal(quarter.flipsToWrong, 78);
    assert.ok(quarter.savings > 0.33 && quarter.savings < 0.34, `stability:64x3 saves ${quarter.savings}`);
    const next = row(result, 'stability:128x2');
    assert.equal(next.flipsToWrong, 46);
    assert.ok(next.savings > 0.245 && next.savings < 0.25, `stability:128x2 saves ${next.savings}`);
    // ... a middle ground ...
    const middle = row(result, 'stability:128x3');
    assert.ok(middle.savings > 0.16 && middle.deltaEm > -0.05, `stability:128x3 ${middle.savings} ${middle.deltaEm}`);
    // ... and hesitation-aware rows within two points of full, which on R1 save little: R1 keeps
    // writing "wait" / "but" while it double-checks, so few windows are free of hesitation.
    for (const [name, flips, lo, hi] of [
      ['settled:64x4', 4, 0.02, 0.03],
      ['settled:128x3', 3, 0.01, 0.02],
    ] as const) {
      const settled = row(result, name);
      assert.ok(settled.deltaEm >= -0.02 && settled.deltaEm < 0, `${name} ΔEM ${settled.deltaEm}`);
      assert.equal(settled.flipsToWrong, flips, name);
      assert.ok(settled.savings > lo && settled.savings < hi, `${name} saves ${settled.savings}`);
    }
    // R1 boxes its answer inside the thinking ("**Final Answer** \boxed{18}") in 369 of 439 traces, then
    // closes it and writes a summary that boxes it again: stopping at the first box saves the summary
    // (and, where R1 boxed early and kept checking, the rest) for one flip: gsm8k-r1-10 boxed 480, then
    // corrected itself to 460. An empty box quoted from the instructions (gsm8k-r1-344) is no commitment.
    const committed = row(result, 'committed');
    assert.equal(committed.intermediateStops, 369);
    assert.deepEqual([committed.flipsToWrong, committed.flipsToRight], [1, 0]);
    assert.ok(committed.savings > 0.166 && committed.savings < 0.168, `committed saves ${committed.savings}`);
    assert.deepEqual(
      per.filter((c) => c.policies.full.correct && !c.policies.committed.correct).map((c) => c.id),
      ['gsm8k-r1-10'],
    );
    // Markers follow the extraction: they stop after the boxed answer that follows </think>, never at
    // an "answer is" inside the thinking, and lose nothing.
    assert.equal(row(result, 'marker:0').deltaEm, 0);
    assert.equal(row(result, 'marker:16').flipsToWrong, 0);
  });

  it('committed on R1-distill MATH (thought-anchors): 28 of 40 traces box inside the thinking; stopping there flips nothing', () => {
    const { options } = resolveSweepOptions(undefined, { extract: { preset: 'boxed' }, match: { preset: 'math' }, policies: [{ kind: 'committed' }], cutoffs: [], folds: 0 });
    const result = runSweep(cases('math_thoughtanchors_r1distill_think.jsonl'), 0, options);
    const committed = row(result, 'committed');
    assert.equal(committed.intermediateStops, 28);
    assert.deepEqual([committed.flipsToWrong, committed.flipsToRight, committed.em], [0, 0, 0.5]);
    // The distills box at the very end of their thinking, so the saving is mostly the summary after </think>.
    assert.ok(committed.savings > 0.09 && committed.savings < 0.092, `committed saves ${committed.savings}`);
  });

  it('the thinking sample: choice-letter + strict scores exactly the letter the generator wrote after </think>, for every case', () => {
    const data = rows('thinking.jsonl', SAMPLE);
    assert.equal(data.length, 200);
    const ex = makeExtractor({ preset: 'after-think', then: [{ preset: 'choice-letter' }] });
    const plain = makeExtractor({ preset: 'choice-letter' });
    const strict = makeMatcher({ preset: 'strict' });
    let right = 0;
    let sourceRight = 0;
    let beyondE = 0;
    for (const r of data) {
      const final = r.meta.final as string | null;
      const got = ex(r.output);
      if (final === null) {
        // Cut off inside the thinking: the intermediate answer, labelled as such.
        assert.equal(got?.kind, 'intermediate', r.id);
        continue;
      }
      assert.equal(got?.answer, final, r.id);
      assert.equal(plain(r.output)?.answer, final, r.id);
      if (strict(got.answer, [r.answer]).pass) right++;
      if (final === r.answer) sourceRight++;
      if (final > 'E') beyondE++;
    }
    assert.equal(right, sourceRight);
    assert.equal(right, 170);
    assert.ok(beyondE > 80, `${beyondE} final letters F–J`);
  });

  it("lm-eval's flexible-extract as a custom regex (first non-empty group of the last match) finds 1234/1319 on GSM8K GPT-4", () => {
    const data = rows('gsm8k_faithfulcot_gpt4_cot.jsonl');
    const ex = makeExtractor({ preset: 'regex', pattern: '(-?[$0-9.,]{2,})|(-?[0-9]+)' });
    const same = makeExtractor({ preset: 'last-number' });
    const match = makeMatcher({ preset: 'numeric' });
    let right = 0;
    for (const r of data) {
      const got = ex(r.output);
      assert.equal(got?.answer, same(r.output)?.answer, r.id);
      if (got && match(got.answer, [r.answer]).pass) right++;
    }
    assert.equal(right, 1234);
  });

  it('the default sweep of the thinking sample: stability rows save a quarter and settled rows a twentieth of the tokens at no EM loss; committed loses the slips it boxed', () => {
    const { options } = resolveSweepOptions(undefined, { extract: { preset: 'after-think', then: [{ preset: 'choice-letter' }] }, match: { preset: 'strict' }, resamples: 200, folds: 0 });
    const result = runSweep(cases('thinking.jsonl', SAMPLE), 0, options);
    assert.equal(result.thinkingTraces, 200);
    assert.equal(row(result, 'full').intermediateStops, 7);
    assert.equal(row(result, 'stability:64x3').deltaEm, 0);
    assert.ok(row(result, 'stability:64x3').savings > 0.25);
    assert.equal(row(result, 'settled:64x3').deltaEm, 0);
    assert.ok(row(result, 'settled:64x3').savings > 0.05);
    assert.equal(row(result, 'stability:128x2').deltaEm, 0);
    assert.ok(row(result, 'cutoff:256').savings > 0.3 && row(result, 'cutoff:256').deltaEm < 0);
    // committed: 116 traces box their letter inside the thinking (96 at its end, 20 as soon as they have it), 4 box a
    // slip they then correct. Stopping at the first box saves the checking after an early one and the answer part, and
    // loses exactly the slips that full gets right.
    const committed = row(result, 'committed');
    const data = rows('thinking.jsonl', SAMPLE);
    const slips = data.filter((r) => r.meta.commit === 'slip').map((r) => r.id);
    assert.deepEqual(slips, ['t007', 't127', 't147', 't167']);
    assert.deepEqual(committed.flipsToWrongIds, ['t007', 't127', 't167']);
    assert.equal(committed.flipsToRight, 0);
    // Every box is an intermediate stop; so is the end of a trace cut off inside its thinking without one.
    const cutWithoutBox = data.filter((r) => r.meta.truncated === true && r.meta.commit === 'none').length;
    assert.equal(cutWithoutBox, 5);
    assert.equal(committed.intermediateStops, data.filter((r) => r.meta.commit !== 'none').length + cutWithoutBox);
    assert.ok(committed.savings > 0.12 && committed.savings < 0.125, `committed saves ${committed.savings}`);
  });
});
