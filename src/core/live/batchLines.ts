/**
 * Batch engines (the OpenAI Batch API, `vllm run-batch`): the generations of a live run as request
 * lines, and the engine's output lines back into the results `runLive` gives, so a traced file
 * written from a batch equals the one `prompt-budget run` writes for the same answers.
 */
import type { Case } from '../types';
import { armChatBody, buildChatBody, traceText, type ArmResult, type LiveCaseResult, type LiveRunOptions } from './liveRun';
import { readDelta } from './traceAssembler';
import { toUsage } from './openAiClient';

/** One request line of a batch input file. */
export interface BatchRequestLine {
  custom_id: string;
  method: 'POST';
  url: '/v1/chat/completions';
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

/** One answer of an output line, or why it has none. */
function readAnswer(value: unknown): ArmResult | string {
  const o = (value ?? {}) as { error?: unknown; response?: { status_code?: unknown; body?: unknown } };
  if (o.error) return `error: ${typeof o.error === 'object' ? JSON.stringify(o.error) : String(o.error)}`;
  const status = o.response?.status_code;
  if (status !== 200) {
    const message = ((o.response?.body ?? {}) as { error?: { message?: unknown } }).error?.message;
    return `status ${String(status)}${typeof message === 'string' ? `: ${message}` : ''}`;
  }
  const body = (o.response?.body ?? {}) as { choices?: { message?: unknown; finish_reason?: unknown }[]; usage?: unknown };
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
  const answers = new Map<string, ArmResult>();
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
    const answer = readAnswer(parsed);
    if (id === undefined) failures.push({ line: i + 1, message: 'no custom_id' });
    else if (typeof answer === 'string') failures.push({ customId: id, line: i + 1, message: answer });
    else answers.set(id, answer);
  });
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
