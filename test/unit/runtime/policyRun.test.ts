// Parity of the runtime's calling policies (and of the proxy) with the sweep: `run --budgets --probe-every --logprobs` records forced answers
// and probes from a loopback reasoning server, `sweep --cases` replays them; the runtime streams the same server and makes its own calls.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toExportedPolicy } from '../../../src/core/policyExport';
import type { ExportedPolicy } from '../../../src/core/types';
import { completionsClient, createPolicyRun, createStopper, runStream, type CompleteFn } from '../../../src/runtime';
import OpenAI from 'openai';
import { startProxy } from '../../../src/node/proxyServer';
import { loadSharedRows, mockProbeAnswer, type MockServer } from '../../support/openaiMockServer';
import { runCli, useLoopbackRun, type Ran } from '../cli/runCli';

const N = 8;
const BUDGETS = [512, 2048, 4096];
const PROBE_EVERY = 512;
const SETTLED = `probe-settled:${PROBE_EVERY}x2`;
const CONFIDENT = `probe-confident:${PROBE_EVERY}@0.95`;
const POLICIES = [...BUDGETS.map((k) => `budget:${k}`), `probe:${PROBE_EVERY}x2`, `probe:${PROBE_EVERY}x3`, SETTLED, CONFIDENT, 'cutoff:1024', 'committed'];
const SETTINGS = { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'boxed' }, match: { preset: 'numeric' } } as const;

const cli = (args: string[], cwd: string): Promise<Ran> => runCli(args, cwd, { direct: true });

type CaseJson = { id: string; policies: Record<string, { answer: string | null; stopToken: number; reason: string }> };

