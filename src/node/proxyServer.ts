/**
 * `prompt-budget proxy`: an OpenAI-compatible HTTP server that forwards every request to an upstream
 * server and applies an exported policy to the Chat Completions it covers. The decisions are the
 * runtime's (createPolicyRun); this file only speaks HTTP.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExportedPolicy } from '../core/types';
import type { HfTokenizer } from '../core/hfTokenizer';
import type { ChatMessage } from '../core/live/promptTemplate';
import { completionsClient, createPolicyRun, type PolicyRun, type RunDecision } from '../runtime/createPolicyRun';
import { streamTokensFor } from '../runtime/createStopper';
import { responseChunks, runChunks, type RunStreamResult } from '../runtime/runStreams';

export interface ProxyOptions {
  /** Upstream base URL including `/v1`. */
  upstream: string;
  policy: ExportedPolicy;
  /** Sent upstream as `Authorization: Bearer …`; never logged. */
  apiKey?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** The model's tokenizer, for a policy measured in it. */
  tokenizer?: HfTokenizer;
  fetch?: typeof fetch;
  /** One line per request (never the key). */
  log?: (line: string) => void;
}

export interface ProxyServer {
  port: number;
  /** `http://host:port/v1`: the base URL clients use. */
  url: string;
  /** Stops listening, aborts upstream requests in flight and closes every connection. */
  close(): Promise<void>;
}

/** Request headers not forwarded: hop-by-hop ones, and those the proxy sets itself. */
const DROP_REQUEST = new Set(['host', 'connection', 'content-length', 'accept-encoding', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);
/** Response headers not relayed: fetch has already decoded and de-chunked the body. */
const DROP_RESPONSE = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);

function openAiError(res: ServerResponse, status: number, message: string, type: string): void {
  if (res.headersSent) {
    // A stream already started: an `error` event is how OpenAI-compatible servers report it.
    res.end(`data: ${JSON.stringify({ error: { message, type } })}\n\n`);
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, param: null, code: null } }));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Text of a chat message's `content`: a string, or the text of its parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
}

function chatMessages(raw: unknown): ChatMessage[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((m: { role?: unknown; content?: unknown }) => ({
    role: m?.role === 'system' || m?.role === 'developer' ? 'system' : m?.role === 'assistant' ? 'assistant' : 'user',
    content: contentText(m?.content),
  }));
}

/** A trace (`<think>reasoning</think>` + content, as the runtime keeps it) split into its thinking and its answer part. */
function traceParts(text: string): { reasoning: string; content: string; closed: boolean } {
  const m = /^\s*<think>/.exec(text);
  if (!m) return { reasoning: '', content: text, closed: true };
  const rest = text.slice(m[0].length);
  const close = rest.indexOf('</think>');
  return close < 0 ? { reasoning: rest, content: '', closed: false } : { reasoning: rest.slice(0, close), content: rest.slice(close + '</think>'.length), closed: true };
}

/** The answer the client gets: the kept thinking as reasoning, and as `content` the forced answer or the kept answer part. */
function replyParts(result: RunStreamResult): { reasoning: string; content: string } {
  const { reasoning, content } = traceParts(result.text);
  return { reasoning, content: result.decision.forced ? result.decision.forced.text : content };
}

/** The thinking of a settled trace that can be shown: without a tail that may yet turn out to start `</think>`. */
function settledReasoning(settled: string): string {
  const { reasoning, closed } = traceParts(settled);
  if (closed) return reasoning;
  for (let n = Math.min('</think>'.length - 1, reasoning.length); n > 0; n--) if ('</think>'.startsWith(reasoning.slice(-n))) return reasoning.slice(0, -n);
  return reasoning;
}

/** The upstream's chunks, noting which delta field (`reasoning_content` or `reasoning`) carries its thinking. */
async function* notingReasoningField(chunks: ReturnType<typeof responseChunks>, seen: { field?: ReasoningField }): ReturnType<typeof responseChunks> {
  for await (const chunk of chunks) {
    const delta = chunk === 'done' ? undefined : (chunk.choices?.[0]?.delta as Record<string, unknown> | null | undefined);
    if (delta && !seen.field) {
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') seen.field = 'reasoning_content';
      else if (typeof delta.reasoning === 'string' && delta.reasoning !== '') seen.field = 'reasoning';
    }
    yield chunk;
  }
}

/** The run, calling `onDelta` after every delta it did not stop on (with a way to read what it has settled). */
function watchedRun(run: PolicyRun, onDelta: (settled: () => string) => void): PolicyRun {
  return {
    policy: run.policy,
    push(delta) {
      const stop = run.push(delta);
      if (!stop) onDelta(() => run.settledText());
      return stop;
    },
    get stopped() {
      return run.stopped;
    },
    whenStopped: run.whenStopped,
    finish: () => run.finish(),
    keptText: () => run.keptText(),
    settledText: () => run.settledText(),
  };
}

