import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../../src/cli/main';
import type { CliIo } from '../../../src/cli/io';
import { loadSharedRows, startMockServer, type MockServer } from '../../support/openaiMockServer';
import { forwardingEngine, startBatchServer, type BatchServer } from '../../support/openaiBatchServer';

const gsm8k = resolve(__dirname, '../../../../shared/data/gsm8k_faithfulcot_gpt4_cot.jsonl');
const N = 10;
const KEY = 'sk-batch-test-0123456789';

async function cli(args: string[], cwd: string, env: Record<string, string> = { OPENAI_API_KEY: KEY }): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd, env };
  return { code: await main(args, io), out, err };
}

describe('cli batch submit / status / fetch (OpenAI Batch API on loopback)', function () {
  this.timeout(120_000);
  let chat: MockServer;
  let api: BatchServer;
  let dir: string;
  const same = ['--model', 'mock', '--max-tokens', '2048', '--arms', 'arms.json'];
  const batch = (step: string, ...more: string[]): Promise<{ code: number; out: string; err: string }> => cli(['batch', step, 'questions.jsonl', '--base-url', api.baseUrl, ...same, ...more], dir);
  const uploads = (): number => api.log.filter((l) => l.path === '/v1/files').length;

  before(async () => {
    chat = await startMockServer({ rows: loadSharedRows('gsm8k_faithfulcot_gpt4_cot.jsonl', N), effortCaps: { low: 24 } });
    api = await startBatchServer(forwardingEngine(chat.baseUrl), KEY);
    dir = mkdtempSync(join(tmpdir(), 'pb-batch-api-'));
    const lines = readFileSync(gsm8k, 'utf8').split('\n').slice(0, N).map((l) => {
      const { output: _drop, ...row } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(row);
    });
    writeFileSync(join(dir, 'questions.jsonl'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'arms.json'), JSON.stringify([{ name: 'low', body: { reasoning_effort: 'low' } }]));
    const run = await cli(['run', 'questions.jsonl', '--base-url', chat.baseUrl, ...same, '--no-cache', '--out', 'run.jsonl'], dir, {});
    assert.equal(run.code, 0, run.err);
    const prep = await cli(['batch', 'prepare', 'questions.jsonl', ...same, '--out', 'requests.jsonl'], dir, {});
    assert.equal(prep.code, 0, prep.err);
  });
  after(async () => {
    await chat.stop();
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submits once, resumes on a re-run, polls, fetches the output and imports the traces run writes', async () => {
    api.scenarios.push({ polls: 3 });
    const sub = await batch('submit');
    assert.equal(sub.code, 0, sub.err);
    const id = sub.out.trim();
    assert.match(id, /^batch_\d+$/);
    assert.match(sub.err, /submitted 20 request\(s\) to http:\/\/127\.0\.0\.1:\d+\/v1 as batch_\d+: validating/);
    const uploaded = [...api.files.values()].filter((f) => f.purpose === 'batch');
    assert.equal(uploaded.length, 1);
    assert.equal(uploaded[0].text, readFileSync(join(dir, 'requests.jsonl'), 'utf8'), 'the uploaded file is the one prepare writes');

    const again = await batch('submit');
    assert.equal(again.code, 0, again.err);
    assert.equal(again.out.trim(), id);
    assert.match(again.err, /submitted before; nothing sent again/);
    assert.equal(uploads(), 1);
    assert.equal(api.log.filter((l) => l.path === '/v1/batches' && l.method === 'POST').length, 1);

    const status = await batch('status');
    assert.equal(status.code, 0, status.err);
    assert.equal(status.out, 'in_progress\n');
    const early = await batch('fetch', '--out', 'output.jsonl');
    assert.equal(early.code, 3);
    assert.match(early.err, /not finished yet/);

    const got = await batch('fetch', '--out', 'output.jsonl', '--wait', '--poll', '0', '--import', 'traces.jsonl');
    assert.equal(got.code, 0, got.err);
    assert.match(got.err, new RegExp(`${id}: completed, 20/20 done\\n`));
    assert.equal(readFileSync(join(dir, 'traces.jsonl'), 'utf8'), readFileSync(join(dir, 'run.jsonl'), 'utf8'));
    const imp = await cli(['batch', 'import', 'questions.jsonl', 'output.jsonl', ...same, '--out', 'imported.jsonl'], dir, {});
    assert.equal(imp.code, 0, imp.err);
    assert.equal(readFileSync(join(dir, 'imported.jsonl'), 'utf8'), readFileSync(join(dir, 'run.jsonl'), 'utf8'));
    for (const r of [sub, again, status, early, got]) assert.ok(!r.err.includes(KEY) && !r.out.includes(KEY));
  });

  it('lists the lines of the error file and submits just those again', async () => {
    api.scenarios.push({ polls: 0, failIds: ['case-3', 'case-7::arm:low'] });
    assert.equal((await batch('submit', '--cache', 'c2')).code, 0);
    const got = await batch('fetch', '--cache', 'c2', '--out', 'partial.jsonl', '--import', 'partial-traces.jsonl');
    assert.equal(got.code, 2);
    assert.match(got.err, /wrote 20 output line\(s\) to partial\.jsonl; 2 line\(s\) failed or are missing\nbatch: wrote 10 row\(s\) to partial-traces\.jsonl\ncase-3: status 400: Invalid value for max_tokens\ncase-7::arm:low: status 400: Invalid value for max_tokens\n/);
    const rows = readFileSync(join(dir, 'partial-traces.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { output?: string });
    assert.deepEqual(rows.map((r, i) => (r.output === undefined ? i : -1)).filter((i) => i >= 0), [3, 7]);

    const before = uploads();
    const retry = await batch('submit', '--cache', 'c2', '--only-failed', 'partial.jsonl');
    assert.equal(retry.code, 0, retry.err);
    assert.match(retry.err, /submitted 2 request\(s\)/);
    assert.equal(uploads(), before + 1);
    const last = [...api.files.values()].filter((f) => f.purpose === 'batch').at(-1);
    const requests = readFileSync(join(dir, 'requests.jsonl'), 'utf8').split('\n');
    assert.equal(last?.text, `${requests[6]}\n${requests[15]}\n`);
  });

  it('fetches what an expired or cancelled batch finished, and never resubmits it by itself', async () => {
    for (const [final, cache] of [['expired', 'c3'], ['cancelled', 'c4']] as const) {
      api.scenarios.push({ polls: 0, final, ran: 12 });
      assert.equal((await batch('submit', '--cache', cache)).code, 0);
      const got = await batch('fetch', '--cache', cache, '--out', `${final}.jsonl`);
      assert.equal(got.code, 2, got.err);
      assert.match(got.err, new RegExp(`: ${final}, 12/20 done, 8 failed\\n`));
      assert.match(got.err, new RegExp(`case-6: error: \\{"code":"batch_${final}"`));
      const before = uploads();
      const again = await batch('submit', '--cache', cache);
      assert.equal(again.code, 0, again.err);
      assert.match(again.err, /that batch ended early; fetch what it finished/);
      assert.equal(uploads(), before);
    }
  });

  it('reports a batch that failed validation, and submitting again replaces it', async () => {
    api.scenarios.push({ polls: 0, final: 'failed' });
    const first = await batch('submit', '--cache', 'c5');
    assert.equal(first.code, 0, first.err);
    const got = await batch('fetch', '--cache', 'c5', '--out', 'failed.jsonl');
    assert.equal(got.code, 2);
    assert.match(got.err, /batch batch_\d+ failed: line 1: The model `mock` does not exist/);
    const again = await batch('submit', '--cache', 'c5');
    assert.equal(again.code, 0, again.err);
    assert.match(again.err, new RegExp(`the earlier batch ${first.out.trim()} failed \\(line 1: The model \`mock\` does not exist\\); submitted the requests again`));
    assert.notEqual(again.out.trim(), first.out.trim());
  });

  it('names a rejected key without echoing it, and a fetch with nothing submitted', async () => {
    const bad = await cli(['batch', 'submit', 'questions.jsonl', '--base-url', api.baseUrl, ...same, '--cache', 'c6'], dir, { OPENAI_API_KEY: 'sk-wrong-key-xyz' });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /answered 401: Incorrect API key provided\. \(check PROMPT_BUDGET_API_KEY or OPENAI_API_KEY\)/);
    assert.ok(!bad.err.includes('sk-wrong-key-xyz'));
    const none = await batch('fetch', '--cache', 'c7', '--out', 'x.jsonl');
    assert.equal(none.code, 2);
    assert.match(none.err, /no batch was submitted for these requests/);
  });
});
