import { printParseErrorCode } from 'jsonc-parser';
import type { ParseError } from 'jsonc-parser';

/** `"a"`, `"a" or "b"`, `"a", "b" or "c"`: the names an issue message expects. */
export function quoteList(names: readonly string[]): string {
  const q = names.map((n) => `"${n}"`);
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
}

const JSON_ERROR_TEXT: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':'",
  CommaExpected: "expected ','",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'unexpected text after the value',
  InvalidCommentToken: 'comments are not allowed',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'control character in string',
};

/**
 * Words for a jsonc-parser syntax error in `text`: quotes the offending text for an unexpected
 * symbol, and says "unexpected end of file" (or `end`) when the text stops too early.
 */
export function describeJsonError(text: string, e: ParseError, end: 'file' | 'line' = 'file'): string {
  const name = printParseErrorCode(e.error);
  if (e.offset >= text.trimEnd().length && name !== 'UnexpectedEndOfString' && name !== 'UnexpectedEndOfComment') {
    const closer = name === 'CloseBraceExpected' || name === 'CloseBracketExpected' ? ` (${JSON_ERROR_TEXT[name]})` : '';
    return `unexpected end of ${end}${closer}`;
  }
  if (name === 'InvalidSymbol' && e.length > 0) {
    const bad = text.substr(e.offset, Math.min(e.length, 20));
    return `unexpected ${JSON.stringify(bad)}${e.length > 20 ? '…' : ''}`;
  }
  return JSON_ERROR_TEXT[name] ?? name;
}
