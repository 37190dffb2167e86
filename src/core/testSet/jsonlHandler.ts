import { parse as parseJsonc } from 'jsonc-parser';
import type { ParseError } from 'jsonc-parser';
import { describeJsonError } from '../issueText';
import { isRecord, typeName, type CaseBuilder, type FormatHandler } from './caseBuilder';

/** One JSON object per line. */
export class JsonlHandler implements FormatHandler {
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
