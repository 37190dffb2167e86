import { parse as parseCsvSync } from 'csv-parse/sync';
import { parse as parseCsvStream } from 'csv-parse/stream';
import type { CsvError, InfoRecord, Options as CsvOptions } from 'csv-parse';
import { quoteList } from '../issueText';
import type { FieldMap } from '../types';
import type { CaseBuilder, FormatHandler } from './caseBuilder';
import { FIELD_KEYS, type Found } from './resolveFields';

/** CSV with a header row; records go through csv-parse (sync API, or the web-stream API). */
export class CsvHandler implements FormatHandler {
  private readonly lines: string[] = [];
  private delimiter: string | null = null;
  private header: string[] | null = null;
  private columns: Partial<Record<keyof FieldMap, { index: number; name: string }>> = {};
  private noGold = false;
  private lastLine = 0;
  private writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  private draining: Promise<unknown> | null = null;
  private streamError: unknown = null;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly b: CaseBuilder,
    private readonly tabbed: boolean,
  ) {}

  line(text: string, line: number): void {
    this.lastLine = line;
    if (this.delimiter === null && text.trim() !== '') this.delimiter = this.tabbed ? '\t' : sniffDelimiter(text);
    this.lines.push(text);
  }

  private options(): CsvOptions {
    return {
      delimiter: this.delimiter ?? ',',
      bom: false,
      raw: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_record: (value: string[], info: InfoRecord) => {
        // With `raw: true` csv-parse hands over { record, raw }; its typings don't model that.
        const rec = value as unknown as RawCsvRecord;
        this.record(rec.record, startLine(info.lines, rec.raw));
        return null;
      },
      on_skip: (err: CsvError | undefined, raw: string | undefined) => {
        const lines = (err as { lines?: unknown } | undefined)?.lines;
        const line = startLine(typeof lines === 'number' ? lines : this.lastLine, raw);
        this.b.skip(
          { line },
          err?.code === 'CSV_QUOTE_NOT_CLOSED'
            ? 'unclosed quote: the field that starts on this line runs to the end of the file'
            : `invalid CSV: ${err?.message ?? 'unreadable record'}`,
        );
        return undefined;
      },
    };
  }

  async flush(): Promise<void> {
    if (this.lines.length === 0 || this.delimiter === null || this.streamError !== null) return;
    if (!this.writer) {
      const ts = parseCsvStream(this.options()) as TransformStream<Uint8Array, unknown>;
      this.writer = ts.writable.getWriter();
      const reader = ts.readable.getReader();
      this.draining = (async () => {
        while (!(await reader.read()).done) {
          // records are consumed in on_record
        }
      })().catch((e: unknown) => {
        this.streamError ??= e;
      });
    }
    const chunk = this.lines.join('\n') + '\n';
    this.lines.length = 0;
    try {
      await this.writer.write(this.encoder.encode(chunk));
    } catch (e) {
      this.streamError ??= e;
    }
  }

  finish(): void {
    if (this.lines.length === 0) return;
    try {
      parseCsvSync(this.lines.join('\n') + '\n', this.options());
    } catch (e) {
      this.fail(e);
    }
  }

  async finishAsync(): Promise<void> {
    await this.flush();
    if (this.writer) {
      try {
        await this.writer.close();
      } catch (e) {
        this.streamError ??= e;
      }
      await this.draining;
    }
    if (this.streamError !== null) this.fail(this.streamError);
  }

  private fail(e: unknown): void {
    this.b.error({ line: this.lastLine }, `invalid CSV: ${e instanceof Error ? e.message : String(e)}`);
  }

  private record(cells: string[], line: number): void {
    if (cells.length === 1 && cells[0].trim() === '') return;
    if (!this.header) return this.setHeader(cells, line);
    if (this.noGold) {
      this.b.skipped++;
      return;
    }
    const header = this.header;
    if (cells.length !== header.length) {
      const extraEmpty = cells.length > header.length && cells.slice(header.length).every((c) => c.trim() === '');
      if (!extraEmpty) {
        return this.b.skip({ line }, `expected ${header.length} fields (as in the header), got ${cells.length}`);
      }
    }
    const cell = (key: keyof FieldMap): Found | undefined => {
      const col = this.columns[key];
      if (!col) return undefined;
      const value = cells[col.index];
      return value === undefined || value === '' ? undefined : { name: col.name, value };
    };
    this.b.add(
      {
        id: cell('id'),
        question: cell('question'),
        answer: cell('answer'),
        answers: cell('answers'),
        output: cell('output'),
        tags: cell('tags'),
      },
      { line },
      String(line),
      true,
    );
  }

  private setHeader(cells: string[], line: number): void {
    const names = cells.map((c) => c.trim());
    this.header = names;
    const seen = new Set<string>();
    for (const n of names) {
      if (n !== '' && seen.has(n)) this.b.warn({ line }, `duplicate column "${n}" in the header; the first one is used`);
      seen.add(n);
    }
    const fields = this.b.fields;
    for (const key of FIELD_KEYS) {
      for (const wanted of fields[key]) {
        let index = names.indexOf(wanted);
        if (index < 0) index = names.findIndex((n) => n.toLowerCase() === wanted.toLowerCase());
        if (index >= 0) {
          this.columns[key] = { index, name: names[index] };
          break;
        }
      }
    }
    if (!this.columns.answer && !this.columns.answers) {
      this.noGold = true;
      this.b.error({ line }, `no gold answer column in the header (expected ${quoteList([...fields.answer, ...fields.answers])}); every row skipped`);
    }
  }
}

interface RawCsvRecord {
  record: string[];
  raw: string;
}

/** First line of a CSV record, from the line where it ended and its raw text. */
function startLine(endLine: number, raw: string | undefined): number {
  if (!raw) return endLine;
  const body = raw.replace(/^[\r\n]+/, '').replace(/[\r\n]+$/, '');
  let n = 0;
  for (let i = body.indexOf('\n'); i >= 0; i = body.indexOf('\n', i + 1)) n++;
  return Math.max(1, endLine - n);
}

/** Comma unless the header line has none but has tabs or semicolons. */
function sniffDelimiter(header: string): string {
  if (header.includes(',')) return ',';
  if (header.includes('\t')) return '\t';
  if (header.includes(';')) return ';';
  return ',';
}
