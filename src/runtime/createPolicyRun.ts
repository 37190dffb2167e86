import type { EngineName, ExportedPolicy, PolicyCalls, PolicySpec } from '../core/types';
import type { ChatMessage } from '../core/live/promptTemplate';
import { renderProbePrompt } from '../core/live/promptTemplate';
import { forcedAnswerPrompt } from '../core/forcedAnswer';
import { parseExportedPolicy, policyCalls } from '../core/policyExport';
import { makeExtractor } from '../core/extract';
import { getTokenizer, type Tokenizer } from '../core/tokens';
import { ProbeRule, type ProbeSpec } from '../core/probeRule';
import { answerLogprobs, completionLogprobsFields, readLogprobs } from '../core/live/logprobs';
import { withCompletionExtra } from '../core/live/extraBody';
import { createStopper, streamTokensFor, type PolicyInput, type StopDecision, type Stopper, type StopperOptions } from './createStopper';
import type { StreamTokens } from './streamTokens';

/** What one extra call returned: the completion's text and, when the server reported it, its completion tokens. */
export interface CompletionResult {
  text: string;
  tokens?: number;
  /** The chosen tokens' natural-log probabilities (`choices[0].logprobs.token_logprobs`); `probe-confident` needs them. */
  logprobs?: number[];
  /** The text of each token of `logprobs`, one for one (`choices[0].logprobs.tokens`): the answer's are kept as `run --logprobs` keeps them. */
  logprobTokens?: string[];
}

/**
 * Makes one text completion (`/v1/completions`) of `prompt` with at most `maxTokens` tokens, temperature 0; with
 * `logprobs`, asks for token log-probabilities (`logprobs: 1`) and returns them. `extraBody` (the policy's
 * `calls.extraBody`, when it has one) holds further request fields the sweep's calls carried, to send under those.
 */
export type CompleteFn = (prompt: string, options: { maxTokens: number; signal?: AbortSignal; logprobs?: boolean; extraBody?: Readonly<Record<string, unknown>> }) => Promise<CompletionResult>;

/** An OpenAI-compatible server to make the extra calls against. */
export interface CompletionsEndpoint {
  /** Base URL including `/v1`, e.g. `http://localhost:8000/v1`. */
  baseURL: string;
  model: string;
  apiKey?: string;
  fetch?: typeof fetch;
}

/** What a policy run needs besides the policy. */
export interface PolicyRunOptions extends StopperOptions {
  /** How to make a `budget` or probe policy's extra calls (`probe-confident` needs logprobs back); or give `endpoint`. */
  complete?: CompleteFn;
  /** The server to make the extra calls against (a `complete` is built from it). */
  endpoint?: CompletionsEndpoint;
  /** The request's chat messages: the extra calls' prompt repeats them, as `prompt-budget run` did. */
  messages?: readonly ChatMessage[];
}

/** The decision of a policy run, with the extra calls it made. */
export interface RunDecision extends StopDecision {
  /** `budget`: the forced-answer call, when the thinking was cut. `text` is the cue plus the completion. */
  forced?: { atToken: number; prompt: string; text: string; tokens: number };
  /** `probe`: tokens of the probe calls up to the decision. */
  probeTokens?: number;
  /** `probe`: probe calls made. */
  probes?: number;
}

/** A policy applied to one streamed completion, making the extra calls `budget` and `probe` policies need. */
export interface PolicyRun {
  readonly policy: ExportedPolicy;
  /** Feeds the next text delta (the trace as `prompt-budget run` records it); true once the generation should be aborted. */
  push(delta: string): boolean;
  /** True once the policy has stopped the generation (probe answers arrive asynchronously, so check it between deltas too). */
  readonly stopped: boolean;
  /** Resolves when the policy stops the generation early; never rejects. */
  readonly whenStopped: Promise<void>;
  /** Call when the stream ended or was aborted after a stop: makes the remaining calls and resolves with the decision. */
  finish(): Promise<RunDecision>;
  /** The generated text the decision keeps: up to the stop (for a forced answer, the thinking up to K), else all of it. */
  keptText(): string;
  /** A prefix of what {@link keptText} will return (up to spaces before `<think>`), growing as the stream goes on (see Stopper). */
  settledText(): string;
}

