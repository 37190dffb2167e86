// The live client's errors on their own: what each carries, which kinds and statuses are worth
// another attempt, and that secrets and credentials never reach a message.
import assert from 'node:assert/strict';
import { LiveError, RETRYABLE_STATUSES, displayUrl, isRetryable, redactSecrets, type LiveErrorKind } from '../../../../src/core/live/liveError';

describe('core/live/liveError', () => {
  it('carries its kind, status and Retry-After, and only the extras it was given', () => {
    const e = new LiveError('http', 'http://h/v1 answered 429', { status: 429, retryAfterMs: 3000 });
    assert.ok(e instanceof Error);
    assert.deepEqual([e.name, e.kind, e.message, e.status, e.retryAfterMs], ['LiveError', 'http', 'http://h/v1 answered 429', 429, 3000]);
    const bare = new LiveError('timeout', 'no response for 0.2 s');
    assert.deepEqual([bare.status, bare.retryAfterMs], [undefined, undefined]);
    // Undefined extras vanish from JSON: a logged error shows no "status": null.
    assert.equal(JSON.stringify({ ...bare }), '{"kind":"timeout","name":"LiveError"}');
    // A Retry-After of 0 ("now") is a value, kept as such.
    assert.equal(new LiveError('http', 'x', { status: 503, retryAfterMs: 0 }).retryAfterMs, 0);
  });

  it('retries transient kinds and statuses 408, 429, 500, 502, 503, 504 only', () => {
    assert.deepEqual([...RETRYABLE_STATUSES].sort((a, b) => a - b), [408, 429, 500, 502, 503, 504]);
    const kinds: [LiveErrorKind, boolean][] = [
      ['unreachable', true],
      ['timeout', true],
      ['stream', true],
      ['protocol', true],
      ['auth', false],
      ['cancelled', false],
    ];
    for (const [kind, want] of kinds) assert.equal(isRetryable(new LiveError(kind, kind)), want, kind);
    const http = (status?: number): boolean => isRetryable(new LiveError('http', 'h', status === undefined ? {} : { status }));
    assert.deepEqual([408, 429, 500, 502, 503, 504].map(http), [true, true, true, true, true, true]);
    assert.deepEqual([400, 404, 409, 413, 422, 501, 505].map(http), [false, false, false, false, false, false, false]);
    // An http error without a status cannot be judged transient.
    assert.equal(http(), false);
  });

  it('redacts every occurrence of each secret, its Bearer form included, but not strings under 4 characters', () => {
    assert.equal(redactSecrets('Bearer sk-abc123 rejected; key sk-abc123 and sk-zz99', ['sk-abc123', 'sk-zz99']), 'Bearer *** rejected; key *** and ***');
    assert.equal(redactSecrets('key abc in abcabc', ['abc']), 'key abc in abcabc');
    assert.equal(redactSecrets('abcd abcd', ['abcd', undefined, '']), '*** ***');
  });

  it('drops user and password from a URL for messages and keeps the rest', () => {
    assert.equal(displayUrl('https://user:pw@example.test/v1/'), 'https://example.test/v1');
    assert.equal(displayUrl('https://user@example.test:8443/v1/?a=1'), 'https://example.test:8443/v1/?a=1');
    assert.equal(displayUrl('http://127.0.0.1:8080/v1/'), 'http://127.0.0.1:8080/v1');
    assert.equal(displayUrl('https://u:p@h.test'), 'https://h.test');
    // Not a URL: shown as given rather than thrown on.
    assert.equal(displayUrl('not a url'), 'not a url');
  });
});
