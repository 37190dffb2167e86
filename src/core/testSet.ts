import { parse as parseCsvSync } from 'csv-parse/sync';
import { parse as parseCsvStream } from 'csv-parse/stream';
import { parse as parseJsonc, parseTree, getNodeValue, printParseErrorCode } from 'jsonc-parser';
import type { CsvError, InfoRecord, Options as CsvOptions } from 'csv-parse';
import type { ParseError } from 'jsonc-parser';
import type { Case, FieldMap, LineIssue, ParsedTestSet, ProbeRecord, TestSetFormat, UsageRecord } from './types';

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

/** Default field names; lists are tried in order. */
export const DEFAULT_FIELDS: Readonly<FieldMap> = Object.freeze({
  id: ['id'],
  question: ['question', 'input', 'prompt'],
  answer: ['answer'],
  answers: ['answers'],
  output: ['output'],
  tags: ['tags'],
});

const FIELD_KEYS = ['id', 'question', 'answer', 'answers', 'output', 'tags'] as const;

/** A field map as users write it: one name or a list of names per field. */
export type FieldMapInput = Partial<Record<keyof FieldMap, string | readonly string[]>>;

/**
 * Completes a partial field map with the defaults. A field given here replaces the default list
 * for that field (it is not merged); empty names and empty lists fall back to the default.
 */
export function resolveFields(partial?: FieldMapInput): FieldMap {
  const out = {} as FieldMap;
  for (const key of FIELD_KEYS) {
    const given = partial?.[key];
    const list = (typeof given === 'string' ? [given] : Array.isArray(given) ? given : [])
      .filter((n): n is string => typeof n === 'string' && n.length > 0);
    out[key] = list.length > 0 ? [...list] : [...DEFAULT_FIELDS[key]];
  }
  return out;
}

