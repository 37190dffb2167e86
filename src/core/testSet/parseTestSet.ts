import type { FieldMap, ParsedTestSet, TestSetFormat } from '../types';
import { CaseBuilder, type FormatHandler } from './caseBuilder';
import { CsvHandler } from './csvHandler';
import { IssueSink } from './issueSink';
import { JsonArrayHandler } from './jsonArrayHandler';
import { JsonlHandler } from './jsonlHandler';
import { LineSplitter } from './lineSplitter';
import { resolveFields } from './resolveFields';

export interface ParseOptions {
  /** Used to pick the format from the extension (`.jsonl`/`.ndjson`, `.json`, `.csv`/`.tsv`). */
  fileName?: string;
  /** Forces a format; otherwise the extension decides, else the content is sniffed. */
  format?: TestSetFormat;
  /** Field names to read; missing entries keep their defaults. */
  fields?: Partial<FieldMap>;
  /** Treat a missing `output` as an error (offline replay needs it). */
  requireOutput?: boolean;
  /** Keep at most this many issues (the lowest line numbers); default 1000. */
  maxIssues?: number;
}

/** Parses a whole test set held in memory. Never throws; bad rows become issues and are skipped. */
export function parseTestSet(input: string | Uint8Array, opts: ParseOptions = {}): ParsedTestSet {
  const run = new ParseRun(opts);
  if (typeof input === 'string') {
    const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
    const lines = text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    lines.forEach((line, i) => run.line(line, i + 1, false));
  } else {
    const splitter = new LineSplitter((line, no, bad) => run.line(line, no, bad));
    splitter.push(input);
    splitter.end();
  }
  return run.finishSync();
}

/**
 * Streaming: JSONL and CSV are parsed chunk by chunk without holding the whole file as one
 * string; JSON arrays are buffered. The result equals `parseTestSet` on the concatenated bytes.
 */
export async function parseTestSetStream(chunks: AsyncIterable<Uint8Array>, opts: ParseOptions = {}): Promise<ParsedTestSet> {
  const run = new ParseRun(opts);
  const splitter = new LineSplitter((line, no, bad) => run.line(line, no, bad));
  for await (const chunk of chunks) {
    splitter.push(chunk);
    await run.flush();
  }
  splitter.end();
  return run.finishAsync();
}

function formatFromName(fileName: string | undefined): TestSetFormat | 'tsv' | undefined {
  const m = /\.([A-Za-z0-9]+)$/.exec(fileName ?? '');
  switch (m?.[1].toLowerCase()) {
    case 'jsonl':
    case 'ndjson':
      return 'jsonl';
    case 'json':
      return 'json';
    case 'csv':
      return 'csv';
    case 'tsv':
      return 'tsv';
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// One parse

/** One parse: picks the format from the first non-blank character, then feeds its handler. */
class ParseRun {
  private readonly issues: IssueSink;
  private readonly builder: CaseBuilder;
  private handler: FormatHandler | null = null;
  private format: TestSetFormat | null = null;
  private readonly leading: number[] = [];

  constructor(private readonly opts: ParseOptions) {
    this.issues = new IssueSink(Math.max(1, opts.maxIssues ?? 1000));
    this.builder = new CaseBuilder(resolveFields(opts.fields), opts.requireOutput === true, this.issues);
  }

  line(raw: string, line: number, invalidUtf8: boolean): void {
    if (invalidUtf8) {
      this.issues.add({ line, message: 'invalid UTF-8 bytes, replaced with U+FFFD', severity: 'warning' }, 0);
    }
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!this.handler) {
      const first = text.replace(/^[\s\ufeff]+/, '')[0];
      if (first === undefined) {
        this.leading.push(line);
        return;
      }
      this.handler = this.start(first);
      for (const blank of this.leading) this.handler.line('', blank);
    }
    this.handler.line(text, line);
  }

  async flush(): Promise<void> {
    if (this.handler?.flush) await this.handler.flush();
  }

  finishSync(): ParsedTestSet {
    this.handler?.finish();
    return this.result();
  }

  async finishAsync(): Promise<ParsedTestSet> {
    if (this.handler?.finishAsync) await this.handler.finishAsync();
    else this.handler?.finish();
    return this.result();
  }

  private start(firstChar: string): FormatHandler {
    const named = formatFromName(this.opts.fileName);
    const declared = this.opts.format ?? named;
    let format: TestSetFormat;
    if (declared === 'csv' || declared === 'tsv') format = 'csv';
    else if (firstChar === '[') format = 'json';
    else if (firstChar === '{') format = 'jsonl';
    else format = declared ?? 'csv';
    this.format = format;
    if (format === 'json') return new JsonArrayHandler(this.builder);
    if (format === 'jsonl') return new JsonlHandler(this.builder);
    return new CsvHandler(this.builder, named === 'tsv' && this.opts.format === undefined);
  }

  private result(): ParsedTestSet {
    const b = this.builder;
    const named = formatFromName(this.opts.fileName);
    const format = this.format ?? this.opts.format ?? (named === 'tsv' ? 'csv' : named) ?? 'jsonl';
    if (b.cases.length === 0 && this.issues.errors === 0) b.warn({ line: 1 }, 'the test set has no cases');
    return { format, cases: b.cases, issues: this.issues.finish(), skipped: b.skipped };
  }
}
