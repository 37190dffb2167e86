import { SseParser } from '../core/live/sseParser';
import type { StopDecision, Stopper } from './createStopper';

/** The text fields of a Chat Completions delta (or message); reasoning as vLLM / Ollama / llama.cpp send it. */
export interface ChatDeltaLike {
  content?: string | null;
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
}

/**
 * Turns reasoning and content deltas into the trace text live mode records: reasoning wrapped in
 * `<think>…</think>` before the content. Reasoning that arrives after content has started cannot
 * be put before it any more, and is left out.
 */
class TraceBuilder {
  private state: 'start' | 'thinking' | 'content' = 'start';

  piece(delta: ChatDeltaLike | null | undefined): string {
    if (!delta) return '';
    const reasoning = typeof delta.reasoning_content === 'string' ? delta.reasoning_content : typeof delta.reasoning === 'string' ? delta.reasoning : '';
    const content = typeof delta.content === 'string' ? delta.content : '';
    let out = '';
    if (reasoning && this.state !== 'content') {
      if (this.state === 'start') out += '<think>';
      this.state = 'thinking';
      out += reasoning;
    }
    if (content) {
      if (this.state === 'thinking') out += '</think>';
      this.state = 'content';
      out += content;
    }
    return out;
  }

  end(): string {
    const out = this.state === 'thinking' ? '</think>' : '';
    this.state = 'content';
    return out;
  }
}

interface Feed {
  chunk(value: ChatCompletionChunkLike): StopDecision | null;
  end(): StreamStopResult;
  stopped(decision: StopDecision): StreamStopResult;
}

function feed(stopper: Stopper): Feed {
  const builder = new TraceBuilder();
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
      return push(builder.piece(choice.delta));
    },
    end() {
      const last = push(builder.end());
      if (last) return { decision: last, text: stopper.keptText(), aborted: false };
      const result: StreamStopResult = { decision: stopper.finish(), text: stopper.keptText(), aborted: false };
      if (finishReason !== undefined) result.finishReason = finishReason;
      return result;
    },
    stopped(decision) {
      return { decision, text: stopper.keptText(), aborted: true };
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
 * Reads a fetch `Response` of a streamed Chat Completions request (`stream: true`, server-sent
 * events), feeds the reasoning and content deltas to the stopper, and when it says stop aborts the
 * request (`opts.abort`, the controller whose signal the fetch was given) and stops reading. A
 * non-streamed JSON response is handled too. Throws on an HTTP error status or an `error` event.
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
    return d ? f.stopped(d) : f.end();
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
    const events = done ? parser.end() : parser.push(value);
    for (const event of events) {
      const r = handle(event.data);
      if (r === 'done') {
        void reader.cancel().catch(() => undefined);
        return f.end();
      }
      if (r) {
        abortQuietly(opts.abort);
        void reader.cancel().catch(() => undefined);
        return f.stopped(r);
      }
    }
    if (done) return f.end();
  }
}

/**
 * Consumes an OpenAI SDK stream (`client.chat.completions.create({ …, stream: true })`), feeds
 * its deltas to the stopper, and when it says stop aborts the request — through `controller` (the
 * one passed as `signal` in the request options) and the SDK stream's own `controller` — and
 * stops iterating.
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
  return f.end();
}
