// Apart from forcedAnswer.ts so that preparing a run (the extension does) pulls no tokenizer in.

/**
 * How a forced answer is asked for: the rendered prompt on `/completions`, or the chat messages plus
 * an assistant message prefilled with the trace prefix and the cue, which the server continues.
 */
export type ForceMode = 'completions' | 'chat-continuation';

/** The force modes, for checking configs and flags. */
export const FORCE_MODES: readonly ForceMode[] = ['completions', 'chat-continuation'];
