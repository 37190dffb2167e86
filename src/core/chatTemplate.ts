// What a chat costs as sent: rendered with the model's chat template (or, for OpenAI encodings,
// the documented per-message overhead) and counted, beside its message contents alone.
import { Template } from '@huggingface/jinja';
import type { Tokenizer } from './tokens';

/** One chat message as an OpenAI-style request sends it. */
export interface ChatMessage {
  role: string;
  content: string;
  name?: string;
}

/** Prompt tokens of one chat and where they come from. */
export interface ChatCount {
  messages: number;
  /** Tokens of the whole prompt as the model receives it (template, contents, generation prompt). */
  promptTokens: number;
  /** Tokens of the message contents alone, each counted on its own. */
  contentTokens: number;
  /** promptTokens − contentTokens: what the chat format adds. */
  templateTokens: number;
  method: 'chat_template' | 'openai-per-message';
  rendered?: string;
}

/** Reads a chat (an array of `{ role, content }`, or a request body with `messages`); errors name `messages[i].field`. */
export function parseChatMessages(text: string): { messages?: ChatMessage[]; error?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON (${(e as Error).message})` };
  }
  const list = Array.isArray(value) ? value : value !== null && typeof value === 'object' ? (value as { messages?: unknown }).messages : undefined;
  if (!Array.isArray(list)) return { error: 'expected an array of messages, or an object with a "messages" array' };
  if (list.length === 0) return { error: 'the chat has no messages' };
  const messages: ChatMessage[] = [];
  for (let i = 0; i < list.length; i++) {
    const m = list[i] as { role?: unknown; content?: unknown; name?: unknown } | null;
    if (m === null || typeof m !== 'object') return { error: `messages[${i}]: expected an object with "role" and "content"` };
    if (typeof m.role !== 'string' || m.role === '') return { error: `messages[${i}].role: expected a non-empty string` };
    const content = contentText(m.content);
    if (content === undefined) return { error: `messages[${i}].content: expected a string or a list of { "type": "text", "text": … } parts` };
    const message: ChatMessage = { role: m.role, content };
    if (typeof m.name === 'string') message.name = m.name;
    messages.push(message);
  }
  return { messages };
}

function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (content === null) return '';
  if (!Array.isArray(content)) return undefined;
  let out = '';
  for (const part of content as { type?: unknown; text?: unknown }[]) {
    if (part === null || typeof part !== 'object' || part.type !== 'text' || typeof part.text !== 'string') return undefined;
    out += part.text;
  }
  return out;
}

/** A special token of tokenizer_config.json as text (it may be a string or `{ content }`). */
function tokenText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return '';
}

/** The `chat_template` of a tokenizer_config.json (from a named list, `default`), or null. */
export function chatTemplateOf(config: Readonly<Record<string, unknown>>): string | null {
  const t = config.chat_template;
  if (typeof t === 'string' && t.trim() !== '') return t;
  if (Array.isArray(t)) {
    const named = t as { name?: unknown; template?: unknown }[];
    const def = named.find((x) => x.name === 'default') ?? named[0];
    if (def && typeof def.template === 'string') return def.template;
  }
  return null;
}

/** Renders messages as `apply_chat_template` does (special tokens as variables); throws with the template's message. */
export function renderChatTemplate(template: string, messages: readonly ChatMessage[], config: Readonly<Record<string, unknown>> = {}, addGenerationPrompt = true): string {
  let compiled: Template;
  try {
    compiled = new Template(template);
  } catch (e) {
    throw new Error(`the chat template does not parse: ${(e as Error).message}`, { cause: e });
  }
  try {
    return compiled.render({
      messages: messages.map((m) => ({ ...m })),
      add_generation_prompt: addGenerationPrompt,
      bos_token: tokenText(config.bos_token),
      eos_token: tokenText(config.eos_token),
      pad_token: tokenText(config.pad_token),
      unk_token: tokenText(config.unk_token),
    });
  } catch (e) {
    throw new Error(`the chat template rejected the messages: ${(e as Error).message}`, { cause: e });
  }
}

/** OpenAI's documented overhead: 3 tokens per message, 1 more for a `name`, 3 that prime the reply. */
export const OPENAI_TOKENS_PER_MESSAGE = 3;
export const OPENAI_TOKENS_PER_NAME = 1;
export const OPENAI_REPLY_PRIMING = 3;

/**
 * Counts a chat: with a tokenizer config, its rendered template (no BOS beyond the template's);
 * without, each message's role, content and name plus the OpenAI overhead constants above.
 */
export function countChat(tok: Tokenizer, messages: readonly ChatMessage[], config?: Readonly<Record<string, unknown>>): ChatCount {
  const contentTokens = messages.reduce((sum, m) => sum + tok.count(m.content), 0);
  const template = config ? chatTemplateOf(config) : null;
  if (config && template === null) throw new Error(`${tok.name} has no chat_template in its tokenizer_config.json`);
  if (template !== null && config) {
    const rendered = renderChatTemplate(template, messages, config, true);
    const promptTokens = tok.count(rendered);
    return { messages: messages.length, promptTokens, contentTokens, templateTokens: promptTokens - contentTokens, method: 'chat_template', rendered };
  }
  let promptTokens = OPENAI_REPLY_PRIMING;
  for (const m of messages) {
    promptTokens += OPENAI_TOKENS_PER_MESSAGE + tok.count(m.role) + tok.count(m.content);
    if (m.name !== undefined) promptTokens += OPENAI_TOKENS_PER_NAME + tok.count(m.name);
  }
  return { messages: messages.length, promptTokens, contentTokens, templateTokens: promptTokens - contentTokens, method: 'openai-per-message' };
}
