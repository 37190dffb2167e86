import { printParseErrorCode } from 'jsonc-parser';
import type { Node, ParseError } from 'jsonc-parser';
import { positionOf } from '../textPosition';

/** Where things are in the text: offset → 0-based line and character. */
export class Positions {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 13 && text.charCodeAt(i + 1) === 10) continue;
      if (ch === 10 || ch === 13) this.starts.push(i + 1);
    }
  }

  at(offset: number): { line: number; character: number } {
    const { line, column } = positionOf(this.starts, offset);
    return { line: line - 1, character: column - 1 };
  }
}

/** A value as messages quote it: strings in quotes (cut at 40 characters), lists and objects by kind. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

/** Whether a jsonc-parser error has the given code name. */
export function isCode(e: ParseError, name: ReturnType<typeof printParseErrorCode>): boolean {
  return printParseErrorCode(e.error) === name;
}

/** The plain JSON value of a parse-tree node. */
export function valueOf(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (k && v && typeof k.value === 'string') out[k.value] = valueOf(v);
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(valueOf);
    default:
      return node.value as unknown;
  }
}
