// The driver: format detection and the three real data files (every case read, none skipped).
import assert from 'node:assert/strict';
import { parseTestSet, parseTestSetStream } from '../../../../src/core/testSet/parseTestSet';
import { dataFile, chunked } from './parseAllWays';

describe('core/testSet/parseTestSet', () => {
  it('warns about an empty file', () => {
    const r = parseTestSet('\n\n', { fileName: 'empty.jsonl' });
    assert.deepEqual(r, { format: 'jsonl', cases: [], issues: [{ line: 1, message: 'the test set has no cases', severity: 'warning' }], skipped: 0 });
  });

  describe('format detection', () => {
    const jsonl = '{"id":"a","answer":"1","output":"x"}\n';
    it('follows the extension, then the content', () => {
      assert.equal(parseTestSet(jsonl, { fileName: 'a.ndjson' }).format, 'jsonl');
      assert.equal(parseTestSet(jsonl, { fileName: 'dir.v2/a.JSONL' }).format, 'jsonl');
      assert.equal(parseTestSet(`[${jsonl}]`).format, 'json');
      assert.equal(parseTestSet(jsonl).format, 'jsonl');
      assert.equal(parseTestSet('id,answer\na,1\n').format, 'csv');
      // An unknown extension and content that is neither { nor [: CSV, the only format left.
      assert.equal(parseTestSet('id,answer\na,1\n', { fileName: 'x.txt' }).format, 'csv');
    });

    it('reads JSON Lines saved with a .json extension, and a one-line array saved as .jsonl', () => {
      // The extension is a hint: content that starts with { is JSON Lines whatever the file is called.
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
        // One case per line, no blank lines: the last case is on the last line.
        assert.equal(r.cases[count - 1].line, count);
        assert.ok(r.cases.every((c) => c.answers.length === 1 && typeof c.output === 'string' && c.question.length > 0));
        // Odd chunk sizes, so chunk ends fall inside characters and lines.
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