/** `file:line: reason`, or `file:line:column: reason` when the column is known. */
export function formatIssue(fileName: string, issue: LineIssue): string {
  const col = issue.column !== undefined ? `:${issue.column}` : '';
  return `${fileName}:${issue.line}${col}: ${issue.message}`;
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

// ---------------------------------------------------------------------------------------------
// Bytes → lines

type LineSink = (text: string, line: number, invalidUtf8: boolean) => void;

/** Splits UTF-8 (or BOM-marked UTF-16) bytes into decoded lines; tolerates any chunking. */
class LineSplitter {
  private head: Uint8Array | null = new Uint8Array(0);
  private mode: 'utf8' | 'utf-16le' | 'utf-16be' = 'utf8';
  private pending: Uint8Array[] = [];
  private lineNo = 0;
  private readonly strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly lenient = new TextDecoder('utf-8', { ignoreBOM: true });
  private wide: TextDecoder | null = null;
  private wideCarry = '';

  constructor(private readonly sink: LineSink) {}

  push(chunk: Uint8Array): void {
    if (this.head) {
      // The byte-order mark may arrive split across chunks.
      const joined = concat([this.head, chunk]);
      if (joined.length < 3) {
        this.head = joined;
        return;
      }
      this.head = null;
      this.pushBody(this.detect(joined));
      return;
    }
    this.pushBody(chunk);
  }

  end(): void {
    if (this.head) {
      const rest = this.detect(this.head);
      this.head = null;
      this.pushBody(rest);
    }
    if (this.wide) {
      this.emitWide(this.wide.decode(), true);
      return;
    }
    if (this.pending.length > 0) {
      const bytes = concat(this.pending);
      this.pending = [];
      if (bytes.length > 0) this.emitBlock(bytes);
    }
  }

  private detect(bytes: Uint8Array): Uint8Array {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3);
    if (bytes[0] === 0xff && bytes[1] === 0xfe) this.mode = 'utf-16le';
    else if (bytes[0] === 0xfe && bytes[1] === 0xff) this.mode = 'utf-16be';
    if (this.mode === 'utf8') return bytes;
    this.wide = new TextDecoder(this.mode, { ignoreBOM: true });
    return bytes.subarray(2);
  }

  private pushBody(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.wide) {
      this.emitWide(this.wide.decode(chunk, { stream: true }), false);
      return;
    }
    const lastNl = chunk.lastIndexOf(0x0a);
    if (lastNl < 0) {
      this.pending.push(chunk.slice());
      return;
    }
    this.pending.push(chunk.subarray(0, lastNl));
    const block = concat(this.pending);
    this.pending = lastNl + 1 < chunk.length ? [chunk.slice(lastNl + 1)] : [];
    this.emitBlock(block);
  }

  /** Emits every line of `bytes` (which holds whole lines, without the final newline). */
  private emitBlock(bytes: Uint8Array): void {
    let text: string | null;
    try {
      text = this.strict.decode(bytes);
    } catch {
      text = null;
    }
    if (text !== null) {
      for (const line of text.split('\n')) this.sink(line, ++this.lineNo, false);
      return;
    }
    let start = 0;
    for (;;) {
      const nl = bytes.indexOf(0x0a, start);
      const part = bytes.subarray(start, nl < 0 ? bytes.length : nl);
      let line: string;
      let bad = false;
      try {
        line = this.strict.decode(part);
      } catch {
        line = this.lenient.decode(part);
        bad = true;
      }
      this.sink(line, ++this.lineNo, bad);
      if (nl < 0) return;
      start = nl + 1;
    }
  }

  private emitWide(text: string, final: boolean): void {
    const parts = (this.wideCarry + text).split('\n');
    this.wideCarry = parts.pop() ?? '';
    for (const line of parts) this.sink(line, ++this.lineNo, false);
    if (final && this.wideCarry.length > 0) {
      this.sink(this.wideCarry, ++this.lineNo, false);
      this.wideCarry = '';
    }
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Issues

interface RankedIssue {
  issue: LineIssue;
  rank: number;
}

/** Keeps the `max` issues with the lowest (line, column), whatever order they arrive in. */
class IssueSink {
  private items: RankedIssue[] = [];
  private total = 0;
  errors = 0;
  constructor(private readonly max: number) {}

  add(issue: LineIssue, rank = 1): void {
    this.total++;
    if (issue.severity === 'error') this.errors++;
    this.items.push({ issue, rank });
    if (this.items.length >= 2 * this.max + 64) this.trim();
  }

  finish(): LineIssue[] {
    this.trim();
    const out = this.items.map((r) => r.issue);
    const dropped = this.total - out.length;
    if (dropped > 0) {
      const last = out[out.length - 1];
      out.push({
        line: last ? last.line : 1,
        message: `${dropped} more issue${dropped === 1 ? '' : 's'} not shown (limit ${this.max})`,
        severity: 'warning',
      });
    }
    return out;
  }

  private trim(): void {
    this.items.sort(
      (a, b) => a.issue.line - b.issue.line || (a.issue.column ?? 0) - (b.issue.column ?? 0) || a.rank - b.rank,
    );
    if (this.items.length > this.max) this.items.length = this.max;
  }
}

// ---------------------------------------------------------------------------------------------
// Rows → cases

/** The raw values of one row, already looked up by field name. */
interface RawRow {
  id?: Found;
  question?: Found;
  answer?: Found;
  answers?: Found;
  output?: Found;
  tags?: Found;
  finishReason?: unknown;
  usage?: unknown;
  probes?: unknown;
}

interface Found {
  name: string;
  value: unknown;
}

type Row = Record<string, unknown>;

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  return typeof v;
}

