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
import type { EncodingName, EngineName } from '../core/types';
import { UsageError, type CliIo } from './io';
import { cliTokenizer, readConfigFile } from './loadInputs';
import { configTokenizerPath } from '../node/hfCache';
import type { PromptConfigModel } from '../core/promptFrontMatter';

/** `prompt-budget count --help`, also part of the top-level help. */
export const COUNT_HELP = `Usage: prompt-budget count <files…> [--encoding o200k_base|cl100k_base] [--engine gpt-tokenizer|js-tiktoken]
                           [--tokenizer <tokenizer.json or its folder>] [--config promptbudget.json]
                           [--format table|json] [--min-prose-chars N]
       prompt-budget count --chat messages.json [--tokenizer <folder>] [--config promptbudget.json] [--format table|json]

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
--config counts in the config's tokenizer (relative to its folder) or encoding and engine, as sweep
--config does, unless --tokenizer or --encoding is given; a prompt file without front matter then
counts as the editor counts it in that workspace (the config's tokenizer, else an OpenAI live.model's
encoding). Without --config, promptbudget.json is not read (as for sweep). The table's last line
names the tokenizer and where it came from.
--chat counts a chat as sent (a JSON array of { role, content }, or a request with "messages"): with
--tokenizer, rendered with the model's chat_template (tokenizer_config.json) and the generation
prompt; with an OpenAI encoding, plus OpenAI's documented 3 tokens per message and 3 for the reply.
promptTokens is the whole prompt, contentTokens the message contents alone.
`;

