// Policies that read recorded probes: Dynasor-CoT's rule (probe-settled) and DEER-style confidence
// (probe-confident), on probes recorded as a live run writes them (the cue's text kept in front).
import assert from 'node:assert/strict';
import { makeExtractor } from '../../../src/core/extract';
import { applyPolicy, meanTokenProbability, parsePolicy, policyLabel, policyName, PrefixExtractor, type PreparedTrace } from '../../../src/core/policies';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { runSweep } from '../../../src/core/sweep';
import { resolveSweepOptions } from '../../../src/core/sweepOptions';
import { DEFAULT_PROBE_CUE } from '../../../src/core/live/promptTemplate';
import type { TokenizedText } from '../../../src/core/tokenOffsets';
import type { Case, PolicySpec, ProbeRecord } from '../../../src/core/types';

const boxed = makeExtractor({ preset: 'boxed' });
const TEXT = '<think>' + 'x'.repeat(90) + '</think>\\boxed{8}';

/** One token per character, so probe positions are string offsets. */
function charTrace(probes: ProbeRecord[]): PreparedTrace {
  const tokens: TokenizedText = { count: TEXT.length, ends: Uint32Array.from(TEXT, (_, i) => i + 1) };
  return { text: TEXT, tokens, probes };
}
const apply = (spec: PolicySpec, trace: PreparedTrace) => applyPolicy(spec, trace, new PrefixExtractor(trace, boxed), boxed);
/** A probe as recorded: the default cue, then what the model wrote. */
const probe = (atToken: number, completion: string, tokens = 4): ProbeRecord => ({ atToken, text: DEFAULT_PROBE_CUE + completion, tokens });

describe('core/policies: probe-settled (Dynasor-CoT certainty)', () => {
  it('parses, names and labels it next to probe:', () => {
    const spec = parsePolicy('probe-settled:32x3').spec;
    assert.deepEqual(spec, { kind: 'probe-settled', every: 32, agree: 3 });
    assert.equal(policyName(spec!), 'probe-settled:32x3');
    assert.equal(policyLabel(spec!), '3 agreeing probes every 32 tok, no hesitation');
    assert.equal(parsePolicy('probe-settled:32').error, 'policy "probe-settled:32": expected probe-settled:<every>x<agree> with positive integers, e.g. probe-settled:32x2');
  });

  it('a probe that hesitates breaks the run; probe: counts it, probe-settled: does not', () => {
    const probes = [probe(20, '7}'), probe(40, '8} Wait, let me re-check.'), probe(60, '8}'), probe(80, '8}')];
    const trace = charTrace(probes);
    assert.deepEqual(apply({ kind: 'probe', every: 20, agree: 2 }, trace), { stopToken: 60, answer: '8', reason: '2 probes agreed at token 60', probeTokens: 12, answerKind: 'final' });
    assert.deepEqual(apply({ kind: 'probe-settled', every: 20, agree: 2 }, trace), {
      stopToken: 80,
      answer: '8',
      reason: '2 probes agreed without hesitation at token 80',
      probeTokens: 16,
      answerKind: 'final',
    });
    // k = 3 never holds: the hesitant probe at 40 leaves only 60 and 80.
    assert.deepEqual(apply({ kind: 'probe-settled', every: 20, agree: 3 }, trace), {
      stopToken: TEXT.length,
      answer: '8',
      reason: 'probes never agreed without hesitation (1 probe hesitated); ran to the end',
      probeTokens: 16,
      answerKind: 'final',
    });
  });

  it('hesitation words match whole words, case-insensitively, from the configured list', () => {
    const trace = charTrace([probe(20, '8} Hmm'), probe(40, '8} awaited'), probe(60, '8}')]);
    // "awaited" is not "wait": 40 and 60 agree.
    assert.equal(apply({ kind: 'probe-settled', every: 20, agree: 2 }, trace).stopToken, 60);
    // With a list naming "awaited", only 60 is clean and nothing agrees; "hmm" is no longer a hesitation, so 20 and 60 cannot pair either (40 breaks the run).
    const own = apply({ kind: 'probe-settled', every: 20, agree: 2, hesitations: ['awaited'] }, trace);
    assert.equal(own.reason, 'probes never agreed without hesitation (1 probe hesitated); ran to the end');
  });

  it('a sweep takes the config hesitations and leaves the policy out without probes on every case', () => {
    // About a hundred tokens of thinking, so every probe falls inside the trace.
    const output = `<think>${' step'.repeat(100)}</think>\\boxed{8}`;
    const base: Case = { id: 'a', question: 'Q', answers: ['8'], tags: [], line: 1, output, probes: [probe(20, '8} but'), probe(40, '8}'), probe(60, '8}')] };
    const { config } = parseConfig('{"hesitations": ["maybe"]}');
    const { options } = resolveSweepOptions(config, { extract: { preset: 'boxed' }, match: { preset: 'numeric' }, policies: [{ kind: 'probe-settled', every: 20, agree: 2 }], folds: 0 });
    const r = runSweep([base], 0, { ...options, includeCases: true });
    // "but" is not in the configured list: 20 and 40 agree.
    assert.equal(r.caseResults?.[0].policies['probe-settled:20x2'].stopToken, 40);
    assert.equal(r.rows[1].meanProbeTokens, 8);
    const none = runSweep([base, { ...base, id: 'b', probes: undefined }], 0, options);
    assert.deepEqual(none.rows.map((x) => x.policy), ['full']);
    assert.match(none.warnings.join('\n'), /probe policies \(probe-settled:20x2\) need recorded probes on every case/);
  });
});

