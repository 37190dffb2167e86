// The progress line's caption (the bar and the caption are updated in place, see progress.ts).
import * as assert from 'node:assert/strict';
import { sweepProgressText } from '../../../src/webview/progress';

describe('progress line', () => {
  it('says how far the sweep is, or that it is starting', () => {
    assert.equal(sweepProgressText(null), null);
    assert.equal(sweepProgressText({ done: 0, total: 0 }), 'Starting…');
    assert.equal(sweepProgressText({ done: 37, total: 120 }), '37 / 120 cases');
  });
});
