/**
 * Which policies production can apply, and the per-tag plan's fallback: the one copy of both rules
 * for the CLI, the export command, the panel and the runtime. Works on policy names and imports
 * nothing but types, so src/shared may re-export it to the webview (see eslint.layers.mjs).
 */
import type { TagBudgets } from './types';

/** Whether a policy can be exported for the streaming runtime, and in words why (not). */
export interface PolicyExportRule {
  exportable: boolean;
  reason: string;
}

/** Policy kinds (the name before `:`) the streaming runtime cannot apply, with the reason. */
const NOT_IN_RUNTIME: Readonly<Record<string, string>> = {
  probe: 'probe policies need extra model calls, so the streaming runtime cannot apply them; export a cutoff, stability or marker policy',
  'probe-confident': 'probe policies need extra model calls, so the streaming runtime cannot apply them; export a cutoff, stability or marker policy',
  'probe-settled': 'probe policies need extra model calls, so the streaming runtime cannot apply them; export a cutoff, stability or marker policy',
  budget: 'budget policies need a forced-answer call when the thinking is cut, which the streaming stopper does not make; export a cutoff, stability or marker policy',
};

/** The export rule for a policy name such as `cutoff:512` or `probe:32x2`. */
export function policyExportRule(policy: string): PolicyExportRule {
  const kind = policy.split(':')[0];
  if (Object.prototype.hasOwnProperty.call(NOT_IN_RUNTIME, kind)) return { exportable: false, reason: `${policy}: ${NOT_IN_RUNTIME[kind]}` };
  return { exportable: true, reason: `${policy}: the streaming runtime applies it as the sweep measured it` };
}

/** Shorthand for `policyExportRule(policy).exportable`. */
export function isRuntimePolicy(policy: string): boolean {
  return policyExportRule(policy).exportable;
}

/** The policy a per-tag plan gives tags it does not list: the best single policy, full length when none qualified. */
export function tagPlanFallback(tb: TagBudgets): string {
  return tb.single?.policy ?? 'full';
}

/** True when the plan gives some tag another policy than its fallback; otherwise exporting the single policy is the same thing. */
export function tagPlanDiffers(tb: TagBudgets | null | undefined): boolean {
  return !!tb && tb.perTag.some((t) => t.policy !== tagPlanFallback(tb));
}
