// Live runs against a loopback OpenAI-compatible server that streams recorded GPT-4 GSM8K outputs back:
// the traces equal the recorded ones, so a sweep of a live run must equal the offline sweep.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Case, PolicySpec } from '../../../../src/core/types';
import { parseTestSet } from '../../../../src/core/testSet/parseTestSet';
import { runSweep, type SweepOptions } from '../../../../src/core/sweep';
import { DEFAULT_CUTOFFS, DEFAULT_DYNAMIC_POLICIES } from '../../../../src/core/policies';
import { makeExtractor } from '../../../../src/core/extract';
import { cutText, getTokenizer, tokenizeWithOffsets } from '../../../../src/core/tokens';
import { MemoryCacheStore } from '../../../../src/core/live/cacheStore';
import { LiveError } from '../../../../src/core/live/liveError';
import { DEFAULT_PROBE_CUE } from '../../../../src/core/live/promptTemplate';
import { buildChatBody, probeBoundaries, runLive, traceText, truncationSummary, type LiveRunOptions } from '../../../../src/core/live/liveRun';
import { closedPort, loadSharedRows, mockProbeAnswer, startMockServer, type MockFault, type MockServer } from '../../../support/openaiMockServer';

const GSM8K = 'gsm8k_faithfulcot_gpt4_cot.jsonl';
// 40 rows: enough for every fault kind below to hit several cases, quick on a loaded machine.
const N = 40;
const KEY = 'sk-liverun-secret-42424242';
// The clock runs are given where a test reads HTTP-date Retry-After values.
const NOW = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

function sharedCases(file: string, n: number): Case[] {
  const text = readFileSync(resolve(__dirname, '../../../../../shared/data', file), 'utf8').split('\n').slice(0, n).join('\n');
  const parsed = parseTestSet(text, { fileName: file });
  assert.equal(parsed.cases.length, n);
  return parsed.cases;
}

const withoutOutput = (cases: Case[]): Case[] => cases.map(({ output: _drop, ...c }) => c);

const sweepOptions = (policies: PolicySpec[]): SweepOptions => ({
  encoding: 'o200k_base',
  engine: 'gpt-tokenizer',
  extract: { preset: 'last-number' },
  match: { preset: 'numeric' },
  policies,
  margin: 0.01,
  seed: 1,
  resamples: 2000,
  folds: 5,
  includeCases: true,
});

