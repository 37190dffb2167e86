/**
 * Batch engines (OpenAI Batch API, `vllm run-batch`): a live run's generations as request lines, and output lines back
 * into `runLive`'s results, so a traced file from a batch equals `prompt-budget run`'s for the same answers.
 */
import type { Case, ForcedRecord, ProbeRecord } from '../types';
import { budgetsToForce, DEFAULT_ANSWER_CUE, thinkingTokens } from '../forcedAnswer';
import { cutText, tokenizeWithOffsets, type Tokenizer } from '../tokens';
import { countChat, type ChatMessage } from '../chatTemplate';
import { armChatBody, buildChatBody, buildForcedBody, buildProbeBody, probeBoundaries, traceText, type ArmResult, type LiveCaseResult, type LiveRunOptions } from './liveRun';
import { DEFAULT_PROBE_CUE } from './promptTemplate';
import { readDelta } from './traceAssembler';
import { toUsage } from './openAiClient';

/** One request line of a batch input file: generations go to Chat Completions, forced answers and probes to Completions. */
export interface BatchRequestLine {
  custom_id: string;
  method: 'POST';
  url: '/v1/chat/completions' | '/v1/completions';
  body: Record<string, unknown>;
}

const ARM_SEPARATOR = '::arm:';

/** The id of a case's default generation (`case-<index>`) or of one arm's (`case-<index>::arm:<name>`). */
export function batchCustomId(index: number, arm?: string): string {
  return `case-${index}${arm === undefined ? '' : `${ARM_SEPARATOR}${arm}`}`;
}

/**
 * The request lines of a live run: per case the default body, then one per arm, each exactly as
 * `runLive` sends it but not streamed. `only` keeps just those custom ids (to re-prepare failed lines).
 */
export function batchRequestLines(cases: readonly Case[], opts: LiveRunOptions, only?: ReadonlySet<string>): { lines: BatchRequestLine[]; missing: string[] } {
  const lines: BatchRequestLine[] = [];
  const missing: string[] = [];
  cases.forEach((c, i) => {
    const built = buildChatBody(c, opts, opts.rows?.[i]);
    if (built.missing.length > 0) {
      missing.push(`case ${c.id}: the prompt template uses ${built.missing.map((m) => `{{${m}}}`).join(', ')}, which the row does not have`);
      return;
    }
    const { stream_options: _streamOnly, ...body } = built.body;
    const add = (id: string, b: Record<string, unknown>): void => {
      if (!only || only.has(id)) lines.push({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: b });
    };
    add(batchCustomId(i), body);
    for (const arm of opts.arms ?? []) add(batchCustomId(i, arm.name), armChatBody(body, arm));
  });
  return { lines, missing };
}

/**
 * Prompt tokens of request lines, as OpenAI bills a chat (each message's role and content plus its per-message
 * overhead), for the price of a batch before it is sent.
 */
export function batchPromptTokens(lines: readonly BatchRequestLine[], tok: Tokenizer): number {
  let total = 0;
  for (const line of lines) total += countChat(tok, (line.body.messages ?? []) as ChatMessage[]).promptTokens;
  return total;
}

/** The JSONL text of request lines. */
export function batchRequestJsonl(lines: readonly BatchRequestLine[]): string {
  return lines.map((l) => `${JSON.stringify(l)}\n`).join('');
}

/** A failed output line: its custom id (when readable), the 1-based line and why. */
export interface BatchFailure {
  customId?: string;
  line: number;
  message: string;
}

/** The response body of a successful output line, or why the line has none. */
function responseBody(value: unknown): Record<string, unknown> | string {
  const o = (value ?? {}) as { error?: unknown; response?: { status_code?: unknown; body?: unknown } };
  if (o.error) return `error: ${typeof o.error === 'object' ? JSON.stringify(o.error) : String(o.error)}`;
  const status = o.response?.status_code;
  if (status !== 200) {
    const message = ((o.response?.body ?? {}) as { error?: { message?: unknown } }).error?.message;
    return `status ${String(status)}${typeof message === 'string' ? `: ${message}` : ''}`;
  }
  return (o.response?.body ?? {}) as Record<string, unknown>;
}

