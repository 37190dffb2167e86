/**
 * The OpenAI Batch API as the CLI and the editor drive it (upload, create, poll, download; global `fetch` only). The
 * batch id is cached under the server and request file, so submitting the same requests again resumes, not pays twice.
 */
import { canonicalJson, CACHE_VERSION, type CacheStore } from './cacheStore';
import { displayUrl, LiveError, redactSecrets } from './liveError';
import { parseRetryAfter, sleep, withRetries } from './retry';

/** What a request costs through the Batch API, as a share of the same request sent alone. */
export const BATCH_PRICE_SHARE = 0.5;

/** A batch's status, as the Batches API reports it. */
export type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** Statuses after which the batch changes no more. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['failed', 'completed', 'expired', 'cancelled']);

/** The endpoints a request file may target. */
export type BatchEndpoint = '/v1/chat/completions' | '/v1/completions';

/** What the CLI and the editor need of a batch object. */
export interface BatchJob {
  id: string;
  status: BatchStatus;
  endpoint?: string;
  inputFileId?: string;
  outputFileId?: string;
  errorFileId?: string;
  /** `request_counts`: total, completed and failed requests. */
  counts?: { total: number; completed: number; failed: number };
  /** Why a batch failed validation (`errors.data[].message`, with the line when given). */
  errors: string[];
}

/** What the cache keeps of a submitted batch. */
export interface BatchRecord {
  batchId: string;
  inputFileId: string;
  endpoint: BatchEndpoint;
  requests: number;
  submittedAt: string;
}

/** How the client talks to the server. */
export interface BatchClientOptions {
  /** Base URL including `/v1`, as for `run`. */
  baseUrl: string;
  apiKey?: string;
  /** Retries per call on 429/5xx and broken connections (default 5). */
  retries?: number;
  signal?: AbortSignal;
  /** Replaces the global `fetch` (tests). */
  fetch?: typeof fetch;
}

/** Reads a batch object of the API into a {@link BatchJob}. */
export function toBatchJob(value: unknown): BatchJob {
  const o = (value ?? {}) as Record<string, unknown>;
  if (typeof o.id !== 'string' || typeof o.status !== 'string') throw new LiveError('protocol', 'the server sent a batch object without id or status');
  const job: BatchJob = { id: o.id, status: o.status as BatchStatus, errors: [] };
  if (typeof o.endpoint === 'string') job.endpoint = o.endpoint;
  if (typeof o.input_file_id === 'string') job.inputFileId = o.input_file_id;
  if (typeof o.output_file_id === 'string' && o.output_file_id) job.outputFileId = o.output_file_id;
  if (typeof o.error_file_id === 'string' && o.error_file_id) job.errorFileId = o.error_file_id;
  const c = o.request_counts as Record<string, unknown> | undefined;
  if (c && typeof c.total === 'number') job.counts = { total: c.total, completed: Number(c.completed ?? 0), failed: Number(c.failed ?? 0) };
  const data = (o.errors as { data?: unknown } | null | undefined)?.data;
  if (Array.isArray(data)) {
    for (const e of data as { message?: unknown; line?: unknown; code?: unknown }[]) {
      job.errors.push(`${typeof e.line === 'number' ? `line ${e.line}: ` : ''}${String(e.message ?? e.code ?? 'error')}`);
    }
  }
  return job;
}

/** One line on a batch's state: `batch_abc: in_progress, 12/24 done, 1 failed`. */
export function batchStatusLine(job: BatchJob): string {
  const counts = job.counts ? `, ${job.counts.completed}/${job.counts.total} done${job.counts.failed ? `, ${job.counts.failed} failed` : ''}` : '';
  return `${job.id}: ${job.status}${counts}${job.errors.length ? ` (${job.errors.slice(0, 3).join('; ')})` : ''}`;
}

/** The Files and Batches endpoints of one server; counts every HTTP request it makes. */
export class OpenAiBatchClient {
  readonly baseUrl: string;
  /** HTTP requests sent, retries included. */
  requests = 0;
  private readonly apiKey?: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: BatchClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    if (opts.apiKey) this.apiKey = opts.apiKey;
    this.fetchImpl = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** `POST /files` (multipart, purpose `batch`): the new file's id. */
  async uploadFile(fileName: string, jsonl: string): Promise<string> {
    const o = await this.call('POST', 'files', () => {
      const form = new FormData();
      form.append('purpose', 'batch');
      form.append('file', new Blob([jsonl], { type: 'application/jsonl' }), fileName);
      return form;
    });
    const id = (o as { id?: unknown }).id;
    if (typeof id !== 'string') throw new LiveError('protocol', `${displayUrl(this.baseUrl)} answered the upload without a file id`);
    return id;
  }

  /** `POST /batches` with a 24h completion window. */
  async createBatch(inputFileId: string, endpoint: BatchEndpoint): Promise<BatchJob> {
    return toBatchJob(await this.call('POST', 'batches', () => JSON.stringify({ input_file_id: inputFileId, endpoint, completion_window: '24h' })));
  }

  /** `GET /batches/{id}`. */
  async getBatch(id: string): Promise<BatchJob> {
    return toBatchJob(await this.call('GET', `batches/${encodeURIComponent(id)}`));
  }

  /** `GET /files/{id}/content`: the file's text. */
  async fileContent(id: string): Promise<string> {
    return (await this.call('GET', `files/${encodeURIComponent(id)}/content`, undefined, true)) as string;
  }

