/**
 * A minimal client for OpenAI-compatible servers (OpenAI, vLLM, llama.cpp server, Ollama): one
 * streamed Chat Completions attempt, or one text Completions attempt, with an inactivity timeout
 * and errors classified for retrying. Uses only the global `fetch`.
 */
import type { UsageRecord } from '../types';
import { parseRetryAfter } from './retry';
import { displayUrl, LiveError, redactSecrets } from './liveError';
import { SseParser } from './sseParser';
import { readDelta } from './traceAssembler';
import { readLogprobs, type TokenLogprobs } from './logprobs';

export interface OpenAiClientOptions {
  /** Base URL as in the OpenAI SDKs, including `/v1` (e.g. `http://localhost:11434/v1`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set; never part of messages or cache keys. */
  apiKey?: string;
  /** Abort an attempt when nothing (headers or stream data) arrives for this long. Default 120 000 ms. */
  timeoutMs?: number;
  /** Replaces the global `fetch` (tests). */
  fetch?: typeof fetch;
  /** Clock that an HTTP-date `Retry-After` is measured from. Default `Date.now`. */
  now?: () => number;
}

/** What one streamed chat completion produced. */
export interface ChatResult {
  /** The answer text (`delta.content`). */
  content: string;
  /** Reasoning text from `delta.reasoning_content` or `delta.reasoning` (empty when none). */
  reasoning: string;
  finishReason?: string;
  usage?: UsageRecord;
}

/** What one text completion (`/completions`) produced. */
export interface TextCompletionResult {
  text: string;
  /** The chosen tokens' log-probabilities (and texts), when the server sent them (see logprobs.ts). */
  logprobs?: TokenLogprobs;
  finishReason?: string;
  usage?: UsageRecord;
}

/** Streaming progress: text that just arrived (reasoning or content). */
export type DeltaListener = (delta: { content?: string; reasoning?: string }) => void;

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

interface ErrorCause {
  code?: string;
  syscall?: string;
  message?: string;
  errors?: ErrorCause[];
  cause?: ErrorCause;
}

function rootCause(e: unknown): ErrorCause | undefined {
  const first = (e as { cause?: ErrorCause } | undefined)?.cause;
  let c = first;
  for (let depth = 0; c && depth < 4; depth++) {
    if (c.code) return c;
    if (c.errors && c.errors.length > 0 && c.errors[0].code) return c.errors[0];
    c = c.cause;
  }
  return first;
}

/** Server usage (`prompt_tokens`, `completion_tokens`, reasoning tokens) as a {@link UsageRecord}. */
export function toUsage(u: unknown): UsageRecord | undefined {
  if (!u || typeof u !== 'object') return undefined;
  const o = u as Record<string, unknown>;
  const details = (o.completion_tokens_details ?? {}) as Record<string, unknown>;
  const usage: UsageRecord = {};
  if (typeof o.prompt_tokens === 'number') usage.promptTokens = o.prompt_tokens;
  if (typeof o.completion_tokens === 'number') usage.completionTokens = o.completion_tokens;
  const reasoning = details.reasoning_tokens ?? o.reasoning_tokens;
  if (typeof reasoning === 'number') usage.reasoningTokens = reasoning;
  return Object.keys(usage).length ? usage : undefined;
}

function errorMessageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (parsed.error && typeof parsed.error.message === 'string') return parsed.error.message;
    if (typeof parsed.message === 'string') return parsed.message;
    if (typeof parsed.detail === 'string') return parsed.detail;
  } catch {
    // not JSON: use the text
  }
  return body.trim().replace(/\s+/g, ' ');
}

function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** One attempt at a time against one server; retrying is the caller's job (see `withRetries`). */
export class OpenAiClient {
  readonly baseUrl: string;
  private readonly apiKey?: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;

  constructor(opts: OpenAiClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    if (opts.apiKey) this.apiKey = opts.apiKey;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.fetchImpl = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.now = opts.now ?? Date.now;
  }

  url(path: 'chat/completions' | 'completions'): string {
    return `${this.baseUrl}/${path}`;
  }

