// Counting as you type: the line-chunk cache (src/core/incrementalCounter.ts) against a naive
// recount of the whole document after every keystroke, on a generated 50 KB markdown prompt.
import { countTokens, getTokenizer } from '../src/core/tokens';
import type { EncodingName, EngineName } from '../src/core/types';
import { IncrementalCounter } from '../src/core/incrementalCounter';
import { createRng } from '../src/core/stats';

export interface KeystrokeFigures {
  engine: EngineName;
  encoding: EncodingName;
  promptKB: number;
  keystrokes: number;
  cachedMedianMs: number;
  cachedP95Ms: number;
  naiveMedianMs: number;
  /** naive median / cached median. */
  speedup: number;
  /** Every cached count equalled the naive count. */
  exact: boolean;
  /** One update after pasting a 200 KB line without spaces into the prompt (median of 3). */
  paste200kMs: number;
  pasteApproximate: boolean;
}

const WORDS = (
  'the model should answer step by step and check each result before it writes the final line ' +
  'you are a careful assistant that reads the question twice extracts the numbers and explains ' +
  'every intermediate value keep answers short cite the source when asked never invent data ' +
  'tokens budget stop early when the answer is stable return json with fields answer and reason'
).split(' ');

/** A deterministic markdown prompt of about `bytes` bytes: headings, paragraphs, lists, code. */
export function makePrompt(bytes: number, seed = 7): string {
  const r = createRng(seed);
  const pick = (): string => WORDS[Math.floor(r() * WORDS.length)];
  const parts: string[] = [];
  let size = 0;
  let section = 0;
  while (size < bytes) {
    const block: string[] = [];
    if (section % 4 === 0) block.push(`## Section ${section / 4 + 1}: ${pick()} ${pick()}`, '');
    const kind = r();
    if (kind < 0.6) {
      const n = 30 + Math.floor(r() * 60);
      block.push(Array.from({ length: n }, pick).join(' ') + '.');
    } else if (kind < 0.85) {
      for (let i = 0; i < 4; i++) block.push(`- ${Array.from({ length: 6 + Math.floor(r() * 8) }, pick).join(' ')}`);
    } else {
      block.push('```json', `{ "answer": ${Math.floor(r() * 1000)}, "reason": "${pick()} ${pick()}" }`, '```');
    }
    block.push('');
    section++;
    const text = block.join('\n') + '\n';
    parts.push(text);
    size += text.length;
  }
  return parts.join('').slice(0, bytes);
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))];
}

function benchEngine(engine: EngineName, encoding: EncodingName, keystrokes: number): KeystrokeFigures {
  const tok = getTokenizer(encoding, engine);
  const count = (t: string): { count: number; approximate: boolean } => countTokens(tok, t);
  let text = makePrompt(50_000);
  const counter = new IncrementalCounter(count);
  counter.update(text);
  count(text);
  const r = createRng(11);
  const cached: number[] = [];
  const naive: number[] = [];
  let exact = true;
  const typed = 'abcdefghijklmnopqrstuvwxyz      ,.#\n';
  for (let k = 0; k < keystrokes; k++) {
    const at = Math.floor(r() * text.length);
    text = r() < 0.2 && at > 0 ? text.slice(0, at - 1) + text.slice(at) : text.slice(0, at) + typed[Math.floor(r() * typed.length)] + text.slice(at);
    let t0 = performance.now();
    const a = counter.update(text);
    cached.push(performance.now() - t0);
    t0 = performance.now();
    const b = count(text);
    naive.push(performance.now() - t0);
    if (a.count !== b.count) exact = false;
  }
  cached.sort((x, y) => x - y);
  naive.sort((x, y) => x - y);
  const paste = 'x7Q'.repeat(70_000).slice(0, 200_000);
  const mid = text.indexOf('\n', text.length >> 1) + 1;
  const pastedText = text.slice(0, mid) + paste + '\n' + text.slice(mid);
  const pasteTimes: number[] = [];
  let pasted = counter.update(text);
  for (let i = 0; i < 3; i++) {
    counter.update(text);
    const t0 = performance.now();
    pasted = counter.update(pastedText);
    pasteTimes.push(performance.now() - t0);
  }
  const paste200kMs = quantile(pasteTimes.sort((x, y) => x - y), 0.5);
  const cachedMedianMs = quantile(cached, 0.5);
  const naiveMedianMs = quantile(naive, 0.5);
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    engine,
    encoding,
    promptKB: Math.round(makePrompt(50_000).length / 1000),
    keystrokes,
    cachedMedianMs: round(cachedMedianMs),
    cachedP95Ms: round(quantile(cached, 0.95)),
    naiveMedianMs: round(naiveMedianMs),
    speedup: Math.round((naiveMedianMs / Math.max(cachedMedianMs, 1e-6)) * 10) / 10,
    exact,
    paste200kMs: Math.round(paste200kMs * 10) / 10,
    pasteApproximate: pasted.approximate,
  };
}

/** Keystroke figures for both engines (o200k_base); js-tiktoken's naive recount is slow, so it gets fewer keystrokes. */
export async function benchKeystrokes(): Promise<KeystrokeFigures[]> {
  return [benchEngine('gpt-tokenizer', 'o200k_base', 300), benchEngine('js-tiktoken', 'o200k_base', 60)];
}
