/**
 * Token log-probabilities as OpenAI-compatible servers return them, for confidence policies: the
 * text completions shape (`logprobs: N` → `choices[0].logprobs.token_logprobs`) and the chat shape
 * (`logprobs: true, top_logprobs: N` → `choices[0].logprobs.content[].logprob`).
 */

/** Top alternatives asked per token; the policies need only the chosen token's, some servers need N ≥ 1 to send any. */
export const LOGPROBS_TOP = 1;

/** Request fields asking for log-probabilities on `/completions`. */
export function completionLogprobsFields(): Record<string, unknown> {
  return { logprobs: LOGPROBS_TOP };
}

/** Request fields asking for log-probabilities on `/chat/completions`. */
export function chatLogprobsFields(): Record<string, unknown> {
  return { logprobs: true, top_logprobs: LOGPROBS_TOP };
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The chosen tokens' log-probabilities and, when the server named them one for one, the tokens' text. */
export interface TokenLogprobs {
  logprobs: number[];
  tokens?: string[];
}

/**
 * The chosen tokens' natural-log probabilities of a choice's `logprobs` value in either shape, or
 * undefined when there are none (`null`, absent, another shape). A null entry (vLLM sends one for
 * the first token of an echoed prompt) is skipped, and then the token texts are not kept.
 */
export function readLogprobs(value: unknown): TokenLogprobs | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const o = value as { token_logprobs?: unknown; tokens?: unknown; content?: unknown };
  let raw: unknown[] = [];
  let texts: unknown[] = [];
  if (Array.isArray(o.token_logprobs)) {
    raw = o.token_logprobs;
    texts = Array.isArray(o.tokens) ? o.tokens : [];
  } else if (Array.isArray(o.content)) {
    const items = o.content.map((t) => (t && typeof t === 'object' ? (t as { logprob?: unknown; token?: unknown }) : {}));
    raw = items.map((t) => t.logprob);
    texts = items.map((t) => t.token);
  }
  const logprobs = raw.filter(finite);
  if (logprobs.length === 0) return undefined;
  const whole = logprobs.length === raw.length && texts.length === raw.length && texts.every((t) => typeof t === 'string');
  return whole ? { logprobs, tokens: texts as string[] } : { logprobs };
}

/**
 * The log-probabilities of the answer itself: when the cue leaves a brace open (`\boxed{`), the
 * tokens up to the one that closes it (nested braces counted), so text the model adds after the
 * answer does not lower its confidence; otherwise, or without token texts, all of them.
 */
export function answerLogprobs(read: TokenLogprobs, cue: string): number[] {
  const open = (cue.match(/\{/g) ?? []).length - (cue.match(/\}/g) ?? []).length;
  if (open <= 0 || !read.tokens) return read.logprobs;
  let depth = open;
  for (let i = 0; i < read.tokens.length; i++) {
    for (const ch of read.tokens[i]) {
      if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) return read.logprobs.slice(0, i + 1);
    }
  }
  return read.logprobs;
}

/** The warning for calls whose server sent no log-probabilities although the run asked for them; null when all had them. */
export function missingLogprobsWarning(p: { missingLogprobs?: number }): string | null {
  const n = p.missingLogprobs ?? 0;
  if (n === 0) return null;
  return `the server returned no token log-probabilities for ${n} probe/forced-answer call(s) although the run asked for them (--logprobs, live.logprobs); probe-confident policies cannot be measured on those cases (vLLM and llama.cpp server return them on /v1/completions; OpenAI o-series models do not)`;
}
