// The run's extra request fields (`--extra-body`, live.extraBody) on every probe and forced-answer call: the bodies a
// loopback server receives from `run --budgets --probe-every`, the `batch --phase probes` lines (prepared and
// submitted), and the calls of a createPolicyRun (and the proxy) of the exported policy are the calls without them,
// plus the fields a /completions call takes, under the call's own.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExportedPolicy } from '../../../src/core/policyExport';
import { continuationBody } from '../../../src/core/forcedAnswer';
import type { ExportedPolicy } from '../../../src/core/types';
import { completionsClient, createPolicyRun } from '../../../src/runtime';
import { startProxy } from '../../../src/node/proxyServer';
import { canonical, loadSharedRows } from '../../support/openaiMockServer';
import { forwardingEngine, startBatchServer, type BatchServer } from '../../support/openaiBatchServer';
import { useLoopbackRun } from './runCli';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { prepareLiveRun } from '../../../src/core/live/prepareLiveRun';
import { runLive } from '../../../src/core/live/liveRun';
import { liveRunOverrides, resolveLiveOptions } from '../../../src/extension/live/liveSettings';
import type { LoadedConfig } from '../../../src/extension/workspaceConfig';
import { liveSettingDefaults } from '../extension/live/settingDefaults';

const N = 4;
/** What the generations get; probes and forced answers leave out the chat-only and streaming fields and keep their own. */
const EXTRA = { top_k: 20, repetition_penalty: 1.05, seed: 7, chat_template_kwargs: { enable_thinking: true }, reasoning_effort: 'high', temperature: 0.6, max_tokens: 100000, stream_options: { include_usage: true } };
const KEPT = { top_k: 20, repetition_penalty: 1.05, seed: 7 };
const SAME = ['--model', 'mock', '--max-tokens', '100000', '--budgets', '512,2048', '--probe-every', '1500'];

type Body = Record<string, unknown>;

