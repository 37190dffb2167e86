// The drill-down data of the panel: each case a policy flipped, and where in its trace each policy cut.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { flippedCases, traceOneCase } from '../../../src/core/flippedCases';
import { runSweep } from '../../../src/core/sweep';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import { cutText, getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import type { Case } from '../../../src/core/types';

const DATA = path.resolve(__dirname, '../../../../shared/data');

describe('flippedCases', () => {
  // The first 150 GSM8K traces: enough flips under short cutoffs, quick to sweep.
  const text = readFileSync(path.join(DATA, 'gsm8k_faithfulcot_gpt4_cot.jsonl'), 'utf8').split('\n').slice(0, 150).join('\n');
  const { cases } = parseTestSet(text, { fileName: 'gsm8k.jsonl' });
  const tok = getTokenizer('o200k_base');
  const options = { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'last-number' }, match: { preset: 'numeric' }, margin: 0.01, seed: 1, resamples: 200, folds: 0 } as const;
  const result = runSweep(cases, 0, { ...options, policies: [{ kind: 'cutoff', tokens: 48 }, { kind: 'cutoff', tokens: 96 }], includeCases: true });

  it('lists each flipped case once, in test-set order, with full and the policies that flipped it', () => {
    const flipped = flippedCases(result, cases, tok);
    const expected = new Map<string, string[]>();
    for (const row of result.rows) for (const id of [...row.flipsToWrongIds, ...row.flipsToRightIds]) expected.set(id, [...(expected.get(id) ?? []), row.policy]);
    assert.ok(expected.size > 5, `the first 150 GSM8K traces flip under a 48-token cutoff (${expected.size})`);
    assert.deepEqual(
      flipped.map((f) => f.id),
      cases.filter((c) => expected.has(c.id)).map((c) => c.id),
    );
    for (const f of flipped) {
      assert.deepEqual(Object.keys(f.outcomes), ['full', ...(expected.get(f.id) ?? [])]);
      for (const p of expected.get(f.id) ?? []) assert.notEqual(f.outcomes[p].correct, f.outcomes.full.correct, `${f.id} ${p}`);
    }
  });

  it('turns each stop token into the offset where the trace was cut', () => {
    for (const f of flippedCases(result, cases, tok)) {
      const tokens = tokenizeWithOffsets(tok, f.trace);
      assert.equal(f.totalTokens, tokens.count);
      // The panel highlights the kept text, so cutAt must agree with cutText for every policy.
      assert.equal(f.outcomes.full.cutAt, f.trace.length);
      for (const o of Object.values(f.outcomes)) assert.equal(f.trace.slice(0, o.cutAt), cutText(f.trace, tokens, o.stopToken));
      const cut = f.outcomes['cutoff:48'];
      if (cut) assert.equal(cut.stopToken, Math.min(48, tokens.count));
    }
  });

  it('skips cases without a trace and returns nothing when no policy flipped a case', () => {
    const noTrace: Case[] = cases.map((c) => ({ ...c, output: undefined }));
    assert.deepEqual(flippedCases(result, noTrace, tok), []);
    // A cutoff no trace reaches changes nothing: no flips, no drill-down.
    const same = runSweep(cases.slice(0, 20), 0, { ...options, policies: [{ kind: 'cutoff', tokens: 100_000 }], includeCases: true });
    assert.deepEqual(flippedCases(same, cases, tok), []);
  });

  it('evaluates any case alone exactly as the whole sweep did, with every policy cut', () => {
    const sweptPolicies = [{ kind: 'cutoff', tokens: 48 }, { kind: 'cutoff', tokens: 96 }] as const;
    const flippedIds = new Set(result.rows.flatMap((r) => [...r.flipsToWrongIds, ...r.flipsToRightIds]));
    // A case no policy flipped: the panel's browse list opens it through traceOneCase.
    const c = cases.find((x) => !flippedIds.has(x.id) && tokenizeWithOffsets(tok, x.output!).count > 96)!;
    assert.ok(c, 'some unflipped trace is longer than 96 tokens');
    const alone = traceOneCase(c, { ...options, policies: sweptPolicies }, tok)!;
    const inSweep = result.caseResults!.find((r) => r.id === c.id)!;
    assert.deepEqual(Object.keys(alone.outcomes), ['full', 'cutoff:48', 'cutoff:96']);
    for (const [p, o] of Object.entries(alone.outcomes)) {
      const want = inSweep.policies[p];
      assert.deepEqual([o.stopToken, o.answer, o.correct, o.reason], [want.stopToken, want.answer, want.correct, want.reason], p);
      assert.equal(c.output!.slice(0, o.cutAt), cutText(c.output!, tokenizeWithOffsets(tok, c.output!), o.stopToken));
    }
    assert.deepEqual([alone.id, alone.line, alone.trace, alone.gold], [c.id, c.line, c.output, c.answers]);
    assert.equal(traceOneCase({ ...c, output: undefined }, { ...options, policies: sweptPolicies }, tok), null);
  });
});
