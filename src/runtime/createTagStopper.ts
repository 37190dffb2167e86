import type { ExportedTagPlan } from '../core/types';
import { parseExportedTagPlan, policyForTags } from '../core/tagPlanExport';
import { createStopper, type Stopper, type StopperOptions } from './createStopper';

/** Anything `createTagStopper` accepts: an exported per-tag plan object, or its JSON text. */
export type TagPlanInput = ExportedTagPlan | string | object;

const checked = new WeakMap<object, ExportedTagPlan>();

/**
 * Creates a stopper for one request from a per-tag plan exported by `prompt-budget export --policy
 * per-tag` (or the results panel): the policy of the request's group — its first tag, as the sweep
 * grouped cases — or the plan's fallback for a group it does not list. A plan object is checked
 * once and remembered. Throws an Error naming the problem when the plan is invalid.
 */
export function createTagStopper(plan: TagPlanInput, tags: readonly string[] | string | null | undefined, options: StopperOptions = {}): Stopper {
  let valid = typeof plan === 'object' && plan !== null ? checked.get(plan) : undefined;
  if (!valid) {
    const parsed = parseExportedTagPlan(plan);
    if (!parsed.plan) throw new Error(`prompt-budget: invalid per-tag plan: ${parsed.error}`);
    valid = parsed.plan;
    if (typeof plan === 'object' && plan !== null) checked.set(plan, valid);
  }
  return createStopper(policyForTags(valid, tags), options);
}
