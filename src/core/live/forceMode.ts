/**
 * How a forced answer is asked for. Apart from forcedAnswer.ts so that preparing a run (which the
 * extension does) never pulls a tokenizer in.
 */

/**
 * `completions` sends the rendered prompt to `/completions`; `chat-continuation` sends the chat
 * messages plus an assistant message prefilled with the trace prefix and the cue, which the server
 * continues (vLLM's `continue_final_message`).
 */
export type ForceMode = 'completions' | 'chat-continuation';

/** The force modes, for checking configs and flags. */
export const FORCE_MODES: readonly ForceMode[] = ['completions', 'chat-continuation'];
