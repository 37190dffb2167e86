import { ENCODING_NAMES, ENGINE_NAMES, countTokens, getTokenizer, isTokenizerLoaded, tokenizeWithOffsets, utf8Length } from '../src/core/tokens';
import type { EncodingName, EngineName, Tokenizer } from '../src/core/tokens';

export interface TokenizerBenchRow {
  engine: EngineName;
  encoding: EncodingName;
  /** Time of the first getTokenizer call: rank table evaluation and engine set-up. */
  loadMs: number;
  /** False when an earlier part of the same process had already loaded this tokenizer (loadMs is then ~0). */
  coldLoad: boolean;
  /** encode() throughput over the texts, UTF-8 MB per second (median pass). */
  mbPerSec: number;
  tokensPerSec: number;
  /** tokenizeWithOffsets() throughput: encode plus the offset pass. */
  offsetsMbPerSec: number;
  /** mbPerSec divided by js-tiktoken's mbPerSec for the same encoding. */
  speedVsJsTiktoken: number;
  tokens: number;
}

function medianPassMs(pass: () => void, minPasses: number, minMs: number): number {
  const times: number[] = [];
  let total = 0;
  while (times.length < minPasses || (total < minMs && times.length < 10)) {
    const t0 = performance.now();
    pass();
    const ms = performance.now() - t0;
    times.push(ms);
    total += ms;
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** Load time and throughput of each (engine, encoding) on the same texts, in one process. No thresholds. */
export async function benchTokenizers(texts: string[], opts: { minPasses?: number; minMs?: number } = {}): Promise<TokenizerBenchRow[]> {
  const minPasses = opts.minPasses ?? 2;
  const minMs = opts.minMs ?? 500;
  const megabytes = texts.reduce((sum, t) => sum + utf8Length(t), 0) / 1e6;
  const rows: TokenizerBenchRow[] = [];
  for (const encoding of ENCODING_NAMES) {
    for (const engine of ENGINE_NAMES) {
      const coldLoad = !isTokenizerLoaded(encoding, engine);
      const t0 = performance.now();
      const tok: Tokenizer = getTokenizer(encoding, engine);
      const loadMs = performance.now() - t0;
      let tokens = 0;
      for (const t of texts) tokens += tok.encode(t).length;
      const encodeMs = medianPassMs(() => texts.forEach((t) => tok.encode(t)), minPasses, minMs);
      const offsetsMs = medianPassMs(() => texts.forEach((t) => tokenizeWithOffsets(tok, t)), 1, 0);
      rows.push({
        engine,
        encoding,
        loadMs: round(loadMs, 1),
        coldLoad,
        mbPerSec: round(megabytes / (encodeMs / 1000)),
        tokensPerSec: Math.round(tokens / (encodeMs / 1000)),
        offsetsMbPerSec: round(megabytes / (offsetsMs / 1000)),
        speedVsJsTiktoken: 0,
        tokens,
      });
      // Let timers and GC run between engines so one engine's garbage is not billed to the next.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  for (const row of rows) {
    const ref = rows.find((r) => r.encoding === row.encoding && r.engine === 'js-tiktoken');
    row.speedVsJsTiktoken = ref ? round(row.mbPerSec / ref.mbPerSec) : 1;
  }
  return rows;
}

export interface LongRunBenchRow {
  kind: 'base64' | 'one letter' | 'random letters' | 'spaces';
  chars: number;
  engine: EngineName;
  encoding: EncodingName;
  /** countTokens() time with the default run guard. */
  ms: number;
  count: number;
  approximate: boolean;
}

function longRun(kind: LongRunBenchRow['kind'], chars: number): string {
  if (kind === 'one letter') return 'a'.repeat(chars);
  if (kind === 'spaces') return `x${' '.repeat(chars - 2)}y`;
  // Random lower-case letters form one pre-token with no safe cut, and no two pieces repeat.
  const alphabet = kind === 'base64' ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/' : 'abcdefghijklmnopqrstuvwxyz';
  let seed = 12345;
  let s = '';
  for (let i = 0; i < chars; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    s += alphabet[(seed >>> 16) % alphabet.length];
  }
  return s;
}

/**
 * countTokens() on single unspaced runs (the inputs that make BPE quadratic), with the default
 * guard. js-tiktoken is left out by default: even cut into pieces it needs seconds on 200 KB.
 */
export function benchLongRuns(
  sizes: number[] = [16_384, 65_536, 204_800],
  engines: readonly EngineName[] = ['gpt-tokenizer'],
  encoding: EncodingName = 'o200k_base',
): LongRunBenchRow[] {
  const rows: LongRunBenchRow[] = [];
  for (const engine of engines) {
    const tok = getTokenizer(encoding, engine);
    countTokens(tok, longRun('base64', 2048));
    for (const kind of ['base64', 'one letter', 'random letters', 'spaces'] as const) {
      for (const chars of sizes) {
        const text = longRun(kind, chars);
        const t0 = performance.now();
        const r = countTokens(tok, text);
        rows.push({ kind, chars, engine, encoding, ms: round(performance.now() - t0, 1), count: r.count, approximate: r.approximate });
      }
    }
  }
  return rows;
}