/** A `complete` function against an OpenAI-compatible `/completions` endpoint (temperature 0). Errors never contain the key. */
export function completionsClient(endpoint: CompletionsEndpoint): CompleteFn {
  const doFetch = endpoint.fetch ?? fetch;
  const url = `${endpoint.baseURL.replace(/\/+$/, '')}/completions`;
  return async (prompt, { maxTokens, signal, logprobs, extraBody }) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (endpoint.apiKey) headers.authorization = `Bearer ${endpoint.apiKey}`;
    const init: RequestInit = { method: 'POST', headers, body: JSON.stringify(withCompletionExtra(extraBody, { model: endpoint.model, prompt, max_tokens: maxTokens, temperature: 0, ...(logprobs ? completionLogprobsFields() : {}) })) };
    if (signal) init.signal = signal;
    const res = await doFetch(url, init);
    if (!res.ok) {
      const body = await res.text().catch(() => '');
      throw new Error(`prompt-budget: ${url} answered HTTP ${res.status}${body ? `: ${body.slice(0, 200)}` : ''}`);
    }
    const json = (await res.json()) as { choices?: { text?: unknown; logprobs?: unknown }[]; usage?: { completion_tokens?: unknown } };
    const text = json.choices?.[0]?.text;
    if (typeof text !== 'string') throw new Error(`prompt-budget: ${url} sent no choices[0].text`);
    const tokens = json.usage?.completion_tokens;
    const out: CompletionResult = typeof tokens === 'number' ? { text, tokens } : { text };
    const read = logprobs ? readLogprobs(json.choices?.[0]?.logprobs) : undefined;
    if (read) out.logprobs = read.logprobs;
    if (read?.tokens) out.logprobTokens = read.tokens;
    return out;
  };
}

const OPEN = '<think>';
const CLOSE = '</think>';

/** The thinking of a growing trace as `thinkingOf` reads the whole one: after a leading `<think>`, up to the first `</think>`. */
class ThinkingWatch {
  private text = '';
  private start = -1;
  /** `none`: no leading `<think>`; `open`: inside; `closed`: after the close tag. */
  state: 'undecided' | 'none' | 'open' | 'closed' = 'undecided';
  private fed = 0;

  constructor(readonly tokens: StreamTokens) {}

  push(delta: string): void {
    if (this.state === 'none' || this.state === 'closed') return;
    this.text += delta;
    if (this.state === 'undecided') {
      const lead = this.text.trimStart();
      if (lead.length < OPEN.length && OPEN.startsWith(lead)) return;
      if (!lead.startsWith(OPEN)) {
        this.state = 'none';
        return;
      }
      this.state = 'open';
      this.start = this.text.length - lead.length + OPEN.length;
      this.fed = this.start;
    }
    const close = this.text.indexOf(CLOSE, this.start);
    if (close >= 0) {
      this.tokens.push(this.text.slice(this.fed, close));
      this.tokens.end();
      this.state = 'closed';
      return;
    }
    // Hold back a tail that may be the start of the close tag.
    let safe = this.text.length;
    for (let n = Math.min(CLOSE.length - 1, this.text.length - this.fed); n > 0; n--) {
      if (CLOSE.startsWith(this.text.slice(this.text.length - n))) {
        safe = this.text.length - n;
        break;
      }
    }
    if (safe > this.fed) {
      this.tokens.push(this.text.slice(this.fed, safe));
      this.fed = safe;
    }
  }

  end(): void {
    if (this.state !== 'open') return;
    this.tokens.push(this.text.slice(this.fed));
    this.tokens.end();
  }

