import { getNodeValue, parseTree } from 'jsonc-parser';
import type { ParseError } from 'jsonc-parser';
import { describeJsonError } from '../issueText';
import { lineStarts, positionOf } from '../textPosition';
import { isRecord, typeName, type CaseBuilder, type FormatHandler, type Located } from './caseBuilder';

/** A JSON array of objects; buffered, then mapped to lines through the parse tree's offsets. */
export class JsonArrayHandler implements FormatHandler {
  private readonly lines: string[] = [];

  constructor(private readonly b: CaseBuilder) {}

  line(text: string): void {
    this.lines.push(text);
  }

  finish(): void {
    const text = this.lines.join('\n');
    const starts = lineStarts(text);
    const pos = (offset: number): Located => positionOf(starts, offset);
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
