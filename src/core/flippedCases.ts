/**
 * The cases a sweep's policies flipped against full length (right→wrong or wrong→right), with the
 * trace and where each policy cut it, for the panel's drill-down.
 */
import type { Case, SweepResult } from './types';
import { tokenizeWithOffsets, type Tokenizer } from './tokens';
import { runSweep, type SweepOptions } from './sweep';

/** Where one policy stopped on one case and what it answered. */
export interface CaseOutcome {
  stopToken: number;
  /** UTF-16 offset in the trace where the policy stopped. */
  cutAt: number;
  answer: string | null;
  correct: boolean;
  reason: string;
}

/** A case with its texts and the outcomes of `full` and some policies (those that flipped it, or all of them when opened alone). */
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
  return tracedCases(result, cases, tokenizer, flippingPolicies(result));
}

/**
 * One case evaluated alone under the sweep's options (a case's outcomes do not depend on the other
 * cases), with every policy's cut point: to open a case the sweep did not keep. Null when the case
 * has no recorded trace.
 */
export function traceOneCase(c: Case, options: Omit<SweepOptions, 'includeCases' | 'onProgress' | 'isCancelled'>, tokenizer: Tokenizer): FlippedCase | null {
  if (typeof c.output !== 'string') return null;
  const result = runSweep([c], 0, { ...options, includeCases: true, folds: 0 });
  return tracedCases(result, [c], tokenizer, new Map([[c.id, new Set(result.rows.map((r) => r.policy))]]))[0] ?? null;
}

/** The cases named in `wanted` (id → policies), each with `full` and those policies' outcomes and cut offsets. */
function tracedCases(result: SweepResult, cases: readonly Case[], tokenizer: Tokenizer, wanted: Map<string, Set<string>>): FlippedCase[] {
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
