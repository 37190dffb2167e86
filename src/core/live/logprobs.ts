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

/**
 * The chosen tokens' natural-log probabilities of a choice's `logprobs` value in either shape, or
 * undefined when there are none (`null`, absent, another shape). A null entry (vLLM sends one for
 * the first token of an echoed prompt) is skipped.
 */
export function readLogprobs(value: unknown): number[] | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const o = value as { token_logprobs?: unknown; content?: unknown };
  let out: number[] | undefined;
  if (Array.isArray(o.token_logprobs)) out = o.token_logprobs.filter(finite);
  else if (Array.isArray(o.content)) out = o.content.map((t) => (t && typeof t === 'object' ? (t as { logprob?: unknown }).logprob : undefined)).filter(finite);
  return out && out.length > 0 ? out : undefined;
}
