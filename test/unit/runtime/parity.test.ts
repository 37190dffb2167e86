// The runtime must stop where the sweep stops, with the sweep's answer, however the stream is chunked:
// every case of the three data sets under every default policy, then random chunkings (fast-check).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toExportedPolicy } from '../../../src/core/policyExport';
import { policyName } from '../../../src/core/policies';
import { getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import type { EncodingName, EngineName, ExtractPreset, PolicyOutcome, PolicySpec } from '../../../src/core/types';
import { createStopper, type StopDecision } from '../../../src/runtime/createStopper';
import { DATA_SETS, readRows, seededCuts, streamOutcomes, sweepOutcomes, sweepOutcomesWith, sweepTrace, SWEEP_POLICIES, THINKING_DATA_SETS, THINKING_POLICIES } from './parityHelpers';

function same(got: PolicyOutcome, want: PolicyOutcome): boolean {
  return got.stopToken === want.stopToken && got.answer === want.answer;
}

/** Feeds `text` cut at `cuts` to a fresh stopper; returns its decision and the chars received by then. */
function runStopper(text: string, cuts: readonly number[], spec: PolicySpec, preset: ExtractPreset, encoding: EncodingName = 'o200k_base', engine: EngineName = 'gpt-tokenizer'): { d: StopDecision; kept: string; received: number } {
  const stopper = createStopper(toExportedPolicy(spec, { encoding, engine, extract: { preset }, match: { preset: 'strict' } }));
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    if (cut <= from) continue;
    const d = stopper.push(text.slice(from, cut));
    from = cut;
    if (d.stop) return { d, kept: stopper.keptText(), received: cut };
  }
  return { d: stopper.finish(), kept: stopper.keptText(), received: text.length };
}

function assertDecision(d: StopDecision, kept: string, want: PolicyOutcome, text: string, where: string): void {
  assert.equal(d.tokens, want.stopToken, `${where}: stop token`);
  assert.equal(d.answer ?? null, want.answer, `${where}: answer`);
  assert.ok(text.startsWith(kept), `${where}: kept text is a prefix of the trace`);
}

describe('runtime parity with the sweep (shared data)', function () {
  this.timeout(120000);

  before(() => {
    getTokenizer('o200k_base', 'gpt-tokenizer');
  });

  it('every case of the 3 data sets × every default sweep policy, ragged chunks: same stop token and answer', () => {
    let checks = 0;
    const mismatches: string[] = [];
    // Promptness: how far past the kept text the stream had gone when a cutoff stop was reported.
    let lagSum = 0;
    let lagCount = 0;
    let early32 = 0;
    let long32 = 0;
    for (const { file, presets } of DATA_SETS) {
      const rows = readRows(file);
      for (const preset of presets) {
        rows.forEach((row, i) => {
          const text = row.output;
          const { outcomes: want, ends } = sweepTrace(text, SWEEP_POLICIES, preset);
          // A different seeded chunking per row and preset (7919 is prime), pieces of 1–12 characters.
          const got = streamOutcomes(text, seededCuts(text.length, i * 7919 + preset.length, 12), SWEEP_POLICIES, preset);
          SWEEP_POLICIES.forEach((spec, p) => {
            checks++;
            if (!same(got[p].outcome, want[p]) && mismatches.length < 10) {
              mismatches.push(`${file} #${i} ${preset} ${policyName(spec)}: stream ${JSON.stringify(got[p].outcome)} vs sweep ${JSON.stringify(want[p])}`);
            }
            if (spec.kind === 'cutoff' && !got[p].viaFinish) {
              lagSum += got[p].receivedAt - ends[got[p].outcome.stopToken - 1];
              lagCount++;
            }
          });
          // cutoff:32 (policy 1) must stop before the stream ends on every trace clearly longer than 32 tokens.
          if (want[0].stopToken > 48) {
            long32++;
            if (!got[1].viaFinish) early32++;
          }
        });
      }
    }
    assert.deepEqual(mismatches, [], `${mismatches.length} mismatches of ${checks}`);
    // GSM8K once (last-number), the two MATH files twice each (boxed and json-answer), times every policy.
    assert.equal(checks, (1319 + 2 * 800 + 2 * 721) * SWEEP_POLICIES.length);
    const meanLag = lagSum / lagCount;
    console.log(`      ${checks} checks; cutoff stops reported a mean ${meanLag.toFixed(1)} chars after the kept text (chunks of 1–12 chars)`);
    // A token is final once the next piece starts, so a stop comes about one chunk (≤ 12 chars) plus a token late.
    assert.ok(lagCount > 10000 && meanLag < 14, `mean lag ${meanLag} over ${lagCount} cutoff stops`);
    assert.ok(early32 === long32, `cutoff:32 stopped mid-stream on ${early32} of ${long32} traces longer than 48 tokens`);
  });

  it('fast-check: createStopper fed real traces one char at a time or in random chunks matches the sweep', () => {
    const sets = DATA_SETS.flatMap(({ file, presets }) => presets.map((preset) => ({ rows: readRows(file), preset })));
    const extra: PolicySpec[] = [
      { kind: 'cutoff', tokens: 1 },
      { kind: 'cutoff', tokens: 77 },
      { kind: 'stability', every: 1, repeats: 1 },
      { kind: 'stability', every: 8, repeats: 4 },
      { kind: 'marker', grace: 5 },
    ];
    const policies = [...SWEEP_POLICIES, ...extra];
    fc.assert(
      fc.property(
        fc.nat({ max: sets.length - 1 }),
        fc.nat(),
        fc.nat({ max: policies.length - 1 }),
        fc.oneof(fc.constant<'char'>('char'), fc.array(fc.nat({ max: 4000 }), { maxLength: 200 })),
        (s, caseIndex, p, chunking) => {
          const { rows, preset } = sets[s];
          const text = rows[caseIndex % rows.length].output;
          const cuts = chunking === 'char' ? Array.from({ length: text.length }, (_, i) => i + 1) : [...new Set(chunking)].sort((a, b) => a - b);
          const [want] = sweepOutcomes(text, [policies[p]], preset);
          const { d, kept } = runStopper(text, cuts, policies[p], preset);
          assertDecision(d, kept, want, text, `${preset} case ${caseIndex % rows.length} ${policyName(policies[p])} ${chunking === 'char' ? 'char by char' : `${cuts.length} cuts`}`);
          if (d.stop) assert.equal(kept.length, want.stopToken === 0 ? 0 : tokenizeWithOffsets(getTokenizer(), text).ends[want.stopToken - 1]);
        },
      ),
      { numRuns: 400, seed: 42 },
    );
  });

  it('traces with characters outside the BMP, fed one UTF-16 unit at a time (split surrogate pairs)', () => {
    let found = 0;
    for (const { file, presets } of DATA_SETS) {
      for (const row of readRows(file)) {
        if (!/[\u{10000}-\u{10FFFF}]/u.test(row.output)) continue;
        found++;
        const text = row.output;
        const cuts = Array.from({ length: text.length }, (_, i) => i + 1);
        for (const preset of presets) {
          const want = sweepOutcomes(text, SWEEP_POLICIES, preset);
          const got = streamOutcomes(text, cuts, SWEEP_POLICIES, preset);
          SWEEP_POLICIES.forEach((spec, p) => assert.ok(same(got[p].outcome, want[p]), `${row.id} ${preset} ${policyName(spec)}`));
        }
      }
    }
    assert.equal(found, 3, 'the MATH ×8 file has 3 traces with non-BMP characters');
  });
});

