// The runtime stopper on hand-made streams: when it says stop, what it answers, and its error words.
import assert from 'node:assert/strict';
import { toExportedPolicy } from '../../../src/core/policyExport';
import type { ExportedPolicy } from '../../../src/core/types';
import { createStopper } from '../../../src/runtime/createStopper';
import { sweepOutcomes } from './parityHelpers';

const SETTINGS = { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'last-number' }, match: { preset: 'numeric' } } as const;
// Numbers before and after the answer, so a wrong cut point shows up as a wrong answer.
const TRACE = 'First 3 apples, then 4 pears. So 3 + 4 = 7 fruits. The answer is 7. Thanks for asking, it was fun to count 99 things.';

function policy(name: string): ExportedPolicy {
  return toExportedPolicy(name, { ...SETTINGS, extract: { ...SETTINGS.extract }, match: { ...SETTINGS.match } });
}

describe('runtime/createStopper', () => {
  it('stops once, at the delta that makes the cutoff certain, and keeps answering the same', () => {
    const stopper = createStopper(policy('cutoff:8'));
    const [want] = sweepOutcomes(TRACE, [{ kind: 'cutoff', tokens: 8 }], 'last-number');
    // Word-sized deltas, as a server streams them.
    const words = TRACE.split(/(?<= )/);
    const decisions = words.map((w) => stopper.push(w));
    const first = decisions.findIndex((d) => d.stop);
    assert.ok(first > 0, 'not stopped on the first word');
    // No answer is reported before the decision is certain.
    assert.ok(decisions.slice(0, first).every((d) => !d.stop && d.answer === undefined));
    assert.deepEqual(decisions[first], { stop: true, reason: 'cutoff 8 reached', tokens: 8, answer: want.answer as string, answerKind: 'final' });
    assert.equal(want.answer, '4');
    // Deltas that still arrive after the stop (the abort takes a moment) change nothing.
    for (const d of decisions.slice(first + 1)) assert.deepEqual(d, decisions[first]);
    assert.equal(stopper.keptText(), 'First 3 apples, then 4 pears.'.slice(0, stopper.keptText().length));
    assert.ok(stopper.keptText().endsWith('4'), JSON.stringify(stopper.keptText()));
    assert.deepEqual(stopper.finish(), decisions[first]);
  });

  it('finish() on a stream that ended by itself gives the sweep outcome with stop false', () => {
    const stopper = createStopper(policy('full'));
    for (const ch of TRACE) assert.deepEqual(stopper.push(ch), { stop: false });
    const [want] = sweepOutcomes(TRACE, [{ kind: 'full' }], 'last-number');
    assert.deepEqual(stopper.finish(), { stop: false, reason: want.reason, tokens: want.stopToken, answer: '99', answerKind: 'final' });
    assert.equal(stopper.keptText(), TRACE);
    // Text after the end is a caller bug, and said so.
    assert.throws(() => stopper.push('more'), /push\(\) after finish\(\)/);
  });

  it('marker policy: stops after the marker plus grace with the answer the sweep gives', () => {
    const stopper = createStopper(policy('marker:2'));
    const [want] = sweepOutcomes(TRACE, [{ kind: 'marker', grace: 2, markers: ['The answer is', '####', '\\boxed{', '</think>', '"answer":'] }], 'last-number');
    // An empty delta (servers send them for role or usage chunks) is harmless.
    let d = stopper.push('');
    for (const ch of TRACE) {
      d = stopper.push(ch);
      if (d.stop) break;
    }
    assert.equal(d.stop, true);
    assert.equal(d.tokens, want.stopToken);
    assert.equal(d.answer, '7');
    assert.equal(d.reason, want.reason);
  });

  it('a cut before any answer reports no answer', () => {
    const stopper = createStopper(policy('cutoff:1'));
    const d = stopper.push('Let us think step by step about it.');
    assert.deepEqual(d, { stop: true, reason: 'cutoff 1 reached', tokens: 1, answerKind: 'none' });
    // keptText is what the sweep would have scored: the first token only.
    assert.equal(stopper.keptText(), 'Let');
  });

  it('accepts the JSON text and rejects bad policies with a message naming the field', () => {
    assert.equal(createStopper(JSON.stringify(policy('stability:16x2'))).policy.policy, 'stability:16x2');
    const bad: [unknown, RegExp][] = [
      ['{', /invalid policy: not valid JSON/],
      [{ ...policy('cutoff:8'), format: 'x' }, /"format" must be "prompt-budget-policy"/],
      [{ ...policy('cutoff:8'), version: 2 }, /unsupported "version" 2/],
      [{ ...policy('cutoff:8'), policy: 'cutoff:0' }, /"policy": policy "cutoff:0"/],
      [{ ...policy('cutoff:8'), spec: { kind: 'cutoff', tokens: 9 } }, /"spec.tokens" is 9 but "policy" cutoff:8 says 8/],
      [{ ...policy('cutoff:8'), policy: 'probe:32x2', spec: undefined }, /probe:32x2 makes extra model calls; use createPolicyRun/],
      [{ ...policy('cutoff:8'), encoding: 'p50k_base' }, /"encoding" must be "o200k_base", "cl100k_base" or "huggingface"/],
      [{ ...policy('cutoff:8'), extract: { preset: 'regex', pattern: '(' } }, /"extract": invalid regex/],
      [{ ...policy('cutoff:8'), budget: 3 }, /unknown field: budget/],
    ];
    for (const [input, message] of bad) assert.throws(() => createStopper(input as object), message);
  });
});
