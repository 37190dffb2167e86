// The one place a promptbudget.json and a surface's overrides (CLI flags, editor settings) become
// sweep options, so `prompt-budget sweep` and the editor evaluate the same rows for the same files.
import type { PromptBudgetConfig } from './config/promptBudgetConfig';
import { DEFAULT_CUTOFFS, DEFAULT_DYNAMIC_POLICIES, parsePolicy, policyName } from './policies';
import type { SweepOptions } from './sweep';
import { SWEEP_DEFAULTS } from './sweepDefaults';
import { requestedBudget } from './armCheck';
import type { EncodingName, EngineName, ExtractConfig, MatchConfig, PolicySpec } from './types';

/**
 * Sweep options without the per-run callbacks, the per-case switch and the loaded tokenizer: plain
 * data that crosses to the worker. `tokenizerPath` names a Hugging Face tokenizer (a tokenizer.json
 * or its folder) that the surface loads and passes as `tokenizer`; relative to the config's folder.
 */
export type ResolvedSweepOptions = Omit<SweepOptions, 'onProgress' | 'isCancelled' | 'includeCases' | 'tokenizer'> & { tokenizerPath?: string };

/** Values a surface sets over the config; each one left undefined falls back to the config, then the defaults. */
export interface SweepOverrides {
  extract?: ExtractConfig;
  match?: MatchConfig;
  /** Fixed cutoffs in output tokens. */
  cutoffs?: readonly number[];
  /** When set, replaces the config's cutoffs and policies; `cutoffs` above are then added after these. */
  policies?: readonly PolicySpec[];
  encoding?: EncodingName;
  engine?: EngineName;
  /** A Hugging Face tokenizer.json (or its folder) that counts instead of `encoding`. */
  tokenizer?: string;
  /** Non-inferiority margin in EM points (1 = one percentage point). */
  margin?: number;
  seed?: number;
  resamples?: number;
  folds?: number;
  /** Sweep the policies over this arm's traces (`arms.<name>`) instead of the default generation. */
  arm?: string;
}

/** A problem found while resolving; `field` names the option it concerns. */
export interface SweepOptionIssue {
  severity: 'error' | 'warning';
  message: string;
  field?: keyof SweepOverrides;
}

function cutoffSpecs(cutoffs: readonly number[]): PolicySpec[] {
  return cutoffs.map((k): PolicySpec => ({ kind: 'cutoff', tokens: k }));
}

function configPolicies(names: readonly string[], issues: SweepOptionIssue[]): PolicySpec[] {
  const specs: PolicySpec[] = [];
  for (const name of names) {
    const { spec, error } = parsePolicy(name);
    if (spec) specs.push(spec);
    else issues.push({ severity: 'error', field: 'policies', message: error ?? `bad policy ${name}` });
  }
  return specs;
}

