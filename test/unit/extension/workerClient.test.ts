// The extension's side of the worker protocol, driven by a stand-in worker thread so every message
// type, error kind and crash path can be produced on demand.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LiveError } from '../../../src/core/live/liveError';
import type { LiveEvent } from '../../../src/worker/workerProtocol';
import { WorkerClient, WorkerCancelled } from '../../../src/extension/workerClient';

// A stand-in worker that answers by the request's key, so each path of the client is driven for real.
const FAKE_WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, args }) => {
  switch (args.key) {
    case 'ok':
      parentPort.postMessage({ id, type: 'progress', done: 1, total: 2 });
      parentPort.postMessage({ id, type: 'event', event: { kind: 'log', message: 'hello' } });
      parentPort.postMessage({ id, type: 'result', result: { threadId: require('node:worker_threads').threadId } });
      break;
    case 'fail':
      parentPort.postMessage({ id, type: 'error', message: 'plain failure', cancelled: false });
      break;
    case 'cancelled':
      parentPort.postMessage({ id, type: 'error', message: 'sweep cancelled', cancelled: true });
      break;
    case 'auth':
      parentPort.postMessage({ id, type: 'error', message: 'bad key', cancelled: false, live: { kind: 'auth', status: 401 } });
      break;
    case 'crash':
      process.exit(3);
      break;
    case 'hang':
      break;
  }
});
`;

describe('extension/workerClient', function () {
  this.timeout(30000);
  let dir: string;
  let script: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pb-client-'));
    script = path.join(dir, 'fake.cjs');
    writeFileSync(script, FAKE_WORKER);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves a result after passing on progress and events', async () => {
    const client = new WorkerClient(script);
    const progress: [number, number][] = [];
    const events: LiveEvent[] = [];
    const r = await client.call('forget', { key: 'ok' }, (d, t) => progress.push([d, t]), (e) => events.push(e));
    assert.equal(typeof (r as unknown as { threadId: number }).threadId, 'number');
    assert.deepEqual(progress, [[1, 2]]);
    assert.deepEqual(events, [{ kind: 'log', message: 'hello' }]);
    client.dispose();
  });

  it('rejects with the error kind the worker reports: plain, cancelled, or a live error with its status', async () => {
    const client = new WorkerClient(script);
    await assert.rejects(client.call('forget', { key: 'fail' }), (e: unknown) => e instanceof Error && !(e instanceof WorkerCancelled) && e.message === 'plain failure');
    await assert.rejects(client.call('forget', { key: 'cancelled' }), (e: unknown) => e instanceof WorkerCancelled && e.message === 'sweep cancelled');
    await assert.rejects(client.call('forget', { key: 'auth' }), (e: unknown) => e instanceof LiveError && e.kind === 'auth' && e.status === 401 && e.message === 'bad key');
    client.dispose();
  });

  it('rejects pending calls when the thread exits, reports it, and starts a new thread on the next call', async () => {
    const errors: string[] = [];
    const client = new WorkerClient(script, (m) => errors.push(m));
    const first = (await client.call('forget', { key: 'ok' })) as unknown as { threadId: number };
    // A call in flight when the thread dies must be rejected, not left hanging forever.
    const pending = client.call('forget', { key: 'hang' });
    await assert.rejects(client.call('forget', { key: 'crash' }), { message: 'worker exited with code 3' });
    await assert.rejects(pending, { message: 'worker exited with code 3' });
    assert.deepEqual(errors, ['worker exited with code 3']);
    const second = (await client.call('forget', { key: 'ok' })) as unknown as { threadId: number };
    // A new thread: the client restarts the worker on the next call after a crash.
    assert.notEqual(second.threadId, first.threadId);
    client.dispose();
  });

  it('terminate and dispose reject what is pending with WorkerCancelled', async () => {
    const client = new WorkerClient(script);
    const a = client.call('forget', { key: 'hang' });
    client.terminate('user stopped it');
    // Cancellation is its own error type, so callers can stay quiet about it.
    await assert.rejects(a, (e: unknown) => e instanceof WorkerCancelled && e.message === 'user stopped it');
    const b = client.call('forget', { key: 'hang' });
    client.dispose();
    await assert.rejects(b, (e: unknown) => e instanceof WorkerCancelled && e.message === 'disposed');
  });
});
