// JSON arrays: each element is reported at the line it starts on, as the editor shows it.
import assert from 'node:assert/strict';
import { parseTestSet } from '../../../../src/core/testSet/parseTestSet';
import { fixture, parseAllWays, brief } from './parseAllWays';

describe('core/testSet/jsonArrayHandler', () => {
  it('maps each element to the line it starts on and skips only the broken ones', async () => {
    const r = await parseAllWays(fixture('testset.json'), { fileName: 'testset.json' });
    assert.equal(r.format, 'json');
    assert.deepEqual(r.cases, [
      { id: 'j1', question: '2*3?', answers: ['6'], output: '6', tags: [], line: 2 },
      // Without an id an element is named by its position in the array (2nd), not by its line.
      { id: '2', question: 'no id', answers: ['1'], output: '1', tags: [], line: 8 },
      { id: 'j5', question: 'last', answers: ['x', 'y'], output: 'x', tags: [], line: 11 },
    ]);
    assert.equal(r.skipped, 2);
    assert.deepEqual(brief(r.issues), ['error 9:3 expected a JSON object, got string', 'error 10:46 invalid JSON: unexpected "tru"']);
  });

  it('numbers elements of a one-line array by position and reports columns', () => {
    const r = parseTestSet('[{"answer":"1","output":"a"},{"answer":"2","output":"b"},{"answer":3,"output":[]}]', { format: 'json' });
    assert.deepEqual(r.cases.map((c) => [c.id, c.line]), [['1', 1], ['2', 1]]);
    assert.deepEqual(brief(r.issues), ['error 1:58 "output" must be a string, got list']);
  });

  it('reports structural errors between elements without losing the elements', () => {
    const r = parseTestSet('[\n{"id":"a","answer":"1","output":"x"}\n{"id":"b","answer":"2","output":"y"}\n', { fileName: 't.json' });
    // A missing comma and a missing ] are reported, yet both elements are still read.
    assert.deepEqual(r.cases.map((c) => `${c.id}@${c.line}`), ['a@2', 'b@3']);
    assert.deepEqual(brief(r.issues), ["error 3:1 invalid JSON: expected ','", "error 3:37 invalid JSON: unexpected end of file (expected ']')"]);
    assert.equal(r.skipped, 0);
  });

  it('rejects a top-level value that is not an array', () => {
    const r = parseTestSet('\n  "hello"\n', { fileName: 't.json' });
    assert.deepEqual(brief(r.issues), ['error 2:3 expected a JSON array of cases, got string']);
  });
});
