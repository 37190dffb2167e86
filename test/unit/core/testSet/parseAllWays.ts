// Shared by the test-set tests: fixtures, real data, and the in-memory-equals-streamed check.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseTestSet, parseTestSetStream, type ParseOptions } from '../../../../src/core/testSet/parseTestSet';
import type { LineIssue, ParsedTestSet } from '../../../../src/core/types';


export const fixture = (name: string): Buffer => readFileSync(path.resolve(__dirname, '../../../fixtures', name));
export const dataFile = (name: string): Buffer => readFileSync(path.resolve(__dirname, '../../../../../shared/data', name));
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const n = sizes[i++ % sizes.length];
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

/** Parses in memory and as streams cut in several ways; asserts all agree and returns the result. */
export async function parseAllWays(bytes: Uint8Array, opts: ParseOptions = {}): Promise<ParsedTestSet> {
  const whole = parseTestSet(bytes, opts);
  for (const sizes of [[1], [2, 3], [7], [5, 1, 64], [bytes.length || 1]]) {
    const streamed = await parseTestSetStream(chunked(bytes, sizes), opts);
    assert.deepEqual(streamed, whole, `stream with chunk sizes ${sizes.join(',')} differs`);
  }
  return whole;
}

export const brief = (issues: LineIssue[]): string[] =>
  issues.map((i) => `${i.severity} ${i.line}${i.column !== undefined ? `:${i.column}` : ''} ${i.message}`);