describe('core/policies: probe-confident (DEER-style)', () => {
  it('parses, names and labels it; the threshold is a probability in (0, 1]', () => {
    const spec = parsePolicy('probe-confident:64@0.95').spec;
    assert.deepEqual(spec, { kind: 'probe-confident', every: 64, threshold: 0.95 });
    assert.equal(policyName(spec!), 'probe-confident:64@0.95');
    assert.equal(policyLabel(spec!), 'probe every 64 tok, answer probability ≥ 0.95');
    assert.deepEqual(parsePolicy('probe-confident:64@1').spec, { kind: 'probe-confident', every: 64, threshold: 1 });
    assert.deepEqual(parsePolicy('probe-confident:64@.9').spec, { kind: 'probe-confident', every: 64, threshold: 0.9 });
    for (const bad of ['probe-confident:64@0', 'probe-confident:64@1.5', 'probe-confident:64', 'probe-confident:0@0.9']) {
      assert.match(parsePolicy(bad).error ?? '', /expected probe-confident:<every>@<p> with a positive integer and a probability in \(0, 1\]/, bad);
    }
  });

  it('stops at the first probe with an answer whose mean token probability reaches the threshold', () => {
    const lp = (...ps: number[]): number[] => ps.map(Math.log);
    const probes: ProbeRecord[] = [
      { ...probe(20, '7}', 2), logprobs: lp(0.9, 0.5) },
      { ...probe(40, '8}', 2), logprobs: lp(0.99, 0.93) },
      { ...probe(60, 'no answer', 3), logprobs: lp(1, 1, 1) },
      { ...probe(80, '8}', 2), logprobs: lp(1, 1) },
    ];
    const trace = charTrace(probes);
    // Means: 0.70, 0.96, (none: no answer), 1.00.
    assert.deepEqual(apply({ kind: 'probe-confident', every: 20, threshold: 0.95 }, trace), {
      stopToken: 40,
      answer: '8',
      reason: 'probe at token 40 answered with mean token probability 0.960 ≥ 0.95',
      probeTokens: 4,
      answerKind: 'final',
    });
    assert.equal(apply({ kind: 'probe-confident', every: 20, threshold: 0.99 }, trace).stopToken, 80);
    const never = charTrace(probes.slice(0, 2));
    assert.deepEqual(apply({ kind: 'probe-confident', every: 20, threshold: 0.99 }, never), {
      stopToken: TEXT.length,
      answer: '8',
      reason: 'no probe answer reached mean token probability 0.99 (best 0.960); ran to the end',
      probeTokens: 4,
      answerKind: 'final',
    });
  });

  it('averages e^logprob per token, and a probe without logprobs never stops', () => {
    assert.equal(meanTokenProbability([Math.log(0.5), Math.log(1)]), 0.75);
    assert.equal(meanTokenProbability([]), null);
    assert.equal(meanTokenProbability(undefined), null);
    assert.equal(apply({ kind: 'probe-confident', every: 20, threshold: 0.5 }, charTrace([probe(20, '8}')])).stopToken, TEXT.length);
  });
});
