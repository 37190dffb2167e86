import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_FIELDS, formatIssue, parseTestSet, parseTestSetStream, resolveFields } from '../../../src/core/testSet';
import type { ParseOptions } from '../../../src/core/testSet';
import type { LineIssue, ParsedTestSet } from '../../../src/core/types';

const fixture = (name: string): Buffer => readFileSync(path.resolve(__dirname, '../../fixtures', name));
const dataFile = (name: string): Buffer => readFileSync(path.resolve(__dirname, '../../../../shared/data', name));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const n = sizes[i++ % sizes.length];
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

/** Parses in memory and as streams cut in several ways; asserts all agree and returns the result. */
async function parseAllWays(bytes: Uint8Array, opts: ParseOptions = {}): Promise<ParsedTestSet> {
  const whole = parseTestSet(bytes, opts);
  for (const sizes of [[1], [2, 3], [7], [5, 1, 64], [bytes.length || 1]]) {
    const streamed = await parseTestSetStream(chunked(bytes, sizes), opts);
    assert.deepEqual(streamed, whole, `stream with chunk sizes ${sizes.join(',')} differs`);
  }
  return whole;
}

const brief = (issues: LineIssue[]): string[] =>
  issues.map((i) => `${i.severity} ${i.line}${i.column !== undefined ? `:${i.column}` : ''} ${i.message}`);

