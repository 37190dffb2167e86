import * as assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../../src/shared/protocol';

describe('webview protocol', () => {
  it('accepts well-formed messages', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'sort', sort: { key: 'em', descending: true } }), { type: 'sort', sort: { key: 'em', descending: true } });
    assert.deepEqual(parseWebviewMessage({ type: 'openCase', policy: 'cutoff:64', caseId: 's1', extra: 1 }), { type: 'openCase', policy: 'cutoff:64', caseId: 's1' });
    assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'csv' }), { type: 'export', format: 'csv' });
    assert.deepEqual(parseWebviewMessage({ type: 'selectPolicy', policy: null }), { type: 'selectPolicy', policy: null });
  });

  it('restores the panel state only when it is complete', () => {
    const restore = { sweep: '2026-01-01T00:00:00Z', savedAt: 1767225600000, selectedPolicy: 'full', sort: { key: 'p95Tokens', descending: false }, openCase: { policy: 'full', caseId: '3' } };
    assert.deepEqual(parseWebviewMessage({ type: 'ready', restore }), { type: 'ready', restore });
    assert.deepEqual(parseWebviewMessage({ type: 'ready', restore: { ...restore, sort: { key: 'bogus', descending: false } } }), { type: 'ready' });
  });

  it('rejects anything else', () => {
    for (const bad of [null, 'ready', {}, { type: 'eval' }, { type: 'sort', sort: { key: 'constructor', descending: true } }, { type: 'export', format: 'html' }, { type: 'openCase', policy: 1, caseId: 's1' }, { type: 'selectPolicy', policy: 7 }]) {
      assert.equal(parseWebviewMessage(bad), null, JSON.stringify(bad));
    }
  });
});
