// Out-of-date detection: fingerprints of what a sweep used, compared with the workspace now.
import * as assert from 'node:assert/strict';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { resolveSweepOptions } from '../../../src/core/sweepOptions';
import { bytesFingerprint, configFingerprint, staleLensTitle, staleness } from '../../../src/extension/staleness';
import { staleText } from '../../../src/shared/protocol';

describe('staleness', () => {
  const names = { config: 'promptbudget.json', testSet: 'data/testset.jsonl' };
  // A config as the editor reads it from promptbudget.json, then resolved as the sweep resolves it.
  const config = (cutoffs: number[], extra: object = {}): string => {
    const { config: parsed } = parseConfig(JSON.stringify({ testSets: ['data/testset.jsonl'], cutoffs, ...extra }));
    return configFingerprint(resolveSweepOptions(parsed, {}).options, parsed.fields);
  };
  const bytes = new TextEncoder().encode('{"id":"1","question":"q","answer":"4","output":"4"}\n');
  const recorded = { config: config([64, 128]), testSet: bytesFingerprint(bytes), encoding: 'auto' };

  it('is current while nothing that decides the figures changed', () => {
    assert.equal(staleness(recorded, { ...recorded }, names), null);
    // Prices are applied by the panel as they change; they do not make the sweep stale.
    assert.equal(staleness(recorded, { ...recorded, config: config([64, 128], { prices: { inputPer1M: 1, outputPer1M: 2 } }) }, names), null);
    assert.equal(bytesFingerprint(new TextEncoder().encode('{"id":"1","question":"q","answer":"4","output":"4"}\n')), recorded.testSet);
  });

  it('names every input that changed', () => {
    // One changed gold answer is enough: the fingerprint covers every byte of the test set.
    const edited = new TextEncoder().encode('{"id":"1","question":"q","answer":"5","output":"4"}\n');
    assert.deepEqual(staleness(recorded, { ...recorded, config: config([64, 128, 256]) }, names), { reasons: ['promptbudget.json changed'] });
    assert.deepEqual(staleness(recorded, { ...recorded, config: config([64, 128], { margin: 2 }), testSet: bytesFingerprint(edited), encoding: 'cl100k_base' }, names), {
      reasons: ['promptbudget.json changed', 'data/testset.jsonl changed', 'the encoding setting changed (auto → cl100k_base)'],
    });
    assert.deepEqual(staleness(recorded, { ...recorded, testSet: null }, names), { reasons: ['data/testset.jsonl can no longer be read'] });
  });

  // The same reasons, worded for the banner and for the lens above the prompt and the config.
  it('says so in the panel and in the CodeLens', () => {
    const stale = { reasons: ['promptbudget.json changed', 'data/testset.jsonl changed'] };
    assert.equal(staleText(stale), 'Out of date: promptbudget.json changed; data/testset.jsonl changed since this sweep. The figures below are from the last run.');
    assert.equal(staleLensTitle(stale), '$(warning) Out of date: promptbudget.json changed; data/testset.jsonl changed since the sweep. Re-run sweep');
  });
});