function isRecord(v: unknown): v is Row {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function quoteList(names: readonly string[]): string {
  const q = names.map((n) => `"${n}"`);
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
}

function lookup(row: Row, names: readonly string[]): Found | undefined {
  for (const name of names) {
    const value = row[name];
    if (value !== undefined && value !== null) return { name, value };
  }
  return undefined;
}

interface Located {
  line: number;
  column?: number;
}

/** Turns looked-up rows into cases, checking types, gold answers and duplicate ids. */
class CaseBuilder {
  readonly cases: Case[] = [];
  skipped = 0;
  private readonly seen = new Map<string, number>();

  constructor(
    readonly fields: FieldMap,
    private readonly requireOutput: boolean,
    private readonly issues: IssueSink,
  ) {}

  error(at: Located, message: string): void {
    this.issues.add({ ...at, message, severity: 'error' });
  }

  warn(at: Located, message: string): void {
    this.issues.add({ ...at, message, severity: 'warning' });
  }

  skip(at: Located, message: string): void {
    this.skipped++;
    this.error(at, message);
  }

  fromJson(row: Row, at: Located, fallbackId: string): void {
    const f = this.fields;
    this.add(
      {
        id: lookup(row, f.id),
        question: lookup(row, f.question),
        answer: lookup(row, f.answer),
        answers: lookup(row, f.answers),
        output: lookup(row, f.output),
        tags: lookup(row, f.tags),
        finishReason: row.finishReason ?? row.finish_reason,
        usage: row.usage,
        probes: row.probes,
      },
      at,
      fallbackId,
      false,
    );
  }

  add(raw: RawRow, at: Located, fallbackId: string, csv: boolean): void {
    const gold = this.gold(raw, csv);
    if (typeof gold === 'string') return this.skip(at, gold);

    let output: string | undefined;
    if (raw.output) {
      if (typeof raw.output.value !== 'string') {
        return this.skip(at, `"${raw.output.name}" must be a string, got ${typeName(raw.output.value)}`);
      }
      output = raw.output.value;
    } else if (this.requireOutput) {
      return this.skip(at, `missing output (expected ${quoteList(this.fields.output)}); offline replay needs the recorded trace`);
    }

    let question = '';
    if (raw.question) {
      const v = raw.question.value;
      if (typeof v === 'string') question = v;
      else if (typeof v === 'number' || typeof v === 'boolean') question = String(v);
      else {
        question = JSON.stringify(v);
        this.warn(at, `"${raw.question.name}" is a ${typeName(v)}, not text; kept as JSON`);
      }
    } else if (output === undefined) {
      return this.skip(at, `missing question (expected ${quoteList(this.fields.question)}) and no output to replay`);
    }

    let id = fallbackId;
    if (raw.id) {
      const v = raw.id.value;
      if (typeof v === 'string') id = v.trim() !== '' ? v : fallbackId;
      else if (typeof v === 'number' && Number.isFinite(v)) id = String(v);
      else this.warn(at, `"${raw.id.name}" must be a string or number, got ${typeName(v)}; using "${fallbackId}"`);
    }
    const first = this.seen.get(id);
    if (first !== undefined) return this.skip(at, `duplicate id "${id}" (first at line ${first})`);
    this.seen.set(id, at.line);

    const c: Case = { id, question, answers: gold, tags: this.tags(raw.tags, at, csv), line: at.line };
    if (output !== undefined) c.output = output;
    if (raw.finishReason !== undefined && raw.finishReason !== null) {
      if (typeof raw.finishReason === 'string') c.finishReason = raw.finishReason;
      else this.warn(at, `"finish_reason" must be a string, got ${typeName(raw.finishReason)}; ignored`);
    }
    const usage = this.usage(raw.usage, at);
    if (usage) c.usage = usage;
    const probes = this.probes(raw.probes, at);
    if (probes) c.probes = probes;
    this.cases.push(c);
  }

  /** Gold answers, or the reason the row has none. */
  private gold(raw: RawRow, csv: boolean): string[] | string {
    const out: string[] = [];
    const present: string[] = [];
    if (raw.answer) {
      const { name, value } = raw.answer;
      present.push(name);
      if (typeof value === 'string') out.push(value);
      else if (typeof value === 'number' && Number.isFinite(value)) out.push(String(value));
      else if (Array.isArray(value)) {
        const list = goldList(value);
        if (list === null) return `"${name}" must be a string, a number or a list of strings, got a list containing ${badElement(value)}`;
        out.push(...list);
      } else return `"${name}" must be a string, a number or a list of strings, got ${typeName(value)}`;
    }
    if (raw.answers) {
      const { name, value } = raw.answers;
      present.push(name);
      const v = csv && typeof value === 'string' ? csvList(value) : value;
      if (!Array.isArray(v)) return `"${name}" must be a list of strings, got ${typeName(v)}`;
      const list = goldList(v);
      if (list === null) return `"${name}" must be a list of strings, got a list containing ${badElement(v)}`;
      out.push(...list);
    }
    const answers = [...new Set(out.filter((a) => a.trim() !== ''))];
    if (answers.length > 0) return answers;
    if (present.length > 0) return `gold answer is empty (${quoteList(present)})`;
    return `missing gold answer (expected ${quoteList([...this.fields.answer, ...this.fields.answers])})`;
  }

  private tags(found: Found | undefined, at: Located, csv: boolean): string[] {
    if (!found) return [];
    const { name, value } = found;
    if (typeof value === 'string') {
      const parts = csv ? value.split(/[|;]/) : [value];
      return parts.map((t) => t.trim()).filter((t) => t !== '');
    }
    if (Array.isArray(value) && value.every((t) => typeof t === 'string' || typeof t === 'number')) {
      return value.map((t) => String(t).trim()).filter((t) => t !== '');
    }
    const got = Array.isArray(value) ? `a list containing ${badElement(value)}` : typeName(value);
    this.warn(at, `"${name}" must be a list of strings, got ${got}; tags ignored`);
    return [];
  }

  private usage(value: unknown, at: Located): UsageRecord | undefined {
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) {
      this.warn(at, `"usage" must be an object, got ${typeName(value)}; ignored`);
      return undefined;
    }
    const details = isRecord(value.completion_tokens_details) ? value.completion_tokens_details : {};
    const pick: [keyof UsageRecord, string, unknown][] = [
      ['promptTokens', 'prompt_tokens', value.promptTokens ?? value.prompt_tokens],
      ['completionTokens', 'completion_tokens', value.completionTokens ?? value.completion_tokens],
      ['reasoningTokens', 'reasoning_tokens', value.reasoningTokens ?? value.reasoning_tokens ?? details.reasoning_tokens],
    ];
    const out: UsageRecord = {};
    for (const [key, snake, v] of pick) {
      if (v === undefined || v === null) continue;
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[key] = v;
      else this.warn(at, `"usage.${snake}" must be a non-negative number, got ${typeName(v)}; ignored`);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  private probes(value: unknown, at: Located): ProbeRecord[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.warn(at, `"probes" must be a list, got ${typeName(value)}; probes ignored`);
      return undefined;
    }
    const out: ProbeRecord[] = [];
    for (let i = 0; i < value.length; i++) {
      const p: unknown = value[i];
      const problem = probeProblem(p);
      if (problem !== null || !isRecord(p)) {
        this.warn(at, `"probes"[${i}] ${problem ?? 'must be an object'}; probes ignored`);
        return undefined;
      }
      out.push({ atToken: Number(p.atToken ?? p.at_token), text: String(p.text), tokens: Number(p.tokens ?? 0) });
    }
    return out;
  }
}

function probeProblem(p: unknown): string | null {
  if (!isRecord(p)) return `must be an object, got ${typeName(p)}`;
  const at = p.atToken ?? p.at_token;
  if (typeof at !== 'number' || !Number.isInteger(at) || at < 0) return `"atToken" must be a non-negative integer, got ${typeName(at)}`;
  if (typeof p.text !== 'string') return `"text" must be a string, got ${typeName(p.text)}`;
  const tokens = p.tokens ?? 0;
  if (typeof tokens !== 'number' || !Number.isFinite(tokens) || tokens < 0) return `"tokens" must be a non-negative number, got ${typeName(tokens)}`;
  return null;
}

function goldList(list: unknown[]): string[] | null {
  const out: string[] = [];
  for (const v of list) {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number' && Number.isFinite(v)) out.push(String(v));
    else return null;
  }
  return out;
}

function badElement(list: unknown[]): string {
  const bad = list.find((v) => typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v)));
  return typeName(bad);
}

