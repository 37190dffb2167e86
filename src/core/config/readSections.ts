import type { Node } from 'jsonc-parser';
import { quoteList } from '../issueText';
import { FIELD_KEYS, resolveFields, type FieldMapInput } from '../testSet/resolveFields';
import type { FieldMap, ThinkingTags } from '../types';
import { describe, valueOf } from './jsoncNodes';
import type { NodeReader } from './nodeReader';
import { DEFAULT_CONFIG, type ConfigParseOptions, type PriceConfig } from './promptBudgetConfig';
import { suggest } from './suggest';

export function readTestSets(r: NodeReader, node: Node): string[] | undefined {
  if (node.type === 'string') return r.string(node, 'testSets', true) !== undefined ? [node.value as string] : undefined;
  const items = r.list(node, 'testSets');
  if (!items) return undefined;
  return items.flatMap((item) => {
    const s = r.string(item, 'testSets[]', true);
    return s === undefined ? [] : [s];
  });
}

export function readCutoffs(r: NodeReader, node: Node): number[] | undefined {
  const items = r.list(node, 'cutoffs');
  if (!items) return undefined;
  const out = new Set<number>();
  for (const item of items) {
    const v = item.value as unknown;
    if (item.type !== 'number' || typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      r.issue(item, `cutoff must be a positive integer (tokens), got ${describe(valueOf(item))}`);
    } else if (out.has(v)) {
      r.issue(item, `duplicate cutoff ${v}`, 'warning');
    } else {
      out.add(v);
    }
  }
  if (out.size === 0 && items.length > 0) return undefined;
  return [...out].sort((a, b) => a - b);
}

export function readPolicies(r: NodeReader, node: Node, opts: ConfigParseOptions): string[] | undefined {
  const items = r.list(node, 'policies');
  if (!items) return undefined;
  const out: string[] = [];
  for (const item of items) {
    const name = r.string(item, 'policies[]', true)?.trim();
    if (name === undefined) continue;
    const problem = opts.validatePolicy?.(name) ?? null;
    if (problem !== null) r.issue(item, problem);
    else if (out.includes(name)) r.issue(item, `duplicate policy "${name}"`, 'warning');
    else out.push(name);
  }
  return out;
}

export function readFields(r: NodeReader, node: Node): FieldMap {
  if (!r.object(node, 'fields')) return resolveFields();
  const given: FieldMapInput = {};
  for (const [key, value, keyNode] of r.properties(node)) {
    if (!(FIELD_KEYS as readonly string[]).includes(key)) {
      r.issue(keyNode, `unknown field "${key}"${suggest(key, FIELD_KEYS)} (fields are ${quoteList(FIELD_KEYS)}); ignored`, 'warning');
      continue;
    }
    const field = key as (typeof FIELD_KEYS)[number];
    if (value.type === 'string' && (value.value as string) !== '') {
      given[field] = value.value as string;
    } else if (value.type === 'array' && (value.children ?? []).length > 0 && (value.children ?? []).every((c) => c.type === 'string' && c.value !== '')) {
      given[field] = (value.children ?? []).map((c) => c.value as string);
    } else {
      r.issue(value, `"fields.${key}" must be a column name or a non-empty list of names, got ${describe(valueOf(value))}; default used`);
    }
  }
  return resolveFields(given);
}

export function readFolds(r: NodeReader, node: Node): number | undefined {
  const v = node.value as unknown;
  if (node.type === 'number' && typeof v === 'number' && Number.isInteger(v) && (v === 0 || (v >= 2 && v <= 20))) return v;
  r.issue(node, `"folds" must be 0 (off) or an integer from 2 to 20, got ${describe(valueOf(node))}`);
  return undefined;
}

export function readPrices(r: NodeReader, node: Node): PriceConfig {
  const out = { ...DEFAULT_CONFIG.prices };
  if (!r.object(node, 'prices')) return out;
  for (const [key, value, keyNode] of r.properties(node)) {
    if (key === 'inputPer1M' || key === 'outputPer1M') out[key] = r.number(value, `prices.${key}`, 0, 1e6) ?? out[key];
    else r.issue(keyNode, `unknown setting "prices.${key}"${suggest(key, ['inputPer1M', 'outputPer1M'])}; ignored`, 'warning');
  }
  return out;
}

/** `casesToAdd`: `{ "minSavings": <percent of full length's tokens, 0–100> }`. */
export function readCasesToAdd(r: NodeReader, node: Node): { minSavings: number } {
  const out = { ...DEFAULT_CONFIG.casesToAdd };
  if (!r.object(node, 'casesToAdd')) return out;
  for (const [key, value, keyNode] of r.properties(node)) {
    if (key === 'minSavings') out.minSavings = r.number(value, 'casesToAdd.minSavings', 0, 100) ?? out.minSavings;
    else r.issue(keyNode, `unknown setting "casesToAdd.${key}"${suggest(key, ['minSavings'])}; ignored`, 'warning');
  }
  return out;
}

/** `thinking`: one `{ "open", "close" }` pair or a list of them. Undefined on any error. */
export function readThinking(r: NodeReader, node: Node): ThinkingTags[] | undefined {
  const items = node.type === 'array' ? (node.children ?? []) : [node];
  if (items.length === 0) {
    r.issue(node, '"thinking" must name at least one { "open": "<think>", "close": "</think>" } pair; defaults used');
    return undefined;
  }
  const out: ThinkingTags[] = [];
  for (const item of items) {
    if (!r.object(item, 'thinking')) return undefined;
    const pair: Partial<ThinkingTags> = {};
    for (const [key, value, keyNode] of r.properties(item)) {
      if (key === 'open' || key === 'close') pair[key] = r.string(value, `thinking.${key}`, true);
      else r.issue(keyNode, `unknown setting "thinking.${key}"${suggest(key, ['open', 'close'])}; ignored`, 'warning');
    }
    if (pair.open === undefined || pair.close === undefined) {
      r.issue(item, 'a "thinking" pair needs non-empty "open" and "close" strings; defaults used');
      return undefined;
    }
    out.push({ open: pair.open, close: pair.close });
  }
  return out;
}

/** `hesitations`: a list of words or phrases. Undefined on any error. */
export function readHesitations(r: NodeReader, node: Node): string[] | undefined {
  const items = r.list(node, 'hesitations');
  if (!items) return undefined;
  const out: string[] = [];
  for (const item of items) {
    const word = r.string(item, 'hesitations[]', true);
    if (word === undefined) return undefined;
    out.push(word);
  }
  return out;
}
