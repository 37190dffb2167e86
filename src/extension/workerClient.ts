import { Worker } from 'node:worker_threads';
import { LiveError } from '../core/live/liveError';
import type { LiveEvent, WorkerCalls, WorkerKind, WorkerRequest, WorkerResponse } from '../worker/workerProtocol';

/** Rejection of a call that the worker stopped because the user cancelled it. */
export class WorkerCancelled extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'WorkerCancelled';
  }
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number, total: number) => void;
  onEvent?: (event: LiveEvent) => void;
}

/**
 * Typed request/response calls to `dist/sweepWorker.js`. The thread starts on the first call and
 * is started again after a crash; `dispose` terminates it and rejects what is pending.
 */
export class WorkerClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly scriptPath: string,
    private readonly onError: (message: string) => void = () => undefined,
  ) {}

  call<K extends WorkerKind>(
    kind: K,
    args: WorkerCalls[K]['args'],
    onProgress?: (done: number, total: number) => void,
    onEvent?: (event: LiveEvent) => void,
  ): Promise<WorkerCalls[K]['result']> {
    const worker = this.ensure();
    const id = this.nextId++;
    return new Promise<WorkerCalls[K]['result']>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress, onEvent });
      worker.postMessage({ id, kind, args } as WorkerRequest);
    });
  }

  /** Stops the thread at once (pending calls reject with {@link WorkerCancelled}). */
  terminate(reason = 'cancelled'): void {
    const w = this.worker;
    this.worker = null;
    this.rejectAll(new WorkerCancelled(reason));
    if (w) void w.terminate();
  }

  dispose(): void {
    this.terminate('disposed');
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.scriptPath);
    w.on('message', (msg: WorkerResponse) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      switch (msg.type) {
        case 'progress':
          p.onProgress?.(msg.done, msg.total);
          break;
        case 'event':
          p.onEvent?.(msg.event);
          break;
        case 'result':
          this.pending.delete(msg.id);
          p.resolve(msg.result);
          break;
        case 'error':
          this.pending.delete(msg.id);
          // A live run's error keeps its kind, so the caller can tell auth from unreachable from cancelled.
          p.reject(msg.live ? new LiveError(msg.live.kind, msg.message, { status: msg.live.status }) : msg.cancelled ? new WorkerCancelled(msg.message) : new Error(msg.message));
          break;
        default: {
          const never: never = msg;
          this.onError(`unexpected worker message ${JSON.stringify(never)}`);
        }
      }
    });
    w.on('error', (e) => {
      this.onError(`worker failed: ${e.message}`);
      if (this.worker === w) this.worker = null;
      this.rejectAll(e);
    });
    w.on('exit', (code) => {
      if (this.worker === w) {
        this.worker = null;
        if (code !== 0) this.onError(`worker exited with code ${code}`);
        this.rejectAll(new Error(`worker exited with code ${code}`));
      }
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private rejectAll(e: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(e);
  }
}
