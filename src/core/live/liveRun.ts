/**
 * Live mode: one streamed generation per case at the largest budget, probes at every N-token boundary, through a
 * response cache with bounded concurrency, retries and cancellation. The sweep derives smaller cutoffs offline.
 */
import { assembleTrace } from './traceAssembler';
import type { Case, EncodingName, EngineName, ForcedRecord, ProbeRecord, UsageRecord } from '../types';
import { budgetsToForce, continuationBody, DEFAULT_ANSWER_CUE, forcedAnswerPrompt, forcedTracePrefix, thinkingTokens, type ForceOptions } from '../forcedAnswer';
import type { Extractor } from '../policies';
import { cutText, getTokenizer, tokenizeWithOffsets, type Tokenizer } from '../tokens';
import { canonicalJson, requestCacheKey, type CacheStore } from './cacheStore';
import { LiveError } from './liveError';
import { OpenAiClient, type ChatResult, type DeltaListener, type TextCompletionResult } from './openAiClient';
import { localPromptTokens } from './promptDrift';
import { buildMessages, DEFAULT_PROBE_CUE, DEFAULT_PROBE_TEMPLATE, renderProbePrompt, type ChatMessage, type PromptOptions } from './promptTemplate';
import { withRetries, type BackoffOptions, type RetryOptions } from './retry';
import { generationTokens } from './usageTokens';
import { answerLogprobs, chatLogprobsFields, completionLogprobsFields } from './logprobs';
import { withCompletionExtra } from './extraBody';

export { missingLogprobsWarning } from './logprobs';

/** Probe calls (Dynasor-style "answer now" requests) made after each generation. */
export interface ProbeOptions {
  /** Probe after every `every` trace tokens (at every, 2·every, … below the trace length). */
  every: number;
  /** `max_tokens` of each probe call. Default 16. */
  maxTokens?: number;
  /** Text appended to the trace prefix. Default {@link DEFAULT_PROBE_CUE}. */
  cue?: string;
  /** Probe prompt template. Default {@link DEFAULT_PROBE_TEMPLATE}. */
  template?: string;
}

/**
 * An arm: request-body fields (a provider's reasoning setting, e.g. `{ "reasoning_effort": "low" }`) added to every
 * request, one more generation per case; the request without them is the default arm the sweep pairs arms with.
 */
export interface LiveArm {
  name: string;
  body: Readonly<Record<string, unknown>>;
}

/** One arm's generation of a case, as the traced row keeps it under `arms.<name>`. */
export interface ArmResult {
  output: string;
  finishReason?: string;
  usage?: UsageRecord;
}

