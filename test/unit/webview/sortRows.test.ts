import * as assert from 'node:assert/strict';
import type { SweepRow } from '../../../src/core/types';
import { nextSort, sortRows } from '../../../src/webview/sortRows';

const row = (policy: string, meanTokens: number, em: number): SweepRow => ({ policy, label: policy, meanTokens, em }) as SweepRow;

describe('sortRows', () => {
  const rows = [row('full', 136, 0.91), row('cutoff:128', 114, 0.48), row('cutoff:16', 16, 0), row('marker:0', 83, 0.908), row('cutoff:256', 136, 0.91)];

  it('sorts numbers and keeps the sweep order on ties', () => {
    assert.deepEqual(sortRows(rows, { key: 'meanTokens', descending: false }).map((r) => r.policy), ['cutoff:16', 'marker:0', 'cutoff:128', 'full', 'cutoff:256']);
    assert.deepEqual(sortRows(rows, { key: 'em', descending: true }).map((r) => r.policy), ['full', 'cutoff:256', 'marker:0', 'cutoff:128', 'cutoff:16']);
  });

  it('sorts policy names naturally', () => {
    assert.deepEqual(sortRows(rows, { key: 'policy', descending: false }).map((r) => r.policy), ['cutoff:16', 'cutoff:128', 'cutoff:256', 'full', 'marker:0']);
  });

  it('flips the direction on the same column and starts EM and savings high-first', () => {
    assert.deepEqual(nextSort({ key: 'em', descending: true }, 'em'), { key: 'em', descending: false });
    assert.deepEqual(nextSort({ key: 'meanTokens', descending: false }, 'em'), { key: 'em', descending: true });
    assert.deepEqual(nextSort({ key: 'em', descending: true }, 'p95Tokens'), { key: 'p95Tokens', descending: false });
  });
});
