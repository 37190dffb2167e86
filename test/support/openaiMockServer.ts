/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 for live-mode tests. It replays recorded
 * traces (rows of ../shared/data) token by token over SSE, honours `max_tokens`, reports `usage`,
 * answers probe calls on `/v1/completions`, injects faults per request and logs every request.
 *
 * Matching: a chat request is answered with the row whose `question` occurs in the last user
 * message (when several rows share a question, the one whose id also occurs there, else the
 * first). A probe (`/v1/completions`) is matched the same way on its prompt; the trace prefix is
 * the longest prefix of that row's output found in the prompt.
 *
 * A chat request whose last message is the assistant's and that sets `continue_final_message` (as
 * vLLM takes it), or whose last message has `"prefix": true` (DeepSeek, Mistral), is answered like a
 * probe whose prompt is that message: not streamed, the answer as the message content.
 *
 * Probe answers are deterministic (see {@link mockProbeAnswer}): the gold answer once the prefix
 * contains it, else the last number of the prefix (a plausible wrong guess), else `0`; always
 * followed by `}` so a `\boxed{` cue closes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { EncodingName } from '../../src/core/types';
import { getTokenizer, tokenizeWithOffsets } from '../../src/core/tokens';

export interface MockRow {
  id: string;
  question: string;
  answer: string;
  output: string;
}

/** A fault injected into one request. */
export type MockFault =
  /** Wait this long before answering at all (past a client timeout). */
  | { kind: 'delay'; ms: number }
  /** Answer with an error status, optionally with `Retry-After`. */
  | { kind: 'status'; status: number; retryAfter?: string; message?: string }
  /** Send `afterTokens` tokens, then reset the TCP connection. */
  | { kind: 'reset'; afterTokens: number }
  /** Send `afterTokens` tokens, then a `data:` line that is not JSON, then the rest. */
  | { kind: 'malformed'; afterTokens: number }
  /** Send `afterTokens` tokens, then nothing more (the connection stays open). */
  | { kind: 'stall'; afterTokens: number }
  /** Send `afterTokens` tokens, then the rest with `chunkDelayMs` between chunks (a stream that would finish). */
  | { kind: 'slow'; afterTokens: number; chunkDelayMs: number };

export interface MockRequestInfo {
  /** 1-based order of arrival. */
  seq: number;
  path: string;
  body: Record<string, unknown>;
  /** Canonical JSON of the body: equal requests have equal keys. */
  bodyKey: string;
  /** 1 for the first request with this body, 2 for the next, … */
  attempt: number;
  /** The matched row, when there is one. */
  row?: MockRow;
}

export interface LoggedRequest extends MockRequestInfo {
  method: string;
  /** The raw `Authorization` header, as received. */
  authorization?: string;
  status: number;
  fault?: MockFault['kind'];
  /** The whole response was sent. */
  completed: boolean;
  /** The client closed the connection before the whole response was sent (a cancel, a timeout). */
  aborted?: boolean;
}

export interface MockServerOptions {
  rows: readonly MockRow[];
  /** When set, requests without `Authorization: Bearer <apiKey>` get 401. */
  apiKey?: string;
  encoding?: EncodingName;
  /** Tokens per SSE chunk (default 1). */
  tokensPerChunk?: number;
  /** Pause between chunks (default 0). */
  chunkDelayMs?: number;
  /** Rows whose output starts with `<think>…</think>` stream the thinking in this delta field. */
  reasoningField?: 'reasoning_content' | 'reasoning';
  /** A reasoning server: `reasoning_effort` values it honours, each capping the output at so many tokens. */
  effortCaps?: Readonly<Record<string, number>>;
  /**
   * Answer `logprobs` requests on `/v1/completions` with `choices[0].logprobs.token_logprobs`
   * (see {@link mockLogprob}); without it the server sends `logprobs: null`, as one that ignores the field.
   */
  logprobs?: boolean;
  /** Text a probe or forced answer goes on with after the closing `}` (default none). */
  trailer?: string;
  /** Decides the fault of each request (none when it returns undefined). */
  fault?: (req: MockRequestInfo) => MockFault | undefined;
}

