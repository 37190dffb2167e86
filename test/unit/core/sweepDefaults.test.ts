// The statistical defaults exist twice by design (the editor reads them without bundling the sweep).
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../src/core/config/promptBudgetConfig';
import { SWEEP_DEFAULTS } from '../../../src/core/sweepDefaults';

describe('core/sweepDefaults', () => {
  it('states the statistical defaults, equal to the config defaults (margin as a fraction there, points here)', () => {
    assert.deepEqual(SWEEP_DEFAULTS, { margin: 0.01, seed: 1, resamples: 2000, folds: 5 });
    assert.equal(SWEEP_DEFAULTS.margin * 100, DEFAULT_CONFIG.margin);
    assert.deepEqual([SWEEP_DEFAULTS.seed, SWEEP_DEFAULTS.resamples, SWEEP_DEFAULTS.folds], [DEFAULT_CONFIG.seed, DEFAULT_CONFIG.resamples, DEFAULT_CONFIG.folds]);
  });
});