/** Synthetic traces in several scripts with answer markers, for all four tokenizer set-ups. */
const WORDS = [
  'We', ' have', ' 3', ' apples', ',', ' so', ' 2', '+', '2', '=', '4', '.', '\n', '\n\n', '  ', '\t', ' ', "'s", "'ll", ' it', "'re",
  ' 中文', '数学', ' 😀', '👍🏽', ' 𝐀𝐁', ' é', 'e\u0301', ' क\u093f', ' Ǆx', ' ß', '½', ' 1,234', ' 18.0', ' $5',
  ' The answer is', ' The answer is 42.', ' #### 12', ' \\boxed{7}', ' \\boxed{\\frac{1}{2}}', ' "answer": "9"', '</think>', '<think>',
];

describe('runtime parity on synthetic multilingual traces (all encodings and engines)', function () {
  this.timeout(120000);
  const combos: [EncodingName, EngineName][] = [
    ['o200k_base', 'gpt-tokenizer'],
    ['cl100k_base', 'gpt-tokenizer'],
    ['o200k_base', 'js-tiktoken'],
    ['cl100k_base', 'js-tiktoken'],
  ];
  const presets: ExtractPreset[] = ['last-number', 'boxed', 'json-answer', 'answer-is', 'gsm8k', 'after-think'];
  const policies: PolicySpec[] = [
    ...SWEEP_POLICIES.filter((p) => p.kind !== 'cutoff' || p.tokens <= 96),
    { kind: 'cutoff', tokens: 3 },
    { kind: 'cutoff', tokens: 10 },
    { kind: 'stability', every: 2, repeats: 2 },
    { kind: 'stability', every: 5, repeats: 1 },
    { kind: 'marker', grace: 2 },
    { kind: 'marker', grace: 1, markers: ['ab', 'abcd', '4'] },
  ];

  for (const [encoding, engine] of combos) {
    it(`${encoding} / ${engine}`, () => {
      getTokenizer(encoding, engine);
      fc.assert(
        fc.property(
          fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 60 }).map((w) => w.join('')),
          fc.constantFrom(...presets),
          fc.nat({ max: policies.length - 1 }),
          fc.oneof(fc.constant<'char'>('char'), fc.array(fc.nat({ max: 400 }), { maxLength: 40 })),
          (text, preset, p, chunking) => {
            const cuts = chunking === 'char' ? Array.from({ length: text.length }, (_, i) => i + 1) : [...new Set(chunking)].sort((a, b) => a - b);
            const [want] = sweepOutcomes(text, [policies[p]], preset, encoding, engine);
            const { d, kept } = runStopper(text, cuts, policies[p], preset, encoding, engine);
            assertDecision(d, kept, want, text, `${JSON.stringify(text)} ${preset} ${policyName(policies[p])}`);
          },
        ),
        { numRuns: engine === 'js-tiktoken' ? 150 : 300, seed: 7 },
      );
    });
  }

  it('a longer marker that starts at the same place is waited for (markers ab / abcd)', () => {
    const spec: PolicySpec = { kind: 'marker', grace: 0, markers: ['ab', 'abcd'] };
    const text = 'xx abcd then 5 and 6';
    const [want] = sweepOutcomes(text, [spec], 'last-number');
    // "ab" is complete after 5 chars, but "abcd" (longer, same start) wins on the whole text.
    const { d } = runStopper(text, [5, 6, 7, 8, 9, 10], spec, 'last-number');
    assert.equal(d.tokens, want.stopToken);
    assert.match(want.reason, /marker "abcd"/);
  });
});

