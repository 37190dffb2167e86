import type { ExportedTagPlan } from '../core/types';
import { parseExportedTagPlan, policyForTags } from '../core/tagPlanExport';
import { createStopper, type Stopper, type StopperOptions } from './createStopper';

/** Anything `createTagStopper` accepts: an exported per-tag plan object, or its JSON text. */
export type TagPlanInput = ExportedTagPlan | string | object;

const checked = new WeakMap<object, ExportedTagPlan>();

/**
 * A stopper for one request from a per-tag plan (`prompt-budget export --policy per-tag`): the policy of its first tag, as the
 * sweep grouped cases, else the plan's fallback. A plan object is checked once. Throws an Error naming the problem.
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