describe('core/live/runLive against the loopback server', function () {
  this.timeout(120_000);
  const rows = loadSharedRows(GSM8K, N);
  const offline = sharedCases(GSM8K, N);
  let server: MockServer;
  const base = (): LiveRunOptions => ({ baseUrl: server.baseUrl, model: 'mock', apiKey: KEY, maxTokens: 2048, backoff: { baseMs: 5, maxMs: 50 } });

  before(async () => {
    server = await startMockServer({ rows, apiKey: KEY });
  });
  beforeEach(() => {
    server.setFault(undefined);
    server.resetLog();
  });
  after(async () => server.stop());

  it('builds the request body with the budget parameter, reasoning effort and extra fields', () => {
    const c = offline[0];
    const { body } = buildChatBody(c, { ...base(), maxTokensParam: 'max_completion_tokens', reasoningEffort: 'low', temperature: 0, extraBody: { seed: 7, top_p: 1 } });
    assert.deepEqual(body, {
      model: 'mock',
      messages: [{ role: 'user', content: c.question }],
      max_completion_tokens: 2048,
      stream_options: { include_usage: true },
      temperature: 0,
      reasoning_effort: 'low',
      seed: 7,
      top_p: 1,
    });
    assert.equal(buildChatBody(c, { ...base(), includeUsage: false }).body.stream_options, undefined);
    assert.equal(traceText({ reasoning: 'hmm', content: 'The answer is 4.' }), '<think>hmm</think>The answer is 4.');
    // Strictly below the length: a probe at the last token would only repeat what the trace says.
    assert.deepEqual(probeBoundaries(100, 32), [32, 64, 96]);
    assert.deepEqual(probeBoundaries(96, 32), [32, 64]);
  });

  it('makes one generation per case and a sweep of the live traces equals the offline sweep', async () => {
    const progress: number[] = [];
    const { results } = await runLive(withoutOutput(offline), { ...base(), onProgress: (p) => progress.push(p.done) });
    assert.equal(server.requests.length, N);
    assert.ok(server.requests.every((r) => r.path === '/v1/chat/completions' && r.authorization === `Bearer ${KEY}`));
    assert.deepEqual(
      results.map((r) => r.output),
      rows.map((r) => r.output),
    );
    assert.ok(results.every((r) => r.finishReason === 'stop' && (r.usage?.completionTokens ?? 0) > 0));
    assert.deepEqual(progress, Array.from({ length: N }, (_, i) => i + 1));

    const policies = [...DEFAULT_CUTOFFS.map((k): PolicySpec => ({ kind: 'cutoff', tokens: k })), ...DEFAULT_DYNAMIC_POLICIES];
    const live = offline.map((c, i) => ({ ...c, output: results[i].output, finishReason: results[i].finishReason, usage: results[i].usage }));
    const a = runSweep(live, 0, sweepOptions(policies));
    const b = runSweep(offline, 0, sweepOptions(policies));
    assert.equal(a.rows.length, 1 + DEFAULT_CUTOFFS.length + DEFAULT_DYNAMIC_POLICIES.length);
    assert.deepEqual(a, b);
  });

  it('loses no completed result under faults: 429 with Retry-After, 500, resets, malformed lines, timeouts', async () => {
    const faults = new Map<string, MockFault>();
    rows.forEach((r, i) => {
      const kinds: (MockFault | undefined)[] = [
        { kind: 'status', status: 429, retryAfter: '1' },
        { kind: 'status', status: 500 },
        { kind: 'reset', afterTokens: 5 },
        { kind: 'malformed', afterTokens: 3 },
        // One second after the clock the run is given (NOW), in the HTTP-date form.
        { kind: 'status', status: 503, retryAfter: new Date(NOW + 1000).toUTCString() },
        undefined,
        i % 12 === 6 ? { kind: 'delay', ms: 4000 } : { kind: 'status', status: 502 },
        { kind: 'stall', afterTokens: 8 },
      ];
      const f = kinds[i % kinds.length];
      if (f) faults.set(r.question, f);
    });
    server.setFault((req) => (req.attempt === 1 && req.row ? faults.get(req.row.question) : undefined));
    const cache = new MemoryCacheStore();
    const retries: string[] = [];
    const slept: number[] = [];
    const sleep = async (ms: number): Promise<void> => void slept.push(ms);
    const { results, progress } = await runLive(withoutOutput(offline), { ...base(), cache, timeoutMs: 1000, onLog: (m) => retries.push(m), sleep, now: () => NOW });
    assert.deepEqual(
      results.map((r) => r.output),
      rows.map((r) => r.output),
    );
    assert.equal(progress.failed, 0);
    // Each faulted case fails on its first attempt only: one extra request, and one logged retry, per fault.
    assert.equal(server.requests.length, N + faults.size);
    assert.equal(retries.length, faults.size);
    assert.ok(retries.some((m) => /429/.test(m)) && retries.some((m) => /timeout/.test(m)) && retries.some((m) => /malformed/.test(m)));
    // Retry-After: 1 (seconds and HTTP-date forms) was honoured: those cases asked for 1 s, the
    // others for the backoff (at most its maxMs 50), one wait per retry.
    const askedToWait = [...faults.values()].filter((f) => f.kind === 'status' && f.retryAfter !== undefined).length;
    assert.equal(slept.length, faults.size);
    assert.equal(slept.filter((ms) => ms === 1000).length, askedToWait);
    assert.ok(askedToWait > 0 && slept.every((ms) => ms === 1000 || ms <= 50), slept.join(' '));
    assert.equal(retries.filter((m) => / in 1\.0 s: .*(429|503)/.test(m)).length, askedToWait);
    // Only whole answers were cached: one entry per case, each the complete trace.
    assert.equal(cache.entries.size, N);
    const cached = [...cache.entries.values()].map((v) => (JSON.parse(v) as { result: { content: string } }).result.content).sort();
    assert.deepEqual(cached, rows.map((r) => r.output).sort());
    for (const v of cache.entries.values()) assert.ok(!v.includes(KEY));
  });

  it('sends only the missing requests when a run is aborted and started again', async () => {
    const cache = new MemoryCacheStore();
    const ctl = new AbortController();
    server.setFault((req) => (req.seq > 12 ? { kind: 'delay', ms: 200 } : undefined));
    await assert.rejects(
      runLive(withoutOutput(offline), {
        ...base(),
        cache,
        signal: ctl.signal,
        onCaseDone: (_i, r) => {
          if (r.output && cache.entries.size >= 10) ctl.abort();
        },
      }),
      (e: unknown) => e instanceof LiveError && e.kind === 'cancelled',
    );
    // Cached = finished on the client; a response the server completed just as the run stopped may not be.
    const cachedOutputs = new Set([...cache.entries.values()].map((v) => (JSON.parse(v) as { result: { content: string } }).result.content));
    assert.ok(cachedOutputs.size >= 10 && cachedOutputs.size < N, `cached ${cachedOutputs.size}`);
    assert.ok(server.requests.filter((r) => r.completed).length >= cachedOutputs.size);

    server.setFault(undefined);
    server.resetLog();
    const { results, progress } = await runLive(withoutOutput(offline), { ...base(), cache });
    // Distinct requests: on a loaded machine a slow response may be retried, which is still one request.
    assert.equal(new Set(server.requests.map((r) => r.bodyKey)).size, N - cachedOutputs.size);
    assert.ok(server.requests.every((r) => r.row && !cachedOutputs.has(r.row.output)), 'nothing cached was asked again');
    assert.equal(progress.cachedRequests, cachedOutputs.size);
    assert.equal(results.filter((r) => r.fromCache).length, cachedOutputs.size);
    assert.deepEqual(
      results.map((r) => r.output),
      rows.map((r) => r.output),
    );

    server.resetLog();
    await runLive(withoutOutput(offline), { ...base(), cache });
    assert.equal(server.requests.length, 0, 'a third run is answered entirely from the cache');
  });

  it('stops on cancellation with streams in flight, which it cuts before they finish', async () => {
    // One token per 25 ms: each of the first four answers (46 to 125 tokens) streams for over a second.
    const slow = await startMockServer({ rows, chunkDelayMs: 25 });
    try {
      const ctl = new AbortController();
      const streaming = new Set<number>();
      const run = runLive(withoutOutput(offline), {
        ...base(),
        baseUrl: slow.baseUrl,
        signal: ctl.signal,
        // Cancel once all four requests in flight have streamed some text.
        onDelta: (i) => {
          streaming.add(i);
          if (streaming.size === 4) ctl.abort();
        },
      });
      await assert.rejects(run, (e: unknown) => e instanceof LiveError && e.kind === 'cancelled');
      assert.ok(ctl.signal.aborted);
      // A run that let its streams finish would have completed them; none did.
      assert.deepEqual(slow.requests.map((q) => q.completed), [false, false, false, false]);
      const before = slow.requests.length;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(slow.requests.length, before, 'no request is sent after the run stopped');
    } finally {
      await slow.stop();
    }
  });

  it('records probes at every N-token boundary that replay offline as the probe policy', async () => {
    const cache = new MemoryCacheStore();
    const every = 16;
    const { results, progress } = await runLive(withoutOutput(offline), { ...base(), cache, probe: { every } });
    const tok = getTokenizer('o200k_base');
    let expectedProbes = 0;
    results.forEach((r, i) => {
      const t = tokenizeWithOffsets(tok, rows[i].output);
      const at = probeBoundaries(t.count, every);
      expectedProbes += at.length;
      assert.deepEqual(
        r.probes,
        at.map((k) => {
          const text = `${mockProbeAnswer(rows[i], cutText(rows[i].output, t, k))}}`;
          return { atToken: k, text: DEFAULT_PROBE_CUE + text, tokens: tok.count(text) };
        }),
      );
    });
    assert.equal(server.requests.filter((r) => r.path === '/v1/completions').length, expectedProbes);
    // Most traces are longer than one 16-token step, so there are more probes than cases.
    assert.ok(expectedProbes > N);
    assert.equal(progress.probeTokens, results.reduce((s, r) => s + (r.probes ?? []).reduce((a, p) => a + p.tokens, 0), 0));
    const probePrompt = server.requests.find((r) => r.path === '/v1/completions')?.body;
    assert.equal(probePrompt?.temperature, 0);
    // Temperature 0 for the model's best answer; 16 tokens (the default) hold a short answer.
    assert.equal(probePrompt?.max_tokens, 16);

    const policies: PolicySpec[] = [{ kind: 'probe', every, agree: 2 }, { kind: 'cutoff', tokens: 64 }];
    const live = offline.map((c, i) => ({ ...c, output: results[i].output, probes: results[i].probes }));
    const sweep = runSweep(live, 0, sweepOptions(policies));
    const probeRow = sweep.rows.find((r) => r.policy === `probe:${every}x2`);
    assert.ok(probeRow, 'the probe policy was evaluated');
    assert.ok((probeRow.meanProbeTokens ?? 0) > 0);
    assert.ok(probeRow.meanTokens < sweep.baseline.meanTokens);

    server.resetLog();
    const again = await runLive(withoutOutput(offline), { ...base(), cache, probe: { every } });
    assert.equal(server.requests.length, 0, 'probes are cached like generations');
    assert.deepEqual(
      again.results.map((r) => r.probes),
      results.map((r) => r.probes),
    );
  });

  it('counts finish_reason length; those without an answer are truncated', async () => {
    // 24 tokens cut most GPT-4 traces (311 characters median) before their answer sentence.
    const { results } = await runLive(withoutOutput(offline), { ...base(), maxTokens: 24 });
    const tok = getTokenizer('o200k_base');
    const extract = makeExtractor({ preset: 'answer-is' });
    const expected = rows.filter((r) => tok.count(r.output) > 24);
    const summary = truncationSummary(results, extract);
    assert.equal(summary.length, expected.length);
    assert.equal(summary.noAnswer, results.filter((r) => r.finishReason === 'length' && !/The answer is/i.test(r.output ?? '')).length);
    assert.ok(summary.noAnswer > 0);
    results.forEach((r, i) => assert.equal(r.output, cutText(rows[i].output, tokenizeWithOffsets(tok, rows[i].output), 24)));
  });

  it('records a case that fails for good and finishes the others', async () => {
    const cases = withoutOutput(offline.slice(0, 4));
    // The mock answers 400 to a question it has no recorded row for: permanent, so not retried.
    cases[2] = { ...cases[2], question: 'A question the server has never seen' };
    const { results, progress } = await runLive(cases, base());
    assert.equal(progress.failed, 1);
    assert.match(results[2].error ?? '', /400.*no recorded row/);
    assert.equal(results[2].output, undefined);
    assert.deepEqual(
      [results[0].output, results[1].output, results[3].output],
      [rows[0].output, rows[1].output, rows[3].output],
    );
  });

  it('stops the whole run at once when the key is rejected or the server cannot be reached', async () => {
    // At once: no retry is logged and no wait is asked for.
    const waits: string[] = [];
    const quick = (): LiveRunOptions => ({ ...base(), onLog: (m) => waits.push(m), sleep: async (ms) => void waits.push(`sleep ${ms}`) });
    await assert.rejects(runLive(withoutOutput(offline), { ...quick(), apiKey: 'sk-wrong-9999' }), (e: unknown) => {
      assert.ok(e instanceof LiveError && e.kind === 'auth');
      assert.match(e.message, /rejected the API key \(401/);
      return true;
    });
    // At most what was in flight (concurrency 4) when the first 401 came back.
    assert.ok(server.requests.length <= 4, `sent ${server.requests.length}`);
    const port = await closedPort();
    await assert.rejects(runLive(withoutOutput(offline), { ...quick(), baseUrl: `http://127.0.0.1:${port}/v1` }), (e: unknown) => {
      assert.ok(e instanceof LiveError && e.kind === 'unreachable');
      assert.equal(e.message, `cannot reach http://127.0.0.1:${port}/v1: connect ECONNREFUSED`);
      return true;
    });
    assert.deepEqual(waits, []);
  });

  it('keeps one cache entry per sample when a test set repeats a question', async () => {
    const math = loadSharedRows('math_qwen25math_cot100x8.jsonl', 16);
    const mathCases = withoutOutput(sharedCases('math_qwen25math_cot100x8.jsonl', 16));
    assert.equal(new Set(mathCases.map((c) => c.question)).size, 2, '2 questions × 8 samples');
    const s = await startMockServer({ rows: math });
    try {
      const cache = new MemoryCacheStore();
      const first = await runLive(mathCases, { ...base(), baseUrl: s.baseUrl, cache });
      assert.equal(s.requests.length, 16);
      assert.equal(cache.entries.size, 16);
      assert.equal(first.progress.cachedRequests, 0);
      s.resetLog();
      const again = await runLive(mathCases, { ...base(), baseUrl: s.baseUrl, cache });
      assert.equal(s.requests.length, 0);
      assert.deepEqual(
        again.results.map((r) => r.output),
        first.results.map((r) => r.output),
      );
    } finally {
      await s.stop();
    }
  });

  it('explains a server without /completions when probes are asked for', async () => {
    server.setFault((req) => (req.path === '/v1/completions' ? { kind: 'status', status: 404, message: 'Not Found' } : undefined));
    await assert.rejects(runLive(withoutOutput(offline.slice(0, 2)), { ...base(), probe: { every: 16 } }), /404.*probes need the text completions endpoint/);
  });
});