describe('runtime parity on reasoning traces (thinking markers, settled, intermediate answers)', function () {
  this.timeout(300000);

  it('R1 GSM8K and R1-distill MATH × thinking defaults + settled/marker variants, ragged chunks: same stop token, answer and answer kind', () => {
    let checks = 0;
    let intermediate = 0;
    const mismatches: string[] = [];
    for (const { file, presets } of THINKING_DATA_SETS) {
      const rows = readRows(file);
      for (const preset of presets) {
        rows.forEach((row, i) => {
          const text = row.output;
          const { outcomes: want } = sweepTrace(text, THINKING_POLICIES, preset);
          const got = streamOutcomes(text, seededCuts(text.length, i * 104729 + preset.length, 24), THINKING_POLICIES, preset);
          THINKING_POLICIES.forEach((spec, p) => {
            checks++;
            if (want[p].answerKind === 'intermediate') intermediate++;
            const g = got[p].outcome;
            if ((g.stopToken !== want[p].stopToken || g.answer !== want[p].answer || g.answerKind !== want[p].answerKind) && mismatches.length < 10) {
              mismatches.push(`${file} #${i} ${preset} ${policyName(spec)}: stream ${JSON.stringify(g)} vs sweep ${JSON.stringify(want[p])}`);
            }
          });
        });
      }
    }
    assert.deepEqual(mismatches, [], `${mismatches.length} mismatches of ${checks}`);
    // Both reasoning files, each with two presets (boxed and last-number, boxed and after-think).
    assert.equal(checks, (439 + 40) * 2 * THINKING_POLICIES.length);
    // The stops inside open thinking are many: the parity covers intermediate answers, not only final ones.
    assert.ok(intermediate > 1000, `${intermediate} intermediate stops`);
  });

  it('fast-check: synthetic thinking traces, char by char or random chunks, with configured tags and hesitations', () => {
    const pieces = ['<think>', '</think>', ' so 12', ' Wait,', ' hmm', ' the answer is 7.', ' \\boxed{9}', ' option (C)', ' Answer: (F)', '\n', ' 3+4=7', ' but', '[R]', '[/R]', ' verify', ' So B.', ' \\boxed{1', '}', ' {2}', ' \\fbox {4}', ' \\boxed 5'];
    const specs: PolicySpec[] = [
      { kind: 'settled', every: 2, repeats: 2 },
      { kind: 'settled', every: 3, repeats: 1, hesitations: ['so'] },
      { kind: 'marker', grace: 0 },
      { kind: 'marker', grace: 3 },
      { kind: 'stability', every: 2, repeats: 2 },
      { kind: 'cutoff', tokens: 6 },
      { kind: 'committed' },
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 50 }).map((w) => w.join('')),
        fc.constantFrom<ExtractPreset>('last-number', 'boxed', 'choice-letter', 'after-think', 'answer-is'),
        fc.nat({ max: specs.length - 1 }),
        fc.boolean(),
        fc.oneof(fc.constant<'char'>('char'), fc.array(fc.nat({ max: 400 }), { maxLength: 40 })),
        (text, preset, p, custom, chunking) => {
          const cuts = chunking === 'char' ? Array.from({ length: text.length }, (_, i) => i + 1) : [...new Set(chunking)].sort((a, b) => a - b);
          const extract = custom ? { preset, thinking: [{ open: '[R]', close: '[/R]' }] } : { preset };
          const [want] = sweepOutcomesWith(text, [specs[p]], extract);
          const stopper = createStopper(toExportedPolicy(specs[p], { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract, match: { preset: 'strict' } }));
          let from = 0;
          let d: StopDecision = { stop: false };
          for (const cut of [...cuts, text.length]) {
            if (cut <= from) continue;
            d = stopper.push(text.slice(from, cut));
            from = cut;
            if (d.stop) break;
          }
          if (!d.stop) d = stopper.finish();
          const where = `${JSON.stringify(text)} ${preset} ${custom ? '[R]' : ''} ${policyName(specs[p])}`;
          assert.equal(d.tokens, want.stopToken, `${where}: stop token`);
          assert.equal(d.answer ?? null, want.answer, `${where}: answer`);
          assert.equal(d.answerKind, want.answerKind, `${where}: answer kind`);
        },
      ),
      { numRuns: 500, seed: 11 },
    );
  });
});
