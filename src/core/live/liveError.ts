/**
 * Errors of the live client. Every message is safe to show and log: it never contains the API
 * key (see {@link redactSecrets}).
 */

/**
 * What went wrong with a request:
 * - `unreachable`: no connection could be made (refused, unknown host, …);
 * - `auth`: the server rejected the key (401/403);
 * - `http`: any other error status;
 * - `timeout`: nothing arrived for longer than the per-request timeout;
 * - `stream`: the connection broke before the response was complete;
 * - `protocol`: the server sent something that is not the OpenAI format (e.g. a malformed SSE line);
 * - `cancelled`: the caller aborted.
 */
export type LiveErrorKind = 'unreachable' | 'auth' | 'http' | 'timeout' | 'stream' | 'protocol' | 'cancelled';

/** A failed request, classified for retry decisions and user messages. */
export class LiveError extends Error {
  readonly kind: LiveErrorKind;
  readonly status?: number;
  /** Delay the server asked for with `Retry-After`, in ms. */
  readonly retryAfterMs?: number;

  constructor(kind: LiveErrorKind, message: string, extra: { status?: number; retryAfterMs?: number } = {}) {
    super(message);
    this.name = 'LiveError';
    this.kind = kind;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.retryAfterMs !== undefined) this.retryAfterMs = extra.retryAfterMs;
  }
}

/** Statuses worth retrying: rate limits, overload and transient gateway errors. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Whether another attempt may succeed. Bad requests, auth failures and cancellation are final. */
export function isRetryable(err: LiveError): boolean {
  switch (err.kind) {
    case 'timeout':
    case 'stream':
    case 'protocol':
    case 'unreachable':
      return true;
    case 'http':
      return err.status !== undefined && RETRYABLE_STATUSES.has(err.status);
    case 'auth':
    case 'cancelled':
      return false;
    default: {
      const never: never = err.kind;
      throw new Error(`unknown error kind ${String(never)}`);
    }
  }
}

/** Replaces every occurrence of each secret (and its `Bearer` form) with `***`. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('***');
  }
  return out;
}

/** A base URL with any `user:password@` part removed, for messages. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