/** What the proxy adds to each response it decided: the policy, where it stopped and the extra calls. */
function decisionInfo(policy: string, d: RunDecision): Record<string, unknown> {
  const info: Record<string, unknown> = { policy, stopped: d.stop, answer: d.answer ?? null, tokens: d.tokens ?? null, reason: d.reason ?? null };
  if (d.forced) info.forcedTokens = d.forced.tokens;
  if (d.probeTokens !== undefined) info.probeTokens = d.probeTokens;
  return info;
}

/** Serves the requests of one proxy: forwards, decides, answers. */
class ProxyHandler {
  readonly upstream: string;
  readonly inflight = new Set<AbortController>();
  private readonly doFetch: typeof fetch;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: ProxyOptions) {
    this.upstream = opts.upstream.replace(/\/+$/, '');
    this.doFetch = opts.fetch ?? fetch;
    this.log = opts.log ?? (() => undefined);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(body.toString('utf8')) as unknown;
      } catch {
        // not JSON: the upstream says what is wrong with it
      }
      const b = parsed as Record<string, unknown> | null;
      const model = this.opts.policy.model;
      const covered = !!b && typeof b === 'object' && typeof b.model === 'string' && (model === undefined || b.model === model) && (b.n === undefined || b.n === 1);
      if (covered) return this.decide(res, b);
    }
    return this.passThrough(req, res, body);
  }

  private upstreamUrl(reqUrl: string): string {
    const url = new URL(reqUrl, 'http://proxy');
    const path = url.pathname.startsWith('/v1/') || url.pathname === '/v1' ? url.pathname.slice(3) : url.pathname;
    return `${this.upstream}${path}${url.search}`;
  }

  private track(res: ServerResponse): AbortController {
    const controller = new AbortController();
    this.inflight.add(controller);
    // The client went away before the answer: stop the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
      this.inflight.delete(controller);
    });
    return controller;
  }

  private unreachable(res: ServerResponse, e: unknown, what: string): void {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (e as Error).message;
    this.log(`${what}: cannot reach the upstream ${this.upstream} (${why})`);
    openAiError(res, 502, `prompt-budget proxy: cannot reach the upstream ${this.upstream} (${why})`, 'upstream_unreachable');
  }

  private async passThrough(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const what = `${req.method} ${req.url} (passed through)`;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !DROP_REQUEST.has(k)) headers[k] = v;
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    const controller = this.track(res);
    let up: Response;
    try {
      const init: RequestInit = { method: req.method ?? 'GET', headers, signal: controller.signal };
      if (req.method !== 'GET' && req.method !== 'HEAD') init.body = new Uint8Array(body);
      up = await this.doFetch(this.upstreamUrl(req.url ?? '/'), init);
    } catch (e) {
      this.unreachable(res, e, what);
      return;
    }
    const out: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (!DROP_RESPONSE.has(k)) out[k] = v;
    });
    res.writeHead(up.status, out);
    this.log(`${what}: ${up.status}`);
    if (!up.body) {
      res.end();
      return;
    }
    const reader = up.body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        res.write(value);
      }
      res.end();
    } catch {
      res.destroy();
    }
  }

  /** Sends the covered request upstream, always streamed; relays an upstream error as it came (OpenAI-shaped). */
  private async forward(res: ServerResponse, body: Record<string, unknown>, controller: AbortController, what: string): Promise<Response | null> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    const upstreamBody = { ...body, stream: true, stream_options: { include_usage: true } };
    let up: Response;
    try {
      up = await this.doFetch(`${this.upstream}/chat/completions`, { method: 'POST', headers, body: JSON.stringify(upstreamBody), signal: controller.signal });
    } catch (e) {
      this.unreachable(res, e, what);
      return null;
    }
    if (up.ok) return up;
    const text = await up.text().catch(() => '');
    this.log(`${what}: the upstream answered ${up.status}`);
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      // not JSON: wrapped below
    }
    const shaped = !!parsed && typeof parsed === 'object' && 'error' in parsed;
    res.writeHead(up.status, { 'content-type': 'application/json' });
    res.end(shaped ? text : JSON.stringify({ error: { message: `upstream answered HTTP ${up.status}: ${text.slice(0, 500)}`, type: 'upstream_error', param: null, code: null } }));
    return null;
  }

  private async decide(res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    const model = String(body.model);
    const what = `POST /v1/chat/completions model=${model}`;
    const controller = this.track(res);
    const up = await this.forward(res, body, controller, what);
    if (!up) return;
    const reply = new Reply(res, model, body.stream === true);
    let result: RunStreamResult;
    try {
      const { apiKey, tokenizer, policy } = this.opts;
      const complete = completionsClient({ baseURL: this.upstream, model, ...(apiKey ? { apiKey } : {}), fetch: this.doFetch });
      const run = createPolicyRun(policy, { complete, messages: chatMessages(body.messages), ...(tokenizer ? { tokenizer } : {}) });
      // A streaming client gets the thinking as it settles; the answer waits for the decision.
      const chunks = notingReasoningField(responseChunks(up), reply.seen);
      result = await runChunks(chunks, watchedRun(run, reply.streams ? (settled) => reply.thinking(settled) : () => undefined), () => controller.abort());
    } catch (e) {
      if (res.destroyed) return;
      const message = (e as Error).message.replace(/^prompt-budget: /, '');
      this.log(`${what}: ${message}`);
      openAiError(res, 502, `prompt-budget proxy: ${message}`, 'upstream_error');
      return;
    }
    if (result.truncated) {
      // Never answer from half a generation as if it were whole.
      this.log(`${what}: the upstream stream ended without finish_reason or [DONE]`);
      openAiError(res, 502, 'prompt-budget proxy: the upstream stream was cut off before the policy decided (no finish_reason or [DONE])', 'upstream_error');
      return;
    }
    const d = result.decision;
    this.log(`${what}: ${this.opts.policy.policy} ${d.stop ? 'stopped' : 'ran to the end'} at ${d.tokens ?? '?'} tokens${d.forced ? ` + forced answer (${d.forced.tokens} tokens)` : ''}${d.probes ? `, ${d.probes} probes` : ''}`);
    const so = body.stream_options as { include_usage?: unknown } | undefined;
    reply.send(result, decisionInfo(this.opts.policy.policy, d), so?.include_usage === true);
  }
}

