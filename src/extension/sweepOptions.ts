// Maps promptbudget.json to sweep options exactly as the CLI does without flags
// (src/cli/loadInputs.ts), so the editor's numbers equal `prompt-budget sweep --config … --format json`.
import type { PromptBudgetConfig } from '../core/config';
import { DEFAULT_CUTOFFS, DEFAULT_DYNAMIC_POLICIES, parsePolicy } from '../core/policies';
import { SWEEP_DEFAULTS } from '../core/sweepDefaults';
import type { PolicySpec } from '../core/types';
import type { SweepJobOptions } from '../worker/workerProtocol';

/** Sweep options from a parsed config (or the defaults when there is none); `errors` lists bad policies. */
export function sweepOptionsFromConfig(config: PromptBudgetConfig | undefined): { options: SweepJobOptions; errors: string[] } {
  const errors: string[] = [];
  const cutoffs: PolicySpec[] = (config ? (config.cutoffs ?? []) : DEFAULT_CUTOFFS).map((k) => ({ kind: 'cutoff', tokens: k }));
  let dynamic: PolicySpec[] = [...DEFAULT_DYNAMIC_POLICIES];
  if (config?.policies.length) {
    dynamic = [];
    for (const name of config.policies) {
      const { spec, error } = parsePolicy(name);
      if (spec) dynamic.push(spec);
      else errors.push(error ?? `bad policy ${name}`);
    }
  }
  return {
    errors,
    options: {
      encoding: config?.encoding ?? 'o200k_base',
      engine: config?.engine ?? 'gpt-tokenizer',
      extract: config?.extract ?? { preset: 'last-number' },
      match: config?.match ?? { preset: 'numeric' },
      policies: [...cutoffs, ...dynamic],
      margin: (config?.margin ?? SWEEP_DEFAULTS.margin * 100) / 100,
      seed: config?.seed ?? SWEEP_DEFAULTS.seed,
      resamples: config?.resamples ?? SWEEP_DEFAULTS.resamples,
      folds: config?.folds ?? SWEEP_DEFAULTS.folds,
    },
  };
}
