// CSV test sets, including the awkward ones spreadsheets write: quoted multi-line cells, ";" or tab
// separators and CRLF. parseAllWays parses in memory and streamed in several chunkings, and compares.
import assert from 'node:assert/strict';
import { parseTestSet } from '../../../../src/core/testSet/parseTestSet';
import { fixture, utf8, parseAllWays, brief } from './parseAllWays';

describe('core/testSet/csvHandler', () => {
  it('reads the header, quoted multi-line fields, tags, CRLF and blank lines', async () => {
    const r = await parseAllWays(fixture('testset.csv'), { fileName: 'testset.csv' });
    assert.equal(r.format, 'csv');
    assert.deepEqual(r.cases, [
      { id: 'c1', question: 'Two\nlines', answers: ['4'], output: 'so 4', tags: ['math', 'easy'], line: 2 },
      { id: 'c2', question: 'plain', answers: ['7'], tags: ['geo', 'hard'], line: 5 },
      { id: 'c4', question: 'with "quotes"', answers: ['9'], output: 'nine', tags: [], line: 7 },
    ]);
    // The row is reported at its first line, even though its quoted cell spans several.
    assert.deepEqual(brief(r.issues), ['error 6 expected 5 fields (as in the header), got 2']);
    assert.equal(r.skipped, 1);
  });

  it('reads answers as a JSON list or one value, matches headers case-insensitively, sniffs ";"', async () => {
    // A spreadsheet in a comma-decimal locale writes ";" and may capitalise the headers.
    const text = 'ID;Question;Answers;Output\nr1;q;["1","one"];o\nr2;q;|x|;o\n';
    const r = await parseAllWays(utf8(text), { fileName: 'set.csv' });
    assert.deepEqual(r.cases.map((c) => [c.id, c.answers]), [['r1', ['1', 'one']], ['r2', ['|x|']]]);
  });

  it('reads tab-separated files', () => {
    const r = parseTestSet('id\tanswer\toutput\nt1\t3\tthree, 3\n', { fileName: 'set.tsv' });
    // In a .tsv a comma is ordinary text.
    assert.deepEqual(r.cases.map((c) => [c.id, c.answers, c.output]), [['t1', ['3'], 'three, 3']]);
    assert.equal(r.format, 'csv');
  });

  it('reports an unclosed quote at the line where the field starts', async () => {
    const r = await parseAllWays(utf8('id,answer,output\na,1,x\n\nb,2,"never closed\nc,3,y\n'), { fileName: 'x.csv' });
    assert.deepEqual(r.cases.map((c) => c.id), ['a']);
    assert.deepEqual(brief(r.issues), ['error 4 unclosed quote: the field that starts on this line runs to the end of the file']);
    assert.equal(r.skipped, 1);
  });

  it('accepts trailing empty cells but not missing ones; ignores whitespace-only lines', () => {
    const r = parseTestSet('id,answer,output\na,1,x,,\n  \nb,2\nc,3,z\n', { fileName: 'x.csv' });
    // Empty cells past the header (a spreadsheet's stray commas) are fine; a short row is not.
    assert.deepEqual(r.cases.map((c) => `${c.id}@${c.line}`), ['a@2', 'c@5']);
    assert.deepEqual(brief(r.issues), ['error 4 expected 3 fields (as in the header), got 2']);
  });

  it('skips every row once, with one message, when the header has no gold column', () => {
    const r = parseTestSet('id,question,output\na,q,x\nb,q,y\n', { fileName: 'x.csv' });
    assert.deepEqual(r.cases, []);
    assert.equal(r.skipped, 2);
    assert.deepEqual(brief(r.issues), ['error 1 no gold answer column in the header (expected "answer" or "answers"); every row skipped']);
  });

  it('warns about duplicate header names and uses the first', () => {
    const r = parseTestSet('id,answer,answer,output\na,1,2,x\n', { fileName: 'x.csv' });
    assert.deepEqual(r.cases.map((c) => c.answers), [['1']]);
    assert.deepEqual(brief(r.issues), ['warning 1 duplicate column "answer" in the header; the first one is used']);
  });

  it('keeps csv cells as text and reports non-UTF-8 bytes by line', async () => {
    // 0xfe is never valid UTF-8; it sits inside a quoted cell that spans lines 2 and 3.
    const bytes = new Uint8Array([...utf8('id,answer,output\na,1,"x\n'), 0xfe, ...utf8('y"\n')]);
    const r = await parseAllWays(bytes, { fileName: 'x.csv' });
    assert.deepEqual(r.cases.map((c) => [c.id, c.output, c.line]), [['a', 'x\n\ufffdy', 2]]);
    assert.deepEqual(brief(r.issues), ['warning 3 invalid UTF-8 bytes, replaced with U+FFFD']);
  });
});
