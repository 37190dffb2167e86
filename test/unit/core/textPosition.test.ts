// The one line search: code-prompt lenses, JSON-array test-set issues, traced rows and config
// diagnostics all place offsets with it, so an off-by-one here moves every reported line.
import assert from 'node:assert/strict';
import { lineStarts, positionOf } from '../../../src/core/textPosition';

describe('core/textPosition', () => {
  it('positionOf gives 1-based line and column', () => {
    const starts = lineStarts('ab\ncd\n\nef');
    assert.deepEqual(starts, [0, 3, 6, 7]);
    assert.deepEqual(positionOf(starts, 0), { line: 1, column: 1 });
    assert.deepEqual(positionOf(starts, 4), { line: 2, column: 2 });
    // Offset 6 is the empty third line; 7 starts the fourth.
    assert.deepEqual(positionOf(starts, 6), { line: 3, column: 1 });
    assert.deepEqual(positionOf(starts, 7), { line: 4, column: 1 });
  });

  it('puts the newline itself at the end of its line, and an offset past the text on the last line', () => {
    const starts = lineStarts('ab\ncd');
    assert.deepEqual(positionOf(starts, 2), { line: 1, column: 3 });
    assert.deepEqual(positionOf(starts, 9), { line: 2, column: 7 });
  });

  it('counts a text without newlines, or an empty one, as line 1', () => {
    assert.deepEqual(lineStarts(''), [0]);
    assert.deepEqual(positionOf(lineStarts(''), 0), { line: 1, column: 1 });
    assert.deepEqual(positionOf(lineStarts('abc'), 2), { line: 1, column: 3 });
  });
});
