import { SseParser } from '../core/live/sseParser';
import { TraceAssembler } from '../core/live/traceAssembler';
import type { StopDecision, Stopper } from './createStopper';

/** Text fields of a Chat Completions delta: reasoning as vLLM / Ollama / llama.cpp send it, `content` maybe parts (Mistral). */
export interface ChatDeltaLike {
  content?: string | readonly unknown[] | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
}

/** The part of an OpenAI Chat Completions stream chunk the stopper reads. */
export interface ChatCompletionChunkLike {
  choices?: ({ delta?: ChatDeltaLike | null; finish_reason?: string | null } | null)[];
}

/** What a stream helper returns. */
export interface StreamStopResult {
  /** The stopper's decision: `stop: true` when it cut the stream, else its decision at the end. */
  decision: StopDecision;
  /** The kept text in the form the sweep measured (`<think>reasoning</think>` + content). */
  text: string;
  /** True when the helper aborted the request because the policy stopped. */
  aborted: boolean;
  /** The server's `finish_reason`, when the stream ended by itself and sent one. */
  finishReason?: string;
  /** The stream ended without `finish_reason` or `[DONE]`: the connection was cut and `text` is not the whole completion. */
  truncated: boolean;
}

interface Feed {
  chunk(value: ChatCompletionChunkLike): StopDecision | null;
  /** `done`: the stream sent `[DONE]` (or was a whole JSON response). */
  end(done: boolean): StreamStopResult;
  stopped(decision: StopDecision): StreamStopResult;
}

/** Streams the assembled trace into the stopper; at the end `text` is the whole trace as the live client records it. */
function feed(stopper: Stopper): Feed {
  const trace = new TraceAssembler();
  let finishReason: string | undefined;
  const push = (text: string): StopDecision | null => {
    if (!text) return null;
    const d = stopper.push(text);
    return d.stop ? d : null;
  };
  return {
    chunk(value) {
      const choice = Array.isArray(value?.choices) ? value.choices[0] : undefined;
      if (!choice) return null;
      if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason;
      return push(trace.push(choice.delta));
    },
    end(done) {
      const truncated = !done && finishReason === undefined;
      const last = push(trace.end());
      if (last) return { decision: last, text: stopper.keptText(), aborted: false, truncated };
      const decision = stopper.finish();
      const text = trace.reordered ? trace.text() : stopper.keptText();
      const result: StreamStopResult = { decision, text, aborted: false, truncated };
      if (finishReason !== undefined) result.finishReason = finishReason;
      return result;
    },
    stopped(decision) {
      return { decision, text: stopper.keptText(), aborted: true, truncated: false };
    },
  };
}

function abortQuietly(controller: { abort(): void } | undefined): void {
  try {
    controller?.abort();
  } catch {
    // An abort listener that throws must not hide the decision.
  }
}

/**
 * Reads a fetch `Response` of a streamed (SSE) or plain JSON Chat Completions request into the stopper; when it says stop,
 * aborts `opts.abort` (the controller the fetch was given) and stops reading. Throws on an HTTP error or an `error` event.
 */
export async function stopStream(response: Response, stopper: Stopper, opts: { abort?: AbortController } = {}): Promise<StreamStopResult> {
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    throw new Error(`prompt-budget: the server answered HTTP ${response.status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
  const f = feed(stopper);
  if ((response.headers.get('content-type') ?? '').includes('application/json')) {
    const json = (await response.json()) as { choices?: { message?: ChatDeltaLike; finish_reason?: string | null }[] };
    const choice = json.choices?.[0];
    const d = f.chunk({ choices: [{ delta: choice?.message ?? null, finish_reason: choice?.finish_reason ?? null }] });
    return d ? f.stopped(d) : f.end(true);
  }
  if (!response.body) throw new Error('prompt-budget: the response has no body');
  const reader = response.body.getReader();
  const parser = new SseParser();
  const handle = (data: string): StopDecision | 'done' | null => {
    if (data.trim() === '[DONE]') return 'done';
    let value: ChatCompletionChunkLike & { error?: unknown };
    try {
      value = JSON.parse(data) as ChatCompletionChunkLike & { error?: unknown };
    } catch {
      throw new Error(`prompt-budget: malformed stream event: ${data.slice(0, 80)}`);
    }
    if (value.error) throw new Error(`prompt-budget: the server sent an error: ${JSON.stringify(value.error).slice(0, 200)}`);
    return f.chunk(value);
  };
  for (;;) {
    const { value, done } = await reader.read();
    // As the SSE spec says, an event the stream did not finish (no blank line after it) is dropped.
    const events = done ? [] : parser.push(value);
    for (const event of events) {
      const r = handle(event.data);
      if (r === 'done') {
        void reader.cancel().catch(() => undefined);
        return f.end(true);
      }
      if (r) {
        abortQuietly(opts.abort);
        void reader.cancel().catch(() => undefined);
        return f.stopped(r);
      }
    }
    if (done) return f.end(false);
  }
}

/**
 * Feeds an OpenAI SDK stream (`create({ …, stream: true })`) to the stopper; when it says stop, aborts through `controller`
 * (the request's `signal`) and the SDK stream's own controller, and stops iterating.
 */
export async function stopOpenAIStream(
  stream: AsyncIterable<ChatCompletionChunkLike>,
  stopper: Stopper,
  controller?: AbortController,
): Promise<StreamStopResult> {
  const f = feed(stopper);
  for await (const chunk of stream) {
    const d = f.chunk(chunk);
    if (d) {
      abortQuietly(controller);
      abortQuietly((stream as { controller?: { abort(): void } }).controller);
      return f.stopped(d);
    }
  }
  // The SDK stream ends after `[DONE]` too, so only a missing finish_reason tells a cut-off stream.
  return f.end(false);
}
