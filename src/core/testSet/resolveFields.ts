import type { FieldMap } from '../types';

/** Default field names; lists are tried in order. */
export const DEFAULT_FIELDS: Readonly<FieldMap> = Object.freeze({
  id: ['id'],
  question: ['question', 'input', 'prompt'],
  answer: ['answer'],
  answers: ['answers'],
  output: ['output'],
  tags: ['tags'],
});

export const FIELD_KEYS = ['id', 'question', 'answer', 'answers', 'output', 'tags'] as const;

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


/** A row's value for a field, with the name it was found under (for messages). */
export interface Found {
  name: string;
  value: unknown;
}

/** The first of `names` that the row holds a non-null value for. */
export function lookup(row: Record<string, unknown>, names: readonly string[]): Found | undefined {
  for (const name of names) {
    const value = row[name];
    if (value !== undefined && value !== null) return { name, value };
  }
  return undefined;
}
