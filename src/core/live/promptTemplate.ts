/** Live-mode prompt templates: `{{field}}` placeholders filled from a test-set row, chat messages, probe prompts. */
import type { Case } from '../types';

/** One chat message as the Chat Completions API takes it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

/** Names of the `{{field}}` placeholders a template uses, in order of first use. */
export function templateFields(template: string): string[] {
  const seen = new Set<string>();
  for (const m of template.matchAll(PLACEHOLDER)) seen.add(m[1]);
  return [...seen];
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(', ');
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Fills `{{name}}` placeholders from `fields`; those without a field stay as they are and are listed in `missing`. */
export function renderTemplate(template: string, fields: Readonly<Record<string, unknown>>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = fields[name];
    if (value === undefined || value === null) {
      if (!missing.includes(name)) missing.push(name);
      return whole;
    }
    return fieldText(value);
  });
  return { text, missing };
}

/** A case's template fields: the row's, then (winning) `id`, `question`, `answer` (first gold), `answers`, `tags`. */
export function caseFields(c: Case, row?: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { ...(row ?? {}), id: c.id, question: c.question, answer: c.answers[0], answers: c.answers, tags: c.tags };
}

/** How a case becomes chat messages. */
export interface PromptOptions {
  /** User message template; without one the case's question is the user message. */
  template?: string;
  system?: string;
}

/** The chat messages for one case, or the placeholders the templates use that the case lacks. */
export function buildMessages(c: Case, opts: PromptOptions, row?: Readonly<Record<string, unknown>>): { messages: ChatMessage[]; missing: string[] } {
  const fields = caseFields(c, row);
  const messages: ChatMessage[] = [];
  const missing: string[] = [];
  if (opts.system !== undefined) {
    const r = renderTemplate(opts.system, fields);
    missing.push(...r.missing);
    messages.push({ role: 'system', content: r.text });
  }
  if (opts.template !== undefined) {
    const r = renderTemplate(opts.template, fields);
    for (const m of r.missing) if (!missing.includes(m)) missing.push(m);
    messages.push({ role: 'user', content: r.text });
  } else {
    messages.push({ role: 'user', content: c.question });
  }
  return { messages, missing };
}

/** Dynasor-style "answer now" cue for a truncated trace; it ends inside `\boxed{` so the continuation is the answer. */
export const DEFAULT_PROBE_CUE = '\n\n... Oh, I suddenly got the answer to the whole problem, **Final Answer**: \\boxed{';

/** How a forced answer closes the thinking before the answer cue (the models' own `</think>`). */
export const DEFAULT_THINK_CLOSE = '\n</think>\n\n';

/** Forced-answer cue after the closed thinking; it ends inside `\boxed{` so the continuation is the answer. */
export const DEFAULT_ANSWER_CUE = '**Final Answer**: \\boxed{';

/**
 * Default probe prompt: the chat messages' text, a blank line, the trace prefix, the cue. Servers
 * apply no chat template on `/completions`, so a chat model may need a template with its own role
 * markers (placeholders `{{prompt}}`, `{{system}}`, `{{user}}`, `{{trace}}`, `{{cue}}`).
 */
export const DEFAULT_PROBE_TEMPLATE = '{{prompt}}\n\n{{trace}}{{cue}}';

/** The text prompt of a probe call. */
export function renderProbePrompt(template: string, messages: readonly ChatMessage[], trace: string, cue: string): string {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  const user = messages.filter((m) => m.role !== 'system').map((m) => m.content).join('\n\n');
  const prompt = messages.map((m) => m.content).join('\n\n');
  // Single pass, so a trace containing "{{cue}}" is not expanded again.
  return renderTemplate(template, { prompt, system, user, trace, cue }).text;
}