  /**
   * One streamed Chat Completions call. `body` is sent as given plus `stream: true`; the result is
   * complete or the call throws — a stream that breaks or holds a malformed event never yields a
   * partial result.
   */
  async streamChat(body: Record<string, unknown>, signal?: AbortSignal, onDelta?: DeltaListener): Promise<ChatResult> {
    return this.attempt(this.url('chat/completions'), { ...body, stream: true }, signal, async (res, tick) => {
      if ((res.headers.get('content-type') ?? '').includes('application/json')) return chatFromJson(await res.text());
      if (!res.body) throw new LiveError('protocol', `${this.where()}: empty response body`);
      const parser = new SseParser();
      const out: ChatResult = { content: '', reasoning: '' };
      let done = false;
      const handle = (data: string): void => {
        if (data.trim() === '[DONE]') {
          done = true;
          return;
        }
        let chunk: Record<string, unknown>;
        try {
          chunk = JSON.parse(data) as Record<string, unknown>;
        } catch {
          throw new LiveError('protocol', `${this.where()} sent a malformed stream line: ${clip(data, 80)}`);
        }
        if (chunk.error) throw streamError(chunk.error, this.where());
        const usage = toUsage(chunk.usage);
        if (usage) out.usage = usage;
        const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as Record<string, unknown> | undefined) : undefined;
        if (!choice) return;
        const { reasoning, content } = readDelta(choice.delta);
        if (reasoning) out.reasoning += reasoning;
        if (content) out.content += content;
        if ((reasoning || content) && onDelta) onDelta({ ...(content ? { content } : {}), ...(reasoning ? { reasoning } : {}) });
        if (typeof choice.finish_reason === 'string') out.finishReason = choice.finish_reason;
      };
      const reader = res.body.getReader();
      try {
        while (!done) {
          const { value, done: ended } = await reader.read();
          tick();
          if (ended) {
            for (const e of parser.end()) if (!done) handle(e.data);
            break;
          }
          for (const e of parser.push(value)) if (!done) handle(e.data);
        }
      } finally {
        if (done) void reader.cancel().catch(() => undefined);
      }
      if (!done && out.finishReason === undefined) {
        throw new LiveError('stream', `${this.where()}: the stream ended before the response was complete`);
      }
      return nonEmpty(out, this.where());
    });
  }

  /** One text completion (`/completions`, not streamed), as probes use. */
  async complete(body: Record<string, unknown>, signal?: AbortSignal): Promise<TextCompletionResult> {
    return this.attempt(this.url('completions'), { ...body, stream: false }, signal, async (res) => {
      const { parsed, choice } = await this.firstChoice(res, 'a completion');
      if (typeof choice.text !== 'string') throw new LiveError('protocol', `${this.where()} sent a completion without choices[0].text`);
      return textResult(choice.text, parsed, choice);
    });
  }

  /**
   * One Chat Completions call, not streamed, read as a text completion: the message content (its
   * reasoning when the server put all of it there), the finish reason, usage and log-probabilities.
   * Forced answers continuing a prefilled assistant message use it.
   */
  async chatText(body: Record<string, unknown>, signal?: AbortSignal): Promise<TextCompletionResult> {
    return this.attempt(this.url('chat/completions'), { ...body, stream: false }, signal, async (res) => {
      const { parsed, choice } = await this.firstChoice(res, 'a chat completion');
      if (!choice.message || typeof choice.message !== 'object') throw new LiveError('protocol', `${this.where()} sent a chat completion without choices[0].message`);
      const { content, reasoning } = readDelta(choice.message);
      return textResult(content !== '' ? content : reasoning, parsed, choice);
    });
  }

  /** The JSON body of a non-streamed response and its first choice; an error body or no choice throws. */
  private async firstChoice(res: Response, what: string): Promise<{ parsed: Record<string, unknown>; choice: Record<string, unknown> }> {
    const text = await res.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new LiveError('protocol', `${this.where()} sent ${what} that is not JSON: ${clip(text, 80)}`);
    }
    if (parsed.error) throw streamError(parsed.error, this.where());
    const choice = Array.isArray(parsed.choices) ? (parsed.choices[0] as Record<string, unknown> | undefined) : undefined;
    if (!choice) throw new LiveError('protocol', `${this.where()} sent ${what} without choices[0]`);
    return { parsed, choice };
  }

  private where(): string {
    return displayUrl(this.baseUrl);
  }

  private safe(text: string): string {
    return redactSecrets(text, [this.apiKey]);
  }

  private async attempt<T>(url: string, body: Record<string, unknown>, signal: AbortSignal | undefined, read: (res: Response, tick: () => void) => Promise<T>): Promise<T> {
    if (signal?.aborted) throw new LiveError('cancelled', 'cancelled');
    const ctl = new AbortController();
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        ctl.abort();
      }, this.timeoutMs);
    };
    const onAbort = (): void => ctl.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream, application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    tick();
    try {
      let res: Response;
      try {
        res = await this.fetchImpl(url, { method: 'POST', headers, body: JSON.stringify(body), signal: ctl.signal });
      } catch (e) {
        throw this.classify(e, timedOut, signal, true);
      }
      tick();
      try {
        if (!res.ok) throw await this.httpError(res);
        return await read(res, tick);
      } catch (e) {
        if (e instanceof LiveError) throw e;
        throw this.classify(e, timedOut, signal, false);
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      ctl.abort();
    }
  }

  private async httpError(res: Response): Promise<LiveError> {
    let text = '';
    try {
      text = await res.text();
    } catch {
      // the status says enough
    }
    const detail = this.safe(clip(errorMessageOf(text)));
    const statusText = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    if (res.status === 401 || res.status === 403) {
      return new LiveError('auth', `${this.where()} rejected the API key (${statusText})${detail ? `: ${detail}` : ''}`, { status: res.status });
    }
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), this.now());
    return new LiveError('http', `${this.where()} answered ${statusText}${detail ? `: ${detail}` : ''}`, {
      status: res.status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }

  private classify(e: unknown, timedOut: boolean, signal: AbortSignal | undefined, connecting: boolean): LiveError {
    if (signal?.aborted) return new LiveError('cancelled', 'cancelled');
    if (timedOut) {
      return new LiveError('timeout', `${this.where()}: no response for ${(this.timeoutMs / 1000).toFixed(1)} s (timeout)`);
    }
    const cause = rootCause(e);
    const code = cause?.code;
    if (connecting && cause?.message === 'bad port') {
      // fetch refuses some ports outright (the WHATWG "bad ports" list: 1, 9, 25, 6000, …).
      return new LiveError('unreachable', `cannot reach ${this.where()}: fetch refuses this port ("bad port"); use another one`);
    }
    if (connecting && code && CONNECT_CODES.has(code)) {
      const what = cause?.syscall ? `${cause.syscall} ${code}` : code;
      return new LiveError('unreachable', `cannot reach ${this.where()}: ${what}`);
    }
    const detail = code ?? cause?.message ?? (e as Error)?.message ?? String(e);
    return new LiveError('stream', this.safe(`${this.where()}: connection failed ${connecting ? 'before the response' : 'mid-response'} (${detail})`));
  }
}

