// The live section: every setting, and the API key that must never be read from a committed file.
import assert from 'node:assert/strict';
import { parseConfig } from '../../../../src/core/config/parseConfig';
import { DEFAULT_CONFIG } from '../../../../src/core/config/promptBudgetConfig';

describe('core/config/readLive', () => {
  it('reads every live setting', () => {
    const r = parseConfig('{"live": {"baseUrl": "https://example.test/v1", "model": "m", "maxTokens": 64, "temperature": 0.5, "concurrency": 8, "timeoutMs": 1000, "probeEvery": 32, "extraBody": {"top_p": 1, "stop": ["x"]}, "arms": [{"name": "low", "body": {"reasoning_effort": "low"}}]}}');
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.config.live, {
      baseUrl: 'https://example.test/v1',
      model: 'm',
      maxTokens: 64,
      temperature: 0.5,
      concurrency: 8,
      timeoutMs: 1000,
      probeEvery: 32,
      extraBody: { top_p: 1, stop: ['x'] },
      arms: [{ name: 'low', body: { reasoning_effort: 'low' } }],
    });
  });

  it('refuses an API key in the file and points to secret storage, whatever it is called', () => {
    for (const key of ['apiKey', 'api_key', 'API-KEY', 'token', 'Authorization', 'password']) {
      const r = parseConfig(`{"live": {"${key}": "sk-123"}}`);
      assert.equal(r.issues.length, 1, key);
      assert.equal(r.issues[0].severity, 'error');
      assert.match(r.issues[0].message, new RegExp(`^"live\\.${key}" looks like a secret: .*use the "Set API Key" command`));
      // The key is not kept anywhere in the config, even though it was refused.
      assert.ok(!JSON.stringify(r.config).includes('sk-123'));
    }
  });

  it('accepts only http and https base URLs, and suggests names for typos', () => {
    // The rejected base URL keeps the default; typos are warnings, so the rest still applies.
    const r = parseConfig('{"live": {"baseUrl": "ws://host/v1", "mdel": "x", "concurency": 2}}');
    assert.equal(r.config.live.baseUrl, DEFAULT_CONFIG.live.baseUrl);
    assert.deepEqual(r.issues.map((i) => i.message), [
      '"live.baseUrl" must be an http:// or https:// URL, got "ws://host/v1"',
      'unknown setting "live.mdel" (did you mean "model"?); ignored',
      'unknown setting "live.concurency" (did you mean "concurrency"?); ignored',
    ]);
    assert.equal(parseConfig('{"live": {"baseUrl": "not a url"}}').issues[0].message, '"live.baseUrl" must be an http:// or https:// URL, got "not a url"');
  });
});