type ReasoningField = 'reasoning_content' | 'reasoning';

/**
 * The response to a decided request: SSE chunks when the client streams (the role chunk at once, the thinking as it
 * settles, the answer once decided), else one JSON body. The thinking goes in the field the upstream used.
 */
class Reply {
  private readonly id = `chatcmpl-pb-${Date.now().toString(36)}`;
  private readonly created = Math.floor(Date.now() / 1000);
  /** The upstream's reasoning field, once a delta carried one. */
  readonly seen: { field?: ReasoningField } = {};
  /** Thinking already streamed to the client. */
  private sent = '';
  /** The settled text held the whole thinking: nothing more to stream before the decision. */
  private thinkingClosed = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly model: string,
    readonly streams: boolean,
  ) {
    if (!streams) return;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(this.chunk({ role: 'assistant', content: '' }, null));
  }

  private chunk(delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}): string {
    return `data: ${JSON.stringify({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
  }

  /** Streams the part of the settled thinking not sent yet (the settled text only grows; anything else is left for {@link send}). */
  thinking(settled: () => string): void {
    if (!this.streams || this.thinkingClosed || this.res.writableEnded) return;
    const text = settled();
    // Done once the thinking closed, or when the text does not open with <think> at all.
    const lead = text.trimStart();
    this.thinkingClosed = lead.startsWith('<think>') ? traceParts(text).closed : lead.length > 0 && !'<think>'.startsWith(lead);
    const reasoning = settledReasoning(text);
    if (reasoning.length <= this.sent.length || !reasoning.startsWith(this.sent)) return;
    this.res.write(this.chunk({ [this.seen.field ?? 'reasoning_content']: reasoning.slice(this.sent.length) }, null));
    this.sent = reasoning;
  }

  send(result: RunStreamResult, info: Record<string, unknown>, includeUsage: boolean): void {
    const d = result.decision;
    const { reasoning, content } = replyParts(result);
    const field = this.seen.field ?? 'reasoning_content';
    const finish = d.stop ? 'stop' : (result.finishReason ?? 'stop');
    const promptTokens = result.usage?.prompt_tokens;
    const usage = { prompt_tokens: typeof promptTokens === 'number' ? promptTokens : 0, completion_tokens: d.tokens ?? 0, total_tokens: 0 };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const { res, id, created, model } = this;
    if (this.streams) {
      const rest = reasoning.startsWith(this.sent) ? reasoning.slice(this.sent.length) : '';
      if (rest) res.write(this.chunk({ [field]: rest }, null));
      if (content) res.write(this.chunk({ content }, null));
      res.write(this.chunk({}, finish, { prompt_budget: info }));
      if (includeUsage) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`);
      res.end('data: [DONE]\n\n');
      return;
    }
    const message: Record<string, unknown> = { role: 'assistant', content };
    if (reasoning) message[field] = reasoning;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, object: 'chat.completion', created, model, choices: [{ index: 0, message, finish_reason: finish, logprobs: null }], usage, prompt_budget: info }));
  }
}

/** Starts the proxy; resolves once it listens. Throws when the policy counts in a model's tokens and `tokenizer` is missing or another. */
export async function startProxy(opts: ProxyOptions): Promise<ProxyServer> {
  // A missing or different model tokenizer fails here, not on every request.
  streamTokensFor(opts.policy, opts.tokenizer ? { tokenizer: opts.tokenizer } : {});
  const handler = new ProxyHandler(opts);
  const log = opts.log ?? (() => undefined);
  const server: Server = createServer((req, res) => {
    handler.handle(req, res).catch((e: unknown) => {
      log(`${req.method} ${req.url}: ${(e as Error).message}`);
      if (!res.writableEnded) openAiError(res, 500, `prompt-budget proxy: ${(e as Error).message}`, 'proxy_error');
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', fail);
      done();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${host}:${port}/v1`,
    async close() {
      for (const c of handler.inflight) c.abort();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