export interface LiveRunOptions {
  /** Base URL including `/v1`, e.g. `http://localhost:11434/v1`. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** The largest budget: every case is generated once with this many output tokens at most. */
  maxTokens: number;
  /** OpenAI reasoning models accept only `max_completion_tokens`. Default `max_tokens`. */
  maxTokensParam?: 'max_tokens' | 'max_completion_tokens';
  temperature?: number;
  /** Sent as `reasoning_effort` when set. */
  reasoningEffort?: string;
  /** Extra body fields passed through as given (they override the fields above). */
  extraBody?: Readonly<Record<string, unknown>>;
  /** Ask for `usage` in the last chunk (`stream_options.include_usage`). Default true. */
  includeUsage?: boolean;
  prompt?: PromptOptions;
  /** The original rows, parallel to `cases`, so templates can use any field. */
  rows?: readonly (Readonly<Record<string, unknown>> | undefined)[];
  probe?: ProbeOptions;
  /** Forced answers at thinking budgets below each case's thinking length (`budget:<K>` policies). */
  force?: ForceOptions & { template?: string };
  /** Extra generations per case, one per arm, each with the arm's body fields over the default request. */
  arms?: readonly LiveArm[];
  /** Ask for token log-probabilities on probe and forced-answer calls and record them (confidence policies). */
  logprobs?: boolean;
  /** Tokenizer that places the probe boundaries (the sweep's). Defaults o200k_base / gpt-tokenizer. */
  encoding?: EncodingName;
  engine?: EngineName;
  /** A model's own tokenizer (see hfTokenizer.ts); places the probe boundaries instead of `encoding`. */
  tokenizer?: Tokenizer;
  /** Requests in flight at most. Default 4. */
  concurrency?: number;
  /** Per-request inactivity timeout in ms. Default 120 000. */
  timeoutMs?: number;
  /** Retries per request after the first attempt. Default 5. */
  retries?: number;
  backoff?: BackoffOptions;
  /** Omit to run without a cache. */
  cache?: CacheStore;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  onProgress?: (p: LiveProgress) => void;
  /** Called as each case finishes (or fails), in completion order. */
  onCaseDone?: (index: number, result: LiveCaseResult) => void;
  /** Streamed text of a generation as it arrives. */
  onDelta?: (index: number, delta: Parameters<DeltaListener>[0]) => void;
  /** Notes worth showing (retries and their reasons). Never contains the API key. */
  onLog?: (message: string) => void;
  /** The wait between retries and the clock for `Retry-After` dates; default real time (tests inject both). */
  sleep?: RetryOptions['sleep'];
  now?: () => number;
}

export interface LiveProgress {
  total: number;
  /** Cases finished, failed ones included. */
  done: number;
  failed: number;
  /** HTTP requests sent (attempts, retries included) and answers taken from the cache. */
  sentRequests: number;
  cachedRequests: number;
  /** Output tokens of finished generations (server usage when reported, else our count). */
  completionTokens: number;
  probeTokens: number;
  forcedTokens?: number;
  /** Probe and forced-answer calls that asked for log-probabilities and got none (see `missingLogprobsWarning`). */
  missingLogprobs?: number;
}


/** The outcome of one case. */
export interface LiveCaseResult {
  id: string;
  /** The trace: `<think>` + reasoning + `</think>` (when the server sent reasoning) + content. */
  output?: string;
  finishReason?: string;
  usage?: UsageRecord;
  /** The request's prompt tokens counted locally (see promptDrift.ts), to compare with `usage.promptTokens`. */
  localPromptTokens?: number;
  probes?: ProbeRecord[];
  /** Forced answers, one per budget below the thinking length. */
  forced?: ForcedRecord[];
  /** Each arm's generation, by arm name (only when the run has arms). */
  arms?: Record<string, ArmResult>;
  /** Why the case has no result (after retries). */
  error?: string;
  fromCache?: boolean;
}

export interface LiveRunResult {
  /** One per case, in the order of `cases`. */
  results: LiveCaseResult[];
  progress: LiveProgress;
}

/**
 * Joins a streamed answer into one trace: reasoning sent apart (`reasoning_content` / `reasoning`) goes in
 * `<think>…</think>` before the content, so early stop applies to thinking too and `after-think` works.
 */
export function traceText(result: Pick<ChatResult, 'content' | 'reasoning'>): string {
  return assembleTrace(result);
}

/** Token counts after which probes are asked: every, 2·every, … strictly below `count`. */
export function probeBoundaries(count: number, every: number): number[] {
  const out: number[] = [];
  for (let t = every; t < count; t += every) out.push(t);
  return out;
}

/** The Chat Completions body for one case (without `stream`), or the template fields it lacks. */
export function buildChatBody(c: Case, opts: LiveRunOptions, row?: Readonly<Record<string, unknown>>): { body: Record<string, unknown>; messages: ChatMessage[]; missing: string[] } {
  const { messages, missing } = buildMessages(c, opts.prompt ?? {}, row);
  const body: Record<string, unknown> = { model: opts.model, messages, [opts.maxTokensParam ?? 'max_tokens']: opts.maxTokens };
  if (opts.includeUsage !== false) body.stream_options = { include_usage: true };
  if (opts.temperature !== undefined) body.temperature = opts.temperature;
  if (opts.reasoningEffort !== undefined) body.reasoning_effort = opts.reasoningEffort;
  Object.assign(body, opts.extraBody ?? {});
  return { body, messages, missing };
}

