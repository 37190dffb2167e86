/**
 * The per-tag plan for production: the sweep's per-tag budgets written as one exported policy per
 * tag group, plus the fallback for groups the plan does not list. The runtime picks a request's
 * policy by its first tag, exactly as the sweep grouped cases.
 */
import type { ExportedPolicy, ExportedTagPlan, SweepResult } from './types';
import { checkMeasured, parseExportedPolicy, readExportEnvelope, toExportedPolicy } from './policyExport';
import { policyExportRule, tagPlanFallback } from './policyExportRule';

export const EXPORTED_TAG_PLAN_FORMAT = 'prompt-budget-tag-plan';
export const EXPORTED_TAG_PLAN_VERSION = 1;
/** The group of a request without tags (the sweep's name for untagged cases). */
export const UNTAGGED_GROUP = '(untagged)';

/** Why a plan cannot hold this policy: createTagStopper makes no model calls. */
function planRefusal(policy: string): string | null {
  const rule = policyExportRule(policy);
  if (!rule.exportable) return rule.reason;
  return rule.needsCalls ? `${policy}: a per-tag plan runs on createTagStopper, which makes no model calls; export a budget or probe policy on its own (createPolicyRun, or prompt-budget proxy)` : null;
}

function planPolicy(policy: string, result: SweepResult): ExportedPolicy {
  const refused = planRefusal(policy);
  if (refused) throw new Error(refused);
  return toExportedPolicy(policy, result);
}

/**
 * Builds the per-tag plan of a finished sweep. Throws an Error with a readable message when the
 * sweep has no per-tag budgets or a group's policy cannot run in the streaming runtime (probes).
 */
export function exportTagPlan(result: SweepResult): ExportedTagPlan {
  const tb = result.tagBudgets;
  if (!tb) throw new Error('the sweep has no per-tag budgets: its cases need tags (at least two groups)');
  const byTag: Record<string, ExportedPolicy> = {};
  for (const t of tb.perTag) byTag[t.tag] = planPolicy(t.policy, result);
  return {
    format: EXPORTED_TAG_PLAN_FORMAT,
    version: EXPORTED_TAG_PLAN_VERSION,
    byTag,
    fallback: planPolicy(tagPlanFallback(tb), result),
    measured: {
      cases: result.cases,
      em: tb.overall.em,
      deltaEm: tb.overall.deltaEm,
      ci95: [tb.overall.ci95[0], tb.overall.ci95[1]],
      meanTokens: tb.overall.meanTokens,
      savings: tb.overall.savings,
      margin: tb.margin,
      fallbackSavings: tb.single?.savings ?? 0,
    },
  };
}

/** The policy of the plan for a request with these tags: its first tag's group, else the fallback. */
export function policyForTags(plan: ExportedTagPlan, tags: readonly string[] | string | null | undefined): ExportedPolicy {
  const list = typeof tags === 'string' ? [tags] : (tags ?? []);
  const group = list.length > 0 ? list[0] : UNTAGGED_GROUP;
  return Object.prototype.hasOwnProperty.call(plan.byTag, group) ? plan.byTag[group] : plan.fallback;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const TOP_KEYS = new Set(['format', 'version', 'byTag', 'fallback', 'measured']);

/**
 * Reads and checks an exported per-tag plan: JSON text or a parsed value. Every policy in it is
 * checked as `parseExportedPolicy` checks one; the error names the tag and the field.
 */
export function parseExportedTagPlan(json: unknown): { plan?: ExportedTagPlan; error?: string } {
  const envelope = readExportEnvelope(json, 'an exported per-tag plan', EXPORTED_TAG_PLAN_FORMAT, EXPORTED_TAG_PLAN_VERSION, TOP_KEYS);
  if (!envelope.value) return { error: envelope.error };
  const value = envelope.value;
  if (!isObject(value.byTag) || Object.keys(value.byTag).length === 0) return { error: '"byTag" must map each tag to an exported policy' };
  const byTag: Record<string, ExportedPolicy> = {};
  for (const [tag, raw] of Object.entries(value.byTag)) {
    const parsed = parseExportedPolicy(raw);
    const error = parsed.policy ? planRefusal(parsed.policy.policy) : parsed.error;
    if (error || !parsed.policy) return { error: `"byTag.${tag}": ${error}` };
    byTag[tag] = parsed.policy;
  }
  const fallback = parseExportedPolicy(value.fallback);
  const fallbackError = fallback.policy ? planRefusal(fallback.policy.policy) : fallback.error;
  if (fallbackError || !fallback.policy) return { error: `"fallback": ${fallbackError}` };
  const plan: ExportedTagPlan = { format: EXPORTED_TAG_PLAN_FORMAT, version: EXPORTED_TAG_PLAN_VERSION, byTag, fallback: fallback.policy };
  const measuredError = checkMeasured(value.measured, ['fallbackSavings']);
  if (measuredError) return { error: measuredError };
  if (value.measured !== undefined) plan.measured = value.measured as ExportedTagPlan['measured'];
  return { plan };
}

/**
 * A ready-to-paste snippet (TypeScript, or JavaScript ESM with `lang` `js`) that stops an OpenAI SDK
 * stream with the policy of the request's tag, the plan inline.
 */
export function tagPlanSnippet(plan: ExportedTagPlan, lang: 'ts' | 'js' = 'ts'): string {
  const pct = (x: number): string => (x * 100).toFixed(1);
  const m = plan.measured;
  const groups = Object.entries(plan.byTag)
    .map(([tag, p]) => `${tag} → ${p.policy}`)
    .join(', ');
  const measured = m
    ? `// Measured on ${m.cases} cases: ${pct(m.savings)}% fewer output tokens (${plan.fallback.policy} alone: ${pct(m.fallbackSavings)}%), ΔEM ${pct(m.deltaEm)} pts (95% CI ${pct(m.ci95[0])}…${pct(m.ci95[1])}).\n`
    : '';
  const ts = lang === 'ts';
  return `import { createTagStopper, stopOpenAIStream } from 'prompt-budget/runtime';
${ts ? "import type { ChatCompletionChunkLike } from 'prompt-budget/runtime';\n" : ''}
// Per-tag plan exported by prompt-budget: ${groups}; any other tag → ${plan.fallback.policy}.
${measured}const PLAN = ${JSON.stringify(plan, null, 2)};

// tags: the request's tags, as the test set tags its cases (the first one picks the policy).
// stream: from client.chat.completions.create({ ..., stream: true }, { signal: controller.signal })
export async function answerWithBudget(stream${ts ? ': AsyncIterable<ChatCompletionChunkLike>' : ''}, controller${ts ? ': AbortController' : ''}, tags${ts ? ': string[]' : ''}) {
  const stopper = createTagStopper(PLAN, tags);
  const { decision, text } = await stopOpenAIStream(stream, stopper, controller);
  return { answer: decision.answer ?? null, stoppedEarly: decision.stop, tokens: decision.tokens, policy: stopper.policy.policy, text };
}
`;
}

/** The text `prompt-budget export --policy per-tag` prints and the panel writes. */
export function exportedTagPlanText(plan: ExportedTagPlan, format: 'json' | 'ts' | 'js'): string {
  return format === 'json' ? `${JSON.stringify(plan, null, 2)}\n` : tagPlanSnippet(plan, format);
}