/** Every line of an output file read by `read`: the answers by custom id, and the lines that failed. */
function readLines<T>(text: string, read: (line: unknown) => T | string): { answers: Map<string, T>; failures: BatchFailure[] } {
  const answers = new Map<string, T>();
  const failures: BatchFailure[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let parsed: { custom_id?: unknown };
    try {
      parsed = JSON.parse(raw) as { custom_id?: unknown };
    } catch (e) {
      failures.push({ line: i + 1, message: `not JSON (${(e as Error).message})` });
      return;
    }
    const id = typeof parsed.custom_id === 'string' ? parsed.custom_id : undefined;
    const answer = read(parsed);
    if (id === undefined) failures.push({ line: i + 1, message: 'no custom_id' });
    else if (typeof answer === 'string') failures.push({ customId: id, line: i + 1, message: answer });
    else answers.set(id, answer);
  });
  return { answers, failures };
}

/** One answer of a chat output line, or why it has none. */
function readAnswer(value: unknown): ArmResult | string {
  const got = responseBody(value);
  if (typeof got === 'string') return got;
  const body = got as { choices?: { message?: unknown; finish_reason?: unknown }[]; usage?: unknown };
  const choice = Array.isArray(body.choices) ? body.choices[0] : undefined;
  if (!choice) return 'no choices[0] in the response body';
  const { reasoning, content } = readDelta(choice.message);
  if (!reasoning && !content) return 'an empty answer';
  const out: ArmResult = { output: traceText({ reasoning, content }) };
  if (typeof choice.finish_reason === 'string') out.finishReason = choice.finish_reason;
  const usage = toUsage(body.usage);
  if (usage) out.usage = usage;
  return out;
}

/**
 * Reads a batch output file into one result per case, as `runLive` gives them: a case whose default
 * or any arm's line failed or is missing carries `error`, and every failed line is listed.
 */
export function readBatchOutput(cases: readonly Case[], opts: Pick<LiveRunOptions, 'arms'>, text: string): { results: LiveCaseResult[]; failures: BatchFailure[] } {
  const { answers, failures } = readLines(text, readAnswer);
  const failed = new Set(failures.map((f) => f.customId));
  const results = cases.map((c, i): LiveCaseResult => {
    const ids = [batchCustomId(i), ...(opts.arms ?? []).map((a) => batchCustomId(i, a.name))];
    const lacking = ids.filter((id) => !answers.has(id));
    if (lacking.length > 0) {
      for (const id of lacking) if (!failed.has(id)) failures.push({ customId: id, line: 0, message: 'no output line' });
      return { id: c.id, error: `batch lines ${lacking.join(', ')} failed or are missing` };
    }
    const main = answers.get(ids[0]) as ArmResult;
    const r: LiveCaseResult = { id: c.id, output: main.output };
    if (main.finishReason !== undefined) r.finishReason = main.finishReason;
    if (main.usage) r.usage = main.usage;
    if (opts.arms?.length) r.arms = Object.fromEntries(opts.arms.map((a) => [a.name, answers.get(batchCustomId(i, a.name)) as ArmResult]));
    return r;
  });
  return { results, failures };
}

/** A second-phase call of one case: a forced answer at budget K or a probe after T tokens. */
interface PhaseCall {
  index: number;
  kind: 'budget' | 'probe';
  at: number;
  body: Record<string, unknown>;
}

/** The id of a case's forced answer (`case-<i>::budget:<K>`) or probe (`case-<i>::probe:<T>`). */
export function phaseCustomId(index: number, kind: 'budget' | 'probe', at: number): string {
  return `case-${index}::${kind}:${at}`;
}

