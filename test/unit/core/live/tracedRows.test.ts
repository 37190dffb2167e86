import * as assert from 'node:assert/strict';
import { rawRowsByLine, tracedJsonl, tracedRow, tracesFileName } from '../../../../src/core/live/tracedRows';
import { parseTestSet } from '../../../../src/core/testSet/parseTestSet';
import { resolveFields } from '../../../../src/core/testSet/resolveFields';

describe('core/live/tracedRows', () => {
  it('names the traces file next to the test set, and a traces file after itself', () => {
    assert.deepEqual(
      ['tests.jsonl', 'tests.JSON', 'a.b.csv', 'x.tsv', 'data.ndjson', 'tests.traces.jsonl', 'noext'].map(tracesFileName),
      ['tests.traces.jsonl', 'tests.traces.jsonl', 'a.b.traces.jsonl', 'x.traces.jsonl', 'data.traces.jsonl', 'tests.traces.jsonl', 'noext.traces.jsonl'],
    );
  });

  it('keeps every field of the original row and replaces old trace fields', () => {
    const text = '{"id":"a","question":"1+1?","answer":"2","note":"keep"}\nnot json\n{"id":"b","question":"2+2?","answer":"4","output":"old","finish_reason":"stop"}\n';
    const parsed = parseTestSet(text, { fileName: 't.jsonl' });
    const rows = rawRowsByLine(text, 't.jsonl');
    assert.deepEqual([...rows.keys()], [1, 3]);
    const fields = resolveFields();
    const out = tracedJsonl(
      parsed.cases,
      parsed.cases.map((c) => rows.get(c.line)),
      [
        { id: 'a', output: 'so 2', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 2 } },
        { id: 'b', error: 'timeout' },
      ],
      fields,
    );
    assert.deepEqual(
      out.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown),
      [
        { id: 'a', question: '1+1?', answer: '2', note: 'keep', output: 'so 2', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 2 } },
        { id: 'b', question: '2+2?', answer: '4' },
      ],
    );
  });

  it('rebuilds rows it cannot find (CSV) and writes ids taken from line numbers', () => {
    const parsed = parseTestSet('question,answer\nwhat?,7\n', { fileName: 't.csv' });
    assert.equal(rawRowsByLine('question,answer\nwhat?,7\n', 't.csv').size, 0);
    const row = tracedRow(parsed.cases[0], undefined, { id: parsed.cases[0].id, output: 'it is 7' }, resolveFields());
    assert.deepEqual(row, { id: parsed.cases[0].id, question: 'what?', answers: ['7'], output: 'it is 7' });
  });

  it('finds the rows of a JSON array by the line where each element starts', () => {
    const text = '[\n  {"id": "x", "question": "q1", "answer": "1"},\n  {"id": "y",\n   "question": "q2", "answer": "2"}\n]\n';
    const parsed = parseTestSet(text, { fileName: 't.json' });
    const rows = rawRowsByLine(text, 't.json');
    assert.deepEqual(
      parsed.cases.map((c) => rows.get(c.line)?.id),
      ['x', 'y'],
    );
  });
});
