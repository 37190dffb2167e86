import type { Tokenizer } from './tokens';

/** Token boundaries of one text. `ends[k-1]` = UTF-16 offset where the text cut after the first k tokens ends. */
export interface TokenizedText {
  count: number;
  ends: Uint32Array;
}

/**
 * UTF-8 byte length of a string, as `TextEncoder` would encode it: a surrogate pair is 4 bytes and a
 * lone surrogate becomes U+FFFD (3 bytes), which is also what both tokenizer engines feed to BPE.
 */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * Encodes `text` once and returns where each token prefix ends, in O(n).
 *
 * Token byte lengths are summed and mapped to UTF-16 offsets in one forward pass over the string
 * (tokens are never decoded one by one: a token may hold part of a UTF-8 character). A cut after k
 * tokens keeps whole characters only: `ends[k-1]` is the largest character boundary whose UTF-8
 * offset is ≤ the bytes of the first k tokens, so a partial trailing character is dropped. The
 * last end is `text.length`.
 */
export function tokenizeWithOffsets(tok: Tokenizer, text: string): TokenizedText {
  const ids = tok.encode(text);
  const count = ids.length;
  const ends = new Uint32Array(count);
  const n = text.length;
  let pos = 0;
  let posBytes = 0;
  let tokenBytes = 0;
  for (let k = 0; k < count; k++) {
    tokenBytes += tok.tokenByteLength(ids[k]);
    while (pos < n) {
      const c = text.charCodeAt(pos);
      let width: number;
      let units = 1;
      if (c < 0x80) width = 1;
      else if (c < 0x800) width = 2;
      else if (c >= 0xd800 && c <= 0xdbff && pos + 1 < n && isLowSurrogate(text.charCodeAt(pos + 1))) {
        width = 4;
        units = 2;
      } else width = 3;
      if (posBytes + width > tokenBytes) break;
      posBytes += width;
      pos += units;
    }
    ends[k] = pos;
  }
  return { count, ends };
}

/** The first k tokens of `text` as a string (whole characters only); k >= count gives the whole text. */
export function cutText(text: string, t: TokenizedText, k: number): string {
  const whole = Math.floor(k);
  if (whole >= t.count) return text;
  if (!(whole > 0)) return '';
  return text.slice(0, t.ends[whole - 1]);
}
