// Policy names and the rules themselves, on a trace where one token is one character so every stop
// token can be checked by eye.
import assert from 'node:assert/strict';
import { makeExtractor } from '../../../src/core/extract';
import { applyPolicy, DEFAULT_CUTOFFS, DEFAULT_DYNAMIC_POLICIES, parsePolicy, policyLabel, policyName, PrefixExtractor, tokenIndexCovering, type PreparedTrace } from '../../../src/core/policies';
import type { TokenizedText } from '../../../src/core/tokenOffsets';
import type { PolicySpec, ProbeRecord } from '../../../src/core/types';

/** One token per character, so token counts and string offsets coincide. */
function charTrace(text: string, probes?: ProbeRecord[]): PreparedTrace {
  const tokens: TokenizedText = { count: text.length, ends: Uint32Array.from(text, (_, i) => i + 1) };
  return { text, tokens, probes };
}

const lastNumber = makeExtractor({ preset: 'last-number' });
const apply = (spec: PolicySpec, trace: PreparedTrace) => applyPolicy(spec, trace, new PrefixExtractor(trace, lastNumber), lastNumber);

describe('core/policies', () => {
  describe('parsePolicy and policyName', () => {
    it('round-trips every policy kind', () => {
      for (const name of ['full', 'cutoff:256', 'stability:32x2', 'marker:0', 'marker:16', 'probe:64x3']) {
        const { spec, error } = parsePolicy(name);
        assert.equal(error, undefined, name);
        assert.equal(policyName(spec as PolicySpec), name);
      }
      assert.deepEqual(parsePolicy('  stability:16x3 ').spec, { kind: 'stability', every: 16, repeats: 3 });
      assert.deepEqual(parsePolicy('probe:8x2').spec, { kind: 'probe', every: 8, agree: 2 });
    });

    it('names what is wrong with a bad name', () => {
      assert.equal(parsePolicy('cutoff:0').error, 'policy "cutoff:0": expected cutoff:<K> with K a positive integer, e.g. cutoff:256');
      // Leading zeros are refused so that every policy has one canonical name.
      assert.equal(parsePolicy('cutoff:012').error, 'policy "cutoff:012": expected cutoff:<K> with K a positive integer, e.g. cutoff:256');
      assert.equal(parsePolicy('marker:-1').error, 'policy "marker:-1": expected marker:<G> with G ≥ 0 grace tokens, e.g. marker:16');
      assert.equal(parsePolicy('stability:0x2').error, 'policy "stability:0x2": expected stability:<every>x<repeats> with positive integers, e.g. stability:32x2');
      assert.equal(parsePolicy('probe:8').error, 'policy "probe:8": expected probe:<every>x<agree> with positive integers, e.g. probe:32x2');
      assert.equal(parsePolicy('early').error, 'unknown policy "early": use full, cutoff:<K>, stability:<N>x<k>, marker:<G>, settled:<N>x<k>, committed, probe:<N>x<k>, probe-settled:<N>x<k>, probe-confident:<N>@<p> or budget:<K>');
      // Grace after a committed box would cross the close tag and read an empty answer part.
      assert.equal(parsePolicy('committed:8').error, 'policy "committed:8": committed takes no argument (it stops where the box closes)');
      assert.deepEqual(parsePolicy(' committed ').spec, { kind: 'committed' });
    });

    it('labels policies for people', () => {
      assert.deepEqual(
        ['full', 'cutoff:512', 'stability:32x2', 'marker:16', 'probe:8x3', 'committed'].map((n) => policyLabel(parsePolicy(n).spec as PolicySpec)),
        ['full length', 'cutoff 512', 'stable answer 2× every 32 tok', 'answer marker + 16 tok', '3 agreeing probes every 8 tok', 'boxed answer inside the thinking'],
      );
    });

    it('has ascending default cutoffs and default dynamic policies that parse back', () => {
      assert.deepEqual([...DEFAULT_CUTOFFS].sort((a, b) => a - b), [...DEFAULT_CUTOFFS]);
      for (const spec of DEFAULT_DYNAMIC_POLICIES) assert.deepEqual(parsePolicy(policyName(spec)).spec, spec);
    });
  });

  describe('tokenIndexCovering', () => {
    it('gives the smallest token count whose text reaches the offset', () => {
      const tokens: TokenizedText = { count: 4, ends: Uint32Array.from([3, 5, 9, 12]) };
      // Offsets past the text clamp to the last token.
      assert.deepEqual([1, 3, 4, 5, 6, 9, 12, 20].map((c) => tokenIndexCovering(tokens, c)), [1, 1, 2, 2, 3, 3, 4, 4]);
    });
  });

  describe('applyPolicy', () => {
    // 40 tokens: "7" is final from token 9 on, the marker ends at token 33, "8" is the last number.
    const text = 'a 3 b 4 7 ccccccccc The answer is 8 ddd!';
    const trace = charTrace(text);

    it('full and cutoff read the answer in the kept prefix', () => {
      assert.deepEqual(apply({ kind: 'full' }, trace), { answerKind: 'final', stopToken: 40, answer: '8', reason: 'full trace (40 tokens)' });
      assert.deepEqual(apply({ kind: 'cutoff', tokens: 6 }, trace), { answerKind: 'final', stopToken: 6, answer: '3', reason: 'cut at 6 of 40 tokens' });
      assert.deepEqual(apply({ kind: 'cutoff', tokens: 99 }, trace), { answerKind: 'final', stopToken: 40, answer: '8', reason: 'trace ended at 40 tokens, before the cutoff' });
    });

    it('stability stops once the answer has repeated `repeats` times after it first appeared', () => {
      // Checks at 8, 12, 16, 20 read 4, 7, 7, 7: the second repeat of "7" is at token 20.
      assert.deepEqual(apply({ kind: 'stability', every: 4, repeats: 2 }, trace), { answerKind: 'final', stopToken: 20, answer: '7', reason: 'answer unchanged 2× in a row at token 20' });
      assert.deepEqual(apply({ kind: 'stability', every: 30, repeats: 2 }, trace), { answerKind: 'final', stopToken: 40, answer: '8', reason: 'answer never stable; ran to the end' });
    });

    it('marker stops a grace window after the first answer marker', () => {
      assert.deepEqual(apply({ kind: 'marker', grace: 2 }, trace), { answerKind: 'final', stopToken: 35, answer: '8', reason: 'marker "The answer is" at token 33 + 2 grace' });
      assert.deepEqual(apply({ kind: 'marker', grace: 20 }, trace).reason, 'marker "The answer is" at token 33; trace ended within the grace window');
      assert.deepEqual(apply({ kind: 'marker', grace: 0 }, charTrace('1 2 3')), { answerKind: 'final', stopToken: 5, answer: '3', reason: 'no answer marker; ran to the end' });
    });

    it('committed stops where the first box inside the thinking closes and takes that intermediate answer', () => {
      // The box closes at offset 32 (token 32); the summary after </think> boxes the same answer again.
      const thinking = charTrace('<think>so 12? no, 14. \\boxed{14} hmm fine</think> It is \\boxed{14}.');
      assert.deepEqual(apply({ kind: 'committed' }, thinking), { answerKind: 'intermediate', stopToken: 32, answer: '14', reason: 'boxed answer inside the thinking at token 32' });
      // Without a box inside the thinking, or without thinking at all, it runs to the end like full.
      assert.deepEqual(apply({ kind: 'committed' }, charTrace('<think>14</think> \\boxed{14}')), { answerKind: 'final', stopToken: 28, answer: '14', reason: 'no \\boxed{} closed inside the thinking; ran to the end' });
      assert.equal(apply({ kind: 'committed' }, trace).stopToken, 40);
    });

    it('probe stops when enough probes in a row agree, counting the probe tokens', () => {
      const probes = [
        { atToken: 20, text: 'so 5', tokens: 3 },
        { atToken: 10, text: 'maybe 4', tokens: 2 },
        { atToken: 30, text: 'it is 5', tokens: 4 },
        { atToken: 15, text: 'no idea', tokens: 1 },
      ];
      // Probes arrive out of order on purpose: the policy must sort them by token.
      const withProbes = charTrace(text, probes);
      assert.deepEqual(apply({ kind: 'probe', every: 5, agree: 2 }, withProbes), { answerKind: 'final', stopToken: 30, answer: '5', reason: '2 probes agreed at token 30', probeTokens: 10 });
      // Probes off the grid (every 20: only token 20 counts) never reach agreement.
      assert.deepEqual(apply({ kind: 'probe', every: 20, agree: 2 }, withProbes), { answerKind: 'final', stopToken: 40, answer: '8', reason: 'probes never agreed; ran to the end', probeTokens: 3 });
    });
  });
});
