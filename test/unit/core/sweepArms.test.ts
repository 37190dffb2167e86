// Arms in the sweep: each provider setting's generations as a row paired with the default one, and the
// check that an arm's setting was obeyed. Real GPT-4 GSM8K traces stand in for the arms' outputs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import { runSweep, type SweepOptions } from '../../../src/core/sweep';
import { cutText, getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import { checkArmObeyed, requestedBudget } from '../../../src/core/armCheck';

const GSM8K = 'gsm8k_faithfulcot_gpt4_cot.jsonl';
// 60 rows keep the sweep quick and are enough for the 40-token arm to lose right answers.
const N = 60;
const tok = getTokenizer('o200k_base', 'gpt-tokenizer');
const options: SweepOptions = { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'last-number' }, match: { preset: 'numeric' }, policies: [{ kind: 'cutoff', tokens: 64 }], margin: 0.01, seed: 1, resamples: 500, folds: 0, includeCases: true };

/** Real rows with two arms: `same` (the recorded trace again) and `short` (its first 40 tokens). */
function rowsWithArms(): string {
  const lines = readFileSync(resolve(__dirname, '../../../../shared/data', GSM8K), 'utf8').split('\n').slice(0, N);
  return lines
    .map((l) => {
      const row = JSON.parse(l) as { output: string };
      const short = cutText(row.output, tokenizeWithOffsets(tok, row.output), 40);
      return JSON.stringify({ ...row, arms: { same: { output: row.output, finishReason: 'stop' }, short: { output: short, finishReason: 'length', usage: { completion_tokens: 40 } } } });
    })
    .join('\n');
}

describe('core/sweep arms: each arm a row paired with the baseline', () => {
  const parsed = parseTestSet(rowsWithArms(), { fileName: 'arms.jsonl' });

  it('reads arms from the rows', () => {
    assert.equal(parsed.cases.length, N);
    assert.deepEqual(Object.keys(parsed.cases[0].arms ?? {}), ['same', 'short']);
    // The row's snake_case usage is read into the camelCase record every surface uses.
    assert.deepEqual(parsed.cases[0].arms?.short.usage, { completionTokens: 40 });
    const bad = parseTestSet('{"id":"a","question":"q","answer":"1","output":"1","arms":{"x":{"output":3}}}', { fileName: 'b.jsonl' });
    assert.equal(bad.cases[0].arms, undefined);
    assert.equal(bad.issues[0].message, '"arms"."x" must be an object with a string "output", got output number; arms ignored');
  });

  it('shows arm:<name> rows with the paired statistics of a policy', () => {
    const r = runSweep(parsed.cases, 0, options);
    assert.deepEqual(r.rows.map((x) => x.policy), ['full', 'cutoff:64', 'arm:same', 'arm:short']);
    const [full, , same, short] = r.rows;
    assert.equal(same.arm, 'same');
    assert.equal(same.label, 'arm same');
    assert.equal(same.em, full.em);
    assert.equal(same.meanTokens, full.meanTokens);
    assert.equal(same.savings, 0);
    // The same trace again: no case changes, so McNemar has no discordant pair and p is 1.
    assert.deepEqual([same.flipsToWrong, same.flipsToRight, same.mcnemarP], [0, 0, 1]);
    // The short arm is each trace cut at 40 tokens, so it can never spend more.
    assert.ok(short.meanTokens <= 40);
    assert.ok(Math.abs(short.savings - (1 - short.meanTokens / full.meanTokens)) < 1e-12);
    assert.ok(short.em < full.em);
    // Flips explain the EM gap exactly: right→wrong minus wrong→right is the change in right answers.
    assert.equal(short.flipsToWrongIds.length - short.flipsToRightIds.length, full.correct - short.correct);
    assert.equal(r.caseResults?.[0].policies['arm:short'].stopToken, tokenizeWithOffsets(tok, parsed.cases[0].arms?.short.output ?? '').count);
  });

  it('sweeps the policies over one arm when asked, with that arm as the baseline', () => {
    const onShort = runSweep(parsed.cases, 0, { ...options, arm: 'short' });
    const shortRow = runSweep(parsed.cases, 0, options).rows[3];
    assert.deepEqual(onShort.rows.map((x) => x.policy), ['full', 'cutoff:64']);
    assert.equal(onShort.baseline.em, shortRow.em);
    assert.equal(onShort.baseline.meanTokens, shortRow.meanTokens);
    const missing = runSweep(parsed.cases, 0, { ...options, arm: 'high' });
    assert.equal(missing.cases, 0);
    // No row has an arm `high`: all N cases are left out and said so.
    assert.match(missing.warnings[0], /^60 case\(s\) have no output of arm high/);
  });

  it('leaves out an arm that some cases lack, saying so', () => {
    const cases = parsed.cases.map((c, i) => (i === 0 ? { ...c, arms: { same: c.arms!.same } } : c));
    const r = runSweep(cases, 0, options);
    assert.deepEqual(r.rows.map((x) => x.policy), ['full', 'cutoff:64', 'arm:same']);
    assert.ok(r.warnings.includes('arm short has no output on 1 of 60 case(s), so it was not evaluated; run them in live mode with the arm.'));
  });
});