describe('extra request fields on probe and forced-answer calls (/completions)', function () {
  this.timeout(180_000);
  const rows = loadSharedRows('math_thoughtanchors_r1distill_think.jsonl', N);
  const live = useLoopbackRun({ prefix: 'pb-extra-calls-', rows, servers: [{ reasoningField: 'reasoning_content', tokensPerChunk: 64 }], runDirect: true });
  /** The /completions bodies of the run without extra fields, and of the run with them. */
  let plain: Body[] = [];
  let extra: Body[] = [];
  const completions = (): Body[] => live.server.requests.filter((q) => q.path === '/v1/completions').map((q) => q.body);
  const sorted = (bodies: readonly Body[]): string[] => bodies.map(canonical).sort();
  /** Every body holds the kept fields (so the comparisons with run's bodies cannot pass on bodies without them). */
  const assertKept = (bodies: readonly Body[]): void => {
    assert.ok(bodies.length > 0);
    for (const b of bodies) assert.deepEqual([b.top_k, b.repetition_penalty, b.seed, b.chat_template_kwargs, b.temperature], [20, 1.05, 7, undefined, 0]);
  };

  before(async () => {
    writeFileSync(join(live.dir, 'extra.json'), JSON.stringify(EXTRA));
    const a = await live.cli(['run', 'questions.jsonl', '--base-url', live.server.baseUrl, ...SAME, '--no-cache', '--out', 'plain.jsonl']);
    assert.equal(a.code, 0, a.err);
    plain = completions();
    live.server.resetLog();
    const b = await live.cli(['run', 'questions.jsonl', '--base-url', live.server.baseUrl, ...SAME, '--extra-body', '@extra.json', '--no-cache', '--out', 'extra.jsonl']);
    assert.equal(b.code, 0, b.err);
    extra = completions();
  });

  it('run --budgets --probe-every: each call is the call without extra fields plus top_k, repetition_penalty and seed', () => {
    assert.ok(plain.some((b) => b.max_tokens === 32) && plain.some((b) => b.max_tokens === 16), 'forced answers and probes were made');
    assert.deepEqual(sorted(extra), sorted(plain.map((b) => ({ ...KEPT, ...b }))));
    for (const b of extra) {
      assert.deepEqual(Object.keys(b).sort(), ['max_tokens', 'model', 'prompt', 'repetition_penalty', 'seed', 'stream', 'temperature', 'top_k']);
      // The call's own fields win: temperature 0, its max_tokens, not streamed.
      assert.deepEqual([b.model, b.temperature, b.stream, b.top_k, b.repetition_penalty, b.seed], ['mock', 0, false, 20, 1.05, 7]);
      assert.ok(b.max_tokens === 16 || b.max_tokens === 32);
    }
    // The generations carry every field, as before.
    const gens = live.server.requests.filter((q) => q.path === '/v1/chat/completions').map((q) => q.body);
    assert.equal(gens.length, N);
    for (const g of gens) assert.deepEqual([g.top_k, g.chat_template_kwargs, g.reasoning_effort, g.temperature], [20, { enable_thinking: true }, 'high', 0.6]);
    // The mock answers by prompt, so the recorded forced answers and probes are the same.
    assert.equal(readFileSync(join(live.dir, 'extra.jsonl'), 'utf8'), readFileSync(join(live.dir, 'plain.jsonl'), 'utf8'));
  });

  it('the editor\'s live run (its settings and promptbudget.json through prepareLiveRun and runLive) sends the same bodies', async () => {
    const text = JSON.stringify({ live: { baseUrl: live.server.baseUrl, model: 'mock', maxTokens: 100000, budgets: [512, 2048], probeEvery: 1500, extraBody: EXTRA } });
    const { config, issues } = parseConfig(text);
    assert.deepEqual(issues, []);
    const settings = resolveLiveOptions(liveSettingDefaults(), { text, config, issues } as unknown as LoadedConfig);
    const cases = rows.map((r, i) => ({ id: r.id, question: r.question, answers: [r.answer], tags: [], line: i + 1 }));
    const prepared = prepareLiveRun({ config, cases, rows: cases.map(() => undefined), overrides: liveRunOverrides(settings) });
    assert.ok(prepared.plan, JSON.stringify(prepared.issues));
    live.server.resetLog();
    await runLive(prepared.plan.cases, prepared.plan.options);
    assertKept(completions());
    assert.deepEqual(sorted(completions()), sorted(extra));
  });

  it('batch --phase probes: the prepared and submitted lines hold run\'s bodies; import writes run\'s file', async () => {
    const phase = [...SAME, '--extra-body', '@extra.json', '--phase', 'probes', 'extra.jsonl'];
    const prep = await live.cli(['batch', 'prepare', 'questions.jsonl', ...phase, '--out', 'probes.jsonl']);
    assert.equal(prep.code, 0, prep.err);
    const text = readFileSync(join(live.dir, 'probes.jsonl'), 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; url: string; body: Body });
    // run's client adds stream: false to each call; a batch line has none.
    assert.ok(lines.every((l) => l.body.stream === undefined && l.url === '/v1/completions'));
    assertKept(lines.map((l) => l.body));
    assert.deepEqual(sorted(lines.map((l) => ({ ...l.body, stream: false }))), sorted(extra));
    const api: BatchServer = await startBatchServer(forwardingEngine(live.server.baseUrl));
    try {
      const sub = await live.cli(['batch', 'submit', 'questions.jsonl', '--base-url', api.baseUrl, ...phase, '--cache', 'batch-cache']);
      assert.equal(sub.code, 0, sub.err);
      assert.equal([...api.files.values()].find((f) => f.purpose === 'batch')?.text, text);
      const got = await live.cli(['batch', 'fetch', 'questions.jsonl', '--base-url', api.baseUrl, ...phase, '--cache', 'batch-cache', '--wait', '--poll', '0', '--out', 'api-out.jsonl', '--import', 'api-final.jsonl']);
      assert.equal(got.code, 0, got.err);
      assert.equal(readFileSync(join(live.dir, 'api-final.jsonl'), 'utf8'), readFileSync(join(live.dir, 'extra.jsonl'), 'utf8'));
    } finally {
      await api.stop();
    }
    // The generation phase carries every field, as the generations of run do.
    const gen = await live.cli(['batch', 'prepare', 'questions.jsonl', ...SAME, '--extra-body', '@extra.json', '--out', 'gen.jsonl']);
    assert.equal(gen.code, 0, gen.err);
    const first = JSON.parse(readFileSync(join(live.dir, 'gen.jsonl'), 'utf8').split('\n')[0]) as { body: Body };
    assert.deepEqual([first.body.top_k, first.body.chat_template_kwargs, first.body.temperature], [20, { enable_thinking: true }, 0.6]);
  });

  it('export records the fields a /completions call takes; createPolicyRun sends run\'s bodies with them', async () => {
    const traces = readFileSync(join(live.dir, 'extra.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { output: string; question: string });
    for (const name of ['budget:512', 'probe:1500x2']) {
      const exp = await live.cli(['export', '--policy', name, 'extra.jsonl', '--extract', 'boxed', '--extra-body', '@extra.json']);
      assert.equal(exp.code, 0, exp.err);
      const parsed = parseExportedPolicy(exp.out);
      assert.ok(parsed.policy, parsed.error);
      const policy: ExportedPolicy = parsed.policy;
      assert.deepEqual(policy.calls?.extraBody, KEPT);
      live.server.resetLog();
      for (let i = 0; i < N; i++) {
        const run = createPolicyRun(policy, { endpoint: { baseURL: live.server.baseUrl, model: 'mock' }, messages: [{ role: 'user', content: rows[i].question }] });
        const output = traces[i].output;
        for (let at = 0; at < output.length && !run.stopped; at += 200) run.push(output.slice(at, at + 200));
        await run.finish();
      }
      const sent = completions();
      assert.ok(sent.length >= N - 1, `${name}: ${sent.length} calls`);
      assertKept(sent);
      const byRun = new Set(sorted(extra));
      for (const b of sent) {
        assert.deepEqual(Object.keys(b).sort(), ['max_tokens', 'model', 'prompt', 'repetition_penalty', 'seed', 'temperature', 'top_k']);
        assert.ok(byRun.has(canonical({ ...b, stream: false })), `${name}: the runtime sent a body run sent: ${String(b.prompt).slice(-80)}`);
      }
      if (name !== 'budget:512') continue;
      // The proxy makes the policy's calls through the same runtime: the same bodies.
      const proxy = await startProxy({ upstream: live.server.baseUrl, policy });
      try {
        live.server.resetLog();
        const res = await fetch(`${proxy.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock', messages: [{ role: 'user', content: rows[0].question }], max_tokens: 100000 }) });
        assert.equal(res.status, 200, await res.clone().text());
        const forced = completions();
        assert.equal(forced.length, 1);
        assert.ok(byRun.has(canonical({ ...forced[0], stream: false })), 'the proxy sent the body run sent');
        assert.deepEqual([forced[0].top_k, forced[0].repetition_penalty, forced[0].seed], [20, 1.05, 7]);
      } finally {
        await proxy.close();
      }
    }
    // A given complete() gets the fields too; without them in the policy it gets none.
    const seen: unknown[] = [];
    const policy = parseExportedPolicy((await live.cli(['export', '--policy', 'budget:512', 'extra.jsonl', '--extract', 'boxed', '--extra-body', '{"top_k":5,"messages":[]}'])).out).policy;
    assert.deepEqual(policy?.calls?.extraBody, { top_k: 5 });
    const bare = parseExportedPolicy((await live.cli(['export', '--policy', 'budget:512', 'extra.jsonl', '--extract', 'boxed'])).out).policy;
    assert.equal(bare?.calls?.extraBody, undefined);
    for (const p of [policy, bare]) {
      assert.ok(p);
      const run = createPolicyRun(p, { complete: (_prompt, o) => (seen.push(o.extraBody), Promise.resolve({ text: '1}' })) });
      run.push(traces[0].output);
      await run.finish();
    }
    assert.deepEqual(seen, [{ top_k: 5 }, undefined]);
    // completionsClient sends them under its own fields, without the chat-only ones.
    live.server.resetLog();
    const prompt = String(extra[0].prompt);
    await completionsClient({ baseURL: live.server.baseUrl, model: 'mock' })(prompt, { maxTokens: 3, extraBody: { top_k: 1, model: 'other', max_tokens: 99, chat_template_kwargs: {}, stream: true } });
    assert.deepEqual(completions()[0], { top_k: 1, model: 'mock', prompt, max_tokens: 3, temperature: 0 });
  });

  it('chat-continuation forced answers keep the chat fields and leave out the streaming, length and logprobs ones', () => {
    const messages = [{ role: 'user' as const, content: 'Q?' }];
    const extraBody = { top_k: 1, chat_template_kwargs: { enable_thinking: true }, stream: true, stream_options: { include_usage: true }, max_completion_tokens: 9999, logprobs: true, top_logprobs: 5, temperature: 0.7 };
    assert.deepEqual(continuationBody('m', messages, '<think>a\n</think>\n\n', 'cue', 32, { extraBody }), {
      top_k: 1,
      chat_template_kwargs: { enable_thinking: true },
      model: 'm',
      messages: [...messages, { role: 'assistant', content: '<think>a\n</think>\n\ncue' }],
      max_tokens: 32,
      temperature: 0,
      continue_final_message: true,
      add_generation_prompt: false,
    });
  });

  it('a hand-written calls.extraBody is checked', () => {
    const base = { format: 'prompt-budget-policy', version: 1, policy: 'budget:512', spec: { kind: 'budget', tokens: 512 }, encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'boxed' }, match: { preset: 'numeric' } };
    const withExtra = (extraBody: unknown) => parseExportedPolicy({ ...base, calls: { endpoint: 'completions', extraBody } });
    assert.deepEqual(withExtra({ top_k: 20 }).policy?.calls?.extraBody, { top_k: 20 });
    assert.equal(withExtra([1]).error, '"calls.extraBody" must be an object of request fields, such as {"top_k": 20}');
    assert.match(withExtra({ temperature: 1, stream: true }).error ?? '', /^"calls\.extraBody" cannot set temperature, stream: each call sets its own/);
    assert.equal(withExtra({ chat_template_kwargs: {} }).error, '"calls.extraBody" has chat-only field chat_template_kwargs, which a /completions call does not take');
  });
});
