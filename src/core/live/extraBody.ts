/**
 * How a run's extra request fields (`live.extraBody`, `run --extra-body`) ride on its extra calls: probes and
 * forced answers. The call's own fields (model, prompt or messages, max_tokens, temperature, logprobs) win over
 * them, and the fields below are left out where they cannot mean what they meant on the generation.
 */

/**
 * Never copied onto an extra call: the calls are short and not streamed (`stream`, `stream_options`), their length
 * is their own `max_tokens` (a server reads `max_completion_tokens` first), and the run's logprobs setting decides
 * whether they ask for log-probabilities.
 */
export const EXTRA_CALL_OWN_FIELDS: readonly string[] = ['stream', 'stream_options', 'max_completion_tokens', 'logprobs', 'top_logprobs'];

/**
 * Left out of `/completions` calls as well: the chat request's messages and what shapes how the server renders them
 * into a prompt (chat template, its arguments, tools, a reasoning effort the template reads). A `/completions` prompt
 * is already rendered by the probe template; vLLM ignores such fields there and a strict server refuses them.
 */
export const CHAT_ONLY_FIELDS: readonly string[] = ['messages', 'chat_template', 'chat_template_kwargs', 'add_generation_prompt', 'continue_final_message', 'documents', 'tools', 'tool_choice', 'parallel_tool_calls', 'reasoning_effort'];

/** The fields of `extra` an extra call on `endpoint` takes (a copy; an empty object when none). */
export function extraCallFields(extra: Readonly<Record<string, unknown>> | undefined, endpoint: 'completions' | 'chat'): Record<string, unknown> {
  const drop = new Set(endpoint === 'chat' ? EXTRA_CALL_OWN_FIELDS : [...EXTRA_CALL_OWN_FIELDS, ...CHAT_ONLY_FIELDS]);
  return Object.fromEntries(Object.entries(extra ?? {}).filter(([key]) => !drop.has(key)));
}

/** A `/completions` call's body: the extra fields it takes, then its own over them. */
export function withCompletionExtra(extra: Readonly<Record<string, unknown>> | undefined, body: Record<string, unknown>): Record<string, unknown> {
  return { ...extraCallFields(extra, 'completions'), ...body };
}
