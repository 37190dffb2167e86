// The tracker one stopper runs per request, on a real R1-distill trace: it must stop at the token and
// with the answer the sweep's applyPolicy gives on the whole trace, and decide before the stream ends.
import assert from 'node:assert/strict';
import { makeExtractor } from '../../../src/core/extract';
import type { PolicyOutcome, PolicySpec } from '../../../src/core/types';
import { PolicyTracker, StreamTrace } from '../../../src/runtime/policyTracker';
import { StreamTokens } from '../../../src/runtime/streamTokens';
import { readRows, seededCuts, sweepTrace } from './parityHelpers';

// ta-8b-1591-correct: 8,913 characters, 3,181 o200k tokens; the thinking closes at token 2875 and the
// boxed answer 6.17 (the gold) comes at token 3179. Early in the thinking it tries 12. first.
const ROW = readRows('math_thoughtanchors_r1distill_think.jsonl')[0];

/** Streams the trace in seeded 1–12 character deltas (server-sized) until the tracker decides. */
function stream(spec: PolicySpec): { outcome: PolicyOutcome; receivedAt: number; viaFinish: boolean; source: StreamTrace } {
  const source = new StreamTrace(new StreamTokens('o200k_base', 'gpt-tokenizer'), makeExtractor({ preset: 'boxed' }));
  const tracker = new PolicyTracker(spec, source);
  let from = 0;
  for (const cut of [...seededCuts(ROW.output.length, 7, 12), ROW.output.length]) {
    const delta = ROW.output.slice(from, cut);
    from = cut;
    source.push(delta);
    const outcome = tracker.check(delta);
    if (outcome) return { outcome, receivedAt: cut, viaFinish: false, source };
  }
  source.end();
  return { outcome: tracker.finish(), receivedAt: ROW.output.length, viaFinish: true, source };
}

describe('runtime/policyTracker', function () {
  this.timeout(30000);

  it('the data row is the one the figures below describe', () => {
    assert.equal(ROW.id, 'ta-8b-1591-correct');
    assert.equal(ROW.answer, '6.17');
    assert.equal(sweepTrace(ROW.output, [{ kind: 'full' }], 'boxed').ends.length, 3181);
  });

  it('full never stops early; finish() gives the whole trace and its boxed answer', () => {
    const { outcome, viaFinish } = stream({ kind: 'full' });
    assert.equal(viaFinish, true);
    assert.deepEqual(outcome, { stopToken: 3181, answer: '6.17', reason: 'full trace (3181 tokens)', answerKind: 'final' });
  });

  it('cutoff:256 stops as soon as 256 tokens are final, with the intermediate answer the sweep reads there', () => {
    const { outcome, receivedAt, viaFinish } = stream({ kind: 'cutoff', tokens: 256 });
    const [want] = sweepTrace(ROW.output, [{ kind: 'cutoff', tokens: 256 }], 'boxed').outcomes;
    assert.equal(viaFinish, false);
    assert.equal(outcome.stopToken, 256);
    // 12. is the first candidate the model writes in its thinking (it later settles on 6.17).
    assert.equal(outcome.answer, '12.');
    assert.equal(outcome.answer, want.answer);
    assert.equal(outcome.answerKind, 'intermediate');
    assert.equal(outcome.reason, 'cutoff 256 reached');
    // 1,025 of 8,913 characters: the 256th token is final once a few characters past it have arrived.
    assert.equal(receivedAt, 1025);
  });

  it('stability:64x2 and settled:128x2 stop mid-stream at the sweep token with the sweep answer', () => {
    const specs: PolicySpec[] = [
      { kind: 'stability', every: 64, repeats: 2 },
      { kind: 'settled', every: 128, repeats: 2 },
    ];
    const want = sweepTrace(ROW.output, specs, 'boxed').outcomes;
    const got = specs.map(stream);
    // stability sees 12. at tokens 256, 320 and 384; settled waits for a window without hesitation words.
    assert.deepEqual(got.map((g) => [g.outcome.stopToken, g.outcome.answer, g.viaFinish]), [
      [384, '12.', false],
      [2048, '6.17', false],
    ]);
    assert.deepEqual(got.map((g) => g.outcome), want);
    assert.ok(got.every((g) => g.receivedAt < ROW.output.length));
  });

  it('marker:16 on a thinking trace waits for the first final answer after </think>', () => {
    const { outcome } = stream({ kind: 'marker', grace: 16 });
    const [want] = sweepTrace(ROW.output, [{ kind: 'marker', grace: 16 }], 'boxed').outcomes;
    // The answer comes 2 tokens before the end, so the grace window runs past it: the whole trace.
    assert.equal(outcome.stopToken, 3181);
    assert.equal(outcome.answer, '6.17');
    assert.deepEqual(outcome, want);
  });

  it('refuses policies that make model calls, pointing to createPolicyRun', () => {
    const source = new StreamTrace(new StreamTokens('o200k_base', 'gpt-tokenizer'), makeExtractor({ preset: 'boxed' }));
    assert.throws(() => new PolicyTracker({ kind: 'probe', every: 32, agree: 2 }, source), /^Error: prompt-budget: probe:32x2 makes extra model calls; use createPolicyRun/);
    assert.throws(() => new PolicyTracker({ kind: 'budget', tokens: 512 }, source), /^Error: prompt-budget: budget:512 makes extra model calls; use createPolicyRun/);
  });

  it('asks for no answer past the final tokens: the last token may still grow', () => {
    const source = new StreamTrace(new StreamTokens('o200k_base', 'gpt-tokenizer'), makeExtractor({ preset: 'boxed' }));
    source.push('The answer is \\boxed{6');
    const final = source.stream.tokens.count;
    assert.throws(() => source.answerAt(final + 1), { name: 'RangeError', message: `answerAt(${final + 1}) before token ${final + 1} is final` });
    assert.throws(() => source.completeAt(final + 1), RangeError);
    source.push('.17}');
    source.end();
    assert.equal(source.answerAt(source.stream.tokens.count), '6.17');
    assert.equal(source.completeAt(source.stream.tokens.count), true);
  });
});
