// Arms in a live run: each provider setting makes its own generation of every case, cached apart. The
// mock server obeys `reasoning_effort: low` (a 20-token cap) and ignores `thinking_token_budget`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Case } from '../../../../src/core/types';
import { parseTestSet } from '../../../../src/core/testSet/parseTestSet';
import { parseConfig } from '../../../../src/core/config/parseConfig';
import { MemoryCacheStore } from '../../../../src/core/live/cacheStore';
import { runLive, type LiveRunOptions } from '../../../../src/core/live/liveRun';
import { prepareLiveRun } from '../../../../src/core/live/prepareLiveRun';
import { tracedRow } from '../../../../src/core/live/tracedRows';
import { resolveFields } from '../../../../src/core/testSet/resolveFields';
import { loadSharedRows, startMockServer, type MockServer } from '../../../support/openaiMockServer';

const GSM8K = 'gsm8k_faithfulcot_gpt4_cot.jsonl';
// 12 GPT-4 GSM8K rows: three requests each (default, low, ignored) stay quick.
const N = 12;

function sharedCases(n: number): Case[] {
  const text = readFileSync(resolve(__dirname, '../../../../../shared/data', GSM8K), 'utf8').split('\n').slice(0, n).join('\n');
  return parseTestSet(text, { fileName: GSM8K }).cases.map(({ output: _drop, ...c }) => c);
}

describe('core/live arms: one more generation per case for each provider setting', function () {
  this.timeout(60_000);
  const rows = loadSharedRows(GSM8K, N);
  const cases = sharedCases(N);
  let server: MockServer;
  const arms = [
    { name: 'low', body: { reasoning_effort: 'low' } },
    { name: 'ignored', body: { thinking_token_budget: 16 } },
  ];
  const base = (): LiveRunOptions => ({ baseUrl: server.baseUrl, model: 'mock', maxTokens: 2048, arms, backoff: { baseMs: 5, maxMs: 50 } });

  before(async () => {
    server = await startMockServer({ rows, effortCaps: { low: 20 } });
  });
  beforeEach(() => server.resetLog());
  after(async () => server.stop());

  it('sends each arm its fields over the default request and keeps every generation apart', async () => {
    const run = await runLive(cases, base());
    // The default request plus one per arm, for every case.
    assert.equal(server.requests.length, N * 3);
    const bodies = server.requests.map((q) => q.body);
    assert.equal(bodies.filter((b) => b.reasoning_effort === 'low').length, N);
    assert.equal(bodies.filter((b) => b.thinking_token_budget === 16).length, N);
    assert.equal(bodies.filter((b) => b.reasoning_effort === undefined && b.thinking_token_budget === undefined).length, N);
    run.results.forEach((r, i) => {
      assert.equal(r.output, rows[i].output, 'the default arm is the recorded trace');
      assert.equal(r.arms?.ignored.output, rows[i].output, 'the server ignores thinking_token_budget');
      assert.equal(r.arms?.low.finishReason, 'length', 'the server caps low effort at 20 tokens');
      assert.equal(r.arms?.low.usage?.completionTokens, 20);
      assert.ok(rows[i].output.startsWith(r.arms?.low.output ?? '\u0000'));
    });
    // A traced row replaces the arms an older run left in the source row with this run's.
    const row = tracedRow(cases[0], { id: 'x', arms: { old: 1 } }, run.results[0], resolveFields());
    assert.deepEqual(Object.keys(row.arms as object), ['low', 'ignored']);
    assert.deepEqual((row.arms as Record<string, unknown>).low, run.results[0].arms?.low);
  });

  it('caches each arm on its own, so a re-run sends nothing and a new arm sends only its requests', async () => {
    const cache = new MemoryCacheStore();
    await runLive(cases, { ...base(), cache });
    server.resetLog();
    const again = await runLive(cases, { ...base(), cache });
    assert.equal(server.requests.length, 0);
    // All 36 answers, arms included, come from the cache.
    assert.equal(again.progress.cachedRequests, N * 3);
    const more = await runLive(cases, { ...base(), cache, arms: [...arms, { name: 'high', body: { reasoning_effort: 'high' } }] });
    // Only the new arm's 12 requests go out; the three known ones are cached.
    assert.equal(server.requests.length, N);
    assert.ok(server.requests.every((q) => q.body.reasoning_effort === 'high'));
    assert.equal(more.results[3].arms?.high.output, rows[3].output);
  });

  it('fails a case whose arm fails, naming the arm, and keeps the rest', async () => {
    server.setFault((q) => (q.body.reasoning_effort === 'low' && q.row?.id === rows[2].id ? { kind: 'status', status: 400, message: 'bad effort' } : undefined));
    try {
      const run = await runLive(cases, { ...base(), retries: 0 });
      assert.match(run.results[2].error ?? '', /^arm low: .*bad effort/);
      assert.equal(run.results.filter((r) => r.error !== undefined).length, 1);
    } finally {
      server.setFault(undefined);
    }
  });
});

describe('core/live/prepareLiveRun arms', () => {
  const cases = sharedCases(2);
  const rows = [undefined, undefined];
  // Port 9 is never contacted: preparing a run sends nothing.
  const overrides = { baseUrl: 'http://127.0.0.1:9/v1', model: 'm' };

  it('takes live.arms from the config, and an override over it', () => {
    const { config } = parseConfig(JSON.stringify({ live: { arms: [{ name: 'low', body: { reasoning_effort: 'low' } }] } }));
    const fromConfig = prepareLiveRun({ config, cases, rows, overrides });
    assert.deepEqual(fromConfig.plan?.options.arms, [{ name: 'low', body: { reasoning_effort: 'low' } }]);
    const over = prepareLiveRun({ config, cases, rows, overrides: { ...overrides, arms: [{ name: 'b1k', body: { thinking_token_budget: 1024 } }] } });
    assert.deepEqual(over.plan?.options.arms, [{ name: 'b1k', body: { thinking_token_budget: 1024 } }]);
    assert.equal(prepareLiveRun({ cases, rows, overrides }).plan?.options.arms, undefined);
  });

  it('names the element and field of a bad arm, and gives no plan', () => {
    const bad = (armsValue: unknown): string => {
      const r = prepareLiveRun({ cases, rows, overrides: { ...overrides, arms: armsValue } });
      assert.equal(r.plan, undefined);
      assert.equal(r.issues[0].field, 'arms');
      return r.issues[0].message;
    };
    assert.equal(bad({ name: 'x' }), 'arms: expected a list of { "name": …, "body": { … } }');
    assert.equal(bad([{ name: 'a', body: { seed: 1 } }, { name: 'a', body: { seed: 2 } }]), 'arms[1].name: "a" is used twice');
    assert.equal(bad([{ name: 'has space', body: { seed: 1 } }]), 'arms[0].name: expected letters, digits, ".", "_" or "-", got "has space"');
    assert.equal(bad([{ name: 'a', body: {} }]), 'arms[0].body: expected a non-empty object of request fields, e.g. { "reasoning_effort": "low" }');
    assert.equal(bad([{ name: 'a', body: { model: 'other' } }]), 'arms[0].body: "model" is set by the run for every request and cannot differ per arm');
    assert.equal(bad([{ name: 'a', body: { seed: 1 }, extra: true }]), 'arms[0]: unknown field "extra"; an arm has "name" and "body"');
    const { config } = parseConfig(JSON.stringify({ live: { arms: [3] } }));
    const r = prepareLiveRun({ config, cases, rows, overrides });
    assert.equal(r.issues[0].message, 'live.arms[0]: expected an object { "name": …, "body": { … } }');
  });
});
