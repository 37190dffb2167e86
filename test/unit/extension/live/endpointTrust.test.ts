// Where the API key may go: a base URL that a cloned repository sets (workspace settings or
// promptbudget.json) gets the key only after the user agreed to that exact endpoint once.
import * as assert from 'node:assert/strict';
import { endpointKey, isLoopback, isWorkspaceSource, keyDecision, MAX_CONSENTED, resolveSetting, withConsent, type KeyDecisionInput } from '../../../../src/extension/live/endpointTrust';

const base: Omit<KeyDecisionInput, 'baseUrl' | 'source'> = { hasKey: true, consented: [], userBaseUrl: undefined, defaultBaseUrl: 'http://localhost:11434/v1' };

describe('extension/live/endpointTrust', () => {
  describe('resolveSetting', () => {
    it('takes promptbudget.json first, then folder, workspace, user, default', () => {
      const all = { defaultValue: 'd', user: 'u', workspace: 'w', workspaceFolder: 'f' };
      assert.deepEqual(resolveSetting(all, 'c', 'x'), { value: 'c', source: 'config' });
      assert.deepEqual(resolveSetting(all, undefined, 'x'), { value: 'f', source: 'workspaceFolder' });
      assert.deepEqual(resolveSetting({ ...all, workspaceFolder: undefined }, undefined, 'x'), { value: 'w', source: 'workspace' });
      assert.deepEqual(resolveSetting({ defaultValue: 'd', user: 'u' }, undefined, 'x'), { value: 'u', source: 'user' });
      assert.deepEqual(resolveSetting({ defaultValue: 'd' }, undefined, 'x'), { value: 'd', source: 'default' });
      assert.deepEqual(resolveSetting({}, undefined, 'x'), { value: 'x', source: 'default' });
      // 0 and '' are values, not gaps
      assert.deepEqual(resolveSetting<number>({ user: 0, defaultValue: 4 }, undefined, 9), { value: 0, source: 'user' });
    });

    it('marks what a repository controls', () => {
      assert.deepEqual(
        // A cloned repository can set workspace, folder and promptbudget.json values, never user or default ones.
        (['default', 'user', 'workspace', 'workspaceFolder', 'config'] as const).map(isWorkspaceSource),
        [false, false, true, true, true],
      );
    });
  });

  describe('endpointKey', () => {
    it('normalises case, default ports, trailing slashes, credentials and fragments', () => {
      assert.equal(endpointKey('HTTP://LocalHost:80/v1/'), 'http://localhost/v1');
      assert.equal(endpointKey('https://user:pw@api.example.com:443/v1#x'), 'https://api.example.com/v1');
      assert.equal(endpointKey(' http://127.0.0.1:8080/v1 '), 'http://127.0.0.1:8080/v1');
      // A query (Azure's api-version) is part of the endpoint, unlike a fragment.
      assert.equal(endpointKey('http://h/v1?api-version=2'), 'http://h/v1?api-version=2');
    });

    it('keeps what changes the destination apart', () => {
      const keys = ['http://h/v1', 'https://h/v1', 'http://h:81/v1', 'http://h/v2', 'http://h.evil/v1'].map(endpointKey);
      assert.equal(new Set(keys).size, 5);
      // the host after "@" is where the request goes
      assert.equal(endpointKey('http://trusted.example@evil.example/v1'), 'http://evil.example/v1');
    });

    it('rejects anything but http(s)', () => {
      for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'ftp://h/v1', 'localhost:11434/v1', '']) assert.equal(endpointKey(bad), undefined, bad);
    });
  });

  it('isLoopback', () => {
    assert.deepEqual(
      ['http://localhost:1/v1', 'http://127.0.0.1/v1', 'http://127.1.2.3/', 'http://[::1]:8/v1', 'http://api.localhost/', 'http://10.0.0.1/', 'https://localhost.example.com/'].map(isLoopback),
      [true, true, true, true, true, false, false],
    );
  });

  describe('keyDecision', () => {
    it('sends the key to user and default URLs without asking', () => {
      assert.equal(keyDecision({ ...base, baseUrl: 'https://api.example.com/v1', source: 'user' }), 'send');
      assert.equal(keyDecision({ ...base, baseUrl: 'http://localhost:11434/v1', source: 'default' }), 'send');
    });

    it('asks before sending the key to a URL from the workspace', () => {
      for (const source of ['workspace', 'workspaceFolder', 'config'] as const) {
        assert.equal(keyDecision({ ...base, baseUrl: 'https://collector.example/v1', source }), 'ask', source);
      }
    });

    it('does not ask again for an approved URL, however it is spelled', () => {
      const consented = withConsent([], 'https://collector.example/v1/');
      assert.equal(keyDecision({ ...base, baseUrl: 'HTTPS://collector.example:443/v1', source: 'config', consented }), 'send');
      assert.equal(keyDecision({ ...base, baseUrl: 'https://collector.example/v2', source: 'config', consented }), 'ask');
      assert.equal(keyDecision({ ...base, baseUrl: 'http://collector.example/v1', source: 'config', consented }), 'ask', 'http is another endpoint');
    });

    it('trusts a workspace value equal to the user setting or the default', () => {
      assert.equal(keyDecision({ ...base, baseUrl: 'https://mine.example/v1/', source: 'workspace', userBaseUrl: 'https://mine.example/v1' }), 'send');
      assert.equal(keyDecision({ ...base, baseUrl: 'http://localhost:11434/v1', source: 'config' }), 'send');
      // One port off the default is another server: asked again.
      assert.equal(keyDecision({ ...base, baseUrl: 'http://localhost:11435/v1', source: 'config' }), 'ask');
    });

    it('needs no consent when there is no key to leak, and refuses non-http URLs', () => {
      assert.equal(keyDecision({ ...base, hasKey: false, baseUrl: 'https://collector.example/v1', source: 'config' }), 'noKey');
      assert.equal(keyDecision({ ...base, baseUrl: 'file:///tmp/x', source: 'user' }), 'invalid');
      assert.equal(keyDecision({ ...base, hasKey: false, baseUrl: 'nonsense', source: 'config' }), 'invalid');
    });
  });

  it('withConsent keeps one entry per endpoint, newest last, at most MAX_CONSENTED', () => {
    let list = withConsent([], 'http://a/v1');
    list = withConsent(list, 'http://b/v1');
    list = withConsent(list, 'http://A/v1/');
    assert.deepEqual(list, ['http://b/v1', 'http://a/v1']);
    assert.deepEqual(withConsent(list, 'not a url'), list);
    for (let i = 0; i < MAX_CONSENTED + 5; i++) list = withConsent(list, `http://h${i}/v1`);
    assert.equal(list.length, MAX_CONSENTED);
    assert.equal(list[list.length - 1], `http://h${MAX_CONSENTED + 4}/v1`);
    assert.ok(!list.includes('http://a/v1'));
  });
});
