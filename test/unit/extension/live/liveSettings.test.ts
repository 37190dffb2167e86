// resolveLiveOptions is pure (it only takes types from vscode), so it runs in plain Node.
import * as assert from 'node:assert/strict';
import { parseConfig } from '../../../../src/core/config/parseConfig';
import { resolveLiveOptions } from '../../../../src/extension/live/liveSettings';
import { liveSettingDefaults } from './settingDefaults';
import type { LoadedConfig } from '../../../../src/extension/workspaceConfig';

const defaults = liveSettingDefaults();

function loaded(text: string): LoadedConfig {
  const { config, issues } = parseConfig(text);
  return { text, config, issues } as unknown as LoadedConfig;
}

describe('extension/live/liveSettings', () => {
  it('uses the settings when promptbudget.json has no live section', () => {
    const o = resolveLiveOptions({ ...defaults, model: { defaultValue: '', user: 'llama3' }, timeoutSeconds: { defaultValue: 60, workspace: 2.5 } }, loaded('{"cutoffs": [8]}'));
    assert.deepEqual(o.baseUrl, { value: 'http://localhost:11434/v1', source: 'default' });
    assert.deepEqual(o.model, { value: 'llama3', source: 'user' });
    assert.deepEqual(o.timeoutMs, { value: 2500, source: 'workspace' });
    assert.deepEqual(o.maxTokensParam, { value: 'max_tokens', source: 'default' });
    assert.deepEqual(o.extraBody, {});
  });

  it('lets the keys promptbudget.json sets win, and marks them as coming from it', () => {
    const o = resolveLiveOptions(
      { ...defaults, baseUrl: { defaultValue: 'http://localhost:11434/v1', user: 'https://mine.example/v1' }, concurrency: { defaultValue: 4, user: 8 } },
      loaded('{"live": {"baseUrl": "http://10.0.0.5:8000/v1", "maxTokens": 256, "timeoutMs": 1500, "extraBody": {"seed": 1}}}'),
    );
    assert.deepEqual(o.baseUrl, { value: 'http://10.0.0.5:8000/v1', source: 'config' });
    assert.deepEqual(o.maxTokens, { value: 256, source: 'config' });
    assert.deepEqual(o.timeoutMs, { value: 1500, source: 'config' });
    assert.deepEqual(o.concurrency, { value: 8, source: 'user' }, 'a key the file leaves out keeps the setting');
    assert.deepEqual(o.extraBody, { seed: 1 });
  });

  it('ignores a value the config reader rejected (it reports it) and falls back to the settings', () => {
    const file = loaded('{"live": {"baseUrl": "file:///etc", "concurrency": 0, "model": "m"}}');
    assert.equal(file.issues.filter((i) => i.severity === 'error').length, 2);
    const o = resolveLiveOptions({ ...defaults, baseUrl: { defaultValue: 'http://localhost:11434/v1', user: 'https://mine.example/v1' } }, file);
    assert.deepEqual(o.baseUrl, { value: 'https://mine.example/v1', source: 'user' });
    assert.deepEqual(o.concurrency, { value: 4, source: 'default' });
    assert.deepEqual(o.model, { value: 'm', source: 'config' });
  });
});
