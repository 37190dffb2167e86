import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkerClient } from '../../../src/extension/workerClient';

/** The real worker thread, run from its TypeScript source (the built bundle is the same code); `dir` holds its shim. */
export function startWorker(dir: string): WorkerClient {
  const shim = path.join(dir, 'worker.cjs');
  const source = path.resolve(__dirname, '../../../src/worker/sweepWorker.ts');
  // Worker threads do not inherit the test's TypeScript loader, so the shim registers it first.
  writeFileSync(shim, `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();\nrequire(${JSON.stringify(source)});\n`);
  return new WorkerClient(shim);
}
