// The words test-set and config issues share: name lists, and jsonc-parser errors in plain English.
import assert from 'node:assert/strict';
import { parseTree, type ParseError } from 'jsonc-parser';
import { describeJsonError, quoteList } from '../../../src/core/issueText';

// The strictest options, so each sample produces the error it is meant to.
const firstError = (text: string): ParseError => {
  const errors: ParseError[] = [];
  parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  assert.ok(errors.length > 0, text);
  return errors[0];
};

describe('core/issueText', () => {
  it('quoteList joins names with commas and a final "or"', () => {
    assert.deepEqual([[], ['a'], ['a', 'b'], ['a', 'b', 'c']].map(quoteList), ['', '"a"', '"a" or "b"', '"a", "b" or "c"']);
  });

  it('describeJsonError quotes an unexpected symbol and names the missing punctuation', () => {
    const cases: [string, string][] = [
      ['{"a": nope}', 'unexpected "nope"'],
      ['{"a": 1 "b": 2}', "expected ','"],
      ['{"a" 1}', "expected ':'"],
      ['{"a": 1, }', 'expected a property name in double quotes'],
      // An unquoted key is reported as the unexpected symbol it is.
      ['{a: 1}', 'unexpected "a"'],
      ['{"a": "\\q"}', 'invalid escape character'],
      ['{"a": 1} [2]', 'unexpected text after the value'],
      ['{"a": 1 /* c */}', 'comments are not allowed'],
      [`{"a": "${'x'.repeat(30)}`, 'unterminated string'],
    ];
    for (const [text, words] of cases) assert.equal(describeJsonError(text, firstError(text)), words, text);
  });

  it('says "unexpected end of file" (or line) when the text stops early, naming the missing closer', () => {
    assert.equal(describeJsonError('{"a": 1', firstError('{"a": 1')), "unexpected end of file (expected '}')");
    assert.equal(describeJsonError('[1, 2', firstError('[1, 2'), 'line'), "unexpected end of line (expected ']')");
    assert.equal(describeJsonError('{"a":', firstError('{"a":')), 'unexpected end of file');
  });

  it('cuts a long unexpected symbol at 20 characters', () => {
    const text = `{"a": ${'y'.repeat(30)}}`;
    assert.equal(describeJsonError(text, firstError(text)), `unexpected "${'y'.repeat(20)}"…`);
  });
});
