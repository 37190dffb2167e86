import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { countTokens, ENCODING_NAMES, ENGINE_NAMES, getTokenizer, isEncodingName, isEngineName, type Tokenizer } from '../core/tokens';
import { DEFAULT_MIN_PROSE_CHARS, languageForFile } from '../core/codePrompts';
import { lineStarts, positionOf } from '../core/textPosition';
import { scanCodePrompts } from '../node/codePromptScanner';
import { loadHfTokenizer } from '../node/hfTokenizerFiles';
import { countChat, parseChatMessages } from '../core/chatTemplate';
import { isHfTokenizer } from '../core/hfTokenizer';
import { countPromptFile } from '../core/promptFileCount';
import type { EngineName } from '../core/types';
import { UsageError, type CliIo } from './io';

/** `prompt-budget count --help`, also part of the top-level help. */
export const COUNT_HELP = `Usage: prompt-budget count <files…> [--encoding o200k_base|cl100k_base] [--engine gpt-tokenizer|js-tiktoken]
                           [--tokenizer <tokenizer.json or its folder>] [--format table|json] [--min-prose-chars N]
       prompt-budget count --chat messages.json [--tokenizer <folder>] [--format table|json]

Counts the tokens of each file (≈ marks a count made approximate by the guard against huge unspaced runs).
A file with front matter (--- lines at the top, as in a prompt file) counts its body, as the editor
does: in the tokenizer the front matter names (tokenizer: a folder relative to the file or an
encoding; model: an OpenAI model), else in the command's; the JSON then adds countedFrom "body",
frontMatterTokens and the tokenizer.
For Python, TypeScript and JavaScript files it also lists the prompt literals in the code (chat message
content, literals named like prompt/system/instruction/template, prose of at least --min-prose-chars
characters, default ${DEFAULT_MIN_PROSE_CHARS}) with their line, column, tokens and kind (string,
concatenation, or template: placeholders counted as written).
--tokenizer counts in a model's own tokens (a Hugging Face tokenizer.json, e.g. a folder under
~/.cache/huggingface/hub/models--Qwen--Qwen3-8B/snapshots/<rev>/); no special tokens are added.
--chat counts a chat as sent (a JSON array of { role, content }, or a request with "messages"): with
--tokenizer, rendered with the model's chat_template (tokenizer_config.json) and the generation
prompt; with an OpenAI encoding, plus OpenAI's documented 3 tokens per message and 3 for the reply.
promptTokens is the whole prompt, contentTokens the message contents alone.
`;

/** The tokenizer `--tokenizer` names (relative to the working folder), or a usage error naming the file. */
export function cliTokenizer(path: string, cwd: string): Tokenizer {
  try {
    return loadHfTokenizer(path, cwd);
  } catch (e) {
    throw new UsageError(`--tokenizer ${(e as Error).message}`);
  }
}