describe('core/testSet', () => {
  describe('fields', () => {
    it('has the documented defaults', () => {
      assert.deepEqual(resolveFields(), {
        id: ['id'],
        question: ['question', 'input', 'prompt'],
        answer: ['answer'],
        answers: ['answers'],
        output: ['output'],
        tags: ['tags'],
      });
      assert.deepEqual(resolveFields(), DEFAULT_FIELDS);
      assert.ok(Object.isFrozen(DEFAULT_FIELDS));
    });

    it('replaces a default list with the given names, one string or many', () => {
      const f = resolveFields({ question: 'problem', answer: ['gold', 'target'], output: [] });
      assert.deepEqual(f.question, ['problem']);
      assert.deepEqual(f.answer, ['gold', 'target']);
      assert.deepEqual(f.output, ['output']);
      f.id.push('x');
      assert.deepEqual(DEFAULT_FIELDS.id, ['id']);
    });

    it('reads custom field names and names them in messages', () => {
      const text = '{"key":"k1","problem":"p","gold":"4","trace":"4"}\n{"key":"k2","problem":"p"}\n';
      const r = parseTestSet(text, { fields: { id: ['key'], question: ['problem'], answer: ['gold', 'target'], output: ['trace'] } });
      assert.deepEqual(r.cases.map((c) => [c.id, c.question, c.answers, c.output]), [['k1', 'p', ['4'], '4']]);
      assert.deepEqual(brief(r.issues), ['error 2 missing gold answer (expected "gold", "target" or "answers")']);
    });
  });

  describe('JSONL', () => {
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
      assert.deepEqual(r.cases.map((c) => c.id), ['1', '7', '4', '5']);
      assert.deepEqual(brief(r.issues), ['warning 4 "id" must be a string or number, got object; using "4"']);
    });

    it('does not require output unless asked; a question alone is enough', () => {
      const text = '{"id":"a","question":"q","answer":"1"}\n{"id":"b","answer":"1","output":"o"}\n';
      const lax = parseTestSet(text);
      assert.deepEqual(lax.cases.map((c) => [c.id, c.question, c.output]), [['a', 'q', undefined], ['b', '', 'o']]);
      assert.deepEqual(lax.issues, []);
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
      assert.deepEqual(r.cases.map((c) => c.id), ['b', 'c', 'd', 'e', 'f']);
      assert.deepEqual(r.cases[0].tags, []);
      assert.deepEqual(r.cases[1].usage, { completionTokens: 3, reasoningTokens: 2 });
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

    it('handles a BOM, CRLF line ends, blank lines and whitespace-only lines', async () => {
      const text = '\ufeff{"id":"a","answer":"1","output":"x"}\r\n\r\n   \r\n{"id":"b","answer":"2","output":"y\\r"}\r\n\r\n';
      const r = await parseAllWays(utf8(text));
      assert.deepEqual(r.cases.map((c) => [c.id, c.line, c.output]), [['a', 1, 'x'], ['b', 4, 'y\r']]);
      assert.deepEqual(r.issues, []);
      assert.deepEqual(parseTestSet(text), r);
    });

    it('decodes invalid UTF-8 with replacement characters and warns with the line', async () => {
      const bytes = new Uint8Array([
        ...utf8('{"id":"a","answer":"1","output":"ok é"}\n'),
        ...utf8('{"id":"b","answer":"1","output":"bad '),
        0xff,
        0xc3,
        ...utf8('"}\n{"id":"c","answer":"1","output":"'),
        0xe2,
        0x82,
        ...utf8('"}\n'),
      ]);
      const r = await parseAllWays(bytes);
      assert.deepEqual(r.cases.map((c) => c.output), ['ok é', 'bad \ufffd\ufffd', '\ufffd']);
      assert.deepEqual(brief(r.issues), [
        'warning 2 invalid UTF-8 bytes, replaced with U+FFFD',
        'warning 3 invalid UTF-8 bytes, replaced with U+FFFD',
      ]);
    });

    it('reads UTF-16 files that start with a byte-order mark', async () => {
      const text = '{"id":"a","answer":"é","output":"x"}\r\n{"id":"b","answer":"2","output":"y"}\r\n';
      const le = new Uint8Array([0xff, 0xfe, ...new Uint8Array(Buffer.from(text, 'utf16le'))]);
      const r = await parseAllWays(le);
      assert.deepEqual(r.cases.map((c) => [c.id, c.answers[0], c.line]), [['a', 'é', 1], ['b', '2', 2]]);
      assert.deepEqual(r.issues, []);
    });

    it('splits streams at any byte, including inside multi-byte characters', async () => {
      const text = ['{"id":"𝛑","question":"日本語","answer":"ü","output":"naïve → 🎉"}', '', '{"id":"x","answer":"1","output":"end"}'].join('\n');
      const r = await parseAllWays(utf8(text));
      assert.deepEqual(r.cases.map((c) => [c.id, c.question, c.answers, c.output, c.line]), [
        ['𝛑', '日本語', ['ü'], 'naïve → 🎉', 1],
        ['x', '', ['1'], 'end', 3],
      ]);
      assert.deepEqual(r.issues, []);
    });

    it('parses a line of several megabytes', async () => {
      const big = 'ab→'.repeat(1_000_000);
      const text = `{"id":"small","answer":"1","output":"x"}\n{"id":"big","answer":"7","output":"${big}"}\n{"id":"after","answer":"2","output":"y"}\n`;
      const bytes = utf8(text);
      assert.ok(bytes.length > 5_000_000);
      const whole = parseTestSet(bytes);
      assert.deepEqual(whole.cases.map((c) => [c.id, c.line, c.output?.length]), [['small', 1, 1], ['big', 2, 3_000_000], ['after', 3, 1]]);
      const streamed = await parseTestSetStream(chunked(bytes, [65536, 1000, 3]));
      assert.deepEqual(streamed, whole);
      assert.equal(streamed.cases[1].output, big);
    });

    it('keeps at most maxIssues issues, the earliest lines first, and says how many were dropped', async () => {
      const lines = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 'oops' : `{"id":"${i}","answer":"1","output":"x"}`));
      const r = await parseAllWays(utf8(lines.join('\n')), { maxIssues: 5, fileName: 'x.jsonl' });
      assert.equal(r.cases.length, 15);
      assert.equal(r.skipped, 15);
      assert.deepEqual(r.issues.map((i) => i.line), [1, 3, 5, 7, 9, 9]);
      assert.equal(r.issues[5].message, '10 more issues not shown (limit 5)');
      assert.equal(r.issues[5].severity, 'warning');
    });

    it('warns about an empty file', () => {
      const r = parseTestSet('\n\n', { fileName: 'empty.jsonl' });
      assert.deepEqual(r, { format: 'jsonl', cases: [], issues: [{ line: 1, message: 'the test set has no cases', severity: 'warning' }], skipped: 0 });
    });
  });

  describe('JSON array', () => {
    it('maps each element to the line it starts on and skips only the broken ones', async () => {
      const r = await parseAllWays(fixture('testset.json'), { fileName: 'testset.json' });
      assert.equal(r.format, 'json');
      assert.deepEqual(r.cases, [
        { id: 'j1', question: '2*3?', answers: ['6'], output: '6', tags: [], line: 2 },
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
      assert.deepEqual(r.cases.map((c) => `${c.id}@${c.line}`), ['a@2', 'b@3']);
      assert.deepEqual(brief(r.issues), ["error 3:1 invalid JSON: expected ','", "error 3:37 invalid JSON: unexpected end of file (expected ']')"]);
      assert.equal(r.skipped, 0);
    });

    it('rejects a top-level value that is not an array', () => {
      const r = parseTestSet('\n  "hello"\n', { fileName: 't.json' });
      assert.deepEqual(brief(r.issues), ['error 2:3 expected a JSON array of cases, got string']);
    });
  });

  describe('CSV', () => {
    it('reads the header, quoted multi-line fields, tags, CRLF and blank lines', async () => {
      const r = await parseAllWays(fixture('testset.csv'), { fileName: 'testset.csv' });
      assert.equal(r.format, 'csv');
      assert.deepEqual(r.cases, [
        { id: 'c1', question: 'Two\nlines', answers: ['4'], output: 'so 4', tags: ['math', 'easy'], line: 2 },
        { id: 'c2', question: 'plain', answers: ['7'], tags: ['geo', 'hard'], line: 5 },
        { id: 'c4', question: 'with "quotes"', answers: ['9'], output: 'nine', tags: [], line: 7 },
      ]);
      assert.deepEqual(brief(r.issues), ['error 6 expected 5 fields (as in the header), got 2']);
      assert.equal(r.skipped, 1);
    });

    it('reads answers as a JSON list or one value, matches headers case-insensitively, sniffs ";"', async () => {
      const text = 'ID;Question;Answers;Output\nr1;q;["1","one"];o\nr2;q;|x|;o\n';
      const r = await parseAllWays(utf8(text), { fileName: 'set.csv' });
      assert.deepEqual(r.cases.map((c) => [c.id, c.answers]), [['r1', ['1', 'one']], ['r2', ['|x|']]]);
    });

    it('reads tab-separated files', () => {
      const r = parseTestSet('id\tanswer\toutput\nt1\t3\tthree, 3\n', { fileName: 'set.tsv' });
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
      const bytes = new Uint8Array([...utf8('id,answer,output\na,1,"x\n'), 0xfe, ...utf8('y"\n')]);
      const r = await parseAllWays(bytes, { fileName: 'x.csv' });
      assert.deepEqual(r.cases.map((c) => [c.id, c.output, c.line]), [['a', 'x\n\ufffdy', 2]]);
      assert.deepEqual(brief(r.issues), ['warning 3 invalid UTF-8 bytes, replaced with U+FFFD']);
    });
  });

  describe('format detection', () => {
    const jsonl = '{"id":"a","answer":"1","output":"x"}\n';
    it('follows the extension, then the content', () => {
      assert.equal(parseTestSet(jsonl, { fileName: 'a.ndjson' }).format, 'jsonl');
      assert.equal(parseTestSet(jsonl, { fileName: 'dir.v2/a.JSONL' }).format, 'jsonl');
      assert.equal(parseTestSet(`[${jsonl}]`).format, 'json');
      assert.equal(parseTestSet(jsonl).format, 'jsonl');
      assert.equal(parseTestSet('id,answer\na,1\n').format, 'csv');
      assert.equal(parseTestSet('id,answer\na,1\n', { fileName: 'x.txt' }).format, 'csv');
    });

    it('reads JSON Lines saved with a .json extension, and a one-line array saved as .jsonl', () => {
      const r = parseTestSet(jsonl + jsonl.replace('"a"', '"b"'), { fileName: 'data.json' });
      assert.equal(r.format, 'jsonl');
      assert.equal(r.cases.length, 2);
      assert.equal(parseTestSet(`[${jsonl.trim()}]`, { fileName: 'data.jsonl' }).format, 'json');
    });

    it('lets an explicit csv format win over the content', () => {
      const r = parseTestSet('{"a":1}\n', { format: 'csv' });
      assert.equal(r.format, 'csv');
    });
  });

  describe('formatIssue', () => {
    it('writes file:line: reason, with the column when known', () => {
      assert.equal(formatIssue('set.jsonl', { line: 3, message: 'missing gold answer', severity: 'error' }), 'set.jsonl:3: missing gold answer');
      assert.equal(formatIssue('a/b.json', { line: 10, column: 46, message: 'invalid JSON', severity: 'error' }), 'a/b.json:10:46: invalid JSON');
    });
  });

  describe('real data in ../shared/data', () => {
    for (const [file, count] of [
      ['gsm8k_faithfulcot_gpt4_cot.jsonl', 1319],
      ['math_qwen25math_cot100x8.jsonl', 800],
      ['math_l5_zeroeval_qwen25_72b.jsonl', 721],
    ] as const) {
      it(`parses ${file}: ${count} cases, none skipped, in memory and streamed`, async () => {
        const bytes = dataFile(file);
        const r = parseTestSet(bytes, { fileName: file, requireOutput: true });
        assert.equal(r.format, 'jsonl');
        assert.equal(r.cases.length, count);
        assert.equal(r.skipped, 0);
        assert.deepEqual(r.issues, []);
        assert.equal(r.cases[count - 1].line, count);
        assert.ok(r.cases.every((c) => c.answers.length === 1 && typeof c.output === 'string' && c.question.length > 0));
        const streamed = await parseTestSetStream(chunked(bytes, [65536, 17]), { fileName: file, requireOutput: true });
        assert.deepEqual(streamed, r);
        assert.deepEqual(parseTestSet(bytes.toString('utf8'), { fileName: file, requireOutput: true }), r);
      });
    }

    it('reads the first GSM8K case exactly', () => {
      const r = parseTestSet(dataFile('gsm8k_faithfulcot_gpt4_cot.jsonl'));
      assert.equal(r.cases[0].id, 'gsm8k-test-0');
      assert.deepEqual(r.cases[0].answers, ['18']);
      assert.ok(r.cases[0].output?.endsWith('The answer is 18.'));
    });
  });
});