/** True when neither the overrides nor the config chose cutoffs or policies other than the defaults. */
function defaultsOnly(config: PromptBudgetConfig | undefined, o: SweepOverrides): boolean {
  if (o.policies || o.cutoffs) return false;
  if (!config) return true;
  const same = (a: readonly (string | number)[], b: readonly (string | number)[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  return same(config.cutoffs, DEFAULT_CUTOFFS) && (config.policies.length === 0 || same(config.policies, DEFAULT_DYNAMIC_POLICIES.map(policyName)));
}

function resolvePolicies(config: PromptBudgetConfig | undefined, o: SweepOverrides, issues: SweepOptionIssue[]): PolicySpec[] {
  if (o.policies) return [...o.policies, ...cutoffSpecs(o.cutoffs ?? [])];
  // Without a config the defaults are swept in full, so a bare CLI sweep equals the editor's.
  const cutoffs = cutoffSpecs(o.cutoffs ?? config?.cutoffs ?? DEFAULT_CUTOFFS);
  const dynamic = config?.policies.length ? configPolicies(config.policies, issues) : [...DEFAULT_DYNAMIC_POLICIES];
  return [...cutoffs, ...dynamic];
}

/** The config's thinking tags go with the extraction (so an exported policy carries them). */
function withThinking(extract: ExtractConfig, config: PromptBudgetConfig | undefined): ExtractConfig {
  return config?.thinking && !extract.thinking ? { ...extract, thinking: config.thinking.map((t) => ({ ...t })) } : extract;
}

/** The config's hesitation words go into each `settled` and `probe-settled` policy that names none. */
function withHesitations(policies: PolicySpec[], config: PromptBudgetConfig | undefined): PolicySpec[] {
  const words = config?.hesitations;
  if (!words) return policies;
  return policies.map((p) => ((p.kind === 'settled' || p.kind === 'probe-settled') && !p.hesitations ? { ...p, hesitations: [...words] } : p));
}

function checkNumbers(o: ResolvedSweepOptions, issues: SweepOptionIssue[]): void {
  const bad = (field: keyof SweepOverrides, value: number, expect: string): void => {
    issues.push({ severity: 'error', field, message: `${field} ${value}: expected ${expect}` });
  };
  if (!(o.margin >= 0 && o.margin <= 1)) bad('margin', o.margin * 100, 'EM points between 0 and 100');
  if (!Number.isInteger(o.seed)) bad('seed', o.seed, 'an integer');
  if (!(Number.isInteger(o.resamples) && o.resamples >= 100)) bad('resamples', o.resamples, 'an integer ≥ 100');
  if (!(Number.isInteger(o.folds) && (o.folds === 0 || o.folds >= 2))) bad('folds', o.folds, '0 (off) or an integer ≥ 2');
  for (const p of o.policies) if (p.kind === 'cutoff' && !(Number.isInteger(p.tokens) && p.tokens > 0)) issues.push({ severity: 'error', field: 'cutoffs', message: `cutoff ${p.tokens}: expected a positive integer` });
}

/** Whether a config names the extraction or the match itself (rather than taking the default). */
function namesPreset(config: PromptBudgetConfig | undefined, key: 'extract' | 'match'): boolean {
  return config?.named?.includes(key) ?? false;
}

function armBudgets(config: PromptBudgetConfig | undefined): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  for (const a of config?.live.arms ?? []) {
    const { name, body } = (a ?? {}) as { name?: unknown; body?: unknown };
    const budget = requestedBudget(body);
    if (typeof name === 'string' && budget !== undefined) out[name] = budget;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Sweep options from a parsed config (or none) and a surface's overrides: overrides win over the
 * config, the config over the defaults. With neither cutoffs nor policies set anywhere, the sweep
 * covers `full`, DEFAULT_CUTOFFS and DEFAULT_DYNAMIC_POLICIES, and `adaptDefaults` lets a test set
 * of thinking traces get the thinking defaults instead. When neither names the extraction or the
 * match, `options.detect` asks the sweep to detect it from the test set (detectPresets.ts).
 * `issues` explain what is wrong.
 */
export function resolveSweepOptions(config: PromptBudgetConfig | undefined, overrides: SweepOverrides = {}): { options: ResolvedSweepOptions; issues: SweepOptionIssue[] } {
  const issues: SweepOptionIssue[] = [];
  const options: ResolvedSweepOptions = {
    encoding: overrides.encoding ?? config?.encoding ?? 'o200k_base',
    engine: overrides.engine ?? config?.engine ?? 'gpt-tokenizer',
    extract: withThinking(overrides.extract ?? config?.extract ?? { preset: 'last-number' }, config),
    match: overrides.match ?? config?.match ?? { preset: 'numeric' },
    policies: withHesitations(resolvePolicies(config, overrides, issues), config),
    margin: (overrides.margin ?? config?.margin ?? SWEEP_DEFAULTS.margin * 100) / 100,
    seed: overrides.seed ?? config?.seed ?? SWEEP_DEFAULTS.seed,
    resamples: overrides.resamples ?? config?.resamples ?? SWEEP_DEFAULTS.resamples,
    folds: overrides.folds ?? config?.folds ?? SWEEP_DEFAULTS.folds,
  };
  if (overrides.arm !== undefined) options.arm = overrides.arm;
  const budgets = armBudgets(config);
  if (budgets) options.armBudgets = budgets;
  if (config) options.casesToAddMinSavings = config.casesToAdd.minSavings / 100;
  const detect = { extract: !overrides.extract && !namesPreset(config, 'extract'), match: !overrides.match && !namesPreset(config, 'match') };
  if (detect.extract || detect.match) options.detect = detect;
  if (defaultsOnly(config, overrides)) options.adaptDefaults = true;
  if (config?.hesitations) options.hesitations = [...config.hesitations];
  const tokenizerPath = overrides.tokenizer ?? (overrides.encoding === undefined ? (config?.tokenizer ?? undefined) : undefined);
  if (tokenizerPath !== undefined) options.tokenizerPath = tokenizerPath;
  checkNumbers(options, issues);
  return { options, issues };
}
