import { readFileSync } from 'node:fs';
import { StreamTokens } from './src/runtime/streamTokens';
import { PolicyTracker, StreamTrace } from './src/runtime/policyTracker';
import { getTokenizer, tokenizeWithOffsets } from './src/core/tokens';
import { makeExtractor } from './src/core/extract';
import { applyPolicy, PrefixExtractor, DEFAULT_CUTOFFS, DEFAULT_DYNAMIC_POLICIES } from './src/core/policies';
import type { PolicySpec } from './src/core/types';
const policies: PolicySpec[] = [{ kind: 'full' }, ...DEFAULT_CUTOFFS.map((k) => ({ kind: 'cutoff', tokens: k }) as PolicySpec), ...DEFAULT_DYNAMIC_POLICIES];
const sets: [string, string[]][] = [['gsm8k_faithfulcot_gpt4_cot.jsonl', ['last-number']], ['math_qwen25math_cot100x8.jsonl', ['boxed', 'json-answer']], ['math_l5_zeroeval_qwen25_72b.jsonl', ['boxed', 'json-answer']]];
const tok = getTokenizer('o200k_base', 'gpt-tokenizer');
let bad = 0, n = 0; const t0 = Date.now();
for (const [f, presets] of sets) {
  const traces = readFileSync('/work/shared/data/' + f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).output as string);
  for (const preset of presets) {
    const extract = makeExtractor({ preset: preset as 'boxed' });
    for (const [ti, text] of traces.entries()) {
      const trace = { text, tokens: tokenizeWithOffsets(tok, text) };
      const pre = new PrefixExtractor(trace, extract);
      const want = policies.map((p) => applyPolicy(p, trace, pre, extract));
      const src = new StreamTrace(new StreamTokens('o200k_base', 'gpt-tokenizer'), extract);
      const trackers = policies.map((p) => new PolicyTracker(p, src));
      const got: (ReturnType<PolicyTracker['finish']> | null)[] = policies.map(() => null);
      let i = 0, seed = ti + 7;
      while (i < text.length) { seed = (seed * 48271) % 2147483647; const k = 1 + (seed % 9); const d = text.slice(i, i + k); i += k; src.push(d);
        trackers.forEach((t, p) => { if (!got[p]) got[p] = t.check(d); }); }
      src.end();
      trackers.forEach((t, p) => { if (!got[p]) got[p] = t.finish(); });
      policies.forEach((p, j) => { n++; if (got[j]!.stopToken !== want[j].stopToken || got[j]!.answer !== want[j].answer) { if (bad++ < 10) console.log(f, ti, JSON.stringify(p), got[j], want[j]); } });
    }
  }
}
console.log('checks', n, 'bad', bad, 'ms', Date.now() - t0);
