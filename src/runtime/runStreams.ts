import { SseParser } from '../core/live/sseParser';
import { TraceAssembler } from '../core/live/traceAssembler';
import type { PolicyRun, RunDecision } from './createPolicyRun';
import type { ChatCompletionChunkLike, ChatDeltaLike } from './streams';

/** What a run stream helper returns. */
export interface RunStreamResult {
  /** The run's decision, with the forced answer or the probes it made. */
  decision: RunDecision;
  /** The kept generated text in the form the sweep measured (`<think>reasoning</think>` + content). */
  text: string;
  /** True when the helper aborted the generation because the policy stopped. */
  aborted: boolean;
  /** The server's `finish_reason`, when the stream ended by itself and sent one. */
  finishReason?: string;
  /** The stream ended without `finish_reason` or `[DONE]`: the connection was cut. */
  truncated: boolean;
  /** The server's `usage`, when the stream ended by itself and reported it. */
  usage?: Record<string, unknown>;
}

type Chunk = ChatCompletionChunkLike & { usage?: Record<string, unknown> | null; error?: unknown };

/** The chunks of a fetch `Response` to a Chat Completions request: SSE events, or one JSON body as one chunk. `done` marks `[DONE]`. */
export async function* responseChunks(response: Response): AsyncGenerator<Chunk | 'done'> {
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    throw new Error(`prompt-budget: the server answered HTTP ${response.status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
  if ((response.headers.get('content-type') ?? '').includes('application/json')) {
    const json = (await response.json()) as { choices?: { message?: ChatDeltaLike; finish_reason?: string | null }[]; usage?: Record<string, unknown> };
    const choice = json.choices?.[0];
    yield { choices: [{ delta: choice?.message ?? null, finish_reason: choice?.finish_reason ?? null }], usage: json.usage ?? null };
    yield 'done';
    return;
  }
  if (!response.body) throw new Error('prompt-budget: the response has no body');
  const reader = response.body.getReader();
  const parser = new SseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      // As the SSE spec says, an event the stream did not finish (no blank line after it) is dropped.
      if (done) return;
      for (const event of parser.push(value)) {
        if (event.data.trim() === '[DONE]') {
          yield 'done';
          return;
        }
        let chunk: Chunk;
        try {
          chunk = JSON.parse(event.data) as Chunk;
        } catch {
          throw new Error(`prompt-budget: malformed stream event: ${event.data.slice(0, 80)}`);
        }
        if (chunk.error) throw new Error(`prompt-budget: the server sent an error: ${JSON.stringify(chunk.error).slice(0, 200)}`);
        yield chunk;
      }
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
}

/**
 * Feeds a chunk stream into a policy run. When the run stops (on a delta, or when probe answers agree while the stream
 * goes on), calls `abort` and stops reading; then makes the run's remaining calls and returns its decision.
 */
export async function runChunks(chunks: AsyncIterable<Chunk | 'done'>, run: PolicyRun, abort: () => void): Promise<RunStreamResult> {
  const trace = new TraceAssembler();
  const iterator = chunks[Symbol.asyncIterator]();
  let finishReason: string | undefined;
  let usage: Record<string, unknown> | undefined;
  let done = false;
  let aborted = false;
  const stopped = run.whenStopped.then(() => 'stopped' as const);
  for (;;) {
    if (run.stopped) {
      aborted = true;
      break;
    }
    const pending = iterator.next();
    // When the stop wins the race, the read still pending fails with the abort: nobody waits for it.
    pending.catch(() => undefined);
    const next = await Promise.race([pending, stopped]);
    if (next === 'stopped') {
      aborted = true;
      break;
    }
    if (next.done) break;
    const value = next.value;
    if (value === 'done') {
      done = true;
      break;
    }
    if (value.usage) usage = value.usage;
    const choice = Array.isArray(value.choices) ? value.choices[0] : undefined;
    if (!choice) continue;
    if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason;
    const text = trace.push(choice.delta);
    if (text) run.push(text);
  }
  if (aborted) {
    try {
      abort();
    } catch {
      // An abort listener that throws must not hide the decision.
    }
    void iterator.return?.(undefined)?.catch(() => undefined);
  } else {
    const rest = trace.end();
    if (rest) run.push(rest);
  }
  const decision = await run.finish();
  const result: RunStreamResult = { decision, text: run.keptText(), aborted, truncated: !aborted && !done && finishReason === undefined };
  if (!aborted && finishReason !== undefined) result.finishReason = finishReason;
  if (!aborted && usage) result.usage = usage;
  return result;
}

/** Reads a fetch `Response` (streamed or JSON Chat Completions) into a policy run; aborts `opts.abort` when the policy stops. */
export function runStream(response: Response, run: PolicyRun, opts: { abort?: AbortController } = {}): Promise<RunStreamResult> {
  return runChunks(responseChunks(response), run, () => opts.abort?.abort());
}

/** Feeds an OpenAI SDK stream into a policy run; aborts through `controller` and the SDK stream's own controller when it stops. */
export function runOpenAIStream(stream: AsyncIterable<ChatCompletionChunkLike>, run: PolicyRun, controller?: AbortController): Promise<RunStreamResult> {
  return runChunks(stream as AsyncIterable<Chunk>, run, () => {
    controller?.abort();
    (stream as { controller?: { abort(): void } }).controller?.abort();
  });
}