/** A CSV cell holding several values: a JSON list when it looks like one, else one value. */
function csvList(cell: string): unknown {
  const t = cell.trim();
  if (t.startsWith('[')) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return [cell];
    }
  }
  return [cell];
}

// ---------------------------------------------------------------------------------------------
// Formats

interface Handler {
  line(text: string, line: number): void;
  flush?(): Promise<void>;
  finish(): void;
  finishAsync?(): Promise<void>;
}

const JSON_ERROR_TEXT: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':'",
  CommaExpected: "expected ','",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'unexpected text after the value',
  InvalidCommentToken: 'comments are not allowed',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'control character in string',
};

/**
 * Words for a jsonc-parser syntax error in `text`: quotes the offending text for an unexpected
 * symbol, and says "unexpected end of file" (or `end`) when the text stops too early.
 */
export function describeJsonError(text: string, e: ParseError, end: 'file' | 'line' = 'file'): string {
  const name = printParseErrorCode(e.error);
  if (e.offset >= text.trimEnd().length && name !== 'UnexpectedEndOfString' && name !== 'UnexpectedEndOfComment') {
    const closer = name === 'CloseBraceExpected' || name === 'CloseBracketExpected' ? ` (${JSON_ERROR_TEXT[name]})` : '';
    return `unexpected end of ${end}${closer}`;
  }
  if (name === 'InvalidSymbol' && e.length > 0) {
    const bad = text.substr(e.offset, Math.min(e.length, 20));
    return `unexpected ${JSON.stringify(bad)}${e.length > 20 ? '…' : ''}`;
  }
  return JSON_ERROR_TEXT[name] ?? name;
}