function streamError(error: unknown, where: string): LiveError {
  const o = (typeof error === 'object' && error ? error : { message: String(error) }) as { message?: unknown; code?: unknown; status?: unknown };
  const status = typeof o.code === 'number' ? o.code : typeof o.status === 'number' ? o.status : undefined;
  const message = `${where} reported an error${status ? ` (${status})` : ''}: ${clip(typeof o.message === 'string' ? o.message : JSON.stringify(error))}`;
  if (status === 401 || status === 403) return new LiveError('auth', message, { status });
  return status !== undefined ? new LiveError('http', message, { status }) : new LiveError('stream', message);
}

function chatFromJson(text: string): ChatResult {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new LiveError('protocol', `expected a stream, got a body that is not JSON: ${clip(text, 80)}`);
  }
  if (parsed.error) throw streamError(parsed.error, 'the server');
  const choice = Array.isArray(parsed.choices) ? (parsed.choices[0] as Record<string, unknown> | undefined) : undefined;
  const message = (choice?.message ?? {}) as Record<string, unknown>;
  if (!choice) throw new LiveError('protocol', 'the server sent a chat completion without choices');
  const out: ChatResult = readDelta(message);
  if (typeof choice.finish_reason === 'string') out.finishReason = choice.finish_reason;
  const usage = toUsage(parsed.usage);
  if (usage) out.usage = usage;
  return nonEmpty(out, 'the server');
}

/** An empty completion is an error (never recorded or cached as a trace), with the finish reason. */
function nonEmpty(out: ChatResult, where: string): ChatResult {
  if (out.content !== '' || out.reasoning !== '') return out;
  const why = out.finishReason ? ` (finish_reason "${out.finishReason}")` : '';
  throw new LiveError('protocol', `${where} sent an empty completion${why}: no content or reasoning text in any delta`);
}

/** A text completion with the finish reason, log-probabilities and usage the response gave. */
function textResult(text: string, parsed: Record<string, unknown>, choice: Record<string, unknown>): TextCompletionResult {
  const out: TextCompletionResult = { text };
  const logprobs = readLogprobs(choice.logprobs);
  if (logprobs) out.logprobs = logprobs;
  if (typeof choice.finish_reason === 'string') out.finishReason = choice.finish_reason;
  const usage = toUsage(parsed.usage);
  if (usage) out.usage = usage;
  return out;
}