/** `prompt-budget count`: tokens per file (or of one chat), as a table or JSON; an unreadable file is bad usage (exit 2). */
export async function countCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { encoding: { type: 'string' }, engine: { type: 'string' }, tokenizer: { type: 'string' }, config: { type: 'string' }, chat: { type: 'string' }, format: { type: 'string' }, 'min-prose-chars': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout(COUNT_HELP);
    return 0;
  }
  if (positionals.length === 0 && values.chat === undefined) throw new UsageError('count: no files given');
  if (positionals.length > 0 && values.chat !== undefined) throw new UsageError('count: give files or --chat, not both');
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format ${format}: expected table or json`);
  const minProseChars = Number(values['min-prose-chars'] ?? DEFAULT_MIN_PROSE_CHARS);
  if (!Number.isInteger(minProseChars) || minProseChars < 1) throw new UsageError(`--min-prose-chars ${values['min-prose-chars']}: expected a positive whole number`);
  const { tok, engine, source, promptConfig } = countingTokenizer(values, io);
  if (values.chat !== undefined) return countChatFile(values.chat, tok, format, io, source);
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
      files.push(countPromptText(f, text, { tok, engine, promptConfig }, io));
      continue;
    }
    const { count, approximate } = countTokens(tok, text);
    const prompts = (await scanCodePrompts(text, language, { minProseChars })).map((p) => ({ ...positionOf(lineStarts(text), p.quote), tokens: countTokens(tok, p.text).count, kind: p.kind, reason: p.reason }));
    files.push({ file: f, tokens: count, approximate, chars: text.length, prompts });
  }
  const total = files.reduce((s, f) => s + f.tokens, 0);
  if (format === 'json') {
    const json = files.map(({ prompts, ...f }) => (prompts ? { ...f, prompts: prompts.map(({ line, column, tokens, kind }) => ({ line, column, tokens, kind })) } : f));
    io.stdout(`${JSON.stringify({ encoding: tok.encoding, engine: tok.engine, tokenizer: tok.name, ...(source ? { tokenizerSource: source } : {}), files: json, total }, null, 2)}\n`);
  } else {
    // Counts are right-aligned; the ≈ mark takes one more column.
    const width = Math.max(...files.map((f) => String(f.tokens).length + 1), String(total).length + 1);
    for (const f of files) {
      const from = f.tokenizerSource ? ` from the ${f.tokenizerSource}` : '';
      const body = f.countedFrom === 'body' ? `  (body only: ${f.frontMatterTokens} tokens of front matter excluded; ${f.tokenizer}${from})` : from ? `  (${f.tokenizer}${from})` : '';
      io.stdout(`${`${f.approximate ? '≈' : ''}${f.tokens}`.padStart(width)}  ${f.file}${body}\n`);
      for (const p of f.prompts ?? []) io.stdout(`${String(p.tokens).padStart(width + 4)}  ${f.file}:${p.line}:${p.column}  ${p.kind}, ${p.reason}\n`);
    }
    // A total only for several files; a single file still names the tokenizer (a front matter's own when it named one).
    const names = [...new Set(files.map((f) => f.tokenizer ?? tok.name))].map((n) => (n === tok.name && source ? `${n} from ${source}` : n)).join(' + ');
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
function countPromptText(f: string, text: string, how: { tok: Tokenizer; engine: EngineName; promptConfig?: PromptConfigModel }, io: CliIo): CountedFile {
  const { tok, engine } = how;
  const c = countPromptFile(text, how.promptConfig, (target) => {
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
  // Without front matter the config's live.model can still pick another encoding: the file says so.
  if (!c.hasFrontMatter) return c.tokenizer === tok.name || !c.source ? counted : { ...counted, tokenizer: c.tokenizer, tokenizerSource: c.source };
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
function countChatFile(file: string, tok: Tokenizer, format: 'table' | 'json', io: CliIo, source: string | null): number {
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
    io.stdout(`${JSON.stringify({ encoding: tok.encoding, engine: tok.engine, tokenizer: tok.name, ...(source ? { tokenizerSource: source } : {}), chat: file, ...figures }, null, 2)}\n`);
    return 0;
  }
  const how = counted.method === 'chat_template' ? "rendered with the model's chat_template, generation prompt included" : 'OpenAI per-message overhead: 3 per message, 3 for the reply';
  const width = String(counted.promptTokens).length + 1;
  io.stdout(`${String(counted.promptTokens).padStart(width)}  promptTokens (${file}: ${counted.messages} messages, ${how})\n`);
  io.stdout(`${String(counted.contentTokens).padStart(width)}  contentTokens (message contents alone)\n`);
  io.stdout(`${String(counted.templateTokens).padStart(width)}  template overhead\n`);
  io.stdout(`${''.padStart(width)}  (${tok.name}${source ? ` from ${source}` : ''})\n`);
  return 0;
}

/** What `count` counts in, and the config that named it (null: a flag or the default o200k_base). */
interface CountingTokenizer {
  tok: Tokenizer;
  engine: EngineName;
  source: string | null;
  /** The --config's tokenizer and live.model, which pick what a prompt file's body counts in (as in the sweep). */
  promptConfig?: PromptConfigModel;
}

/**
 * --tokenizer, else --encoding/--engine, else the --config's tokenizer (relative to its folder) or
 * encoding and engine, else o200k_base: the order `sweep` resolves them in (core/sweepOptions.ts).
 */
function countingTokenizer(values: { encoding?: string; engine?: string; tokenizer?: string; config?: string }, io: CliIo): CountingTokenizer {
  if (values.tokenizer !== undefined && (values.encoding !== undefined || values.engine !== undefined)) throw new UsageError('--tokenizer replaces --encoding and --engine: give one or the other');
  if (values.encoding !== undefined && !isEncodingName(values.encoding)) throw new UsageError(`--encoding ${values.encoding}: expected ${ENCODING_NAMES.join(' or ')}`);
  if (values.engine !== undefined && !isEngineName(values.engine)) throw new UsageError(`--engine ${values.engine}: expected ${ENGINE_NAMES.join(' or ')}`);
  const configPath = values.config !== undefined ? resolve(io.cwd, values.config) : undefined;
  const config = configPath ? readConfigFile(configPath, io) : undefined;
  const engine = (values.engine ?? config?.engine ?? 'gpt-tokenizer') as EngineName;
  let tok: Tokenizer;
  let source: string | null;
  if (values.tokenizer !== undefined) [tok, source] = [cliTokenizer(values.tokenizer, io.cwd), null];
  else if (values.encoding !== undefined) [tok, source] = [getTokenizer(values.encoding as EncodingName, engine), null];
  else if (config?.tokenizer && configPath) [tok, source] = [cliTokenizer(configTokenizerPath(configPath, config.tokenizer), io.cwd), `the tokenizer of ${values.config}`];
  else if (config?.encoding) [tok, source] = [getTokenizer(config.encoding, engine), `the encoding of ${values.config}`];
  else [tok, source] = [getTokenizer('o200k_base', engine), null];
  if (!config) return { tok, engine, source };
  return { tok, engine, source, promptConfig: { tokenizer: isHfTokenizer(tok) ? tok.name : null, model: config.live.model } };
}
