// Bytes to lines: encodings, line ends and chunk boundaries must never change a parse result.
import assert from 'node:assert/strict';
import { parseTestSet, parseTestSetStream } from '../../../../src/core/testSet/parseTestSet';
import { utf8, chunked, parseAllWays, brief } from './parseAllWays';

describe('core/testSet/lineSplitter', () => {
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
      // 0xff never starts a UTF-8 sequence; 0xc3 and 0xe2 0x82 start sequences that never finish.
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
    // Windows tools still save "Unicode" text as UTF-16 LE with a BOM.
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
    // → is three UTF-8 bytes: the 64 KiB chunks below split it many times.
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
});