/** One arm's Chat Completions body: the default body with the arm's fields over it. */
export function armChatBody(body: Readonly<Record<string, unknown>>, arm: LiveArm): Record<string, unknown> {
  return { ...body, ...arm.body };
}

/**
 * The `/completions` body of one probe. Temperature 0: a probe asks for the model's best answer. The run's
 * `extraBody` goes under the probe's own fields, without the chat-only ones (see extraBody.ts).
 */
export function buildProbeBody(model: string, messages: readonly ChatMessage[], tracePrefix: string, probe: ProbeOptions, logprobs = false, extraBody?: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const prompt = renderProbePrompt(probe.template ?? DEFAULT_PROBE_TEMPLATE, messages, tracePrefix, probe.cue ?? DEFAULT_PROBE_CUE);
  return withCompletionExtra(extraBody, { model, prompt, max_tokens: probe.maxTokens ?? 16, temperature: 0, ...(logprobs ? completionLogprobsFields() : {}) });
}

/** The `/completions` body of the forced answer at thinking budget `k` of a trace. Temperature 0 and extra fields as probes. */
export function buildForcedBody(model: string, messages: readonly ChatMessage[], output: string, k: number, force: NonNullable<LiveRunOptions['force']>, tokenizer: Tokenizer, logprobs = false, extraBody?: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return forcedCompletionBody(model, messages, forcedTracePrefix(tokenizer, output, k, force.close, force.thinking), force, logprobs, extraBody);
}

function forcedCompletionBody(model: string, messages: readonly ChatMessage[], prefix: string, force: NonNullable<LiveRunOptions['force']>, logprobs: boolean, extraBody: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const prompt = forcedAnswerPrompt(force.template ?? DEFAULT_PROBE_TEMPLATE, messages, prefix, force.cue ?? DEFAULT_ANSWER_CUE);
  return withCompletionExtra(extraBody, { model, prompt, max_tokens: force.maxTokens ?? 32, temperature: 0, ...(logprobs ? completionLogprobsFields() : {}) });
}

/** Counts cases cut by the budget: all with `finish_reason: length`, and those among them with no answer. */
export function truncationSummary(results: readonly LiveCaseResult[], extract?: Extractor): { length: number; noAnswer: number } {
  let length = 0;
  let noAnswer = 0;
  for (const r of results) {
    if (r.finishReason !== 'length' || r.output === undefined) continue;
    length++;
    if (!extract || extract(r.output) === null) noAnswer++;
  }
  return { length, noAnswer };
}

const CACHE_FORMAT = 1;

function parseCached<T>(text: string | undefined, kind: 'chat' | 'completion', valid: (r: unknown) => r is T): T | undefined {
  if (text === undefined) return undefined;
  try {
    const entry = JSON.parse(text) as { v?: unknown; kind?: unknown; result?: unknown };
    if (entry.v === CACHE_FORMAT && entry.kind === kind && valid(entry.result)) return entry.result;
  } catch {
    // unreadable entry: ask the server again
  }
  return undefined;
}

function isChatResult(r: unknown): r is ChatResult {
  const o = r as ChatResult | null;
  // An empty trace stored by an older version is not a hit: ask again.
  return !!o && typeof o.content === 'string' && typeof o.reasoning === 'string' && (o.content !== '' || o.reasoning !== '');
}

function isTextResult(r: unknown): r is TextCompletionResult {
  const o = r as TextCompletionResult | null;
  return !!o && typeof o.text === 'string';
}

/** A counting semaphore whose waiters give up when the run stops (one listener on the run's signal). */
class Slots {
  private free: number;
  private readonly waiters: { grant: () => void; fail: (e: LiveError) => void }[] = [];

