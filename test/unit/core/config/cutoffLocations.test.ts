// Positions the CodeLens puts its per-cutoff results at: 0-based like the editor's, with every kind of
// line end the editor counts.
import assert from 'node:assert/strict';
import { cutoffLocations } from '../../../../src/core/config/cutoffLocations';
import { DEFAULT_CONFIG } from '../../../../src/core/config/promptBudgetConfig';
import { STARTER_CONFIG_TEXT } from '../../../../src/core/config/starterConfig';

describe('core/config/cutoffLocations', () => {
  it('gives 0-based positions of each number in the cutoffs array', () => {
    // Comments and a tab inside the array: positions come from the parse tree, not from scanning text.
    const text = '{\n  // budgets\n  "cutoffs": [\n    32, 64,\n\t128 /* big */, 1024\n  ],\n  "margin": 1\n}';
    assert.deepEqual(cutoffLocations(text), [
      { value: 32, line: 3, character: 4, length: 2 },
      { value: 64, line: 3, character: 8, length: 2 },
      { value: 128, line: 4, character: 1, length: 3 },
      { value: 1024, line: 4, character: 16, length: 4 },
    ]);
  });

  it('counts CRLF and lone CR line ends like the editor, and skips non-numbers', () => {
    assert.deepEqual(cutoffLocations('{\r\n"cutoffs": [1, "x",\r2.5]}'), [
      { value: 1, line: 1, character: 12, length: 1 },
      { value: 2.5, line: 2, character: 0, length: 3 },
    ]);
  });

  it('uses the last cutoffs key, and returns nothing when there is no array', () => {
    // The reader also keeps the last key, so the lenses sit on the cutoffs actually swept.
    assert.deepEqual(cutoffLocations('{"cutoffs": [1], "cutoffs": [2]}').map((c) => c.value), [2]);
    assert.deepEqual(cutoffLocations('{"cutoffs": 5}'), []);
    assert.deepEqual(cutoffLocations('[1, 2]'), []);
    assert.deepEqual(cutoffLocations(''), []);
  });

  it('finds every cutoff of the starter file', () => {
    const locs = cutoffLocations(STARTER_CONFIG_TEXT);
    assert.deepEqual(locs.map((l) => l.value), DEFAULT_CONFIG.cutoffs);
    const lines = STARTER_CONFIG_TEXT.split('\n');
    for (const l of locs) assert.equal(lines[l.line].slice(l.character, l.character + l.length), String(l.value));
  });
});
