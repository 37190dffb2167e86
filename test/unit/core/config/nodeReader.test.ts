// NodeReader words every rejected value the same way whatever setting it belongs to; the section
// readers only add the setting's name and range.
import assert from 'node:assert/strict';
import { parseTree, type Node } from 'jsonc-parser';
import { NodeReader } from '../../../../src/core/config/nodeReader';

function read(text: string): { r: NodeReader; props: [string, Node, Node][] } {
  const r = new NodeReader(text);
  const root = parseTree(text);
  assert.ok(root);
  return { r, props: r.properties(root) };
}

// Severity, 1-based line:column and the node's length, as the editor's diagnostics need them.
const brief = (r: NodeReader): string[] => r.issues.map((i) => `${i.severity} ${i.line}:${i.column}+${i.length} ${i.message}`);

describe('core/config/nodeReader', () => {
  it('lists properties in order and warns about a duplicate key at the later one', () => {
    const { r, props } = read('{\n  "a": 1,\n  "b": 2,\n  "a": 3\n}');
    assert.deepEqual(props.map(([k, v]) => [k, v.value]), [['a', 1], ['b', 2], ['a', 3]]);
    assert.deepEqual(brief(r), ['warning 4:3+3 duplicate key "a"; the last one wins']);
  });

  it('reads typed values and words each rejection with the range it expects', () => {
    const { r, props } = read('{"s": "", "b": 1, "n": 7, "i": 1.5, "j": 0, "k": 3, "o": "x", "l": {}}');
    const v = Object.fromEntries(props.map(([k, node]) => [k, node]));
    assert.equal(r.string(v.s, 's'), '');
    assert.equal(r.string(v.s, 's', true), undefined);
    assert.equal(r.boolean(v.b, 'b'), undefined);
    assert.equal(r.number(v.n, 'n', 0, 5), undefined);
    assert.equal(r.integer(v.i, 'i', 0), undefined);
    // A minimum of 1 with no maximum reads as "a positive integer".
    assert.equal(r.integer(v.j, 'j', 1), undefined);
    assert.equal(r.integer(v.k, 'k', 0, 2), undefined);
    assert.equal(r.integer(v.k, 'k', 0, 5), 3);
    assert.equal(r.oneOf(v.o, 'o', 'thing', ['a', 'b']), undefined);
    assert.equal(r.oneOf(v.n, 'n', 'thing', ['a', 'b']), undefined);
    assert.equal(r.list(v.l, 'l'), undefined);
    assert.equal(r.object(v.l, 'l'), true);
    assert.deepEqual(r.issues.map((i) => i.message), [
      '"s" must be a non-empty string, got ""',
      '"b" must be true or false, got 1',
      '"n" must be a number from 0 to 5, got 7',
      '"i" must be an integer ≥ 0, got 1.5',
      '"j" must be a positive integer, got 0',
      '"k" must be an integer from 0 to 2, got 3',
      'unknown thing "x" (expected "a" or "b")',
      '"n" must be one of "a" or "b", got 7',
      '"l" must be a list, got an object; default used',
    ]);
  });
});
