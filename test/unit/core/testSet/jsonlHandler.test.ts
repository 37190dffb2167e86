// JSON Lines: the fixtures hold one line per kind of problem, each reported at its line and column.
import assert from 'node:assert/strict';
import { parseTestSet } from '../../../../src/core/testSet/parseTestSet';
import { fixture, parseAllWays, brief } from './parseAllWays';

describe('core/testSet/jsonlHandler', () => {
  it('reads every supported field from the good fixture', async () => {
    const r = await parseAllWays(fixture('testset-good.jsonl'), { fileName: 'testset-good.jsonl' });
    assert.equal(r.format, 'jsonl');
    assert.equal(r.skipped, 0);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.cases, [
      { id: 'q1', question: 'What is 2+3?', answers: ['5'], output: '2+3 = 5. The answer is 5.', tags: ['arith', 'easy'], line: 1 },
      {
        id: 'q2',
        question: 'Capital of France?',
        answers: ['Paris', 'paris, France'],
        output: 'It is Paris.',
        tags: [],
        line: 3,
        finishReason: 'stop',
        usage: { promptTokens: 12, completionTokens: 4 },
      },
      { id: 'q3', question: 'Say hi', answers: ['hi'], tags: ['greeting'], line: 4 },
      { id: 'q4', question: '1+1?', answers: ['2'], output: '2', tags: [], line: 5, probes: [{ atToken: 1, text: '2', tokens: 1 }] },
    ]);
  });

  it('reports each bad line with its number and reason, and keeps the good ones', async () => {
    const r = await parseAllWays(fixture('testset-bad.jsonl'), { fileName: 'testset-bad.jsonl' });
    assert.deepEqual(r.cases.map((c) => `${c.id}@${c.line}`), ['a@1', 'f@8']);
    assert.equal(r.skipped, 6);
    assert.deepEqual(brief(r.issues), [
      'error 2:49 invalid JSON: expected a property name in double quotes',
      'error 3 expected a JSON object, got list',
      'error 4 missing gold answer (expected "answer" or "answers")',
      'error 5 "answers" must be a list of strings, got number',
      'error 6 duplicate id "a" (first at line 1)',
      'error 7 missing question (expected "question", "input" or "prompt") and no output to replay',
    ]);
  });

  it('reports invalid JSON with the column of the first problem', () => {
    const r = parseTestSet('{"id": "x", "answer": nope}\n{"id": 1 "answer": "2"}\n{"id": "z", "answer": "1"\n{"a": "\\q"}\n');
    assert.deepEqual(brief(r.issues), [
      'error 1:23 invalid JSON: unexpected "nope"',
      "error 2:10 invalid JSON: expected ','",
      "error 3:26 invalid JSON: unexpected end of line (expected '}')",
      'error 4:7 invalid JSON: invalid escape character',
    ]);
    assert.equal(r.skipped, 4);
  });
});
