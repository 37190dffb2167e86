/**
 * The OpenAI Files and Batches endpoints on 127.0.0.1, as OpenAI documents them: `POST /v1/files`
 * (multipart, purpose `batch`), `POST /v1/batches`, `GET /v1/batches/{id}`, `GET
 * /v1/files/{id}/content`. Each batch line is answered by an engine (e.g. the chat mock server,
 * not streamed); a scenario per batch decides how many polls it stays in progress and how it ends:
 * completed, failed validation, expired or cancelled (the lines it never ran go to the error file
 * with `batch_expired` / `batch_cancelled`), and which lines get an error status.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How one created batch behaves. */
export interface BatchScenario {
  /** GETs that still answer `in_progress` before the final status (default 1). */
  polls?: number;
  final?: 'completed' | 'failed' | 'expired' | 'cancelled';
  /** On expired/cancelled: how many lines ran before it ended (default half). */
  ran?: number;
  /** Lines answered 400 in the error file. */
  failIds?: readonly string[];
}

export interface BatchServer {
  baseUrl: string;
  /** Every request: method and path. */
  log: { method: string; path: string }[];
  /** Files uploaded, by id: purpose and text. */
  files: Map<string, { purpose: string; filename: string; text: string }>;
  /** Scenarios for the next batches created, in order (then: completed after one poll). */
  scenarios: BatchScenario[];
  stop(): Promise<void>;
}

/** Answers one request line's body: status and response body. */
export type BatchEngine = (url: string, body: unknown) => Promise<{ status: number; body: unknown }>;

interface Batch {
  id: string;
  inputFileId: string;
  endpoint: string;
  scenario: BatchScenario;
  gets: number;
  createdAt: number;
  done?: { status: string; output?: string; error?: string; counts: { total: number; completed: number; failed: number }; errors?: unknown };
}

