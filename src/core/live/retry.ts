/** Retries: exponential backoff with jitter, `Retry-After` parsing, an abortable sleep, and the retry loop. */
import { isRetryable, LiveError } from './liveError';

/** Backoff settings; delays in ms. */
export interface BackoffOptions {
  /** Delay before the first retry (before jitter). Default 500. */
  baseMs?: number;
  /** Upper bound of a computed delay. Default 30 000. */
  maxMs?: number;
  /** Upper bound honoured for a server's `Retry-After`. Default 120 000. */
  maxRetryAfterMs?: number;
  /** Source of randomness in [0, 1) for jitter (injectable for tests). */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (0-based): `min(maxMs, baseMs·2^attempt)` scaled by a random
 * factor in [0.5, 1) so that clients retrying together spread out. A server's `Retry-After`
 * wins when given (capped at `maxRetryAfterMs`), so we never come back sooner than asked.
 */
export function backoffDelay(attempt: number, retryAfterMs: number | undefined, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 500;
  const max = opts.maxMs ?? 30_000;
  const random = opts.random ?? Math.random;
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), opts.maxRetryAfterMs ?? 120_000);
  const exp = Math.min(max, base * 2 ** attempt);
  return Math.round(exp * (0.5 + 0.5 * random()));
}

/** Parses `Retry-After` (delay-seconds or an HTTP date) into ms from `now` (0 if past); undefined if unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** How many times and how patiently to retry. */
export interface RetryOptions {
  /** Retries after the first attempt (default 5). */
  retries?: number;
  backoff?: BackoffOptions;
  /** Aborting stops waiting at once and rejects with a `cancelled` error. */
  signal?: AbortSignal;
  /** Extra veto on retrying an otherwise retryable error (e.g. "server never answered"). */
  shouldRetry?: (err: LiveError) => boolean;
  /** Told before each wait, e.g. to log "retrying in 2.0 s (429)". */
  onRetry?: (err: LiveError, attempt: number, delayMs: number) => void;
  /** Waits between attempts; defaults to {@link sleep} (tests pass one that records the delays). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function cancelled(): LiveError {
  return new LiveError('cancelled', 'cancelled');
}

/**
 * Runs `attempt` until it succeeds, a non-retryable {@link LiveError} occurs, or the retries run out (then the last
 * error is thrown). Errors that are not `LiveError`s are bugs and are thrown at once.
 */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const retries = opts.retries ?? 5;
  const wait = opts.sleep ?? sleep;
  for (let n = 0; ; n++) {
    if (opts.signal?.aborted) throw cancelled();
    try {
      return await attempt(n);
    } catch (e) {
      if (!(e instanceof LiveError)) throw e;
      if (opts.signal?.aborted) throw cancelled();
      if (n >= retries || !isRetryable(e) || (opts.shouldRetry && !opts.shouldRetry(e))) throw e;
      const delay = backoffDelay(n, e.retryAfterMs, opts.backoff);
      opts.onRetry?.(e, n + 1, delay);
      try {
        await wait(delay, opts.signal);
      } catch {
        throw cancelled();
      }
    }
  }
}
