// What a `budget:K` sweep costs measured live: one generation per case plus one short forced-answer
// call per budget below the thinking, against the naive way of one generation per case and budget.
import { readFileSync } from 'node:fs';
import { thinkingOf } from '../src/core/forcedAnswer';
import { getTokenizer } from '../src/core/tokens';

export interface BudgetCostFigures {
  file: string;
  cases: number;
  budgets: number[];
  /** N generations + the forced-answer calls. */
  calls: number;
  /** Output tokens: the N whole traces + every forced answer at its `max_tokens`. */
  tokens: number;
  /** Input tokens the forced calls re-send: the K thinking tokens each (the question excluded). */
  forcedInputTokens: number;
  naiveCalls: number;
  /** N×C generations, each thinking min(thinking, K) tokens and then writing the trace's answer part. */
  naiveTokens: number;
}

/** Costs from recorded reasoning traces, with forced answers counted at `forceTokens` each (an upper bound). */
export function budgetCosts(path: string, budgets: readonly number[], forceTokens = 32): BudgetCostFigures {
  const tokenizer = getTokenizer('o200k_base', 'gpt-tokenizer');
  const outputs = readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { output: string }).output);
  let calls = outputs.length;
  let tokens = 0;
  let naiveTokens = 0;
  let forcedInputTokens = 0;
  for (const output of outputs) {
    const total = tokenizer.count(output);
    const thinking = tokenizer.count(thinkingOf(output).thinking);
    const answer = Math.max(0, total - thinking);
    tokens += total;
    for (const k of budgets) {
      if (k < thinking) {
        calls++;
        tokens += forceTokens;
        forcedInputTokens += k;
      }
      naiveTokens += Math.min(thinking, k) + answer;
    }
  }
  return { file: path.split('/').pop() ?? path, cases: outputs.length, budgets: [...budgets], calls, tokens, forcedInputTokens, naiveCalls: outputs.length * budgets.length, naiveTokens };
}
