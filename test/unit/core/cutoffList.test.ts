// The cutoff list typed in the editor's input box: forgiving about separators, precise about errors.
import * as assert from 'node:assert/strict';
import { parseCutoffList } from '../../../src/core/cutoffList';

describe('parseCutoffList', () => {
  it('reads commas and spaces, sorts and drops duplicates', () => {
    assert.deepEqual(parseCutoffList(' 256, 64 128,64 '), { cutoffs: [64, 128, 256] });
  });

  it('says what is wrong', () => {
    // The messages are shown under the input box as the user types, so they say what to enter.
    assert.deepEqual(parseCutoffList(''), { error: 'Enter at least one cutoff, e.g. 64, 128, 256' });
    assert.deepEqual(parseCutoffList('64, 0'), { error: '"0" is not a positive whole number of tokens' });
    assert.deepEqual(parseCutoffList('64, 1.5'), { error: '"1.5" is not a positive whole number of tokens' });
    assert.deepEqual(parseCutoffList('-3'), { error: '"-3" is not a positive whole number of tokens' });
  });
});
