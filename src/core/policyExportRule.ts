/**
 * Which policies production can apply, and the per-tag plan's fallback: the one copy of both rules
 * for the CLI, the export command, the panel and the runtime. Works on policy names and imports
 * nothing but types, so src/shared may re-export it to the webview (see eslint.layers.mjs).
 */
import type { TagBudgets } from './types';

/** Whether a policy can be exported for the runtime, and in words why (not). */
export interface PolicyExportRule {
  exportable: boolean;
  /** True for policies that make extra model calls (forced answers, probes): the runtime needs a way to call the model. */
  needsCalls: boolean;
  reason: string;
}

/** Policy kinds (the name before `:`) that make extra model calls, with what the runtime does. */
const WITH_CALLS: Readonly<Record<string, string>> = {
  probe: 'the runtime asks the model for its answer every N tokens (one short /completions call each) and stops when the probes agree; give it complete() or an endpoint, or use prompt-budget proxy',
  'probe-settled':
    'the runtime asks the model for its answer every N tokens (one short /completions call each) and stops when k probes in a row agree without a hesitation word (the list exported with it); give it complete() or an endpoint, or use prompt-budget proxy',
  'probe-confident':
    'the runtime asks the model for its answer every N tokens (one short /completions call each, with logprobs) and stops at the first whose mean token probability reaches the threshold; give it complete() returning logprobs or an endpoint that sends them, or use prompt-budget proxy',
  budget: 'the runtime closes the thinking at K tokens and makes one short forced-answer call (/completions); give it complete() or an endpoint, or use prompt-budget proxy',
};

/** Row kinds of a sweep that are not stop policies at all. */
const NOT_POLICIES: Readonly<Record<string, string>> = {
  arm: 'an arm is a provider setting sent with every request, not a stop policy; set its request fields in your client instead',
};

/** The export rule for a policy name such as `cutoff:512`, `budget:1024` or `probe:32x2`. */
export function policyExportRule(policy: string): PolicyExportRule {
  const kind = policy.split(':')[0];
  if (Object.prototype.hasOwnProperty.call(NOT_POLICIES, kind)) return { exportable: false, needsCalls: false, reason: `${policy}: ${NOT_POLICIES[kind]}` };
  if (Object.prototype.hasOwnProperty.call(WITH_CALLS, kind)) return { exportable: true, needsCalls: true, reason: `${policy}: ${WITH_CALLS[kind]}` };
  return { exportable: true, needsCalls: false, reason: `${policy}: the streaming runtime applies it as the sweep measured it` };
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
