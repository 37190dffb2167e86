// The parse-tree helpers every config message relies on for its line, column and quoted value.
import assert from 'node:assert/strict';
import { parseTree, type ParseError } from 'jsonc-parser';
import { describe as describeValue, isCode, Positions, valueOf } from '../../../../src/core/config/jsoncNodes';

describe('core/config/jsoncNodes', () => {
  it('Positions maps offsets to 0-based line and character for LF, CRLF and lone CR', () => {
    const pos = new Positions('ab\ncd\r\nef\rgh');
    assert.deepEqual([0, 2, 3, 5, 6, 7, 9, 10, 11].map((o) => pos.at(o)), [
      { line: 0, character: 0 },
      { line: 0, character: 2 },
      { line: 1, character: 0 },
      { line: 1, character: 2 },
      { line: 1, character: 3 },
      { line: 2, character: 0 },
      { line: 2, character: 2 },
      { line: 3, character: 0 },
      { line: 3, character: 1 },
    ]);
  });

  it('valueOf rebuilds the plain value of a parse tree, comments dropped', () => {
    const root = parseTree('{"a": [1, {"b": null}], /* c */ "d": "x", "e": true}', [], { disallowComments: false });
    assert.ok(root);
    assert.deepEqual(valueOf(root), { a: [1, { b: null }], d: 'x', e: true });
  });

  it('describe quotes strings (cut at 40 characters) and names lists and objects', () => {
    assert.deepEqual([null, [1], { a: 1 }, 'hi', 5, true].map(describeValue), ['null', 'a list', 'an object', '"hi"', '5', 'true']);
    assert.equal(describeValue('x'.repeat(50)), `"${'x'.repeat(40)}…"`);
  });

  it('isCode matches a parse error by its code name', () => {
    const errors: ParseError[] = [];
    parseTree('{"a" 1}', errors);
    assert.ok(isCode(errors[0], 'ColonExpected'));
    assert.ok(!isCode(errors[0], 'CommaExpected'));
  });
});