/** The forced-answer and probe calls `runLive` makes after each case's generation (`outputs[i]`, its trace). */
function phaseCalls(cases: readonly Case[], opts: LiveRunOptions, outputs: readonly (string | undefined)[], tokenizer: Tokenizer): PhaseCall[] {
  const calls: PhaseCall[] = [];
  cases.forEach((c, index) => {
    const output = outputs[index];
    if (output === undefined) return;
    const { messages, missing } = buildChatBody(c, opts, opts.rows?.[index]);
    if (missing.length > 0) return;
    if (opts.probe) {
      const tokens = tokenizeWithOffsets(tokenizer, output);
      for (const t of probeBoundaries(tokens.count, opts.probe.every)) calls.push({ index, kind: 'probe', at: t, body: buildProbeBody(opts.model, messages, cutText(output, tokens, t), opts.probe, !!opts.logprobs, opts.extraBody) });
    }
    if (opts.force) {
      for (const k of budgetsToForce(thinkingTokens(tokenizer, output, opts.force.thinking), opts.force.budgets)) calls.push({ index, kind: 'budget', at: k, body: buildForcedBody(opts.model, messages, output, k, opts.force, tokenizer, !!opts.logprobs, opts.extraBody) });
    }
  });
  return calls;
}

/**
 * The second batch (`--phase probes`): forced answers and probes of a first batch's (or `run`'s) traces, as
 * `/v1/completions` request lines with the bodies `runLive` sends. `only` keeps just those custom ids.
 */
export function probePhaseLines(cases: readonly Case[], opts: LiveRunOptions, outputs: readonly (string | undefined)[], tokenizer: Tokenizer, only?: ReadonlySet<string>): BatchRequestLine[] {
  return phaseCalls(cases, opts, outputs, tokenizer)
    .map((call): BatchRequestLine => ({ custom_id: phaseCustomId(call.index, call.kind, call.at), method: 'POST', url: '/v1/completions', body: call.body }))
    .filter((l) => !only || only.has(l.custom_id));
}

/** One text completion of an output line, or why it has none. */
function readCompletion(value: unknown): { text: string; completionTokens?: number } | string {
  const got = responseBody(value);
  if (typeof got === 'string') return got;
  const choice = Array.isArray(got.choices) ? (got.choices[0] as { text?: unknown } | undefined) : undefined;
  if (!choice || typeof choice.text !== 'string') return 'no choices[0].text in the response body';
  const usage = toUsage(got.usage);
  return { text: choice.text, ...(usage?.completionTokens !== undefined ? { completionTokens: usage.completionTokens } : {}) };
}

/**
 * Adds the second batch's answers to the first phase's results as `runLive` records them: `probes` and `forced`,
 * ascending, empty when the trace is too short. A case with a failed or missing line keeps only its trace (listed).
 */
export function readProbePhaseOutput(cases: readonly Case[], opts: LiveRunOptions, base: readonly LiveCaseResult[], tokenizer: Tokenizer, text: string): { results: LiveCaseResult[]; failures: BatchFailure[] } {
  const { answers, failures } = readLines(text, readCompletion);
  const failed = new Set(failures.map((f) => f.customId));
  const calls = phaseCalls(cases, opts, base.map((r) => r.output), tokenizer);
  const results = base.map((r) => ({ ...r }));
  const broken = new Set<number>();
  for (const call of calls) {
    const id = phaseCustomId(call.index, call.kind, call.at);
    if (answers.has(id)) continue;
    broken.add(call.index);
    if (!failed.has(id)) failures.push({ customId: id, line: 0, message: 'no output line' });
  }
  results.forEach((r, index) => {
    if (r.output === undefined || broken.has(index)) return;
    const mine = calls.filter((c) => c.index === index);
    const record = (call: PhaseCall, cue: string): ProbeRecord | ForcedRecord => {
      const a = answers.get(phaseCustomId(index, call.kind, call.at)) as { text: string; completionTokens?: number };
      return { atToken: call.at, text: cue + a.text, tokens: a.completionTokens ?? tokenizer.count(a.text) };
    };
    if (opts.probe) r.probes = mine.filter((c) => c.kind === 'probe').map((c) => record(c, opts.probe?.cue ?? DEFAULT_PROBE_CUE));
    if (opts.force) r.forced = mine.filter((c) => c.kind === 'budget').map((c) => record(c, opts.force?.cue ?? DEFAULT_ANSWER_CUE));
  });
  return { results, failures };
}