describe('runtime createPolicyRun: budget and probe policies (probe-settled, probe-confident too) make the sweep decisions', function () {
  this.timeout(300_000);
  const rows = loadSharedRows('math_thoughtanchors_r1distill_think.jsonl', N);
  let server: MockServer;
  let dir: string;
  let cases: CaseJson[];

  const loopback = useLoopbackRun({ prefix: 'pb-policy-run-', rows, servers: [{ reasoningField: 'reasoning_content', tokensPerChunk: 16, chunkDelayMs: 1, logprobs: true }] });

  before(async () => {
    server = loopback.server;
    dir = loopback.dir;
    const run = await cli(['run', 'questions.jsonl', '--base-url', server.baseUrl, '--model', 'mock', '--out', 'traces.jsonl', '--max-tokens', '100000', '--budgets', BUDGETS.join(','), '--probe-every', String(PROBE_EVERY), '--logprobs'], dir);
    assert.equal(run.code, 0, run.err);
    const sweep = await cli(['sweep', 'traces.jsonl', '--policies', POLICIES.join(','), '--extract', 'boxed', '--match', 'numeric', '--format', 'json', '--cases'], dir);
    assert.equal(sweep.code, 0, sweep.err);
    cases = (JSON.parse(sweep.out) as { caseResults: CaseJson[] }).caseResults;
    assert.equal(cases.length, N);
  });

  /** Streams the case's generation from the server through a run of `name`; counts the server's requests it caused. */
  async function runCase(name: string | ExportedPolicy, i: number, complete?: CompleteFn) {
    const messages = [{ role: 'user' as const, content: rows[i].question }];
    const run = createPolicyRun(typeof name === 'string' ? toExportedPolicy(name, SETTINGS) : name, { complete: complete ?? completionsClient({ baseURL: server.baseUrl, model: 'mock' }), messages });
    const abort = new AbortController();
    const res = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock', messages, stream: true, max_tokens: 100000 }),
      signal: abort.signal,
    });
    return runStream(res, run, { abort });
  }

  for (const name of POLICIES) {
    it(`${name}: the same stop token and answer as the sweep on every case`, async () => {
      let stoppedEarly = 0;
      let calls = 0;
      for (let i = 0; i < N; i++) {
        const want = cases.find((c) => c.id === rows[i].id)?.policies[name];
        assert.ok(want, `${rows[i].id}: ${name} in the sweep`);
        server.resetLog();
        const got = await runCase(name, i);
        assert.deepEqual({ answer: got.decision.answer ?? null, tokens: got.decision.tokens }, { answer: want.answer, tokens: want.stopToken }, `${rows[i].id} ${name}: sweep says ${want.reason}; runtime ${got.decision.reason}`);
        // A probe decision may land after the stream ended (the stream is fast), so count decisions, not aborts.
        if (got.decision.stop) stoppedEarly++;
        calls += server.requests.filter((q) => q.path === '/v1/completions').length;
        if (name.startsWith('budget:') && got.decision.forced) {
          // The forced answer is what the server answers for the prompt + the first K thinking tokens, closed.
          assert.equal(got.aborted, true);
          assert.match(got.decision.forced.prompt, /\n<\/think>\n\n\*\*Final Answer\*\*: \\boxed\{$/);
          assert.equal(got.decision.answer, mockProbeAnswer(rows[i], got.text));
          assert.equal(got.text.startsWith('<think>'), true);
        }
      }
      if (name.startsWith('budget:')) {
        const k = Number(name.slice('budget:'.length));
        // Exactly one forced-answer call per case whose thinking is longer than K, as in `run --budgets`.
        const longer = cases.filter((c) => /forced answer/.test(c.policies[name].reason)).length;
        assert.equal(calls, longer, `${name}: one call per cut thinking`);
        assert.equal(stoppedEarly, longer);
        if (k === 512) assert.ok(longer >= N - 1, `budget:512 cuts (nearly) every thinking (${longer} of ${N})`);
      }
      if (name === 'committed') {
        // The cases that box inside the thinking stop there, mid-stream, with no call.
        const boxed = cases.filter((c) => /boxed answer inside the thinking/.test(c.policies[name].reason)).length;
        assert.ok(boxed >= N / 2, `committed stops ${boxed} of ${N}`);
        assert.equal(stoppedEarly, boxed);
        assert.equal(calls, 0);
      }
      if (name.startsWith('probe')) {
        const agreed = cases.filter((c) => /probes agreed|answered with mean token probability/.test(c.policies[name].reason)).length;
        assert.ok(agreed >= N / 2, `${name}: probes stop most cases (${agreed})`);
        assert.equal(stoppedEarly, agreed);
        assert.ok(calls > 0, 'probes were asked');
      }
    });
  }

  it('the proxy makes the same decisions: every policy, every case, through the openai SDK', async () => {
    for (const name of POLICIES) {
      const proxy = await startProxy({ upstream: server.baseUrl, policy: toExportedPolicy(name, SETTINGS) });
      try {
        const client = new OpenAI({ baseURL: proxy.url, apiKey: 'unused', maxRetries: 0 });
        for (let i = 0; i < N; i++) {
          const want = cases.find((c) => c.id === rows[i].id)?.policies[name];
          assert.ok(want);
          const r = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: rows[i].question }], max_tokens: 100000 });
          const info = (r as unknown as { prompt_budget: { answer: string | null; tokens: number } }).prompt_budget;
          assert.deepEqual({ answer: info.answer, tokens: info.tokens }, { answer: want.answer, tokens: want.stopToken }, `${rows[i].id} ${name} via the proxy`);
        }
      } finally {
        await proxy.close();
      }
    }
  });

  it('budget: no call and the model’s own answer when the thinking fits, and a failing call is an error', async () => {
    const full = cases.map((c) => c.policies['budget:4096']);
    const within = full.findIndex((p) => /within the budget/.test(p.reason));
    assert.ok(within >= 0, 'some case thinks less than 4096 tokens');
    let called = 0;
    const got = await runCase('budget:4096', within, () => {
      called++;
      return Promise.resolve({ text: '' });
    });
    assert.equal(called, 0);
    assert.equal(got.aborted, false);
    assert.equal(got.decision.answer, full[within].answer);
    await assert.rejects(
      runCase('budget:512', 0, () => Promise.reject(new Error('upstream down'))),
      /upstream down/,
    );
  });

  it('probe-confident asks for logprobs, and a complete() that returns none is a clear error', async () => {
    server.resetLog();
    await runCase(CONFIDENT, 0);
    const probes = server.requests.filter((q) => q.path === '/v1/completions');
    assert.ok(probes.length > 0);
    for (const q of probes) assert.equal(q.body.logprobs, 1);
    const asked: unknown[] = [];
    await assert.rejects(
      runCase(CONFIDENT, 0, (_prompt, o) => {
        asked.push(o.logprobs);
        return Promise.resolve({ text: '42}' });
      }),
      /probe-confident:512@0\.95 needs token log-probabilities from every probe call, and one returned none: complete\(\) must return \{ text, logprobs \}/,
    );
    assert.equal(asked[0], true);
  });

  it('export writes the hesitation words the sweep used (config) and the threshold; the runtime decides the same', async () => {
    const words = ['588', '90', '120', '19'];
    writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ hesitations: words }));
    const flags = ['--extract', 'boxed', '--match', 'numeric', '--config', 'cfg.json'];
    const sweep = await cli(['sweep', 'traces.jsonl', '--policies', SETTLED, ...flags, '--format', 'json', '--cases'], dir);
    assert.equal(sweep.code, 0, sweep.err);
    const own = (JSON.parse(sweep.out) as { caseResults: CaseJson[] }).caseResults;
    const exported = await cli(['export', 'traces.jsonl', '--policy', SETTLED, ...flags], dir);
    assert.equal(exported.code, 0, exported.err);
    const policy = JSON.parse(exported.out) as ExportedPolicy;
    assert.deepEqual(policy.spec, { kind: 'probe-settled', every: PROBE_EVERY, agree: 2, hesitations: words });
    assert.equal(policy.calls?.maxTokens, 16);
    let differs = 0;
    for (let i = 0; i < N; i++) {
      const want = own.find((c) => c.id === rows[i].id)?.policies[SETTLED];
      assert.ok(want);
      if (want.stopToken !== cases.find((c) => c.id === rows[i].id)?.policies[SETTLED].stopToken) differs++;
      const got = await runCase(policy, i);
      assert.deepEqual({ answer: got.decision.answer ?? null, tokens: got.decision.tokens }, { answer: want.answer, tokens: want.stopToken }, `${rows[i].id}: sweep says ${want.reason}; runtime ${got.decision.reason}`);
    }
    assert.ok(differs > 0, 'the configured words change some decision');
    const confident = await cli(['export', 'traces.jsonl', '--policy', CONFIDENT, '--extract', 'boxed', '--match', 'numeric'], dir);
    assert.equal(confident.code, 0, confident.err);
    assert.deepEqual((JSON.parse(confident.out) as ExportedPolicy).spec, { kind: 'probe-confident', every: PROBE_EVERY, threshold: 0.95 });
  });

  it('refuses a calling policy without a way to call, and createStopper points at createPolicyRun', () => {
    assert.throws(() => createPolicyRun(toExportedPolicy('budget:512', SETTINGS)), /budget:512 makes extra model calls: pass \{ complete \}/);
    assert.throws(() => createStopper(toExportedPolicy('probe:32x2', SETTINGS)), /use createPolicyRun/);
  });
});
