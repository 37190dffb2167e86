/**
 * The cases a sweep's policies flipped against full length (right→wrong or wrong→right), with the
 * trace and where each policy cut it, for the panel's drill-down.
 */
import type { Case, SweepResult } from './types';
import { tokenizeWithOffsets, type Tokenizer } from './tokens';

/** Where one policy stopped on one case and what it answered. */
export interface CaseOutcome {
  stopToken: number;
  /** UTF-16 offset in the trace where the policy stopped. */
  cutAt: number;
  answer: string | null;
  correct: boolean;
  reason: string;
}

/** A case some policy flipped, with its texts and the outcomes of `full` and those policies. */
export interface FlippedCase {
  id: string;
  line: number;
  question: string;
  trace: string;
  gold: string[];
  totalTokens: number;
  outcomes: Record<string, CaseOutcome>;
}

/** Policy names that flipped each case id, from the rows' flip lists. */
function flippingPolicies(result: SweepResult): Map<string, Set<string>> {
  const wanted = new Map<string, Set<string>>();
  for (const row of result.rows) {
    for (const id of [...row.flipsToWrongIds, ...row.flipsToRightIds]) {
      let set = wanted.get(id);
      if (!set) wanted.set(id, (set = new Set()));
      set.add(row.policy);
    }
  }
  return wanted;
}

/**
 * Every flipped case of a sweep run with `includeCases`, in test-set order, once per id: the
 * outcome of `full` and of each policy that flipped it, with the stop token turned into an offset
 * of the trace by `tokenizer` (the sweep's). Cases without a recorded trace are left out.
 */
export function flippedCases(result: SweepResult, cases: readonly Case[], tokenizer: Tokenizer): FlippedCase[] {
  const wanted = flippingPolicies(result);
  if (wanted.size === 0) return [];
  const byId = new Map(result.caseResults?.map((c) => [c.id, c]));
  const out: FlippedCase[] = [];
  const seen = new Set<string>();
  for (const c of cases) {
    const policies = wanted.get(c.id);
    if (!policies || seen.has(c.id) || typeof c.output !== 'string') continue;
    seen.add(c.id);
    const offsets = tokenizeWithOffsets(tokenizer, c.output);
    const perPolicy = byId.get(c.id)?.policies ?? {};
    const outcomes: FlippedCase['outcomes'] = {};
    for (const p of ['full', ...policies]) {
      const o = perPolicy[p];
      if (!o) continue;
      const stop = o.stopToken;
      const cutAt = stop <= 0 ? 0 : stop >= offsets.count ? c.output.length : offsets.ends[stop - 1];
      outcomes[p] = { stopToken: stop, cutAt, answer: o.answer, correct: o.correct, reason: o.reason };
    }
    out.push({ id: c.id, line: c.line, question: c.question, trace: c.output, gold: c.answers, totalTokens: offsets.count, outcomes });
  }
  return out;
}
