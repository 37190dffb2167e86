import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { countTokens, getTokenizer, isEncodingName, isEngineName } from '../core/tokens';
import { DEFAULT_MIN_PROSE_CHARS, languageForFile, lineStarts, positionOf } from '../core/codePrompts';
import { scanCodePrompts } from '../node/codePromptScanner';
import { UsageError, type CliIo } from './io';

/** `prompt-budget count --help`, also part of the top-level help. */
export const COUNT_HELP = `Usage: prompt-budget count <files…> [--encoding o200k_base|cl100k_base] [--engine gpt-tokenizer|js-tiktoken] [--format table|json] [--min-prose-chars N]

Counts the tokens of each file (≈ marks a count made approximate by the guard against huge unspaced runs).
For Python, TypeScript and JavaScript files it also lists the prompt literals in the code (chat message
content, literals named like prompt/system/instruction/template, prose of at least --min-prose-chars
characters, default ${DEFAULT_MIN_PROSE_CHARS}) with their line, column, tokens and kind (string,
concatenation, or template: placeholders counted as written).
`;

/** `prompt-budget count`: tokens per file, as a table or JSON; an unreadable file is bad usage (exit 2). */
export async function countCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { encoding: { type: 'string' }, engine: { type: 'string' }, format: { type: 'string' }, 'min-prose-chars': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout(COUNT_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('count: no files given');
  const encoding = values.encoding ?? 'o200k_base';
  if (!isEncodingName(encoding)) throw new UsageError(`--encoding ${encoding}: expected o200k_base or cl100k_base`);
  const engine = values.engine ?? 'gpt-tokenizer';
  if (!isEngineName(engine)) throw new UsageError(`--engine ${engine}: expected gpt-tokenizer or js-tiktoken`);
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format ${format}: expected table or json`);
  const minProseChars = Number(values['min-prose-chars'] ?? DEFAULT_MIN_PROSE_CHARS);
  if (!Number.isInteger(minProseChars) || minProseChars < 1) throw new UsageError(`--min-prose-chars ${values['min-prose-chars']}: expected a positive whole number`);
  const tok = getTokenizer(encoding, engine);
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
  const files = [];
  for (const { f, text } of read) {
    const { count, approximate } = countTokens(tok, text);
    const language = languageForFile(f);
    const prompts = language
      ? (await scanCodePrompts(text, language, { minProseChars })).map((p) => ({ ...positionOf(lineStarts(text), p.quote), tokens: countTokens(tok, p.text).count, kind: p.kind, reason: p.reason }))
      : undefined;
    files.push({ file: f, tokens: count, approximate, chars: text.length, ...(prompts ? { prompts } : {}) });
  }
  const total = files.reduce((s, f) => s + f.tokens, 0);
  if (format === 'json') {
    const json = files.map(({ prompts, ...f }) => (prompts ? { ...f, prompts: prompts.map(({ line, column, tokens, kind }) => ({ line, column, tokens, kind })) } : f));
    io.stdout(`${JSON.stringify({ encoding, engine, files: json, total }, null, 2)}\n`);
  } else {
    // Counts are right-aligned; the ≈ mark takes one more column.
    const width = Math.max(...files.map((f) => String(f.tokens).length + 1), String(total).length + 1);
    for (const f of files) {
      io.stdout(`${`${f.approximate ? '≈' : ''}${f.tokens}`.padStart(width)}  ${f.file}\n`);
      for (const p of f.prompts ?? []) io.stdout(`${String(p.tokens).padStart(width + 4)}  ${f.file}:${p.line}:${p.column}  ${p.kind}, ${p.reason}\n`);
    }
    // A total only for several files; a single file still names the encoding.
    if (files.length > 1) io.stdout(`${String(total).padStart(width)}  total (${encoding})\n`);
    else io.stdout(`${''.padStart(width)}  (${encoding})\n`);
  }
  return 0;
}