  constructor(
    size: number,
    private readonly signal: AbortSignal,
  ) {
    this.free = size;
    signal.addEventListener(
      'abort',
      () => {
        for (const w of this.waiters.splice(0)) w.fail(new LiveError('cancelled', 'cancelled'));
      },
      { once: true },
    );
  }

  async acquire(): Promise<void> {
    if (this.signal.aborted) throw new LiveError('cancelled', 'cancelled');
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((grant, fail) => this.waiters.push({ grant, fail }));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next.grant();
    else this.free++;
  }
}

/** Request signals aborted by one listener on the run's signal (a listener each would pass Node's warning limit). */
class RequestSignals {
  private readonly live = new Set<AbortController>();

  constructor(private readonly parent: AbortSignal) {
    parent.addEventListener('abort', () => this.live.forEach((c) => c.abort()), { once: true });
  }

  async with<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ctl = new AbortController();
    if (this.parent.aborted) ctl.abort();
    this.live.add(ctl);
    try {
      return await run(ctl.signal);
    } finally {
      this.live.delete(ctl);
    }
  }
}

/** 401/403, an unreachable server, or a missing endpoint/model stop the whole run. */
function isFatal(e: LiveError): boolean {
  return e.kind === 'auth' || e.kind === 'unreachable' || (e.kind === 'http' && (e.status === 404 || e.status === 405));
}

/** Identical requests (a question asked k times for k samples) each get a cache entry: the n-th repeat is sample n. */
function sampleNumbers(cases: readonly Case[], opts: LiveRunOptions): number[] {
  const samples: number[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < cases.length; i++) {
    const text = canonicalJson(buildChatBody(cases[i], opts, opts.rows?.[i]).body);
    const n = seen.get(text) ?? 0;
    samples.push(n);
    seen.set(text, n + 1);
  }
  return samples;
}

/** Probes need the text completions endpoint; a 404/405 there gets a message that says so. */
function probeEndpointError(e: unknown): unknown {
  if (!(e instanceof LiveError && e.kind === 'http' && (e.status === 404 || e.status === 405))) return e;
  return new LiveError(
    'http',
    `${e.message} — probes need the text completions endpoint (/completions), which llama.cpp server, vLLM and Ollama offer; OpenAI serves it only for legacy completion models`,
    { status: e.status },
  );
}

/** A server that refuses the continuation fields (400/422) gets a message naming the mode and the alternative. */
function continuationError(e: unknown): unknown {
  if (!(e instanceof LiveError && e.kind === 'http' && (e.status === 400 || e.status === 422))) return e;
  return new LiveError(
    'http',
    `${e.message} — chat-continuation forced answers need a server that continues the last assistant message (vLLM's continue_final_message, or "prefix": true with assistantPrefix for DeepSeek and Mistral); use forceMode completions otherwise`,
    { status: e.status },
  );
}

/** One run's state: the client, the request slots, progress and results, and the first fatal error. */
class LiveRun {
  private readonly client: OpenAiClient;
  private readonly concurrency: number;
  private readonly stop = new AbortController();
  private readonly slots: Slots;
  private readonly signals: RequestSignals;
  private readonly progress: LiveProgress;
  private readonly results: LiveCaseResult[];
  private readonly samples: number[];
  private fatal: unknown;
  private serverAnswered = false;
  private loaded: Tokenizer | undefined;

  constructor(
    private readonly cases: readonly Case[],
    private readonly opts: LiveRunOptions,
  ) {
    this.client = new OpenAiClient({ baseUrl: opts.baseUrl, apiKey: opts.apiKey, timeoutMs: opts.timeoutMs, fetch: opts.fetch, now: opts.now });
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
    this.slots = new Slots(this.concurrency, this.stop.signal);
    this.signals = new RequestSignals(this.stop.signal);
    this.progress = { total: cases.length, done: 0, failed: 0, sentRequests: 0, cachedRequests: 0, completionTokens: 0, probeTokens: 0 };
    this.results = cases.map((c) => ({ id: c.id }));
    this.samples = sampleNumbers(cases, opts);
  }