  private async call(method: 'GET' | 'POST', path: string, body?: () => string | FormData, text = false): Promise<unknown> {
    const url = `${this.baseUrl}/${path}`;
    const where = displayUrl(url);
    return withRetries(
      async () => {
        this.requests++;
        const headers: Record<string, string> = {};
        if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
        const payload = body?.();
        if (typeof payload === 'string') headers['content-type'] = 'application/json';
        let res: Response;
        try {
          res = await this.fetchImpl(url, { method, headers, ...(payload !== undefined ? { body: payload } : {}), ...(this.opts.signal ? { signal: this.opts.signal } : {}) });
        } catch (e) {
          if (this.opts.signal?.aborted) throw new LiveError('cancelled', 'cancelled');
          const code = (e as { cause?: { code?: string } }).cause?.code;
          throw new LiveError('unreachable', `cannot reach ${where}${code ? `: ${code}` : ''}`);
        }
        const got = await res.text();
        if (!res.ok) {
          let detail = got.trim();
          try {
            const m = (JSON.parse(got) as { error?: { message?: unknown } }).error?.message;
            if (typeof m === 'string') detail = m;
          } catch {
            // not JSON: the text itself
          }
          const message = redactSecrets(`${where} answered ${res.status}${detail ? `: ${detail.slice(0, 300)}` : ''}`, [this.apiKey]);
          const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
          throw new LiveError(res.status === 401 || res.status === 403 ? 'auth' : 'http', message, { status: res.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
        }
        if (text) return got;
        try {
          return JSON.parse(got) as unknown;
        } catch {
          throw new LiveError('protocol', `${where} answered with something that is not JSON`);
        }
      },
      { retries: this.opts.retries ?? 5, ...(this.opts.signal ? { signal: this.opts.signal } : {}) },
    );
  }
}

/** The cache key of a batch: the server and the exact request file (never the key). */
export async function batchRecordKey(baseUrl: string, endpoint: BatchEndpoint, jsonl: string): Promise<string> {
  const text = canonicalJson({ v: CACHE_VERSION, kind: 'batch', baseUrl: baseUrl.replace(/\/+$/, ''), endpoint, jsonl });
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  let hex = '';
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** The batch recorded for these requests, if any. */
export async function readBatchRecord(cache: CacheStore, key: string): Promise<BatchRecord | undefined> {
  const text = await cache.get(key);
  if (!text) return undefined;
  try {
    const o = JSON.parse(text) as Partial<BatchRecord>;
    return typeof o.batchId === 'string' ? (o as BatchRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** What {@link submitBatch} did. */
export interface SubmitResult {
  job: BatchJob;
  /** The recorded batch was reused: nothing was uploaded or created. */
  resumed: boolean;
  /** The recorded batch had failed validation, so a new one was created. */
  replacedFailed?: string;
}

/**
 * Submits the request file, unless the cache records a batch for the same server and requests that
 * has not failed: then that batch is returned as it stands (running, done, expired or cancelled —
 * its finished answers are paid for, so only `--only-failed` lines deserve a new batch).
 */
export async function submitBatch(client: OpenAiBatchClient, cache: CacheStore, jsonl: string, endpoint: BatchEndpoint, now: () => Date = () => new Date()): Promise<SubmitResult> {
  const key = await batchRecordKey(client.baseUrl, endpoint, jsonl);
  const record = await readBatchRecord(cache, key);
  let replacedFailed: string | undefined;
  if (record) {
    const job = await client.getBatch(record.batchId);
    if (job.status !== 'failed') return { job, resumed: true };
    replacedFailed = `${record.batchId} failed${job.errors.length ? ` (${job.errors.slice(0, 3).join('; ')})` : ''}`;
  }
  const requests = jsonl.split('\n').filter((l) => l.trim() !== '').length;
  const inputFileId = await client.uploadFile(endpoint === '/v1/completions' ? 'prompt-budget-probes.jsonl' : 'prompt-budget-requests.jsonl', jsonl);
  const job = await client.createBatch(inputFileId, endpoint);
  await cache.put(key, JSON.stringify({ batchId: job.id, inputFileId, endpoint, requests, submittedAt: now().toISOString() } satisfies BatchRecord));
  return { job, resumed: false, ...(replacedFailed ? { replacedFailed } : {}) };
}

/** Polls until the batch reaches a final status; `onPoll` sees each state. */
export async function waitForBatch(client: OpenAiBatchClient, id: string, intervalMs: number, onPoll?: (job: BatchJob) => void, signal?: AbortSignal): Promise<BatchJob> {
  for (;;) {
    const job = await client.getBatch(id);
    onPoll?.(job);
    if (FINAL_STATUSES.has(job.status)) return job;
    try {
      await sleep(intervalMs, signal);
    } catch {
      throw new LiveError('cancelled', 'cancelled');
    }
  }
}

/**
 * A finished batch's output lines: the output file, then the error file (failed requests, and those an expired or
 * cancelled batch never ran), as JSONL for `readBatchOutput`. A failed batch has neither and throws with its errors.
 */
export async function downloadBatchOutput(client: OpenAiBatchClient, job: BatchJob): Promise<string> {
  if (job.status === 'failed') throw new LiveError('protocol', `batch ${job.id} failed${job.errors.length ? `: ${job.errors.slice(0, 5).join('; ')}` : ''}`);
  const parts: string[] = [];
  for (const id of [job.outputFileId, job.errorFileId]) {
    if (!id) continue;
    const text = await client.fileContent(id);
    if (text.trim() !== '') parts.push(text.endsWith('\n') ? text : `${text}\n`);
  }
  return parts.join('');
}
