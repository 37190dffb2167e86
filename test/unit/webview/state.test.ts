// The panel's own state: what survives a reload through getState/setState, and what `ready` offers.
// A saved state goes through JSON, as the webview host stores it.
import * as assert from 'node:assert/strict';
import { DEFAULT_BROWSE } from '../../../src/webview/browse';
import { isSectionOpen, readyMessage, restorePanel, toSaved, withSection } from '../../../src/webview/state';
import { viewState } from './fixture';

describe('panel state', () => {
  it('keeps the open and closed sections across a reload (setState → getState)', () => {
    let s = restorePanel(undefined);
    assert.equal(isSectionOpen(s, 'tags', true), true, 'a section uses its default until the user toggles it');
    s = { ...withSection(withSection(s, 'tags', false), 'add', true), browse: { query: 'test-1', order: 'mostSaved' } };
    const saved = JSON.parse(JSON.stringify(toSaved({ ...s, view: viewState() }))) as unknown;
    const back = restorePanel(saved);
    assert.equal(isSectionOpen(back, 'tags', true), false);
    assert.equal(isSectionOpen(back, 'add', false), true);
    assert.equal(back.view?.sweep?.finishedAt, '2026-12-07T16:00:00.000Z');
    assert.equal(back.live, null, 'a live run is not restored');
    assert.deepEqual(back.browse, { query: 'test-1', order: 'mostSaved' });
  });

  it('reads the older saved shape (a bare ViewState) and ignores junk', () => {
    // Panels saved before sections were remembered stored the ViewState itself.
    const v = viewState({ selectedPolicy: 'cutoff:64' });
    assert.equal(restorePanel(JSON.parse(JSON.stringify(v))).view?.selectedPolicy, 'cutoff:64');
    assert.deepEqual(restorePanel({ version: 2, view: 7, sections: { tags: 'yes', add: false }, browse: { query: 3, order: 'random' } }), { view: null, live: null, sections: { add: false }, browse: DEFAULT_BROWSE });
    assert.deepEqual(restorePanel('nonsense'), { view: null, live: null, sections: {}, browse: DEFAULT_BROWSE });
  });

  it('offers the extension what it last showed on ready, and nothing without a sweep', () => {
    assert.deepEqual(readyMessage(restorePanel(undefined)), { type: 'ready' });
    // The extension compares savedAt with its own clock and keeps whichever is newer.
    const v = viewState({ selectedPolicy: 'cutoff:96', sort: { key: 'em', descending: true }, uiSavedAt: 42 });
    assert.deepEqual(readyMessage({ view: v, live: null, sections: {}, browse: DEFAULT_BROWSE }), {
      type: 'ready',
      restore: { sweep: '2026-12-07T16:00:00.000Z', savedAt: 42, selectedPolicy: 'cutoff:96', sort: { key: 'em', descending: true }, openCase: null },
    });
  });
});