/** Starts the server; `engine` answers each line when a batch finishes. */
export async function startBatchServer(engine: BatchEngine, apiKey?: string): Promise<BatchServer> {
  const log: BatchServer['log'] = [];
  const files: BatchServer['files'] = new Map();
  const batches = new Map<string, Batch>();
  const scenarios: BatchScenario[] = [];
  let seq = 0;

  const send = (res: ServerResponse, status: number, body: unknown, type = 'application/json'): void => {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const addFile = (purpose: string, filename: string, text: string): string => {
    const id = `file-${++seq}`;
    files.set(id, { purpose, filename, text });
    return id;
  };
  const object = (b: Batch): unknown => ({
    id: b.id,
    object: 'batch',
    endpoint: b.endpoint,
    errors: b.done?.errors ?? null,
    input_file_id: b.inputFileId,
    completion_window: '24h',
    status: b.done?.status ?? (b.gets === 0 ? 'validating' : 'in_progress'),
    output_file_id: b.done?.output ?? null,
    error_file_id: b.done?.error ?? null,
    created_at: b.createdAt,
    request_counts: b.done?.counts ?? { total: 0, completed: 0, failed: 0 },
    metadata: null,
  });

  const finish = async (b: Batch): Promise<void> => {
    const lines = (files.get(b.inputFileId)?.text ?? '').split('\n').filter((l) => l.trim() !== '');
    const final = b.scenario.final ?? 'completed';
    if (final === 'failed') {
      b.done = { status: 'failed', counts: { total: 0, completed: 0, failed: 0 }, errors: { object: 'list', data: [{ code: 'invalid_request', message: 'The model `mock` does not exist', param: 'body.model', line: 1 }] } };
      return;
    }
    const ran = final === 'completed' ? lines.length : (b.scenario.ran ?? Math.floor(lines.length / 2));
    const out: string[] = [];
    const err: string[] = [];
    let n = 0;
    for (const [i, line] of lines.entries()) {
      const { custom_id, url, body } = JSON.parse(line) as { custom_id: string; url: string; body: unknown };
      const id = `batch_req_${++n}`;
      if (i >= ran) {
        err.push(JSON.stringify({ id, custom_id, response: null, error: { code: `batch_${final}`, message: `This request could not be executed before the batch was ${final}.` } }));
      } else if (b.scenario.failIds?.includes(custom_id)) {
        err.push(JSON.stringify({ id, custom_id, response: { status_code: 400, request_id: `req_${n}`, body: { error: { message: 'Invalid value for max_tokens', type: 'invalid_request_error' } } }, error: null }));
      } else {
        const r = await engine(url, body);
        (r.status === 200 ? out : err).push(JSON.stringify({ id, custom_id, response: { status_code: r.status, request_id: `req_${n}`, body: r.body }, error: null }));
      }
    }
    b.done = {
      status: final,
      counts: { total: lines.length, completed: out.length, failed: err.length },
      ...(out.length ? { output: addFile('batch_output', 'output.jsonl', `${out.join('\n')}\n`) } : {}),
      ...(err.length ? { error: addFile('batch_output', 'errors.jsonl', `${err.join('\n')}\n`) } : {}),
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    log.push({ method, path });
    if (apiKey !== undefined && req.headers.authorization !== `Bearer ${apiKey}`) {
      send(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
      return;
    }
    if (method === 'POST' && path === '/v1/files') {
      const form = await new Response(raw, { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
      const file = form.get('file');
      if (form.get('purpose') !== 'batch' || !(file instanceof Blob)) {
        send(res, 400, { error: { message: "'purpose' must be batch and 'file' a file", type: 'invalid_request_error' } });
        return;
      }
      const text = await file.text();
      const filename = (file as File).name;
      const id = addFile('batch', filename, text);
      send(res, 200, { id, object: 'file', bytes: Buffer.byteLength(text), created_at: 1, filename, purpose: 'batch' });
      return;
    }
    if (method === 'POST' && path === '/v1/batches') {
      const body = JSON.parse(raw.toString('utf8')) as { input_file_id?: string; endpoint?: string; completion_window?: string };
      if (!body.input_file_id || !files.has(body.input_file_id) || body.completion_window !== '24h' || !body.endpoint) {
        send(res, 400, { error: { message: 'input_file_id, endpoint and completion_window "24h" are required', type: 'invalid_request_error' } });
        return;
      }
      const b: Batch = { id: `batch_${++seq}`, inputFileId: body.input_file_id, endpoint: body.endpoint, scenario: scenarios.shift() ?? {}, gets: 0, createdAt: 1 };
      batches.set(b.id, b);
      send(res, 200, object(b));
      return;
    }
    const batchGet = /^\/v1\/batches\/([^/]+)$/.exec(path);
    if (method === 'GET' && batchGet) {
      const b = batches.get(decodeURIComponent(batchGet[1]));
      if (!b) {
        send(res, 404, { error: { message: `No batch found with id '${batchGet[1]}'.`, type: 'invalid_request_error' } });
        return;
      }
      b.gets++;
      if (!b.done && b.gets > (b.scenario.polls ?? 1)) await finish(b);
      send(res, 200, object(b));
      return;
    }
    const content = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
    if (method === 'GET' && content) {
      const f = files.get(decodeURIComponent(content[1]));
      if (!f) send(res, 404, { error: { message: 'No such File object', type: 'invalid_request_error' } });
      else send(res, 200, f.text, 'application/octet-stream');
      return;
    }
    send(res, 404, { error: { message: `no route ${method} ${path}`, type: 'invalid_request_error' } });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, { error: { message: (e as Error).message } }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    log,
    files,
    scenarios,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** An engine that sends each line, not streamed, to an OpenAI-compatible server (e.g. the chat mock). */
export function forwardingEngine(baseUrl: string): BatchEngine {
  return async (url, body) => {
    const res = await fetch(`${baseUrl.replace(/\/v1$/, '')}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
}
