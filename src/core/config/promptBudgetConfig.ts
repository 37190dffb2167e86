import { DEFAULT_CUTOFFS, DEFAULT_DYNAMIC_POLICIES, policyName } from '../policies';
import { resolveFields } from '../testSet/resolveFields';
import type { EncodingName, EngineName, ExtractConfig, FieldMap, MatchConfig, ThinkingTags } from '../types';

/** Prices per million tokens, for cost estimates. */
export interface PriceConfig {
  inputPer1M: number;
  outputPer1M: number;
}

/** The OpenAI-compatible endpoint used by live mode. The API key is never part of the config. */
export interface LiveConfig {
  baseUrl: string;
  /** Model name sent to the server; empty until the user sets one. */
  model: string;
  maxTokens: number;
  temperature: number;
  concurrency: number;
  timeoutMs: number;
  /** Also record a probe every N answer tokens during live runs (0: off). */
  probeEvery: number;
  /** Thinking budgets K that get a forced-answer call per case (`budget:<K>` policies); none when absent. */
  budgets?: number[];
  /** How forced answers are asked for: `completions` (default) or `chat-continuation`; checked by `prepareLiveRun`. */
  forceMode?: string;
  /** With `chat-continuation`: `"prefix": true` on the prefilled assistant message (DeepSeek, Mistral) instead of vLLM's fields. */
  assistantPrefix?: boolean;
  /** Ask for token log-probabilities on probe and forced-answer calls (`probe-confident` policies); off when absent. */
  logprobs?: boolean;
  /** Merged into every request body (e.g. `{ "top_p": 1 }`). */
  extraBody: Record<string, unknown>;
  /** Arms as written (`[{ name, body }]`); checked by `prepareLiveRun`, which names what is wrong. */
  arms: unknown[];
}

/** `promptbudget.json` with every default filled in. */
export interface PromptBudgetConfig {
  /** Test set paths, relative to the workspace root. */
  testSets: string[];
  /** The linked prompt file, relative to the workspace root, or null. */
  prompt: string | null;
  encoding: EncodingName;
  engine: EngineName;
  /**
   * A Hugging Face tokenizer (tokenizer.json, or a folder with it and tokenizer_config.json),
   * relative to the workspace root; when set it counts instead of `encoding`. Null: none.
   */
  tokenizer: string | null;
  /** Positive integers, ascending, without duplicates. */
  cutoffs: number[];
  /** Dynamic policy names such as `stability:16x2` (see `PolicySpec`). */
  policies: string[];
  extract: ExtractConfig;
  /** Thinking tags to split traces on; null keeps the defaults (`<think>`, `<thinking>`, Open-Thoughts, harmony). */
  thinking: ThinkingTags[] | null;
  /** Hesitation words for `settled` policies; null keeps the defaults. */
  hesitations: string[] | null;
  match: MatchConfig;
  fields: FieldMap;
  /** Largest acceptable EM loss, in EM points (1 = one percentage point). */
  margin: number;
  seed: number;
  resamples: number;
  /** Cross-validation folds; 0 turns cross-validation off. */
  folds: number;
  prices: PriceConfig;
  live: LiveConfig;
  /** Cases to add speaks only of policies saving at least `minSavings` percent of full length's tokens beyond the recommendation. */
  casesToAdd: { minSavings: number };
  /** The preset settings the file names itself; the others are detected from the test set (see sweepOptions.ts). */
  named?: ('extract' | 'match')[];
}

export interface ConfigParseOptions {
  /** Returns an error message for a policy name it rejects, or null. */
  validatePolicy?: (name: string) => string | null;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Every setting's default. Frozen; `parseConfig` returns fresh copies. */
export const DEFAULT_CONFIG: Readonly<PromptBudgetConfig> = deepFreeze<PromptBudgetConfig>({
  testSets: [],
  prompt: null,
  encoding: 'o200k_base',
  engine: 'gpt-tokenizer',
  tokenizer: null,
  cutoffs: [...DEFAULT_CUTOFFS],
  policies: DEFAULT_DYNAMIC_POLICIES.map(policyName),
  extract: { preset: 'last-number' },
  thinking: null,
  hesitations: null,
  match: { preset: 'numeric' },
  fields: resolveFields(),
  margin: 1,
  seed: 1,
  resamples: 2000,
  folds: 5,
  prices: { inputPer1M: 2.5, outputPer1M: 10 },
  live: {
    baseUrl: 'http://localhost:11434/v1',
    model: '',
    maxTokens: 1024,
    temperature: 0,
    concurrency: 4,
    timeoutMs: 60000,
    probeEvery: 0,
    extraBody: {},
    arms: [],
  },
  casesToAdd: { minSavings: 5 },
});
