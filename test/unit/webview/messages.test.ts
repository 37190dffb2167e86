// Which part of the page each message from the extension touches: a progress tick must not
// redraw the table, the chart or the drill-down.
import * as assert from 'node:assert/strict';
import type { ExtensionMessage, LiveRunView } from '../../../src/shared/protocol';
import { applyMessage } from '../../../src/webview/messages';
import { restorePanel, withSection } from '../../../src/webview/state';
import { tableKey } from '../../../src/webview/table';
import { viewState } from './fixture';

describe('panel messages', () => {
  const start = { ...restorePanel(undefined), view: viewState({ running: { done: 0, total: 0 } }) };

  it('a progress tick changes only the progress line and is not saved', () => {
    const a = applyMessage(start, { type: 'progress', done: 40, total: 120 });
    assert.deepEqual(a.parts, ['progress']);
    assert.equal(a.save, false);
    assert.deepEqual(a.state.view?.running, { done: 40, total: 120 });
    assert.equal(a.state.view?.sweep, start.view.sweep, 'the sweep is the same object: nothing to redraw');
  });

  // The extension answers `ready` with the whole state; a tick that races ahead of it has nothing to update.
  it('progress before the first state is dropped', () => {
    const empty = restorePanel(undefined);
    const a = applyMessage(empty, { type: 'progress', done: 1, total: 2 });
    assert.deepEqual(a.parts, []);
    assert.equal(a.state, empty);
  });

  it('a state message replaces the view and redraws; a live message touches the live line', () => {
    const next = viewState({ selectedPolicy: 'cutoff:128' });
    const a = applyMessage(start, { type: 'state', state: next });
    assert.deepEqual([a.parts, a.save, a.state.view], [['all'], true, next]);
    const live: LiveRunView = { state: 'running', testSet: 't.jsonl', endpoint: 'http://127.0.0.1:1/v1', model: 'm', done: 1, total: 3, failed: 0, tokens: 10, cached: 0, costUsd: 0 };
    const b = applyMessage(a.state, { type: 'liveProgress', live });
    assert.deepEqual([b.parts, b.save, b.state.live, b.state.view], [['live'], false, live, next]);
  });

  it('takes the folds the extension saved, over what the webview had', () => {
    const a = applyMessage(withSection(start, 'add', true), { type: 'sections', sections: { tags: false, add: false } });
    assert.deepEqual([a.parts, a.save, a.state.sections], [['sections'], true, { tags: false, add: false }]);
  });

  it('marks the view out of date and current again; the table key stays, so only the banner is rebuilt', () => {
    const stale = { reasons: ['promptbudget.json changed'] };
    const a = applyMessage(start, { type: 'stale', stale });
    assert.deepEqual([a.parts, a.save, a.state.view?.stale], [['all'], true, stale]);
    assert.equal(tableKey(a.state.view!), tableKey(start.view));
    assert.equal(applyMessage(a.state, { type: 'stale', stale: null }).state.view?.stale, null);
  });

  it('throws on a message type it does not know', () => {
    assert.throws(() => applyMessage(start, { type: 'bogus' } as unknown as ExtensionMessage), /unknown message/);
  });
});