/** One JSON object per line. */
class JsonlHandler implements Handler {
  constructor(private readonly b: CaseBuilder) {}

  line(raw: string, line: number): void {
    const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      const { message, column } = jsonLineError(text, e);
      this.b.skipped++;
      this.b.error(column !== undefined ? { line, column } : { line }, message);
      return;
    }
    if (!isRecord(value)) return this.b.skip({ line }, `expected a JSON object, got ${typeName(value)}`);
    this.b.fromJson(value, { line }, String(line));
  }

  finish(): void {}
}

/** Describes why `text` is not valid JSON, with a 1-based column when one can be found. */
function jsonLineError(text: string, thrown: unknown): { message: string; column?: number } {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0) {
    const e = errors[0];
    return { message: `invalid JSON: ${describeJsonError(text, e, 'line')}`, column: e.offset + 1 };
  }
  const msg = thrown instanceof Error ? thrown.message : String(thrown);
  const pos = /position (\d+)/.exec(msg);
  if (pos) {
    const column = Number(pos[1]) + 1;
    return { message: `invalid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')}`, column };
  }
  return { message: `invalid JSON: ${msg}` };
}

/** A JSON array of objects; buffered, then mapped to lines through the parse tree's offsets. */
class JsonArrayHandler implements Handler {
  private readonly lines: string[] = [];

  constructor(private readonly b: CaseBuilder) {}

  line(text: string): void {
    this.lines.push(text);
  }

  finish(): void {
    const text = this.lines.join('\n');
    const starts: number[] = new Array<number>(this.lines.length);
    let off = 0;
    for (let i = 0; i < this.lines.length; i++) {
      starts[i] = off;
      off += this.lines[i].length + 1;
    }
    const pos = (offset: number): Located => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= offset) lo = mid;
        else hi = mid - 1;
      }
      return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
    };
    const errors: ParseError[] = [];
    const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
    const jsonError = (e: ParseError): void => this.b.error(pos(e.offset), `invalid JSON: ${describeJsonError(text, e)}`);
    if (!root) {
      if (errors.length > 0) jsonError(errors[0]);
      return;
    }
    if (root.type !== 'array') {
      this.b.error(pos(root.offset), `expected a JSON array of cases, got ${root.type}`);
      return;
    }
    const children = root.children ?? [];
    let ei = 0;
    let lastOutside = -1;
    const reportOutside = (e: ParseError): void => {
      // jsonc-parser often reports a cascade of errors at one offset; the first says it best.
      if (e.offset === lastOutside) return;
      lastOutside = e.offset;
      jsonError(e);
    };
    children.forEach((child, index) => {
      const end = child.offset + child.length;
      let inside: ParseError | undefined;
      while (ei < errors.length && errors[ei].offset < end) {
        const e = errors[ei++];
        if (e.offset > child.offset) inside ??= e;
        else reportOutside(e);
      }
      const at = pos(child.offset);
      if (inside) {
        this.b.skipped++;
        jsonError(inside);
        return;
      }
      const value: unknown = getNodeValue(child);
      if (!isRecord(value)) return this.b.skip(at, `expected a JSON object, got ${typeName(value)}`);
      this.b.fromJson(value, at, String(index + 1));
    });
    while (ei < errors.length) reportOutside(errors[ei++]);
  }
}

/** CSV with a header row; records go through csv-parse (sync API, or the web-stream API). */
class CsvHandler implements Handler {
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

class ParseRun {
  private readonly issues: IssueSink;
  private readonly builder: CaseBuilder;
  private handler: Handler | null = null;
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

  private start(firstChar: string): Handler {
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