describe('core/armCheck: was the arm obeyed?', () => {
  it('finds numeric budgets where servers put them', () => {
    assert.equal(requestedBudget({ thinking_token_budget: 1024 }), 1024);
    assert.equal(requestedBudget({ thinking: { type: 'enabled', budget_tokens: 2048 } }), 2048);
    assert.equal(requestedBudget({ extra_body: { google: { thinking_config: { thinking_budget: 512 } } } }), 512);
    // An effort level is not a token budget: nothing to check the reasoning tokens against.
    assert.equal(requestedBudget({ reasoning_effort: 'low' }), undefined);
  });

  it('flags an arm indistinguishable from the baseline, and reports reasoning past the budget', () => {
    const base = [100, 120, 90, 300, 250, 80];
    // Tokens within ±2 of the baseline's on every case: the setting changed nothing measurable.
    const ignored = checkArmObeyed('x', [101, 119, 90, 302, 248, 80], base, [3538, 2100, 1000], 2048);
    assert.equal(ignored.noEffect, true);
    assert.equal(ignored.requestedBudget, 2048);
    assert.equal(ignored.reasoningP50, 2100);
    // 3538 and 2100 of the three reported reasoning counts exceed the 2048 budget.
    assert.equal(ignored.overBudgetShare, 2 / 3);
    assert.match(ignored.reason, /^arm x looks ignored: .* 67% of cases reasoned past the requested 2048 tokens \(p95 3394.2\)$/);
    const obeyed = checkArmObeyed('y', [40, 40, 40, 40, 40, 40], base, []);
    assert.equal(obeyed.noEffect, false);
    // 40 tokens each against the baseline's mean of 940 / 6 ≈ 156.67.
    assert.ok(Math.abs(obeyed.meanDiff - -116.66666666666667) < 1e-9);
  });

  it('marks the sweep row of an ignored arm with noEffect and a warning', () => {
    const parsed = parseTestSet(rowsWithArms(), { fileName: 'arms.jsonl' });
    const r = runSweep(parsed.cases, 0, { ...options, armBudgets: { short: 40 } });
    const same = r.rows.find((x) => x.policy === 'arm:same');
    const short = r.rows.find((x) => x.policy === 'arm:short');
    // `same` repeats the default trace: indistinguishable, so flagged; `short` clearly differs.
    assert.equal(same?.noEffect, true);
    assert.equal(same?.obeyed?.meanDiff, 0);
    assert.equal(short?.noEffect, undefined);
    assert.equal(short?.obeyed?.requestedBudget, 40);
    assert.ok(r.warnings.some((w) => w.startsWith('arm same looks ignored')));
  });
});
