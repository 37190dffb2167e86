import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import { runSweep, type SweepOptions } from '../../../src/core/sweep';
import { cutText, getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';

const GSM8K = 'gsm8k_faithfulcot_gpt4_cot.jsonl';
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
    assert.deepEqual([same.flipsToWrong, same.flipsToRight, same.mcnemarP], [0, 0, 1]);
    assert.ok(short.meanTokens <= 40);
    assert.ok(Math.abs(short.savings - (1 - short.meanTokens / full.meanTokens)) < 1e-12);
    assert.ok(short.em < full.em);
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
    assert.match(missing.warnings[0], /^60 case\(s\) have no output of arm high/);
  });

  it('leaves out an arm that some cases lack, saying so', () => {
    const cases = parsed.cases.map((c, i) => (i === 0 ? { ...c, arms: { same: c.arms!.same } } : c));
    const r = runSweep(cases, 0, options);
    assert.deepEqual(r.rows.map((x) => x.policy), ['full', 'cutoff:64', 'arm:same']);
    assert.ok(r.warnings.includes('arm short has no output on 1 of 60 case(s), so it was not evaluated; run them in live mode with the arm.'));
  });
});
