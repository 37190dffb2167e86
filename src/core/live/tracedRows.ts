/**
 * The traced test set a live run writes: each original row plus `output`, `finishReason`, `usage`, `probes`, `arms`.
 * Shared by `prompt-budget run` and the editor's live sweep, so both write the same file.
 */
import { getNodeValue, parseTree } from 'jsonc-parser';
import { lineStarts, positionOf } from '../textPosition';
import type { Case, FieldMap } from '../types';
import type { LiveCaseResult } from './liveRun';

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The original rows of a test set by 1-based line (JSONL) or element start line (JSON array), as
 * `Case.line` numbers them. CSV yields none: {@link tracedRow} rebuilds those rows from the cases.
 */
export function rawRowsByLine(text: string, fileName: string): Map<number, Record<string, unknown>> {
  const rows = new Map<number, Record<string, unknown>>();
  const body = text.replace(/^\uFEFF/, '');
  if (/\.(csv|tsv)$/i.test(fileName)) return rows;
  const trimmed = body.trimStart();
  if (/\.json$/i.test(fileName) || (!/\.(jsonl|ndjson)$/i.test(fileName) && trimmed.startsWith('['))) {
    const root = parseTree(body, [], { allowTrailingComma: true, disallowComments: false });
    if (!root || root.type !== 'array') return rows;
    const starts = lineStarts(body);
    for (const child of root.children ?? []) {
      const value: unknown = getNodeValue(child);
      if (isRecord(value)) rows.set(positionOf(starts, child.offset).line, value);
    }
    return rows;
  }
  body.split('\n').forEach((line, i) => {
    try {
      const value: unknown = JSON.parse(line);
      if (isRecord(value)) rows.set(i + 1, value);
    } catch {
      // a bad line was reported and skipped by the parser
    }
  });
  return rows;
}

/** One output row: the original (or rebuilt) row, old trace fields replaced by the run's; no result, no `output`. */
export function tracedRow(c: Case, raw: Readonly<Record<string, unknown>> | undefined, r: LiveCaseResult, fields: FieldMap): Record<string, unknown> {
  const row: Record<string, unknown> = raw
    ? { ...raw }
    : { [fields.id[0]]: c.id, [fields.question[0]]: c.question, [fields.answers[0]]: c.answers, ...(c.tags.length ? { [fields.tags[0]]: c.tags } : {}) };
  // Ids taken from line numbers would change in the new file, so write them out.
  if (!fields.id.some((n) => row[n] !== undefined && row[n] !== null)) row[fields.id[0]] = c.id;
  for (const n of fields.output) delete row[n];
  for (const n of ['finishReason', 'finish_reason', 'usage', 'probes', 'forced', 'arms']) delete row[n];
  if (r.output !== undefined) row[fields.output[0]] = r.output;
  if (r.finishReason !== undefined) row.finishReason = r.finishReason;
  if (r.usage) row.usage = r.usage;
  if (r.probes) row.probes = r.probes;
  if (r.forced) row.forced = r.forced;
  if (r.arms) row.arms = r.arms;
  return row;
}

/** The whole traced test set as JSONL, one {@link tracedRow} per case in order. */
export function tracedJsonl(cases: readonly Case[], rows: readonly (Readonly<Record<string, unknown>> | undefined)[], results: readonly LiveCaseResult[], fields: FieldMap): string {
  return cases.map((c, i) => `${JSON.stringify(tracedRow(c, rows[i], results[i], fields))}\n`).join('');
}

/** `tests.jsonl` → `tests.traces.jsonl` (`.json`, `.csv`, …); a traces file maps to itself, so re-runs reuse it. */
export function tracesFileName(fileName: string): string {
  const stem = fileName.replace(/\.(jsonl|ndjson|json|csv|tsv)$/i, '').replace(/\.traces$/i, '');
  return `${stem}.traces.jsonl`;
}

/** What a traced row holds of a live run's result, as written (the inverse of {@link tracedRow}). */
export function resultOfTracedRow(id: string, row: Readonly<Record<string, unknown>> | undefined, fields: FieldMap): LiveCaseResult {
  const r: LiveCaseResult = { id };
  if (!row) return r;
  const output = fields.output.map((n) => row[n]).find((v) => typeof v === 'string');
  if (typeof output === 'string') r.output = output;
  if (typeof row.finishReason === 'string') r.finishReason = row.finishReason;
  if (isRecord(row.usage)) r.usage = row.usage as LiveCaseResult['usage'];
  if (Array.isArray(row.probes)) r.probes = row.probes as LiveCaseResult['probes'];
  if (Array.isArray(row.forced)) r.forced = row.forced as LiveCaseResult['forced'];
  if (isRecord(row.arms)) r.arms = row.arms as LiveCaseResult['arms'];
  return r;
}
