// The README's "Forced answers and probes in production" section is executable: its shell block and both snippets run
// here against a loopback reasoning server (a real R1-distill trace from ../shared/data answering the README's question).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { thinkingOf } from '../../../src/core/forcedAnswer';
import { cutText, getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import { loadSharedRows, mockProbeAnswer, startMockServer, type MockRow, type MockServer } from '../../support/openaiMockServer';

const repo = resolve(__dirname, '../../..');
const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const HEADING = '### Forced answers and probes in production';
const section = readme.slice(readme.indexOf(HEADING), readme.indexOf('\n## ', readme.indexOf(HEADING)));
const QUESTION = 'What is 17 × 23?';
const UPSTREAM = 'http://localhost:8000/v1';
const MODEL = 'Qwen/Qwen3-8B';

function blocks(lang: string): string[] {
  return [...section.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]);
}

function exec(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; out: string; err: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', fail);
    child.on('close', (status) => done({ status, out, err }));
  });
}

describe('README: the proxy and the runtime with a forced answer', function () {
  this.timeout(180_000);
  // A real trace whose thinking is far longer than 512 tokens, asked the README's question.
  const real = loadSharedRows('math_thoughtanchors_r1distill_think.jsonl', 1)[0];
  const row: MockRow = { ...real, id: 'readme', question: QUESTION };
  let server: MockServer;
  let dir: string;
  const cli = `${process.execPath} --require ${require.resolve('tsx/cjs')} ${join(repo, 'src/cli/main.ts')}`;
  const env = (): NodeJS.ProcessEnv => {
    const { PROMPT_BUDGET_API_KEY: _a, OPENAI_API_KEY: _b, ...rest } = process.env;
    return rest;
  };

  before(async () => {
    server = await startMockServer({ rows: [row], reasoningField: 'reasoning_content', tokensPerChunk: 16 });
    dir = mkdtempSync(join(tmpdir(), 'pb-readme-proxy-'));
    writeFileSync(join(dir, 'questions.jsonl'), `${JSON.stringify({ id: row.id, question: QUESTION, answer: row.answer })}\n`);
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the shell block, then both snippets get the answer the server gives at 512 thinking tokens', async () => {
    const { thinking } = thinkingOf(row.output);
    const tokens = tokenizeWithOffsets(getTokenizer('o200k_base', 'gpt-tokenizer'), thinking);
    const expected = mockProbeAnswer(row, `<think>${cutText(thinking, tokens, 512)}`);

    const [shell] = blocks('sh');
    const lines = shell.replace(/\\\n\s*/g, '').trim().split('\n');
    assert.equal(lines.length, 3);
    const local = (line: string): string => line.replaceAll('npx prompt-budget', cli).replaceAll(UPSTREAM, server.baseUrl);
    for (const line of lines.slice(0, 2)) {
      const r = await exec('bash', ['-e', '-c', local(line)], dir, env());
      assert.equal(r.status, 0, `${line}\n${r.err}`);
    }
    const policy = JSON.parse(readFileSync(join(dir, 'policy.json'), 'utf8')) as { policy: string; model: string; calls: { cue: string } };
    assert.deepEqual([policy.policy, policy.model, policy.calls.cue], ['budget:512', MODEL, '**Final Answer**: \\boxed{']);

    // The proxy line, on a free port written to a file instead of 8788.
    assert.match(lines[2], /--port 8788$/);
    const proxy = spawn('bash', ['-c', `exec ${local(lines[2]).replace('--port 8788', '--port 0 --port-file port.txt')}`], { cwd: dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let proxyOut = '';
    proxy.stdout.on('data', (d: Buffer) => (proxyOut += d.toString()));
    proxy.stderr.on('data', (d: Buffer) => (proxyOut += d.toString()));
    const exited = new Promise<number | null>((done) => proxy.on('exit', (code) => done(code)));
    try {
      while (!existsSync(join(dir, 'port.txt')) || !proxyOut.includes('applying')) {
        assert.equal(proxy.exitCode, null, proxyOut);
        await new Promise((r) => setTimeout(r, 50));
      }
      const port = readFileSync(join(dir, 'port.txt'), 'utf8').trim();
      const [client] = blocks('ts');
      writeFileSync(join(dir, 'client.mts'), client.replace('http://127.0.0.1:8788/v1', `http://127.0.0.1:${port}/v1`));
      const viaProxy = await exec(process.execPath, ['--import', 'tsx', 'client.mts'], dir, env());
      assert.equal(viaProxy.status, 0, viaProxy.err);
      assert.equal(viaProxy.out, `**Final Answer**: \\boxed{${expected}}\n`);
    } finally {
      proxy.kill('SIGTERM');
    }
    assert.equal(await exited, 0, proxyOut);

    const [, runtime] = blocks('ts');
    writeFileSync(join(dir, 'runtime.mts'), runtime.replace("from 'prompt-budget/runtime'", `from '${join(repo, 'src/runtime/index.ts')}'`).replace(UPSTREAM, server.baseUrl));
    const direct = await exec(process.execPath, ['--import', 'tsx', 'runtime.mts'], dir, env());
    assert.equal(direct.status, 0, direct.err);
    const m = /^(\S+) (\d+) (.*)\n$/.exec(direct.out);
    assert.ok(m, direct.out);
    assert.equal(m[1], expected);
    assert.equal(m[3], `**Final Answer**: \\boxed{${expected}}`);
    assert.ok(Number(m[2]) > 512 && Number(m[2]) <= 512 + 32, `tokens: 512 + the forced answer (${m[2]})`);
  });
});
