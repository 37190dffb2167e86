// The live client's retry rules: how long it waits, what it asks again, and that a cancel ends a wait.
import assert from 'node:assert/strict';
import { backoffDelay, parseRetryAfter, sleep, withRetries } from '../../../../src/core/live/retry';
import { LiveError, isRetryable, redactSecrets, displayUrl } from '../../../../src/core/live/liveError';

describe('core/live/retry', () => {
  it('parses Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    assert.equal(parseRetryAfter('2', now), 2000);
    assert.equal(parseRetryAfter(' 1.5 ', now), 1500);
    // 07:28:07 is 7 s after `now`; a date already past means at once, never a negative wait.
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:07 GMT', now), 7000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter('', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  it('backs off exponentially with jitter in [0.5, 1) of the step, capped, and honours Retry-After', () => {
    const lo = { baseMs: 100, maxMs: 1000, random: () => 0 };
    const hi = { baseMs: 100, maxMs: 1000, random: () => 0.999999 };
    // 100·2ⁿ ms times the lowest jitter factor 0.5 (random 0), held at half of maxMs 1000 from n = 4 on.
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, undefined, lo)), [50, 100, 200, 400, 500, 500]);
    // A random just below 1 keeps the whole step: 100, 200, 400, 800, then the cap.
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, undefined, hi)), [100, 200, 400, 800, 1000, 1000]);
    // The server's Retry-After wins over the step, so we never come back sooner than asked, but
    // only up to maxRetryAfterMs: a server asking for ten minutes gets one.
    assert.equal(backoffDelay(0, 3000, lo), 3000);
    assert.equal(backoffDelay(0, 10 * 60_000, { maxRetryAfterMs: 60_000 }), 60_000);
  });

  it('classifies errors: 429/500/502/503/504, timeouts and broken streams retry; 400/401/403/404 do not', () => {
    const http = (status: number): LiveError => new LiveError('http', `status ${status}`, { status });
    assert.deepEqual([429, 500, 502, 503, 504].map((s) => isRetryable(http(s))), [true, true, true, true, true]);
    // The request itself is wrong: asking again gets the same answer.
    assert.deepEqual([400, 404, 422].map((s) => isRetryable(http(s))), [false, false, false]);
    assert.equal(isRetryable(new LiveError('auth', 'no', { status: 401 })), false);
    assert.equal(isRetryable(new LiveError('timeout', 't')), true);
    assert.equal(isRetryable(new LiveError('stream', 's')), true);
    assert.equal(isRetryable(new LiveError('protocol', 'p')), true);
    assert.equal(isRetryable(new LiveError('cancelled', 'c')), false);
  });

  it('retries until success, waiting what the server asked', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls++;
        if (calls === 1) throw new LiveError('http', '429', { status: 429, retryAfterMs: 30 });
        if (calls === 2) throw new LiveError('stream', 'reset');
        return 'ok';
      },
      { backoff: { baseMs: 5, random: () => 0 }, onRetry: (_e, _n, d) => waits.push(d) },
    );
    assert.equal(result, 'ok');
    assert.equal(calls, 3);
    // The 429's Retry-After (30 ms), then retry 1 of the broken stream: 5·2¹ ms halved by random 0.
    assert.deepEqual(waits, [30, 5]);
  });

  it('gives up after `retries` retries and at once on a non-retryable error', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(async () => {
        calls++;
        throw new LiveError('http', 'boom', { status: 500 });
      }, { retries: 2, backoff: { baseMs: 1 } }),
      /boom/,
    );
    // retries: 2 means the first attempt and two more.
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(
      withRetries(async () => {
        calls++;
        throw new LiveError('http', 'bad request', { status: 400 });
      }, { retries: 5, backoff: { baseMs: 1 } }),
      /bad request/,
    );
    // A 400 is not retried at all.
    assert.equal(calls, 1);
  });

  it('waits through the sleep it is given, for the backoff sequence and the Retry-After asked', async () => {
    const slept: number[] = [];
    let calls = 0;
    await assert.rejects(
      withRetries(
        async () => {
          calls++;
          throw calls === 3 ? new LiveError('http', '429', { status: 429, retryAfterMs: 7000 }) : new LiveError('http', '503', { status: 503 });
        },
        { retries: 4, backoff: { baseMs: 100, maxMs: 250, random: () => 0.999999 }, sleep: async (ms) => void slept.push(ms) },
      ),
      /503/,
    );
    assert.equal(calls, 5);
    // Retries 0, 1, 3 back off 100·2ⁿ ms capped at 250; retry 2 waits the server's 7 s instead.
    assert.deepEqual(slept, [100, 200, 7000, 250]);
  });

  it('stops waiting as soon as the signal aborts', async () => {
    const ctl = new AbortController();
    const delays: number[] = [];
    // The abort comes one macrotask into the 60 s wait; the check comes one macrotask after the abort.
    let markStillWaiting!: (v: string) => void;
    const stillWaiting = new Promise<string>((done) => (markStillWaiting = done));
    const run = withRetries(
      async () => {
        throw new LiveError('http', 'slow down', { status: 429, retryAfterMs: 60_000 });
      },
      {
        signal: ctl.signal,
        onRetry: (_e, _n, d) => {
          delays.push(d);
          setImmediate(() => {
            ctl.abort();
            setImmediate(() => markStillWaiting('still waiting'));
          });
        },
      },
    ).then(() => 'resolved', (e: unknown) => e);
    const first = await Promise.race([run, stillWaiting]);
    assert.deepEqual(delays, [60_000]);
    assert.ok(first instanceof LiveError && first.kind === 'cancelled', `got ${String(first)}`);
    await assert.rejects(sleep(10_000, AbortSignal.abort(new Error('gone'))), /gone/);
    const ctl2 = new AbortController();
    const pending = sleep(60_000, ctl2.signal).then(() => 'slept', (e: unknown) => e);
    ctl2.abort(new Error('stop'));
    const outcome = await Promise.race([pending, new Promise((done) => setImmediate(() => done('still waiting')))]);
    assert.match(String(outcome), /stop/);
  });

  it('redacts secrets and credentials from text shown to the user', () => {
    assert.equal(redactSecrets('Incorrect API key provided: sk-abc123456', ['sk-abc123456']), 'Incorrect API key provided: ***');
    assert.equal(redactSecrets('nothing to hide', [undefined, '']), 'nothing to hide');
    assert.equal(displayUrl('https://user:pw@example.test/v1/'), 'https://example.test/v1');
  });
});