  /** True once the thinking certainly has more than `k` tokens. */
  longerThan(k: number): boolean {
    const { count, ends } = this.tokens.tokens;
    if (count > k) return true;
    // k final tokens and text after them: at least one more token.
    return !this.tokens.isEnded && count === k && this.tokens.text.length > (k === 0 ? 0 : ends[k - 1]);
  }

  /** The first `k` thinking tokens (they are final once {@link longerThan}(k)). */
  firstTokens(k: number): string {
    return k === 0 ? '' : this.tokens.text.slice(0, this.tokens.tokens.ends[k - 1]);
  }
}

function resolveComplete(policy: ExportedPolicy, options: PolicyRunOptions): CompleteFn {
  if (options.complete) return options.complete;
  if (options.endpoint) return completionsClient(options.endpoint);
  throw new Error(`prompt-budget: ${policy.policy} makes extra model calls: pass { complete } or { endpoint: { baseURL, model, apiKey } }`);
}

function countWith(policy: ExportedPolicy, options: StopperOptions): Tokenizer {
  return options.tokenizer ?? getTokenizer(policy.encoding as Exclude<ExportedPolicy['encoding'], 'huggingface'>, policy.engine as EngineName);
}

function fullStopper(policy: ExportedPolicy, options: StopperOptions): Stopper {
  const { calls: _calls, measured: _measured, ...rest } = policy;
  return createStopper({ ...rest, policy: 'full', spec: { kind: 'full' } }, options);
}

/** A deferred that the run resolves when it stops early. */
function stopSignal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Text-only policies: the streaming stopper, as a run. */
function textRun(policy: ExportedPolicy, options: PolicyRunOptions): PolicyRun {
  const stopper = createStopper(policy, options);
  const signal = stopSignal();
  let stopped = false;
  return {
    policy,
    push(delta) {
      if (stopper.push(delta).stop && !stopped) {
        stopped = true;
        signal.resolve();
      }
      return stopped;
    },
    get stopped() {
      return stopped;
    },
    whenStopped: signal.promise,
    finish: () => Promise.resolve(stopper.finish()),
    keptText: () => stopper.keptText(),
    settledText: () => stopper.settledText(),
  };
}

/** `budget:K`: past K thinking tokens, stop, close the thinking and ask for the answer; otherwise the model's own answer. */
function budgetRun(policy: ExportedPolicy, spec: Extract<PolicySpec, { kind: 'budget' }>, calls: PolicyCalls, options: PolicyRunOptions): PolicyRun {
  const complete = resolveComplete(policy, options);
  const full = fullStopper(policy, options);
  const thinking = new ThinkingWatch(streamTokensFor(policy, options));
  const extract = makeExtractor(policy.extract);
  const k = spec.tokens;
  const signal = stopSignal();
  let stopped = false;
  let finished: Promise<RunDecision> | null = null;

  const force = async (): Promise<RunDecision> => {
    const prefix = `${OPEN}${thinking.firstTokens(k)}${calls.close ?? ''}`;
    const prompt = forcedAnswerPrompt(calls.template, options.messages ?? [], prefix, calls.cue);
    const r = await complete(prompt, { maxTokens: calls.maxTokens, ...(calls.extraBody ? { extraBody: calls.extraBody } : {}) });
    const tokens = r.tokens ?? countWith(policy, options).count(r.text);
    const text = calls.cue + r.text;
    const found = extract(text);
    const d: RunDecision = {
      stop: stopped,
      tokens: k + tokens,
      reason: `thinking closed at ${k} tokens; forced answer of ${tokens} tokens`,
      answerKind: found ? 'final' : 'none',
      forced: { atToken: k, prompt, text, tokens },
    };
    if (found) d.answer = found.answer;
    return d;
  };

  return {
    policy,
    push(delta) {
      if (stopped || finished) return stopped;
      full.push(delta);
      thinking.push(delta);
      if (thinking.longerThan(k)) {
        stopped = true;
        signal.resolve();
      }
      return stopped;
    },
    get stopped() {
      return stopped;
    },
    whenStopped: signal.promise,
    finish() {
      if (finished) return finished;
      if (!stopped) thinking.end();
      if (stopped || thinking.longerThan(k)) {
        finished = force();
        return finished;
      }
      const d: RunDecision = full.finish();
      const n = thinking.tokens.tokens.count;
      d.reason = thinking.state === 'none' || thinking.state === 'undecided' ? 'no thinking; the model answered directly' : `thinking ended at ${n} tokens, within the budget; the model's own answer stands`;
      finished = Promise.resolve(d);
      return finished;
    },
    keptText() {
      if (stopped || (finished && thinking.longerThan(k))) return `${OPEN}${thinking.firstTokens(k)}`;
      return full.keptText();
    },
    settledText() {
      if (stopped || finished) return this.keptText();
      // Open thinking keeps at least its final tokens up to K; closed within K (or none), the whole trace.
      if (thinking.state === 'open') return `${OPEN}${thinking.firstTokens(Math.min(thinking.tokens.tokens.count, k))}`;
      return thinking.state === 'undecided' ? '' : full.settledText();
    },
  };
}

