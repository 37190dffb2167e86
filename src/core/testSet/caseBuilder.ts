import { quoteList } from '../issueText';
import type { ArmTrace, Case, FieldMap, ProbeRecord, UsageRecord } from '../types';
import type { IssueSink } from './issueSink';
import { lookup, type Found } from './resolveFields';

/** One parsed row, keyed by its column or property names. */
export type Row = Record<string, unknown>;

/** The JSON type of a value as messages name it (`list`, not `object`, for arrays). */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  return typeof v;
}

/** A JSON object (not null, not a list). */
export function isRecord(v: unknown): v is Row {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The raw values of one row, already looked up by field name. */
export interface RawRow {
  id?: Found;
  question?: Found;
  answer?: Found;
  answers?: Found;
  output?: Found;
  tags?: Found;
  finishReason?: unknown;
  usage?: unknown;
  probes?: unknown;
  forced?: unknown;
  arms?: unknown;
}

export interface Located {
  line: number;
  column?: number;
}

/** Turns looked-up rows into cases, checking types, gold answers and duplicate ids. */
export class CaseBuilder {
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
        forced: row.forced,
        arms: row.arms,
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
    const probes = this.probes(raw.probes, at, 'probes');
    if (probes) c.probes = probes;
    const forced = this.probes(raw.forced, at, 'forced');
    if (forced) c.forced = forced;
    const arms = this.arms(raw.arms, at);
    if (arms) c.arms = arms;
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

  /** `arms`: `{ "<name>": { output, finishReason?, usage? } }`; a bad entry is named and all arms of the row ignored. */
  private arms(value: unknown, at: Located): Record<string, ArmTrace> | undefined {
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) {
      this.warn(at, `"arms" must be an object of arm name to { output, … }, got ${typeName(value)}; arms ignored`);
      return undefined;
    }
    const out: Record<string, ArmTrace> = {};
    for (const [name, a] of Object.entries(value)) {
      if (!isRecord(a) || typeof a.output !== 'string') {
        this.warn(at, `"arms"."${name}" must be an object with a string "output", got ${isRecord(a) ? `output ${typeName(a.output)}` : typeName(a)}; arms ignored`);
        return undefined;
      }
      const arm: ArmTrace = { output: a.output };
      const finish = a.finishReason ?? a.finish_reason;
      if (typeof finish === 'string') arm.finishReason = finish;
      const usage = this.usage(a.usage, at);
      if (usage) arm.usage = usage;
      out[name] = arm;
    }
    return out;
  }

  /** Probe records, or forced answers (the same shape: `atToken`, `text`, `tokens`). */
  private probes(value: unknown, at: Located, field: 'probes' | 'forced'): ProbeRecord[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.warn(at, `"${field}" must be a list, got ${typeName(value)}; ${field} ignored`);
      return undefined;
    }
    const out: ProbeRecord[] = [];
    for (let i = 0; i < value.length; i++) {
      const p: unknown = value[i];
      const problem = probeProblem(p);
      if (problem !== null || !isRecord(p)) {
        this.warn(at, `"${field}"[${i}] ${problem ?? 'must be an object'}; ${field} ignored`);
        return undefined;
      }
      const record: ProbeRecord = { atToken: Number(p.atToken ?? p.at_token), text: String(p.text), tokens: Number(p.tokens ?? 0) };
      if (Array.isArray(p.logprobs)) record.logprobs = p.logprobs as number[];
      out.push(record);
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
  const lp = p.logprobs;
  if (lp !== undefined) {
    if (!Array.isArray(lp)) return `"logprobs" must be a list of numbers, got ${typeName(lp)}`;
    const odd: unknown = lp.find((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (odd !== undefined) return `"logprobs" must be a list of numbers, got one holding ${typeName(odd)}`;
  }
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

/** One format's parser: fed decoded lines in order, then finished (sync or async). */
export interface FormatHandler {
  line(text: string, line: number): void;
  flush?(): Promise<void>;
  finish(): void;
  finishAsync?(): Promise<void>;
}
