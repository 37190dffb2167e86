// The editor's batch path in the worker thread: submit (once; a second submit resumes), then import a
// finished batch into one result per case, equal to what runLive gives for the same server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runLive } from '../../../src/core/live/liveRun';
import type { Case } from '../../../src/core/types';
import { WorkerClient } from '../../../src/extension/workerClient';
import type { BatchJobArgs } from '../../../src/worker/workerProtocol';
import { loadSharedRows, startMockServer, type MockServer } from '../../support/openaiMockServer';
import { forwardingEngine, startBatchServer, type BatchServer } from '../../support/openaiBatchServer';

const KEY = 'sk-worker-batch-0123';

describe('worker/sweepWorker batchSubmit / batchImport', function () {
  this.timeout(60000);
  const rows = loadSharedRows('gsm8k_faithfulcot_gpt4_cot.jsonl', 8);
  const cases: Case[] = rows.map((r, i) => ({ id: r.id, question: r.question, answers: [r.answer], tags: [], line: i + 1 }));
  let dir: string;
  let client: WorkerClient;
  let chat: MockServer;
  let api: BatchServer;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pb-batch-worker-'));
    const shim = path.join(dir, 'worker.cjs');
    writeFileSync(shim, `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();\nrequire(${JSON.stringify(path.resolve(__dirname, '../../../src/worker/sweepWorker.ts'))});\n`);
    client = new WorkerClient(shim);
    chat = await startMockServer({ rows, effortCaps: { low: 16 } });
    api = await startBatchServer(forwardingEngine(chat.baseUrl), KEY);
  });
  after(async () => {
    client.dispose();
    await chat.stop();
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submits once, resumes on the second call, and imports what runLive would return', async () => {
    api.scenarios.push({ polls: 0 });
    const arms = [{ name: 'low', body: { reasoning_effort: 'low' } }];
    const args: BatchJobArgs = { cases, options: { baseUrl: api.baseUrl, model: 'mock', maxTokens: 2048, arms, apiKey: KEY }, cacheDir: path.join(dir, 'cache') };
    const first = await client.call('batchSubmit', args);
    assert.deepEqual([first.resumed, first.lines, first.sent, first.job.status], [false, 16, 2, 'validating']);
    const second = await client.call('batchSubmit', args);
    assert.deepEqual([second.resumed, second.job.id, second.job.status, second.sent], [true, first.job.id, 'completed', 1]);
    assert.equal(api.log.filter((l) => l.path === '/v1/files').length, 1);

    const imported = await client.call('batchImport', { ...args, batchId: first.job.id });
    assert.deepEqual(imported.failures, []);
    assert.equal(imported.sent, 2, 'one GET of the batch, one download');
    const streamed = await runLive(cases, { baseUrl: chat.baseUrl, model: 'mock', maxTokens: 2048, arms });
    assert.deepEqual(
      imported.results.map((r) => [r.output, r.arms?.low.output, r.usage]),
      streamed.results.map((r) => [r.output, r.arms?.low.output, r.usage]),
    );
  });

  it('reports a rejected key as a LiveError of kind auth', async () => {
    const args: BatchJobArgs = { cases, options: { baseUrl: api.baseUrl, model: 'mock', maxTokens: 64, apiKey: 'sk-wrong' }, cacheDir: path.join(dir, 'cache2') };
    await assert.rejects(client.call('batchSubmit', args), (e: Error & { kind?: string }) => e.kind === 'auth' && /answered 401/.test(e.message) && !e.message.includes('sk-wrong'));
  });
});