interface ProbeAnswer {
  atToken: number;
  result: Promise<{ text: string; tokens: number; logprobs?: number[] }>;
}

/** Judges probe answers in token order through the sweep's rule ({@link ProbeRule}): the first probe that stops decides. */
class ProbeJudge {
  decided: RunDecision | null = null;
  failure: unknown = null;
  private judged = 0;
  probeTokens = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly rule: ProbeRule,
    private readonly onDecided: () => void,
  ) {}

  /** Queues a probe; its answer is judged after every earlier one. */
  add(p: ProbeAnswer): void {
    this.chain = this.chain.then(() => this.judge(p));
  }

  /** Resolves when every queued probe is judged (or one decided or failed). */
  settled(): Promise<void> {
    return this.chain;
  }

  get count(): number {
    return this.judged;
  }

  private async judge(p: ProbeAnswer): Promise<void> {
    if (this.decided || this.failure) return;
    let r: { text: string; tokens: number; logprobs?: number[] };
    try {
      r = await p.result;
    } catch (e) {
      this.failure = e;
      return;
    }
    this.judged++;
    this.probeTokens += r.tokens;
    const stop = this.rule.judge({ atToken: p.atToken, text: r.text, logprobs: r.logprobs });
    if (!stop) return;
    const d: RunDecision = { stop: true, tokens: p.atToken, reason: stop.reason, answerKind: stop.answer === null ? 'none' : 'final', probeTokens: this.probeTokens, probes: this.judged };
    if (stop.answer !== null) d.answer = stop.answer;
    this.decided = d;
    this.onDecided();
  }
}

/** The answer's log-probabilities of a probe call, as `run --logprobs` records them; an error when `probe-confident` gets none. */
function probeLogprobs(policy: ExportedPolicy, r: CompletionResult, cue: string): number[] {
  if (!r.logprobs || r.logprobs.length === 0) {
    throw new Error(
      `prompt-budget: ${policy.policy} needs token log-probabilities from every probe call, and one returned none: complete() must return { text, logprobs } (it is called with { logprobs: true }); with an endpoint, use a server that returns logprobs on /v1/completions (vLLM, llama.cpp server)`,
    );
  }
  const whole = r.logprobTokens && r.logprobTokens.length === r.logprobs.length;
  return answerLogprobs(whole ? { logprobs: r.logprobs, tokens: r.logprobTokens } : { logprobs: r.logprobs }, cue);
}

