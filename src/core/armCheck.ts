/**
 * The obeyed check of an arm: did the provider setting change anything? The requested budget (when
 * the arm's body sets a numeric one) against the reasoning tokens the server reported, and a paired
 * comparison of the arm's token counts with the baseline's on the same cases.
 */
import { mean, quantileOfSorted } from './stats';

/** Body fields that set a numeric thinking or output budget, as servers document them. */
export const BUDGET_FIELDS = ['thinking_token_budget', 'max_completion_tokens', 'thinkingBudget', 'thinking_budget', 'budget_tokens'] as const;

/** The first numeric budget field found in an arm's body (nested objects such as `thinking` included), or undefined. */
export function requestedBudget(body: unknown, depth = 0): number | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body) || depth > 4) return undefined;
  const o = body as Record<string, unknown>;
  for (const f of BUDGET_FIELDS) if (typeof o[f] === 'number' && Number.isFinite(o[f])) return o[f];
  for (const v of Object.values(o)) {
    const nested = requestedBudget(v, depth + 1);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

/** What the obeyed check found for one arm. */
export interface ArmObeyed {
  /** The arm's numeric budget, when its body sets one. */
  requestedBudget?: number;
  /** Reasoning tokens the server reported (cases that report them). */
  reasoningP50?: number;
  reasoningP95?: number;
  /** Share of reporting cases whose reasoning tokens exceed the requested budget. */
  overBudgetShare?: number;
  /** Mean per-case token difference, arm − baseline, and its 95% interval (normal approximation). */
  meanDiff: number;
  diffCi95: [number, number];
  /** The arm's tokens are indistinguishable from the baseline's: the interval holds 0 and the means differ by under 5%. */
  noEffect: boolean;
  /** Why, in words the CLI and the panel show. */
  reason: string;
}

/** Relative difference of means below which an arm counts as having no effect (with an interval that holds 0). */
export const NO_EFFECT_SHARE = 0.05;

/**
 * Checks one arm: `armTokens` and `baseTokens` are paired per case (trace tokens); `reasoning`
 * holds the server-reported reasoning tokens of the arm's cases that report them.
 */
export function checkArmObeyed(name: string, armTokens: ArrayLike<number>, baseTokens: ArrayLike<number>, reasoning: readonly number[], budget?: number): ArmObeyed {
  const n = Math.min(armTokens.length, baseTokens.length);
  const diffs = Array.from({ length: n }, (_, i) => armTokens[i] - baseTokens[i]);
  const m = n ? mean(diffs) : 0;
  const sd = n > 1 ? Math.sqrt(diffs.reduce((s, d) => s + (d - m) ** 2, 0) / (n - 1)) : 0;
  const half = n > 1 ? (1.96 * sd) / Math.sqrt(n) : 0;
  const baseMean = n ? mean(Array.from({ length: n }, (_, i) => baseTokens[i])) : 0;
  const holdsZero = m - half <= 0 && 0 <= m + half;
  const small = Math.abs(m) <= NO_EFFECT_SHARE * baseMean;
  const out: ArmObeyed = { meanDiff: m, diffCi95: [m - half, m + half], noEffect: n > 0 && holdsZero && small, reason: '' };
  if (budget !== undefined) out.requestedBudget = budget;
  if (reasoning.length > 0) {
    const sorted = [...reasoning].sort((a, b) => a - b);
    out.reasoningP50 = quantileOfSorted(sorted, 0.5);
    out.reasoningP95 = quantileOfSorted(sorted, 0.95);
    if (budget !== undefined) out.overBudgetShare = reasoning.filter((r) => r > budget).length / reasoning.length;
  }
  const diffText = `${m >= 0 ? '+' : ''}${m.toFixed(1)} tokens per case (95% CI ${out.diffCi95[0].toFixed(1)} to ${out.diffCi95[1].toFixed(1)})`;
  out.reason = out.noEffect
    ? `arm ${name} looks ignored: its tokens differ from the baseline's by ${diffText}, indistinguishable from no change; check that the server honours its fields`
    : `arm ${name} changed the tokens by ${diffText}`;
  if (budget !== undefined && out.overBudgetShare !== undefined) out.reason += `; ${(out.overBudgetShare * 100).toFixed(0)}% of cases reasoned past the requested ${budget} tokens (p95 ${Number((out.reasoningP95 ?? 0).toFixed(1))})`;
  return out;
}
