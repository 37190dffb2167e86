import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../../src/cli/main';
import type { CliIo } from '../../../src/cli/io';
import { loadSharedRows, startMockServer, type MockServer } from '../../support/openaiMockServer';

const gsm8k = resolve(__dirname, '../../../../shared/data/gsm8k_faithfulcot_gpt4_cot.jsonl');
const N = 12;

async function cli(args: string[], cwd: string): Promise<{ code: number; err: string }> {
  let err = '';
  const io: CliIo = { stdout: () => undefined, stderr: (t) => (err += t), cwd, env: {} };
  return { code: await main(args, io), err };
}

/** A batch engine: every request line sent to the loopback server, answered as OpenAI's output lines; `fail` gets a 500. */
async function engine(baseUrl: string, requests: string, fail?: string): Promise<string> {
  const out: string[] = [];
  for (const line of requests.split('\n').filter((l) => l.trim() !== '')) {
    const { custom_id, body } = JSON.parse(line) as { custom_id: string; body: unknown };
    if (custom_id === fail) {
      out.push(JSON.stringify({ id: 'x', custom_id, response: { status_code: 500, body: {} }, error: null }));
      continue;
    }
    const res = await fetch(`${baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    out.push(JSON.stringify({ id: 'x', custom_id, response: { status_code: res.status, body: await res.json() }, error: null }));
  }
  return `${out.join('\n')}\n`;
}

describe('cli batch prepare / import', function () {
  this.timeout(120_000);
  let server: MockServer;
  let dir: string;

  before(async () => {
    server = await startMockServer({ rows: loadSharedRows('gsm8k_faithfulcot_gpt4_cot.jsonl', N), effortCaps: { low: 24 } });
    dir = mkdtempSync(join(tmpdir(), 'pb-batch-'));
    const lines = readFileSync(gsm8k, 'utf8').split('\n').slice(0, N).map((l) => {
      const { output: _drop, ...row } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(row);
    });
    writeFileSync(join(dir, 'questions.jsonl'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'arms.json'), JSON.stringify([{ name: 'low', body: { reasoning_effort: 'low' } }]));
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prepare → an engine → import writes the file run writes, byte for byte; a failed line is re-prepared alone', async () => {
    const same = ['--model', 'mock', '--max-tokens', '2048', '--arms', 'arms.json'];
    const run = await cli(['run', 'questions.jsonl', '--base-url', server.baseUrl, ...same, '--no-cache', '--out', 'run.jsonl'], dir);
    assert.equal(run.code, 0, run.err);
    const prep = await cli(['batch', 'prepare', 'questions.jsonl', ...same, '--out', 'requests.jsonl'], dir);
    assert.equal(prep.code, 0, prep.err);
    assert.match(prep.err, /wrote 24 request line\(s\) for 12 case\(s\)/);
    const requests = readFileSync(join(dir, 'requests.jsonl'), 'utf8');
    writeFileSync(join(dir, 'output.jsonl'), await engine(server.baseUrl, requests));
    const imp = await cli(['batch', 'import', 'questions.jsonl', 'output.jsonl', ...same, '--out', 'batch.jsonl'], dir);
    assert.equal(imp.code, 0, imp.err);
    assert.equal(readFileSync(join(dir, 'batch.jsonl'), 'utf8'), readFileSync(join(dir, 'run.jsonl'), 'utf8'));

    writeFileSync(join(dir, 'output2.jsonl'), await engine(server.baseUrl, requests, 'case-4::arm:low'));
    const bad = await cli(['batch', 'import', 'questions.jsonl', 'output2.jsonl', ...same, '--out', 'batch2.jsonl'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /wrote 12 row\(s\) to batch2\.jsonl: 11 with a trace, 1 failed\ncase-4::arm:low: status 500\n/);
    const again = await cli(['batch', 'prepare', 'questions.jsonl', ...same, '--only-failed', 'output2.jsonl', '--out', 'retry.jsonl'], dir);
    assert.equal(again.code, 0, again.err);
    const retry = readFileSync(join(dir, 'retry.jsonl'), 'utf8');
    assert.equal(retry, `${requests.split('\n')[9]}\n`);
  });
});
