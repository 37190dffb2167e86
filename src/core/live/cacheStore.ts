/**
 * The response cache of live mode. Core only sees this interface; the CLI stores entries as files
 * and the extension may use its own storage, so core stays free of `fs`.
 */

/** Key/value storage for cached responses. Keys are 64 lowercase hex digits (SHA-256). */
export interface CacheStore {
  /** The stored value, or undefined when there is none (or it cannot be read). */
  get(key: string): Promise<string | undefined>;
  /** Stores a value. Must be atomic: after a crash, `get` returns either nothing or the whole value. */
  put(key: string, value: string): Promise<void>;
}

/** A cache held in memory (tests, or a run that should not touch the disk). */
export class MemoryCacheStore implements CacheStore {
  readonly entries = new Map<string, string>();

  async get(key: string): Promise<string | undefined> {
    return this.entries.get(key);
  }

  async put(key: string, value: string): Promise<void> {
    this.entries.set(key, value);
  }
}

/** JSON with object keys sorted at every level, so equal requests always serialise alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as Record<string, unknown>).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Bump when the cached value format or the request shape changes meaning. */
export const CACHE_VERSION = 1;

/**
 * The cache key of a request: SHA-256 (hex) of the canonical JSON of the endpoint URL and the
 * whole request body (model, messages or prompt, every parameter). Headers — and so the API key —
 * are not part of it. `sample` (1, 2, …) tells apart repeated identical requests of one run, e.g.
 * a test set that asks the same question 8 times to get 8 samples; 0 (the default) adds nothing.
 */
export async function requestCacheKey(url: string, body: Record<string, unknown>, sample = 0): Promise<string> {
  const text = canonicalJson(sample > 0 ? { v: CACHE_VERSION, url, body, sample } : { v: CACHE_VERSION, url, body });
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  let hex = '';
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, '0');
  return hex;
}