/** `prompt-budget count`: tokens per file (or of one chat), as a table or JSON; an unreadable file is bad usage (exit 2). */
export async function countCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { encoding: { type: 'string' }, engine: { type: 'string' }, tokenizer: { type: 'string' }, chat: { type: 'string' }, format: { type: 'string' }, 'min-prose-chars': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout(COUNT_HELP);
    return 0;
  }
  if (positionals.length === 0 && values.chat === undefined) throw new UsageError('count: no files given');
  if (positionals.length > 0 && values.chat !== undefined) throw new UsageError('count: give files or --chat, not both');
  const encoding = values.encoding ?? 'o200k_base';
  if (!isEncodingName(encoding)) throw new UsageError(`--encoding ${encoding}: expected ${ENCODING_NAMES.join(' or ')}`);
  const engine = values.engine ?? 'gpt-tokenizer';
  if (!isEngineName(engine)) throw new UsageError(`--engine ${engine}: expected ${ENGINE_NAMES.join(' or ')}`);
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format ${format}: expected table or json`);
  const minProseChars = Number(values['min-prose-chars'] ?? DEFAULT_MIN_PROSE_CHARS);
  if (!Number.isInteger(minProseChars) || minProseChars < 1) throw new UsageError(`--min-prose-chars ${values['min-prose-chars']}: expected a positive whole number`);
  if (values.tokenizer !== undefined && (values.encoding !== undefined || values.engine !== undefined)) throw new UsageError('--tokenizer replaces --encoding and --engine: give one or the other');
  const tok = values.tokenizer !== undefined ? cliTokenizer(values.tokenizer, io.cwd) : getTokenizer(encoding, engine);
  if (values.chat !== undefined) return countChatFile(values.chat, tok, format, io);
  const read = positionals.map((f) => {
    const path = resolve(io.cwd, f);
    let text: string;
    try {
      // Checked first so the message says "directory" rather than an errno.
      if (statSync(path).isDirectory()) throw new UsageError(`cannot read ${f}: it is a directory`);
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return { f, text };
  });
  const files: CountedFile[] = [];
  for (const { f, text } of read) {
    const language = languageForFile(f);
    if (!language) {
      files.push(countPromptText(f, text, tok, engine, io));
      continue;
    }
    const { count, approximate } = countTokens(tok, text);
    const prompts = (await scanCodePrompts(text, language, { minProseChars })).map((p) => ({ ...positionOf(lineStarts(text), p.quote), tokens: countTokens(tok, p.text).count, kind: p.kind, reason: p.reason }));
    files.push({ file: f, tokens: count, approximate, chars: text.length, prompts });
  }
  const total = files.reduce((s, f) => s + f.tokens, 0);
  if (format === 'json') {
    const json = files.map(({ prompts, ...f }) => (prompts ? { ...f, prompts: prompts.map(({ line, column, tokens, kind }) => ({ line, column, tokens, kind })) } : f));
    io.stdout(`${JSON.stringify({ encoding: tok.encoding, engine: tok.engine, tokenizer: tok.name, files: json, total }, null, 2)}\n`);
  } else {
    // Counts are right-aligned; the ≈ mark takes one more column.
    const width = Math.max(...files.map((f) => String(f.tokens).length + 1), String(total).length + 1);
    for (const f of files) {
      const body = f.countedFrom === 'body' ? `  (body only: ${f.frontMatterTokens} tokens of front matter excluded; ${f.tokenizer}${f.tokenizerSource ? ` from the ${f.tokenizerSource}` : ''})` : '';
      io.stdout(`${`${f.approximate ? '≈' : ''}${f.tokens}`.padStart(width)}  ${f.file}${body}\n`);
      for (const p of f.prompts ?? []) io.stdout(`${String(p.tokens).padStart(width + 4)}  ${f.file}:${p.line}:${p.column}  ${p.kind}, ${p.reason}\n`);
    }
    // A total only for several files; a single file still names the tokenizer (a front matter's own when it named one).
    const names = [...new Set(files.map((f) => f.tokenizer ?? tok.name))].join(' + ');
    if (files.length > 1) io.stdout(`${String(total).padStart(width)}  total (${names})\n`);
    else io.stdout(`${''.padStart(width)}  (${names})\n`);
  }
  return 0;
}

interface CountedFile {
  file: string;
  tokens: number;
  approximate: boolean;
  chars: number;
  /** Only for a file with front matter: `tokens` are its body's. */
  countedFrom?: 'body';
  frontMatterTokens?: number;
  tokenizer?: string;
  tokenizerSource?: string;
  prompts?: { line: number; column: number; tokens: number; kind: string; reason: string }[];
}

/**
 * A prompt file (any file that is not code) counted as the editor counts it: the body, front matter
 * excluded, in the tokenizer the front matter names (`tokenizer:` relative to the file, or an
 * OpenAI `model:`), else in the command's.
 */
function countPromptText(f: string, text: string, tok: Tokenizer, engine: EngineName, io: CliIo): CountedFile {
  const c = countPromptFile(text, undefined, (target) => {
    if (!target || (target.kind === 'tokenizer' && target.relativeTo === 'config')) return tok;
    if (target.kind === 'openai') return getTokenizer(target.encoding, engine);
    try {
      return loadHfTokenizer(target.path, dirname(resolve(io.cwd, f)));
    } catch (e) {
      throw new UsageError(`${f}: front matter tokenizer ${(e as Error).message}`);
    }
  });
  if (c.error) io.stderr(`warning: ${f} front matter, ${c.error}\n`);
  const counted: CountedFile = { file: f, tokens: c.tokens, approximate: c.approximate, chars: text.length };
  if (!c.hasFrontMatter) return counted;
  return { ...counted, countedFrom: 'body', frontMatterTokens: c.frontMatterTokens, tokenizer: c.tokenizer, ...(c.source ? { tokenizerSource: c.source } : {}) };
}

function readInput(f: string, cwd: string): string {
  const path = resolve(cwd, f);
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`cannot read ${f}: it is a directory`);
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** `count --chat`: the prompt tokens of one chat as the model receives it, and its contents alone. */
function countChatFile(file: string, tok: Tokenizer, format: 'table' | 'json', io: CliIo): number {
  const parsed = parseChatMessages(readInput(file, io.cwd));
  if (!parsed.messages) throw new UsageError(`${file}: ${parsed.error}`);
  let counted;
  try {
    counted = countChat(tok, parsed.messages, isHfTokenizer(tok) ? tok.config : undefined);
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message}`);
  }
  const { rendered: _rendered, ...figures } = counted;
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ encoding: tok.encoding, engine: tok.engine, tokenizer: tok.name, chat: file, ...figures }, null, 2)}\n`);
    return 0;
  }
  const how = counted.method === 'chat_template' ? "rendered with the model's chat_template, generation prompt included" : 'OpenAI per-message overhead: 3 per message, 3 for the reply';
  const width = String(counted.promptTokens).length + 1;
  io.stdout(`${String(counted.promptTokens).padStart(width)}  promptTokens (${file}: ${counted.messages} messages, ${how})\n`);
  io.stdout(`${String(counted.contentTokens).padStart(width)}  contentTokens (message contents alone)\n`);
  io.stdout(`${String(counted.templateTokens).padStart(width)}  template overhead\n`);
  io.stdout(`${''.padStart(width)}  (${tok.name})\n`);
  return 0;
}
