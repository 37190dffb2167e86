// Issues are capped (a wrong file must not flood the Problems panel) but the earliest are always kept.
import assert from 'node:assert/strict';
import { formatIssue } from '../../../../src/core/testSet/issueSink';
import { utf8, parseAllWays } from './parseAllWays';

describe('core/testSet/issueSink', () => {
  it('keeps at most maxIssues issues, the earliest lines first, and says how many were dropped', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 'oops' : `{"id":"${i}","answer":"1","output":"x"}`));
    const r = await parseAllWays(utf8(lines.join('\n')), { maxIssues: 5, fileName: 'x.jsonl' });
    assert.equal(r.cases.length, 15);
    assert.equal(r.skipped, 15);
    // Five issues, then the note about the rest, placed at the last kept line.
    assert.deepEqual(r.issues.map((i) => i.line), [1, 3, 5, 7, 9, 9]);
    assert.equal(r.issues[5].message, '10 more issues not shown (limit 5)');
    assert.equal(r.issues[5].severity, 'warning');
  });

  it('writes file:line: reason, with the column when known', () => {
    assert.equal(formatIssue('set.jsonl', { line: 3, message: 'missing gold answer', severity: 'error' }), 'set.jsonl:3: missing gold answer');
    assert.equal(formatIssue('a/b.json', { line: 10, column: 46, message: 'invalid JSON', severity: 'error' }), 'a/b.json:10:46: invalid JSON');
  });
});
