// The proxy as an application sees it: the official OpenAI SDK pointed at the proxy's base URL, a loopback reasoning
// server upstream (reasoning in reasoning_content, forced answers that depend on the prefix it is sent).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { thinkingOf } from '../../../src/core/forcedAnswer';
import { toExportedPolicy } from '../../../src/core/policyExport';
import { cutText, getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import { startProxy, type ProxyServer } from '../../../src/node/proxyServer';
import { closedPort, loadSharedRows, mockProbeAnswer, startMockServer, type MockServer } from '../../support/openaiMockServer';

const KEY = 'sk-upstream-0123456789-secret';
const K = 512;
const SETTINGS = { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'boxed' }, match: { preset: 'numeric' }, model: 'mock' } as const;
const repo = resolve(__dirname, '../../..');

type Info = { policy: string; stopped: boolean; answer: string | null; tokens: number; forcedTokens?: number };

describe('node/proxyServer: prompt-budget proxy with the openai SDK as the client', function () {
  this.timeout(120_000);
  const rows = loadSharedRows('math_thoughtanchors_r1distill_think.jsonl', 3);
  const tokenizer = getTokenizer('o200k_base', 'gpt-tokenizer');
  let server: MockServer;
  let proxy: ProxyServer;
  let client: OpenAI;
  const logs: string[] = [];

  /** What the server answers when the thinking is cut at K and closed: the forced answer the proxy must return. */
  const forcedContent = (i: number): string => {
    const { thinking } = thinkingOf(rows[i].output);
    return `**Final Answer**: \\boxed{${mockProbeAnswer(rows[i], `<think>${cutText(thinking, tokenizeWithOffsets(tokenizer, thinking), K)}`)}}`;
  };

  before(async () => {
    server = await startMockServer({ rows, reasoningField: 'reasoning_content', tokensPerChunk: 8, chunkDelayMs: 1, apiKey: KEY });
    proxy = await startProxy({ upstream: server.baseUrl, policy: toExportedPolicy(`budget:${K}`, SETTINGS), apiKey: KEY, log: (l) => logs.push(l) });
    client = new OpenAI({ baseURL: proxy.url, apiKey: 'client-side-key', maxRetries: 0 });
  });
  after(async () => {
    await proxy.close();
    await server.stop();
  });

  it('non-streamed: stops the upstream stream past K thinking tokens, makes one forced-answer call, returns the answer as content', async () => {
    server.resetLog();
    const r = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: rows[0].question }], max_tokens: 100000 });
    assert.equal(r.choices[0].message.content, forcedContent(0));
    assert.equal(r.choices[0].finish_reason, 'stop');
    const info = (r as unknown as { prompt_budget: Info }).prompt_budget;
    assert.equal(info.policy, `budget:${K}`);
    assert.equal(info.stopped, true);
    assert.equal(info.tokens, K + (info.forcedTokens as number));
    const reasoning = (r.choices[0].message as unknown as { reasoning_content: string }).reasoning_content;
    assert.equal(tokenizer.count(reasoning), K, 'the kept thinking is the first K tokens');
    const chat = server.requests.filter((q) => q.path === '/v1/chat/completions');
    const forced = server.requests.filter((q) => q.path === '/v1/completions');
    assert.equal(chat.length, 1);
    assert.equal(chat[0].completed, false, 'the upstream generation was aborted');
    assert.equal(forced.length, 1);
    assert.equal(forced[0].body.max_tokens, 32);
    // The upstream key, not the client's, went upstream.
    assert.deepEqual([...new Set(server.requests.map((q) => q.authorization))], [`Bearer ${KEY}`]);
  });

  it('streamed: the same answer in content deltas, the kept thinking in reasoning_content deltas', async () => {
    const stream = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: rows[1].question }], max_tokens: 100000, stream: true, stream_options: { include_usage: true } });
    let content = '';
    let reasoning = '';
    let finish: string | null = null;
    let usage: { completion_tokens: number } | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (chunk.usage) usage = chunk.usage;
      if (!choice) continue;
      content += choice.delta.content ?? '';
      reasoning += (choice.delta as { reasoning_content?: string }).reasoning_content ?? '';
      finish = choice.finish_reason ?? finish;
    }
    assert.equal(content, forcedContent(1));
    assert.equal(tokenizer.count(reasoning), K);
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.completion_tokens > K, 'usage counts K thinking tokens plus the forced answer');
  });

  it('passes uncovered requests through unchanged: another model, embeddings, the model list', async () => {
    server.resetLog();
    const other = await client.chat.completions.create({ model: 'other-model', messages: [{ role: 'user', content: rows[2].question }], max_tokens: 100000 });
    assert.equal(other.choices[0].message.content, rows[2].output.replace(/^<think>[\s\S]*?<\/think>/, ''), 'the whole answer, not cut');
    assert.equal((other as unknown as { prompt_budget?: unknown }).prompt_budget, undefined);
    assert.equal(server.requests.filter((q) => q.path === '/v1/completions').length, 0);
    assert.equal(server.requests[0].body.stream, undefined, 'the body went upstream as the client sent it');
    const models = await client.models.list();
    assert.deepEqual(models.data.map((m) => m.id), ['mock-model']);
    // The loopback server has no embeddings route: its 404 reaches the client as it was.
    await assert.rejects(client.embeddings.create({ model: 'mock', input: 'x' }), (e: unknown) => e instanceof OpenAI.NotFoundError && /no route POST \/v1\/embeddings/.test(e.message));
  });

  it('surfaces an upstream error as an OpenAI-shaped error, a reset mid-stream and an unreachable upstream as a clear 502', async () => {
    server.setFault((q) => (q.path === '/v1/chat/completions' ? { kind: 'status', status: 400, message: 'context length exceeded' } : undefined));
    try {
      await assert.rejects(
        client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: rows[0].question }] }),
        (e: unknown) => e instanceof OpenAI.BadRequestError && e.status === 400 && /context length exceeded/.test(e.message),
      );
    } finally {
      server.setFault(undefined);
    }
    // The upstream connection is reset mid-stream, before the policy decided: an error, not half an answer.
    server.setFault((q) => (q.path === '/v1/chat/completions' ? { kind: 'reset', afterTokens: 100 } : undefined));
    try {
      await assert.rejects(
        client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: rows[0].question }] }),
        (e: unknown) => e instanceof OpenAI.APIError && e.status === 502 && /^502 prompt-budget proxy: /.test(e.message),
      );
    } finally {
      server.setFault(undefined);
    }
    const port = await closedPort();
    const dead = await startProxy({ upstream: `http://127.0.0.1:${port}/v1`, policy: toExportedPolicy(`budget:${K}`, SETTINGS), apiKey: KEY, log: (l) => logs.push(l) });
    try {
      const c = new OpenAI({ baseURL: dead.url, apiKey: 'x', maxRetries: 0 });
      await assert.rejects(
        c.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'hi' }] }),
        (e: unknown) => e instanceof OpenAI.APIError && e.status === 502 && new RegExp(`cannot reach the upstream http://127\\.0\\.0\\.1:${port}/v1 \\(ECONNREFUSED\\)`).test(e.message),
      );
    } finally {
      await dead.close();
    }
  });

  it('never writes the upstream key to its log', () => {
    assert.ok(logs.length >= 6, `one line per request (${logs.length})`);
    assert.ok(logs.some((l) => /budget:512 stopped at \d+ tokens \+ forced answer/.test(l)));
    for (const l of logs) assert.equal(l.includes(KEY), false, l);
  });

  it('the CLI: --port 0 and --port-file, key from the environment never printed, clean exit on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-proxy-'));
    try {
      writeFileSync(join(dir, 'policy.json'), JSON.stringify(toExportedPolicy(`budget:${K}`, SETTINGS)));
      const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), join(repo, 'src/cli/main.ts'), 'proxy', '--upstream', server.baseUrl, '--policy', 'policy.json', '--port', '0', '--port-file', 'port.txt'], {
        cwd: dir,
        env: { ...process.env, PROMPT_BUDGET_API_KEY: KEY, OPENAI_API_KEY: '' },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      let exitCode: number | null | undefined;
      const exited = new Promise<number | null>((done) =>
        child.on('exit', (code) => {
          exitCode = code;
          done(code);
        }),
      );
      while (!existsSync(join(dir, 'port.txt')) || !out.includes('applying')) {
        assert.equal(exitCode, undefined, `the proxy exited early: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const port = Number(readFileSync(join(dir, 'port.txt'), 'utf8').trim());
      const r = await new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 }).chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: rows[0].question }] });
      assert.equal(r.choices[0].message.content, forcedContent(0));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
      assert.match(out, new RegExp(`prompt-budget proxy: http://127\\.0\\.0\\.1:${port}/v1 → ${server.baseUrl.replace(/\./g, '\\.')}, applying budget:512 to model mock; upstream key from PROMPT_BUDGET_API_KEY`));
      assert.match(out, /proxy: POST \/v1\/chat\/completions model=mock: budget:512 stopped/);
      assert.match(out, /prompt-budget proxy: stopped/);
      assert.equal(out.includes(KEY), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
