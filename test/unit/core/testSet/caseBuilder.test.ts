// Row validation: which rows are skipped (with the reason) and which are kept with a warning.
import assert from 'node:assert/strict';
import { parseTestSet } from '../../../../src/core/testSet/parseTestSet';
import { brief } from './parseAllWays';

describe('core/testSet/caseBuilder', () => {
  it('accepts answer as string, number or list; merges answer with answers without duplicates', () => {
    const r = parseTestSet(
      [
        '{"answer": "x", "output": ""}',
        '{"answer": 18.5, "output": ""}',
        '{"answer": ["a", 3], "answers": ["a", "b"], "output": ""}',
        '{"answer": true, "output": ""}',
        '{"answer": ["a", {"b": 1}], "output": ""}',
        '{"answer": "  ", "output": ""}',
        '{"answers": [], "output": ""}',
        '{"answer": null, "output": ""}',
        '{"answers": "one", "output": ""}',
      ].join('\n'),
    );
    // Numbers become text as written; "a" in both fields counts once.
    assert.deepEqual(r.cases.map((c) => c.answers), [['x'], ['18.5'], ['a', '3', 'b']]);
    assert.deepEqual(brief(r.issues), [
      'error 4 "answer" must be a string, a number or a list of strings, got boolean',
      'error 5 "answer" must be a string, a number or a list of strings, got a list containing object',
      'error 6 gold answer is empty ("answer")',
      'error 7 gold answer is empty ("answers")',
      'error 8 missing gold answer (expected "answer" or "answers")',
      'error 9 "answers" must be a list of strings, got string',
    ]);
  });

  it('uses the line number as the id when there is none, and checks id types', () => {
    const r = parseTestSet('{"answer":"1","output":"a"}\n\n{"id": 7, "answer":"1","output":"a"}\n{"id": {"x":1}, "answer":"1","output":"a"}\n{"id": "", "answer":"1","output":"a"}\n');
    // Line numbers, not row counts: the blank line 2 still counts, so ids match what the editor shows.
    assert.deepEqual(r.cases.map((c) => c.id), ['1', '7', '4', '5']);
    assert.deepEqual(brief(r.issues), ['warning 4 "id" must be a string or number, got object; using "4"']);
  });

  it('does not require output unless asked; a question alone is enough', () => {
    const text = '{"id":"a","question":"q","answer":"1"}\n{"id":"b","answer":"1","output":"o"}\n';
    const lax = parseTestSet(text);
    assert.deepEqual(lax.cases.map((c) => [c.id, c.question, c.output]), [['a', 'q', undefined], ['b', '', 'o']]);
    assert.deepEqual(lax.issues, []);
    // Offline replay (the sweep) needs the trace; a live run only needs the question.
    const strict = parseTestSet(text, { requireOutput: true });
    assert.deepEqual(strict.cases.map((c) => c.id), ['b']);
    assert.deepEqual(brief(strict.issues), ['error 1 missing output (expected "output"); offline replay needs the recorded trace']);
  });

  it('rejects a non-string output and warns about bad optional fields without skipping the row', () => {
    const r = parseTestSet(
      [
        '{"id":"a","answer":"1","output":42}',
        '{"id":"b","answer":"1","output":"x","tags":[1,"t",{"x":1}]}',
        '{"id":"c","answer":"1","output":"x","usage":{"prompt_tokens":"many","completionTokens":3,"completion_tokens_details":{"reasoning_tokens":2}}}',
        '{"id":"d","answer":"1","output":"x","probes":[{"atToken":4,"text":"1"},{"at_token":-1,"text":"1","tokens":2}]}',
        '{"id":"e","answer":"1","output":"x","finish_reason":3,"usage":[1]}',
        '{"id":"f","answer":"1","output":"x","finishReason":"length","probes":[{"at_token":8,"text":"1","tokens":5}],"question":["m1","m2"]}',
      ].join('\n'),
    );
    // Only a bad output skips a row; bad optional fields are dropped with a warning and the row is kept.
    assert.deepEqual(r.cases.map((c) => c.id), ['b', 'c', 'd', 'e', 'f']);
    assert.deepEqual(r.cases[0].tags, []);
    assert.deepEqual(r.cases[1].usage, { completionTokens: 3, reasoningTokens: 2 });
    // One bad probe drops the whole list: a partial list would replay a different policy.
    assert.equal(r.cases[2].probes, undefined);
    assert.equal(r.cases[3].finishReason, undefined);
    assert.equal(r.cases[4].finishReason, 'length');
    assert.deepEqual(r.cases[4].probes, [{ atToken: 8, text: '1', tokens: 5 }]);
    assert.equal(r.cases[4].question, '["m1","m2"]');
    assert.deepEqual(brief(r.issues), [
      'error 1 "output" must be a string, got number',
      'warning 2 "tags" must be a list of strings, got a list containing object; tags ignored',
      'warning 3 "usage.prompt_tokens" must be a non-negative number, got string; ignored',
      'warning 4 "probes"[1] "atToken" must be a non-negative integer, got number; probes ignored',
      'warning 5 "finish_reason" must be a string, got number; ignored',
      'warning 5 "usage" must be an object, got list; ignored',
      'warning 6 "question" is a list, not text; kept as JSON',
    ]);
  });
});
