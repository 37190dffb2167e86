// Messages from the webview are untrusted: anything malformed is dropped, not half-applied.
import * as assert from 'node:assert/strict';
import { runtimeUnsupported } from '../../../src/core/policyExport';
import { parsePolicy } from '../../../src/core/policies';
import { isRuntimePolicy, parseWebviewMessage } from '../../../src/shared/protocol';

describe('webview protocol', () => {
  it('accepts well-formed messages', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'sort', sort: { key: 'em', descending: true } }), { type: 'sort', sort: { key: 'em', descending: true } });
    // Unknown extra fields are dropped; the known ones pass through.
    assert.deepEqual(parseWebviewMessage({ type: 'openCase', policy: 'cutoff:64', caseId: 's1', extra: 1 }), { type: 'openCase', policy: 'cutoff:64', caseId: 's1' });
    assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'csv' }), { type: 'export', format: 'csv' });
    assert.deepEqual(parseWebviewMessage({ type: 'selectPolicy', policy: null }), { type: 'selectPolicy', policy: null });
    assert.deepEqual(parseWebviewMessage({ type: 'exportPolicy', policy: 'marker:0', format: 'sh' }), { type: 'exportPolicy', policy: 'marker:0' });
    assert.deepEqual(parseWebviewMessage({ type: 'foldSection', key: 'tags', open: false }), { type: 'foldSection', key: 'tags', open: false });
  });

  it('offers export for exactly the policies the runtime can apply', () => {
    const names = ['full', 'cutoff:16', 'cutoff:4096', 'stability:8x2', 'marker:0', 'marker:16', 'probe:32x2', 'probe:64x3'];
    for (const name of names) {
      const spec = parsePolicy(name).spec;
      assert.ok(spec, name);
      assert.equal(isRuntimePolicy(name), runtimeUnsupported(spec) === null, name);
    }
    assert.deepEqual(names.filter((n) => !isRuntimePolicy(n)), []);
  });

  it('restores the panel state only when it is complete', () => {
    const restore = { sweep: '2026-01-01T00:00:00Z', savedAt: 1767225600000, selectedPolicy: 'full', sort: { key: 'p95Tokens', descending: false }, openCase: { policy: 'full', caseId: '3' } };
    assert.deepEqual(parseWebviewMessage({ type: 'ready', restore }), { type: 'ready', restore });
    // A stale or tampered saved state is ignored as a whole; `ready` itself still counts.
    assert.deepEqual(parseWebviewMessage({ type: 'ready', restore: { ...restore, sort: { key: 'bogus', descending: false } } }), { type: 'ready' });
  });

  it('rejects anything else', () => {
    // "constructor" as a sort key would reach Object.prototype if keys were looked up naively.
    for (const bad of [null, 'ready', {}, { type: 'eval' }, { type: 'sort', sort: { key: 'constructor', descending: true } }, { type: 'export', format: 'html' }, { type: 'openCase', policy: 1, caseId: 's1' }, { type: 'selectPolicy', policy: 7 }, { type: 'exportPolicy' }, { type: 'exportPolicy', policy: ['marker:0'] }, { type: 'foldSection', key: '__proto__ x', open: true }, { type: 'foldSection', key: 'tags', open: 'yes' }]) {
      assert.equal(parseWebviewMessage(bad), null, JSON.stringify(bad));
    }
  });
});
