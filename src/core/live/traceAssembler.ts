/**
 * Streamed chat-completion deltas into the trace live mode records, for the live client and the runtime alike: all
 * reasoning, in order, in one `<think>…</think>` before the content, as `traceText` in liveRun.ts. Reasoning arriving
 * after the content has started is not streamed (text is only appended) but is in the final trace.
 */

/** The reasoning and answer text one delta (or message) carries. */
export interface DeltaText {
  reasoning: string;
  content: string;
}

function partsText(parts: readonly unknown[], into: DeltaText, thinking: boolean): void {
  for (const part of parts) {
    if (typeof part === 'string') {
      if (thinking) into.reasoning += part;
      else into.content += part;
      continue;
    }
    if (!part || typeof part !== 'object') continue;
    const p = part as { type?: unknown; text?: unknown; thinking?: unknown };
    // Mistral's Magistral: `{type:"thinking", thinking:[{type:"text", text}]}` next to `{type:"text", text}`.
    if (p.type === 'thinking') {
      if (typeof p.thinking === 'string') into.reasoning += p.thinking;
      else if (Array.isArray(p.thinking)) partsText(p.thinking, into, true);
    } else if (typeof p.text === 'string') {
      if (thinking) into.reasoning += p.text;
      else into.content += p.text;
    }
  }
}

/**
 * Reads the text of a Chat Completions delta or message: `content` as a string or as a list of
 * parts (thinking parts count as reasoning), and `reasoning_content` or `reasoning` (vLLM, Ollama,
 * llama.cpp).
 */
export function readDelta(delta: unknown): DeltaText {
  const out: DeltaText = { reasoning: '', content: '' };
  if (!delta || typeof delta !== 'object') return out;
  const d = delta as { content?: unknown; reasoning_content?: unknown; reasoning?: unknown };
  if (typeof d.reasoning_content === 'string') out.reasoning += d.reasoning_content;
  else if (typeof d.reasoning === 'string') out.reasoning += d.reasoning;
  if (typeof d.content === 'string') out.content += d.content;
  else if (Array.isArray(d.content)) partsText(d.content, out, false);
  return out;
}

/** Collects deltas into a trace (see the module comment for the rule). */
export class TraceAssembler {
  reasoning = '';
  content = '';
  private state: 'start' | 'thinking' | 'content' = 'start';

  /** Adds one delta; returns the text it appends to the streamed trace ('' when none). */
  push(delta: unknown): string {
    const { reasoning, content } = readDelta(delta);
    this.reasoning += reasoning;
    this.content += content;
    let out = '';
    if (reasoning && this.state === 'content') this.reordered = true;
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

  /** Ends the stream; returns what closes the streamed trace (`</think>` when thinking was open). */
  end(): string {
    const out = this.state === 'thinking' ? '</think>' : '';
    this.state = 'content';
    return out;
  }

  /** True when reasoning arrived after content, so the streamed text differs from {@link text}. */
  reordered = false;

  /** The whole trace: `<think>reasoning</think>content`, or the content alone. */
  text(): string {
    return assembleTrace(this);
  }
}

/** The trace of a finished completion: reasoning in one `<think>` block before the content. */
export function assembleTrace(result: { reasoning: string; content: string }): string {
  return result.reasoning ? `<think>${result.reasoning}</think>${result.content}` : result.content;
}
