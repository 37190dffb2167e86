import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalJson, CACHE_VERSION, MemoryCacheStore, requestCacheKey } from '../../../../src/core/live/cacheStore';

describe('core/live/cacheStore', () => {
  it('serialises objects with sorted keys at every level and drops undefined values', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('keys a request by SHA-256 of URL and body, independent of key order', async () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 64 };
    const key = await requestCacheKey('http://h/v1/chat/completions', body);
    const expected = createHash('sha256')
      .update(canonicalJson({ v: CACHE_VERSION, url: 'http://h/v1/chat/completions', body }))
      .digest('hex');
    assert.equal(key, expected);
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(await requestCacheKey('http://h/v1/chat/completions', { max_tokens: 64, messages: body.messages, model: 'm' }), key);
  });

  it('changes the key when anything that changes the output changes', async () => {
    const url = 'http://h/v1/chat/completions';
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 64 };
    const base = await requestCacheKey(url, body);
    const variants = await Promise.all([
      requestCacheKey('http://other/v1/chat/completions', body),
      requestCacheKey(url, { ...body, model: 'm2' }),
      requestCacheKey(url, { ...body, messages: [{ role: 'user', content: 'hi!' }] }),
      requestCacheKey(url, { ...body, max_tokens: 65 }),
      requestCacheKey(url, { ...body, temperature: 0 }),
      requestCacheKey(url, { ...body, reasoning_effort: 'low' }),
    ]);
    assert.equal(new Set([base, ...variants]).size, 7);
  });

  it('stores values in memory', async () => {
    const store = new MemoryCacheStore();
    assert.equal(await store.get('k'), undefined);
    await store.put('k', 'v');
    assert.equal(await store.get('k'), 'v');
  });
});
