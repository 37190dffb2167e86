// `npm run bench:degenerate [runs] [--hf]`: the bench's 100 KB degenerate-trace rows (benchDegenerate)
// repeated in one process, so a figure is a range over runs, not one lucky or unlucky run.
// Each run is already the fastest of 5 CPU-time passes per trace; this prints per trace the min and
// median of those over the runs, and the range and median of the per-run ratio to the normal trace.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadHfTokenizer } from '../src/node/hfTokenizerFiles';
import { benchDegenerate, benchTokenizerDir } from './hfTokenizerBench';

const data = resolve(__dirname, '../../shared/data');
const file = join(data, 'math_thoughtanchors_r1distill_think.jsonl');
if (!existsSync(file)) throw new Error(`no ${file}`);
const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5);
const dir = process.argv.includes('--hf') ? benchTokenizerDir() : null;
const normal = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => (JSON.parse(l) as { output: string }).output)
  .join('\n');
const hf = dir ? loadHfTokenizer(dir) : null;

const rows = new Map<string, { ms: number[]; ratio: number[] }>();
for (let i = 0; i < runs; i++) {
  for (const r of benchDegenerate(normal, hf)) {
    const key = `${r.tokenizer} | ${r.trace}`;
    const row = rows.get(key) ?? { ms: [], ratio: [] };
    row.ms.push(r.ms);
    row.ratio.push(r.ratio);
    rows.set(key, row);
  }
}
const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);
const median = (a: number[]): number => {
  const s = sorted(a);
  return s.length % 2 ? s[(s.length - 1) / 2] : Number(((s[s.length / 2 - 1] + s[s.length / 2]) / 2).toFixed(2));
};
console.log(`100 KB degenerate traces, ${runs} runs of benchDegenerate (CPU time, fastest of 5 each) · node ${process.version} · ${new Date().toISOString()}`);
console.log('tokenizer | trace | min ms | median ms | ratio range | median ratio');
for (const [key, { ms, ratio }] of rows) {
  const r = sorted(ratio);
  console.log(`${key} | ${sorted(ms)[0]} | ${median(ms)} | ${r[0]}–${r[r.length - 1]} | ${median(ratio)}`);
}
