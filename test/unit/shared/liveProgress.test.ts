// The live run tally: cost counts only requests actually sent (cache hits are free).
import * as assert from 'node:assert/strict';
import { LiveTally, liveProgressText, liveStatusLine } from '../../../src/shared/liveProgress';

const prices = { inputPer1M: 2, outputPer1M: 10 };
const base = { testSet: 'tests.jsonl', endpoint: 'http://127.0.0.1:9/v1', model: 'm' };

describe('shared/liveProgress', () => {
  it('adds tokens per case and charges only what was sent', () => {
    const t = new LiveTally(base, 3, prices);
    assert.deepEqual(t.view(), { state: 'running', ...base, done: 0, total: 3, failed: 0, tokens: 0, cached: 0, costUsd: 0 });
    t.progress({ total: 3, done: 1, failed: 0, completionTokens: 100, probeTokens: 0 });
    t.caseDone({ usage: { promptTokens: 50 } });
    // 50 in at $2/M + 100 out at $10/M
    assert.equal(t.view().costUsd, (50 * 2 + 100 * 10) / 1e6);
    t.progress({ total: 3, done: 2, failed: 0, completionTokens: 300, probeTokens: 20 });
    t.caseDone({ usage: { promptTokens: 70 }, fromCache: true });
    assert.equal(t.view().costUsd, (50 * 2 + 100 * 10) / 1e6, 'a cached answer is free');
    t.progress({ total: 3, done: 3, failed: 1, completionTokens: 300, probeTokens: 20 });
    // A failed case reports no usage: nothing is charged for it.
    t.caseDone({});
    const v = t.view('done');
    assert.deepEqual({ ...v, costUsd: 0 }, { state: 'done', ...base, done: 3, total: 3, failed: 1, tokens: 320, cached: 1, costUsd: 0 });
    assert.equal(v.costUsd, 0.0011);
  });

  it('renders the notification message and the panel line', () => {
    const v = { state: 'running' as const, ...base, done: 5, total: 12, failed: 1, tokens: 12345, cached: 3, costUsd: 0.0123 };
    assert.equal(liveProgressText(v), '5/12 cases · 12,345 tokens · est. $0.0123 · 3 from cache · 1 failed');
    // Zero counts are left out of the line rather than shown as "0 failed".
    assert.equal(liveProgressText({ ...v, failed: 0, cached: 0, costUsd: 0 }), '5/12 cases · 12,345 tokens · est. $0');
    assert.equal(liveStatusLine({ ...v, state: 'cancelled' }), 'Live run cancelled (m at http://127.0.0.1:9/v1): 5/12 cases · 12,345 tokens · est. $0.0123 · 3 from cache · 1 failed');
  });
});