export interface MockServer {
  /** `http://127.0.0.1:<port>/v1` */
  baseUrl: string;
  port: number;
  requests: LoggedRequest[];
  setFault(fault: MockServerOptions['fault']): void;
  /** Forgets the request log and the attempt counts (the next request of any body is attempt 1). */
  resetLog(): void;
  /** Closes the server and every open connection. */
  stop(): Promise<void>;
}

/** Rows of a file in ../shared/data (the first `limit` when given). */
export function loadSharedRows(fileName: string, limit?: number): MockRow[] {
  const path = resolve(__dirname, '../../../shared/data', fileName);
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  return (limit === undefined ? lines : lines.slice(0, limit)).map((l) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    return { id: String(o.id), question: String(o.question), answer: String(o.answer), output: String(o.output) };
  });
}

/** Canonical JSON (sorted keys). */
export function canonical(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The deterministic probe answer for a trace prefix (without the closing `}`). */
export function mockProbeAnswer(row: MockRow, prefix: string): string {
  const gold = row.answer.trim();
  const contains = /^-?\d+(\.\d+)?$/.test(gold) ? new RegExp(`(?<![\\d.])${escapeRegExp(gold)}(?!\\d)`).test(prefix) : prefix.includes(gold);
  if (contains) return gold;
  const numbers = prefix.match(/-?\d+(?:\.\d+)?/g);
  return numbers ? numbers[numbers.length - 1] : '0';
}

/** The log-probability the mock gives every token of a probe answer: high once the prefix holds the gold answer. */
export function mockLogprob(row: MockRow, prefix: string): number {
  return Math.log(mockProbeAnswer(row, prefix) === row.answer.trim() ? 0.98 : 0.6);
}

/** Longest k such that `output.slice(0, k)` occurs in `text` (containment is monotone in k). */
export function longestPrefixIn(output: string, text: string): number {
  let lo = 0;
  let hi = output.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (text.includes(output.slice(0, mid))) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Starts the server on a random free port of 127.0.0.1. */
export async function startMockServer(opts: MockServerOptions): Promise<MockServer> {
  const tokenizer = getTokenizer(opts.encoding ?? 'o200k_base', 'gpt-tokenizer');
  const count = (text: string): number => tokenizeWithOffsets(tokenizer, text).count;
  const pieces = (text: string): string[] => {
    const { count: n, ends } = tokenizeWithOffsets(tokenizer, text);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(text.slice(i === 0 ? 0 : ends[i - 1], ends[i]));
    return out;
  };
  const byQuestion = new Map<string, MockRow[]>();
  for (const row of opts.rows) {
    const list = byQuestion.get(row.question) ?? [];
    list.push(row);
    byQuestion.set(row.question, list);
  }
  const findRow = (text: string): MockRow | undefined => {
    let list = byQuestion.get(text);
    if (!list) {
      let best = '';
      for (const q of byQuestion.keys()) if (q.length > best.length && text.includes(q)) best = q;
      list = best ? byQuestion.get(best) : undefined;
    }
    if (!list) return undefined;
    return list.find((r) => text.includes(r.id)) ?? list[0];
  };

  let fault = opts.fault;
  const requests: LoggedRequest[] = [];
  const attempts = new Map<string, number>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopped = false;
  const wait = (ms: number): Promise<void> =>
    new Promise((done) => {
      const t = setTimeout(() => {
        timers.delete(t);
        done();
      }, ms);
      timers.add(t);
    });

  const sendJson = (res: ServerResponse, log: LoggedRequest, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    log.status = status;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
    log.completed = true;
  };
  const errorBody = (message: string, type = 'invalid_request_error'): unknown => ({ error: { message, type } });

  /** Writes and waits until the data reached the socket, so a reset right after cannot swallow it. */
  const flush = (res: ServerResponse, data: string): Promise<void> => new Promise((done) => res.write(data, () => done()));
  const reset = async (req: IncomingMessage): Promise<void> => {
    await wait(20);
    req.socket.resetAndDestroy();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '/').split('?')[0];
    let body: Record<string, unknown> = {};
    try {
      body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      // logged with an empty body; answered 400 below
    }
    const bodyKey = canonical(body);
    const attempt = (attempts.get(`${path} ${bodyKey}`) ?? 0) + 1;
    attempts.set(`${path} ${bodyKey}`, attempt);
    const log: LoggedRequest = { seq: requests.length + 1, method: req.method ?? 'GET', path, body, bodyKey, attempt, status: 0, completed: false };
    if (typeof req.headers.authorization === 'string') log.authorization = req.headers.authorization;
    requests.push(log);
    res.on('close', () => {
      if (!log.completed) log.aborted = true;
    });

    if (req.method === 'GET' && path === '/v1/models') {
      sendJson(res, log, 200, { object: 'list', data: [{ id: 'mock-model', object: 'model' }] });
      return;
    }
    if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/v1/completions')) {
      sendJson(res, log, 404, errorBody(`no route ${req.method} ${path}`));
      return;
    }
    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      sendJson(res, log, 401, errorBody('Incorrect API key provided.', 'invalid_api_key'));
      return;
    }
    const chat = path === '/v1/chat/completions';
    let text: string;
    if (chat) {
      const messages = Array.isArray(body.messages) ? (body.messages as { role?: string; content?: string }[]) : [];
      const user = [...messages].reverse().find((m) => m.role === 'user');
      text = typeof user?.content === 'string' ? user.content : '';
    } else {
      text = typeof body.prompt === 'string' ? body.prompt : '';
    }
    const row = findRow(text);
    if (row) log.row = row;
    const f = fault?.({ seq: log.seq, path, body, bodyKey, attempt, ...(row ? { row } : {}) });
    if (f) log.fault = f.kind;
    if (f?.kind === 'delay') {
      await wait(f.ms);
      if (closed || stopped) return;
    }
    if (f?.kind === 'status') {
      sendJson(res, log, f.status, errorBody(f.message ?? `injected ${f.status}`, 'server_error'), f.retryAfter !== undefined ? { 'retry-after': f.retryAfter } : {});
      return;
    }
    if (!row) {
      sendJson(res, log, 400, errorBody('mock: no recorded row matches this prompt'));
      return;
    }
    const effortCap = typeof body.reasoning_effort === 'string' ? opts.effortCaps?.[body.reasoning_effort] : undefined;
    const maxTokens = Math.min(Number(body.max_tokens ?? body.max_completion_tokens ?? Number.POSITIVE_INFINITY), effortCap ?? Number.POSITIVE_INFINITY);
    const model = typeof body.model === 'string' ? body.model : 'mock-model';

    if (!chat) {
      const prefix = row.output.slice(0, longestPrefixIn(row.output, text));
      const answer = `${mockProbeAnswer(row, prefix)}}${opts.trailer ?? ''}`;
      const toks = pieces(answer);
      const kept = toks.slice(0, maxTokens).join('');
      const usage = { prompt_tokens: count(text), completion_tokens: Math.min(toks.length, maxTokens), total_tokens: 0 };
      usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
      if (f?.kind === 'reset') {
        log.status = 200;
        req.socket.resetAndDestroy();
        return;
      }
      if (f?.kind === 'malformed' || f?.kind === 'stall') {
        log.status = 200;
        res.writeHead(200, { 'content-type': 'application/json' });
        if (f.kind === 'malformed') res.end('{"choices": [{"text": ');
        else res.write('{"choices": ');
        return;
      }
      sendJson(res, log, 200, {
        id: `cmpl-${log.seq}`,
        object: 'text_completion',
        created: 0,
        model,
        choices: [{ index: 0, text: kept, finish_reason: toks.length > maxTokens ? 'length' : 'stop', logprobs: opts.logprobs && body.logprobs !== undefined ? { tokens: toks.slice(0, maxTokens), token_logprobs: toks.slice(0, maxTokens).map(() => mockLogprob(row, prefix)) } : null }],
        usage,
      });
      return;
    }

    const messages = Array.isArray(body.messages) ? (body.messages as { role?: string; content?: string; prefix?: unknown }[]) : [];
    const last = messages[messages.length - 1];
    if ((body.continue_final_message === true || last?.prefix === true) && last?.role === 'assistant' && typeof last.content === 'string') {
      const prefix = row.output.slice(0, longestPrefixIn(row.output, last.content));
      const toks = pieces(`${mockProbeAnswer(row, prefix)}}${opts.trailer ?? ''}`).slice(0, maxTokens);
      const logprobs = opts.logprobs && body.logprobs === true ? { content: toks.map((token) => ({ token, logprob: mockLogprob(row, prefix), top_logprobs: [] })) } : null;
      sendJson(res, log, 200, {
        id: `chatcmpl-${log.seq}`,
        object: 'chat.completion',
        created: 0,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: toks.join('') }, logprobs, finish_reason: 'stop' }],
        usage: { prompt_tokens: count(last.content), completion_tokens: toks.length, total_tokens: count(last.content) + toks.length },
      });
      return;
    }

    let reasoning = '';
    let content = row.output;
    const think = /^<think>([\s\S]*?)<\/think>/.exec(row.output);
    if (opts.reasoningField && think) {
      reasoning = think[1];
      content = row.output.slice(think[0].length);
    }
    const parts: { field: 'content' | 'reasoning'; text: string }[] = [
      ...pieces(reasoning).map((t) => ({ field: 'reasoning' as const, text: t })),
      ...pieces(content).map((t) => ({ field: 'content' as const, text: t })),
    ];
    const emitted = parts.slice(0, maxTokens);
    const finish = parts.length > maxTokens ? 'length' : 'stop';
    const promptTokens = count(((body.messages as { content?: string }[]) ?? []).map((m) => m.content ?? '').join('\n'));
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: emitted.length,
      total_tokens: promptTokens + emitted.length,
      completion_tokens_details: { reasoning_tokens: emitted.filter((p) => p.field === 'reasoning').length },
    };

    if (body.stream !== true) {
      const message: Record<string, string> = { role: 'assistant', content: emitted.filter((p) => p.field === 'content').map((p) => p.text).join('') };
      if (reasoning) message[opts.reasoningField ?? 'reasoning_content'] = emitted.filter((p) => p.field === 'reasoning').map((p) => p.text).join('');
      sendJson(res, log, 200, { id: `chatcmpl-${log.seq}`, object: 'chat.completion', created: 0, model, choices: [{ index: 0, message, finish_reason: finish }], usage });
      return;
    }

    log.status = 200;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (delta: Record<string, string>, finishReason: string | null, extra: Record<string, unknown> = {}): string =>
      `data: ${JSON.stringify({ id: `chatcmpl-${log.seq}`, object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`;
    await flush(res, chunk({ role: 'assistant', content: '' }, null));
    const per = Math.max(1, opts.tokensPerChunk ?? 1);
    let sent = 0;
    let malformedDone = false;
    while (sent < emitted.length) {
      if (closed || stopped) return;
      if (f && (f.kind === 'reset' || f.kind === 'stall' || f.kind === 'malformed') && sent >= f.afterTokens) {
        if (f.kind === 'reset') {
          await reset(req);
          return;
        }
        if (f.kind === 'stall') return;
        if (!malformedDone) {
          res.write('data: {"choices": [{"delta": {"content": "broken\n\n');
          malformedDone = true;
        }
      }
      const group = emitted.slice(sent, sent + per);
      sent += group.length;
      const delta: Record<string, string> = {};
      for (const p of group) {
        const key = p.field === 'reasoning' ? (opts.reasoningField ?? 'reasoning_content') : 'content';
        delta[key] = (delta[key] ?? '') + p.text;
      }
      // Waiting for each write costs time; only a reset needs the data out before it.
      if (f?.kind === 'reset') await flush(res, chunk(delta, null));
      else res.write(chunk(delta, null));
      const delay = f?.kind === 'slow' && sent >= f.afterTokens ? f.chunkDelayMs : opts.chunkDelayMs;
      if (delay) await wait(delay);
    }
    if (closed || stopped) return;
    if (f && (f.kind === 'reset' || f.kind === 'stall') && sent >= f.afterTokens) {
      if (f.kind === 'reset') await reset(req);
      return;
    }
    res.write(chunk({}, finish));
    const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage) {
      res.write(`data: ${JSON.stringify({ id: `chatcmpl-${log.seq}`, object: 'chat.completion.chunk', created: 0, model, choices: [], usage })}\n\n`);
    }
    res.end('data: [DONE]\n\n');
    log.completed = true;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(errorBody(`mock crashed: ${(e as Error).message}`)));
      } else res.destroy();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    setFault(next) {
      fault = next;
    },
    resetLog() {
      requests.length = 0;
      attempts.clear();
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** A loopback port nothing listens on (bound, then closed), for "cannot reach" tests. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((done) => probe.close(() => done()));
  return port;
}