  /** Loading ranks costs a fraction of a second; a run whose server reports usage may never need it. */
  private tokenizer(): Tokenizer {
    return (this.loaded ??= this.opts.tokenizer ?? getTokenizer(this.opts.encoding ?? 'o200k_base', this.opts.engine ?? 'gpt-tokenizer'));
  }

  async run(): Promise<LiveRunResult> {
    const { opts } = this;
    const onOuterAbort = (): void => this.stop.abort();
    if (opts.signal?.aborted) throw new LiveError('cancelled', 'cancelled');
    opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!this.stop.signal.aborted) {
        const index = next++;
        if (index >= this.cases.length) return;
        if (!(await this.settleCase(index))) return;
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.concurrency, this.cases.length) }, () => worker()));
    } finally {
      opts.signal?.removeEventListener('abort', onOuterAbort);
    }
    if (this.fatal !== undefined) throw this.fatal;
    if (opts.signal?.aborted) throw new LiveError('cancelled', 'cancelled');
    return { results: this.results, progress: { ...this.progress } };
  }

  /** Runs one case and records how it ended; false when the run must stop (cancel or a fatal error). */
  private async settleCase(index: number): Promise<boolean> {
    try {
      await this.runCase(index);
    } catch (e) {
      if (!(e instanceof LiveError)) {
        // Not a server problem (e.g. the cache cannot be written): stop rather than lose work.
        this.fatal ??= e;
        this.stop.abort();
        return false;
      }
      if (e.kind === 'cancelled') return false;
      if (isFatal(e)) {
        this.fatal ??= e;
        this.stop.abort();
        return false;
      }
      this.results[index].error = e.message;
      this.progress.failed++;
    }
    this.progress.done++;
    this.opts.onProgress?.({ ...this.progress });
    this.opts.onCaseDone?.(index, this.results[index]);
    return true;
  }

  /** One request through the cache, the slots and the retry loop. */
  private async request<T>(url: string, body: Record<string, unknown>, kind: 'chat' | 'completion', valid: (r: unknown) => r is T, call: (signal: AbortSignal) => Promise<T>, sample: number): Promise<{ result: T; cached: boolean }> {
    const { cache } = this.opts;
    const key = cache ? await requestCacheKey(url, body, sample) : '';
    if (cache) {
      const hit = parseCached(await cache.get(key), kind, valid);
      if (hit) {
        this.progress.cachedRequests++;
        return { result: hit, cached: true };
      }
    }
    const result = await this.signals.with((signal) =>
      withRetries(() => this.attempt(call, signal), {
        retries: this.opts.retries ?? 5,
        backoff: this.opts.backoff,
        signal,
        sleep: this.opts.sleep,
        // A server that never answered is not coming back in a few seconds: report it at once.
        shouldRetry: (e) => !isFatal(e) || (e.kind === 'unreachable' && this.serverAnswered),
        onRetry: (e, attempt, delay) => this.opts.onLog?.(`retry ${attempt} in ${(delay / 1000).toFixed(1)} s: ${e.message}`),
      }),
    );
    // Only complete answers get here: errors and broken streams threw above and are never stored.
    if (cache) await cache.put(key, JSON.stringify({ v: CACHE_FORMAT, kind, result }));
    return { result, cached: false };
  }

  /** One attempt in a free slot; notes whether the server has answered at all. */
  private async attempt<T>(call: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    await this.slots.acquire();
    this.progress.sentRequests++;
    try {
      const r = await call(signal);
      this.serverAnswered = true;
      return r;
    } catch (e) {
      if (e instanceof LiveError && (e.kind === 'http' || e.kind === 'auth')) this.serverAnswered = true;
      throw e;
    } finally {
      this.slots.release();
    }
  }

  private async runCase(index: number): Promise<void> {
    const { opts, client } = this;
    const c = this.cases[index];
    const out = this.results[index];
    const sample = this.samples[index];
    const { body, messages, missing } = buildChatBody(c, opts, opts.rows?.[index]);
    if (missing.length > 0) {
      throw new LiveError('protocol', `case ${c.id}: the prompt template uses ${missing.map((m) => `{{${m}}}`).join(', ')}, which the row does not have`);
    }
    const onDelta = opts.onDelta ? (d: Parameters<DeltaListener>[0]): void => opts.onDelta?.(index, d) : undefined;
    const gen = await this.request(client.url('chat/completions'), body, 'chat', isChatResult, (signal) => client.streamChat(body, signal, onDelta), sample);
    const output = traceText(gen.result);
    const [probes, arms] = await Promise.all([opts.probe ? this.probeCase(opts.probe, messages, output, sample) : undefined, opts.arms?.length ? this.armsCase(opts.arms, body, sample) : undefined]);
    const forced = opts.force ? await this.forceCase(opts.force, messages, output, sample) : undefined;
    out.output = output;
    if (gen.result.finishReason !== undefined) out.finishReason = gen.result.finishReason;
    if (gen.result.usage) out.usage = gen.result.usage;
    if (gen.result.usage?.promptTokens !== undefined) {
      const local = localPromptTokens(this.tokenizer(), messages);
      if (local !== null) out.localPromptTokens = local;
    }
    if (probes) out.probes = probes;
    if (forced) out.forced = forced;
    if (arms) {
      out.arms = arms;
      for (const a of Object.values(arms)) this.progress.completionTokens += a.usage?.completionTokens ?? this.tokenizer().count(a.output);
    }
    out.fromCache = gen.cached;
    this.progress.completionTokens += generationTokens(gen.result.usage, gen.result.reasoning, () => this.tokenizer().count(gen.result.reasoning), () => this.tokenizer().count(output));
    this.progress.probeTokens += probes?.reduce((n, p) => n + p.tokens, 0) ?? 0;
    if (forced) this.progress.forcedTokens = (this.progress.forcedTokens ?? 0) + forced.reduce((n, f) => n + f.tokens, 0);
  }

  /** One forced answer per budget below the thinking length, each a short `/completions` call (or a chat continuation). */
  private async forceCase(force: NonNullable<LiveRunOptions['force']>, messages: readonly ChatMessage[], output: string, sample: number): Promise<ForcedRecord[]> {
    const tokenizer = this.tokenizer();
    const cue = force.cue ?? DEFAULT_ANSWER_CUE;
    const settled = await Promise.allSettled(
      budgetsToForce(thinkingTokens(tokenizer, output, force.thinking), force.budgets).map(async (k) => {
        const prefix = forcedTracePrefix(tokenizer, output, k, force.close, force.thinking);
        const r = await this.forcedCall(force, messages, prefix, cue, sample);
        return this.withLogprobs({ atToken: k, text: cue + r.text, tokens: r.usage?.completionTokens ?? tokenizer.count(r.text) }, r, cue);
      }),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  /** One forced-answer call in the run's mode, through the cache. */
  private async forcedCall(force: NonNullable<LiveRunOptions['force']>, messages: readonly ChatMessage[], prefix: string, cue: string, sample: number): Promise<TextCompletionResult> {
    const { client, opts } = this;
    const maxTokens = force.maxTokens ?? 32;
    if (force.mode === 'chat-continuation') {
      const how = { assistantPrefix: force.assistantPrefix === true, ...(opts.extraBody ? { extraBody: opts.extraBody } : {}) };
      const body = { ...continuationBody(opts.model, messages, prefix, cue, maxTokens, how), ...(opts.logprobs ? chatLogprobsFields() : {}) };
      try {
        return (await this.request(client.url('chat/completions'), body, 'completion', isTextResult, (signal) => client.chatText(body, signal), sample)).result;
      } catch (e) {
        throw continuationError(e);
      }
    }
    const body = forcedCompletionBody(opts.model, messages, prefix, { ...force, cue }, !!opts.logprobs, opts.extraBody);
    try {
      return (await this.request(client.url('completions'), body, 'completion', isTextResult, (signal) => client.complete(body, signal), sample)).result;
    } catch (e) {
      throw probeEndpointError(e);
    }
  }

  /** The record with its answer's log-probabilities when the run asked for them; a call without any is counted. */
  private withLogprobs<R extends ProbeRecord | ForcedRecord>(record: R, result: TextCompletionResult, cue: string): R {
    if (!this.opts.logprobs) return record;
    if (result.logprobs) return { ...record, logprobs: answerLogprobs(result.logprobs, cue) };
    this.progress.missingLogprobs = (this.progress.missingLogprobs ?? 0) + 1;
    return record;
  }

  /** One generation per arm, in parallel through the slots; waits for all before failing, so no request outlives the run. */
  private async armsCase(arms: readonly LiveArm[], body: Readonly<Record<string, unknown>>, sample: number): Promise<Record<string, ArmResult>> {
    const { client } = this;
    const settled = await Promise.allSettled(
      arms.map(async (arm) => {
        const armBody = armChatBody(body, arm);
        const r = await this.request(client.url('chat/completions'), armBody, 'chat', isChatResult, (signal) => client.streamChat(armBody, signal), sample);
        const result: ArmResult = { output: traceText(r.result) };
        if (r.result.finishReason !== undefined) result.finishReason = r.result.finishReason;
        if (r.result.usage) result.usage = r.result.usage;
        return [arm.name, result] as const;
      }),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      const e: unknown = failed.reason;
      const name = arms[settled.indexOf(failed)].name;
      throw e instanceof LiveError && !isFatal(e) && e.kind !== 'cancelled' ? new LiveError(e.kind, `arm ${name}: ${e.message}`, e.status !== undefined ? { status: e.status } : {}) : e;
    }
    return Object.fromEntries(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])));
  }

  /** The probes of one trace, at every `probe.every` tokens; waits for all before failing, so no request outlives the run. */
  private async probeCase(probe: ProbeOptions, messages: readonly ChatMessage[], output: string, sample: number): Promise<ProbeRecord[]> {
    const { client } = this;
    const tokens = tokenizeWithOffsets(this.tokenizer(), output);
    const settled = await Promise.allSettled(
      probeBoundaries(tokens.count, probe.every).map(async (t) => {
        const probeBody = buildProbeBody(this.opts.model, messages, cutText(output, tokens, t), probe, this.opts.logprobs, this.opts.extraBody);
        try {
          const r = await this.request(client.url('completions'), probeBody, 'completion', isTextResult, (signal) => client.complete(probeBody, signal), sample);
          const used = r.result.usage?.completionTokens ?? this.tokenizer().count(r.result.text);
          // The cue's text is kept so extractors find e.g. the `\boxed{` it opened.
          return this.withLogprobs({ atToken: t, text: (probe.cue ?? DEFAULT_PROBE_CUE) + r.result.text, tokens: used }, r.result, probe.cue ?? DEFAULT_PROBE_CUE);
        } catch (e) {
          throw probeEndpointError(e);
        }
      }),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }
}

/**
 * Runs every case against the server: one result per case (failed cases carry `error`). Rejects with a `cancelled`
 * {@link LiveError} when `signal` aborts, or the first fatal one (key rejected, server unreachable, endpoint or model
 * missing, cache unwritable), once requests in flight stop. Completed responses stay cached: a rerun sends the rest.
 */
export async function runLive(cases: readonly Case[], opts: LiveRunOptions): Promise<LiveRunResult> {
  return new LiveRun(cases, opts).run();
}