/** `probe:NxA`, `probe-settled:NxA`, `probe-confident:N@p`: ask for the answer every N tokens; stop where the sweep's rule stops. */
function probeRun(policy: ExportedPolicy, spec: ProbeSpec, calls: PolicyCalls, options: PolicyRunOptions): PolicyRun {
  const complete = resolveComplete(policy, options);
  const full = fullStopper(policy, options);
  const tokens = streamTokensFor(policy, options);
  const extract = makeExtractor(policy.extract);
  const confident = spec.kind === 'probe-confident';
  const signal = stopSignal();
  const inflight = new AbortController();
  let next = spec.every;
  let stopped = false;
  const judge = new ProbeJudge(new ProbeRule(spec, extract), () => {
    stopped = true;
    signal.resolve();
    inflight.abort();
  });

  const launch = (t: number): void => {
    const prefix = tokens.text.slice(0, tokens.tokens.ends[t - 1]);
    const prompt = renderProbePrompt(calls.template, options.messages ?? [], prefix, calls.cue);
    const ask: Parameters<CompleteFn>[1] = { maxTokens: calls.maxTokens, signal: inflight.signal };
    if (calls.extraBody) ask.extraBody = calls.extraBody;
    if (confident) ask.logprobs = true;
    const result = complete(prompt, ask).then((r) => {
      const probe: { text: string; tokens: number; logprobs?: number[] } = { text: calls.cue + r.text, tokens: r.tokens ?? countWith(policy, options).count(r.text) };
      if (confident) probe.logprobs = probeLogprobs(policy, r, calls.cue);
      return probe;
    });
    // Answers after the decision are never awaited; their abort must not surface as an unhandled rejection.
    result.catch(() => undefined);
    judge.add({ atToken: t, result });
  };

  /** Probes at every boundary strictly below the trace's length (certain mid-stream once text follows the boundary token). */
  const launchDue = (): void => {
    const { count, ends } = tokens.tokens;
    while (!judge.decided && (count > next || (count === next && (tokens.isEnded ? false : tokens.text.length > ends[next - 1])))) {
      launch(next);
      next += spec.every;
    }
  };

  return {
    policy,
    push(delta) {
      if (stopped) return true;
      if (delta === '') return false;
      full.push(delta);
      tokens.push(delta);
      launchDue();
      return stopped;
    },
    get stopped() {
      return stopped;
    },
    whenStopped: signal.promise,
    async finish() {
      if (!stopped) {
        tokens.end();
        launchDue();
      }
      await judge.settled();
      if (judge.decided) return judge.decided;
      if (judge.failure) {
        inflight.abort();
        throw judge.failure;
      }
      const d: RunDecision = full.finish();
      d.reason = judge.rule.endReason();
      d.probeTokens = judge.probeTokens;
      d.probes = judge.count;
      return d;
    },
    keptText() {
      const at = judge.decided?.tokens;
      if (at !== undefined) return at === 0 ? '' : tokens.text.slice(0, tokens.tokens.ends[at - 1]);
      return full.keptText();
    },
    settledText() {
      if (judge.decided) return this.keptText();
      // Probes are judged in order: the earliest stop left is the first boundary not judged yet.
      const pending = (judge.count + 1) * spec.every;
      const at = Math.min(tokens.tokens.count, pending < next ? pending : Infinity);
      return at === 0 ? '' : tokens.text.slice(0, tokens.tokens.ends[at - 1]);
    },
  };
}

/**
 * Applies any exported policy to one streamed completion, as the sweep measured it. Text policies stop on their own;
 * `budget:K` and the probe policies make their extra calls through `complete` (or `endpoint`) with the prompt shape
 * `prompt-budget run` used, so the forced answer or the probe agreement is the sweep's decision. Throws when the policy is
 * invalid or needs calls and no way to make them was given.
 */
export function createPolicyRun(input: PolicyInput, options: PolicyRunOptions = {}): PolicyRun {
  const parsed = parseExportedPolicy(input);
  if (!parsed.policy) throw new Error(`prompt-budget: invalid policy: ${parsed.error}`);
  const policy = parsed.policy;
  const spec = policy.spec;
  if (spec.kind === 'budget') return budgetRun(policy, spec, policy.calls ?? (policyCalls(spec) as PolicyCalls), options);
  if (spec.kind === 'probe' || spec.kind === 'probe-settled' || spec.kind === 'probe-confident') return probeRun(policy, spec, policy.calls ?? (policyCalls(spec) as PolicyCalls), options);
  return textRun(policy, options);
}

