import type { Node } from 'jsonc-parser';
import { quoteList } from '../issueText';
import type { LineIssue } from '../types';
import { Positions, describe, valueOf } from './jsoncNodes';

/**
 * Collects issues against tree nodes of one config text (line and column from the node's offset)
 * and reads typed values, reporting what it rejects; the section readers build on it.
 */
export class NodeReader {
  readonly issues: LineIssue[] = [];
  private readonly pos: Positions;

  constructor(text: string) {
    this.pos = new Positions(text);
  }

  issue(node: Node | { offset: number; length: number }, message: string, severity: 'error' | 'warning' = 'error'): void {
    const p = this.pos.at(node.offset);
    this.issues.push({ line: p.line + 1, column: p.character + 1, length: node.length, message, severity });
  }

  /** Properties of an object node in order, warning on duplicate keys (the last one wins). */
  properties(obj: Node): [string, Node, Node][] {
    const out: [string, Node, Node][] = [];
    const seen = new Set<string>();
    for (const prop of obj.children ?? []) {
      const [keyNode, value] = prop.children ?? [];
      if (!keyNode || !value || typeof keyNode.value !== 'string') continue;
      const key = keyNode.value;
      if (seen.has(key)) this.issue(keyNode, `duplicate key "${key}"; the last one wins`, 'warning');
      seen.add(key);
      out.push([key, value, keyNode]);
    }
    return out;
  }

  object(node: Node, key: string): boolean {
    if (node.type === 'object') return true;
    this.issue(node, `"${key}" must be an object, got ${describe(valueOf(node))}; default used`);
    return false;
  }

  string(node: Node, key: string, nonEmpty = false): string | undefined {
    if (node.type === 'string' && (!nonEmpty || (node.value as string).trim() !== '')) return node.value as string;
    this.issue(node, `"${key}" must be a ${nonEmpty ? 'non-empty ' : ''}string, got ${describe(valueOf(node))}`);
    return undefined;
  }

  boolean(node: Node, key: string): boolean | undefined {
    if (node.type === 'boolean') return node.value as boolean;
    this.issue(node, `"${key}" must be true or false, got ${describe(valueOf(node))}`);
    return undefined;
  }

  number(node: Node, key: string, min: number, max: number): number | undefined {
    const v = node.value as unknown;
    if (node.type === 'number' && typeof v === 'number' && v >= min && v <= max) return v;
    this.issue(node, `"${key}" must be a number from ${min} to ${max}, got ${describe(valueOf(node))}`);
    return undefined;
  }

  integer(node: Node, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = node.value as unknown;
    if (node.type === 'number' && typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    const range = max === Number.MAX_SAFE_INTEGER ? (min === 1 ? 'a positive integer' : `an integer ≥ ${min}`) : `an integer from ${min} to ${max}`;
    this.issue(node, `"${key}" must be ${range}, got ${describe(valueOf(node))}`);
    return undefined;
  }

  oneOf<T extends string>(node: Node, key: string, what: string, allowed: readonly T[]): T | undefined {
    if (node.type === 'string' && allowed.includes(node.value as T)) return node.value as T;
    if (node.type === 'string') {
      this.issue(node, `unknown ${what} "${node.value as string}" (expected ${quoteList(allowed)})`);
    } else {
      this.issue(node, `"${key}" must be one of ${quoteList(allowed)}, got ${describe(valueOf(node))}`);
    }
    return undefined;
  }

  list(node: Node, key: string): Node[] | undefined {
    if (node.type === 'array') return node.children ?? [];
    this.issue(node, `"${key}" must be a list, got ${describe(valueOf(node))}; default used`);
    return undefined;
  }
}
