/** Plain, serialisable types shared by every part of the core; no `vscode`, DOM or Node-only imports. */

/** OpenAI encodings supported by both tokenizer engines. */
import type { ArmObeyed } from './armCheck';
export type EncodingName = 'o200k_base' | 'cl100k_base';

/** Tokenizer engines; both give identical ids for the same encoding. */
export type EngineName = 'gpt-tokenizer' | 'js-tiktoken';

/** What counted a figure: an OpenAI encoding, or `huggingface` for a model's own `tokenizer.json`. */
export type TokenizerEncoding = EncodingName | 'huggingface';
/** The library behind a {@link TokenizerEncoding}. */
export type TokenizerEngine = EngineName | '@huggingface/tokenizers';

/** One probe answer recorded during a live run (or replayed from a file). */
export interface ProbeRecord {
  /** Answer-path token index (number of trace tokens) after which the probe was asked. */
  atToken: number;
  text: string;
  /** Tokens the probe call itself consumed (prompt excluded), as counted by our tokenizer or the server. */
  tokens: number;
  /** Natural-log probabilities of the answer's tokens (through the brace the cue opened, else all), if `--logprobs`. */
  logprobs?: number[];
}

/** One forced answer recorded during a live run: the thinking cut at `atToken` tokens, then closed. */
export interface ForcedRecord {
  /** Thinking tokens kept before the thinking was closed (the budget K). */
  atToken: number;
  /** The answer cue plus the completion, so extractors find e.g. the `\boxed{` the cue opened. */
  text: string;
  /** Tokens the forced-answer call produced (prompt excluded). */
  tokens: number;
  /** Natural-log probabilities of the answer's tokens, as for probes. */
  logprobs?: number[];
}

/** Token usage as a server reported it. */
export interface UsageRecord {
  promptTokens?: number;
  completionTokens?: number;
  reasoningTokens?: number;
}

/** One arm's generation of a case (a provider setting, see live `arms`), as a traced row keeps it. */
export interface ArmTrace {
  output: string;
  finishReason?: string;
  usage?: UsageRecord;
}

/** One test item. */
export interface Case {
  /** Case id; the 1-based line (or row) number when the file has none. */
  id: string;
  question: string;
  /** Gold answers; a case is right when any of them matches. Never empty. */
  answers: string[];
  /** The recorded model output (trace); needed for offline replay. */
  output?: string;
  tags: string[];
  /** 1-based line (JSONL, CSV) or element position (JSON array) in the source file. */
  line: number;
  finishReason?: string;
  usage?: UsageRecord;
  probes?: ProbeRecord[];
  /** Forced answers at thinking budgets below the thinking length. */
  forced?: ForcedRecord[];
  /** Each arm's generation by arm name; the sweep shows each as the row `arm:<name>`. */
  arms?: Record<string, ArmTrace>;
}

/** A problem with one line of an input file. */
export interface LineIssue {
  /** 1-based line number in the file. */
  line: number;
  /** 1-based column when known. */
  column?: number;
  /** Length in UTF-16 code units of the offending text at `column`, when known (for editor ranges). */
  length?: number;
  message: string;
  severity: 'error' | 'warning';
}

export type TestSetFormat = 'jsonl' | 'json' | 'csv';

/** Field names to read from each row. Lists are tried in order. */
export interface FieldMap {
  id: string[];
  question: string[];
  answer: string[];
  answers: string[];
  output: string[];
  tags: string[];
}

export interface ParsedTestSet {
  format: TestSetFormat;
  cases: Case[];
  /** Every skipped or suspicious line. Rows with an `error` were skipped. */
  issues: LineIssue[];
  skipped: number;
}

export type ExtractPreset =
  | 'gsm8k'
  | 'last-number'
  | 'answer-is'
  | 'boxed'
  | 'json-answer'
  | 'after-think'
  | 'choice-letter'
  | 'regex';

/** One pair of thinking tags; `answerFrom`, when it follows the close tag, marks where the answer starts. */
export interface ThinkingTags {
  open: string;
  close: string;
  /** Text after the close tag that introduces the answer (gpt-oss harmony's final channel); skipped when present. */
  answerFrom?: string;
  /** Text that ends the answer part when it occurs in it (harmony's `<|return|>`). */
  answerEnd?: string;
}

/**
 * Which answer a stop used: `final` from the answer part (or a trace without thinking), `intermediate`
 * the last answer stated inside thinking that was still open, `none` when nothing was found.
 */
export type AnswerKind = 'final' | 'intermediate' | 'none';

export interface ExtractConfig {
  preset: ExtractPreset;
  /**
   * Presets tried after `preset`, in order; the first that finds an answer wins. After `after-think` they are scoped
   * to the answer part, which is the answer only when none finds one there. CLI: `--extract after-think,choice-letter`.
   */
  then?: ExtractConfig[];
  /** For `choice-letter`: the allowed letters, a range `A-D` or a list `ABCD` (default `A-J`). */
  letters?: string;
  /** Thinking tags to split traces on; default {@link DEFAULT_THINKING_TAGS} (config `thinking`). */
  thinking?: ThinkingTags[];
  /** For `regex`: the pattern (JavaScript syntax). The last match wins. */
  pattern?: string;
  /** For `regex`: capture group holding the answer (default 1). */
  group?: number;
  /** For `regex`: extra flags (`i`, `m`, `s`, `u`); `g` is always added. */
  flags?: string;
}

/** An answer found in a text, with the UTF-16 range where it was found. */
export interface Extraction {
  answer: string;
  start: number;
  end: number;
  /** `intermediate` when read from thinking that is still open; absent or `final` otherwise. */
  kind?: 'final' | 'intermediate';
  /**
   * True when more text could still change this answer: the whole answer part (`after-think`), or a choice letter read
   * only from `(X)` in the last paragraph. A marker stop waits for an answer that is not tentative.
   */
  tentative?: boolean;
}

export type MatchPreset = 'squad' | 'numeric' | 'math' | 'strict';

export interface MatchConfig {
  preset: MatchPreset;
  /** lm-evaluation-harness `ignore_case`. */
  ignoreCase?: boolean;
  /** lm-evaluation-harness `ignore_punctuation`. */
  ignorePunctuation?: boolean;
  /** lm-evaluation-harness `regexes_to_ignore`: removed from both sides before comparing. */
  regexesToIgnore?: string[];
}

/** Result of comparing one answer with the gold answers; explains itself. */
export interface MatchResult {
  pass: boolean;
  reason: string;
  matchedGold?: string;
}

/** A stopping rule. `name` strings: `full`, `cutoff:512`, `stability:32x2`, `marker:16`, `settled:128x2`, `committed`, `probe:64x2`. */
export type PolicySpec =
  | { kind: 'full' }
  | { kind: 'cutoff'; tokens: number }
  /** Extract every `every` tokens; stop when the answer is unchanged `repeats` checks in a row. */
  | { kind: 'stability'; every: number; repeats: number }
  /**
   * Stop `grace` tokens after the first answer marker; on a thinking trace (a tag comes first), `grace` after the
   * first final answer that follows the close tag.
   */
  | { kind: 'marker'; grace: number; markers?: string[] }
  /** Every `every` tokens the answer counts if they hold no hesitation word; stop at `repeats` equal ones in a row. */
  | { kind: 'settled'; every: number; repeats: number; hesitations?: string[] }
  /** Stop at the token that closes the first `\boxed{…}` inside the thinking (the model's committed answer), taking the intermediate answer there. */
  | { kind: 'committed' }
  /** Probe every `every` tokens; stop when `agree` consecutive probes give the same answer. */
  | { kind: 'probe'; every: number; agree: number }
  /** Dynasor-CoT's certainty rule: `probe`, but a probe holding a (`settled`) hesitation word gives no answer. */
  | { kind: 'probe-settled'; every: number; agree: number; hesitations?: string[] }
  /** DEER-style confidence: stop at the first probe (every `every` tokens) whose answer's mean token probability is ≥ `threshold` (recorded log-probabilities). */
  | { kind: 'probe-confident'; every: number; threshold: number }
  /** Think at most `tokens` tokens, then answer (replayed from recorded forced answers). */
  | { kind: 'budget'; tokens: number };

/** Where one policy stopped on one case. */
export interface PolicyOutcome {
  /** Number of trace tokens kept (answer path only). */
  stopToken: number;
  /** Extracted answer from the kept text, or null when none was found ("cut before answer"). */
  answer: string | null;
  /** Human-readable reason, e.g. "cutoff 256 reached", "answer stable 2× at token 96". */
  reason: string;
  /** Extra tokens spent on probe calls (probe policies only). */
  probeTokens?: number;
  /** Tokens of the forced answer (budget policies that cut the thinking), included in `stopToken`. */
  forcedTokens?: number;
  /** Whether the answer came from the answer part (or a trace without thinking), from open thinking, or none was found. */
  answerKind?: AnswerKind;
}

/** One row of the sweep table. Fractions, not percentages. */
export interface SweepRow {
  policy: string;
  /** Human label, e.g. "cutoff 512". */
  label: string;
  em: number;
  correct: number;
  deltaEm: number;
  ci95: [number, number];
  mcnemarP: number;
  meanTokens: number;
  medianTokens: number;
  p95Tokens: number;
  /** 1 − meanTokens / baseline meanTokens. */
  savings: number;
  /** Mean probe tokens per case (probe policies), reported apart from answer-path tokens (not in `meanTokens`). */
  meanProbeTokens?: number;
  /** Mean forced-answer tokens per case (`budget:<K>` rows; 0 on cases whose thinking fit): part of `meanTokens`, shown apart. */
  meanForcedTokens?: number;
  /** Of the kept tokens, those in the thinking part (through the close tag): mean and p95 per case. Only when traces have a thinking block. */
  meanThinkingTokens?: number;
  p95ThinkingTokens?: number;
  /** Of the kept tokens, those after the thinking: mean and p95 per case. Only when traces have a thinking block. */
  meanAnswerTokens?: number;
  p95AnswerTokens?: number;
  /** Cases where this policy stopped inside open thinking and took the intermediate answer. Only with thinking traces. */
  intermediateStops?: number;
  cutBeforeAnswer: number;
  flipsToWrong: number;
  flipsToRight: number;
  flipsToWrongIds: string[];
  flipsToRightIds: string[];
  arm?: string;
  /** Arm rows: requested budget against reported reasoning tokens, and the paired token comparison. */
  obeyed?: ArmObeyed;
  /** Arm rows whose token counts are indistinguishable from the baseline's (the setting looks ignored). */
  noEffect?: true;
}

export interface Recommendation extends Omit<MeasuredFigures, 'cases'> {
  policy: string;
  reason: string;
}

export interface PowerInfo {
  /** Smallest EM loss (fraction) this test set can detect at 80% power, α = 0.05 one-sided. */
  minDetectableLoss: number;
  underpowered: boolean;
  message: string;
  /** Discordance rate (fraction of cases where the policy and full disagree) the figure is based on. */
  discordantRate?: number;
  /** Cases needed to detect a loss of `margin` at 80% power with that discordance rate (absent when none suffices). */
  casesNeeded?: number;
}

export interface CrossValidation {
  folds: number;
  /** Mean ΔEM (fraction) of the policy chosen on the training folds, measured on held-out folds. */
  heldOutDeltaEm: number;
  heldOutSavings: number;
  /** Share of folds that chose the same policy as the full-data recommendation. */
  agreement: number;
  chosen: (string | null)[];
}

export interface CaseResult {
  id: string;
  gold: string[];
  line: number;
  tags: string[];
  totalTokens: number;
  /** Tokens of the thinking part of the full trace (through the close tag); present when the test set has thinking traces. */
  thinkingTokens?: number;
  policies: Record<string, { stopToken: number; answer: string | null; correct: boolean; reason: string; answerKind: AnswerKind }>;
}

/** Every traced case of a sweep in brief (for browsing them all), as arrays aligned by case in test-set order. */
export interface CaseIndex {
  ids: string[];
  /** 1-based line of each case in the test set. */
  lines: number[];
  tokens: number[];
  /** Per policy: the tokens kept on each case (where it stopped). */
  stops: Record<string, number[]>;
  /** Per policy: one character per case, `1` right and `0` wrong. */
  correct: Record<string, string>;
}

/** A stop policy with everything production needs to apply it exactly as the sweep measured it. */
export interface ExportedPolicy {
  format: 'prompt-budget-policy';
  version: 1;
  /** Canonical policy name, e.g. `cutoff:512`, `stability:32x2`, `marker:16`. */
  policy: string;
  /** The same policy as a spec; marker policies list their markers explicitly. */
  spec: PolicySpec;
  encoding: TokenizerEncoding;
  engine: TokenizerEngine;
  /**
   * With encoding `huggingface`: the model tokenizer the sweep counted with; the runtime checks it.
   * `path` is where `export` loaded it from (absolute), so `prompt-budget proxy` can load it again.
   */
  tokenizer?: { name: string; fingerprint: string; path?: string };
  extract: ExtractConfig;
  /** The match rules the figures were measured with (the runtime extracts; it does not grade). */
  match: MatchConfig;
  /** What the sweep measured for this policy, when it was exported from a sweep. */
  measured?: MeasuredFigures;
  /** `budget` and `probe` policies: the extra calls the runtime makes, shaped as `prompt-budget run` made them. */
  calls?: PolicyCalls;
  /** The model the policy was measured on; the proxy applies it to requests for this model only (all when absent). */
  model?: string;
}

/** How the runtime makes a policy's extra calls: one `/completions` call whose prompt is `template` filled in. */
export interface PolicyCalls {
  endpoint: 'completions';
  /** Prompt template with `{{prompt}}`, `{{system}}`, `{{user}}`, `{{trace}}`, `{{cue}}` (the request's messages, the kept trace, the cue). */
  template: string;
  /** Text after the trace (probe cue) or after the closed thinking (forced-answer cue). */
  cue: string;
  /** Budget policies: what closes the thinking before the cue. */
  close?: string;
  /** `max_tokens` of each call. */
  maxTokens: number;
  /**
   * Extra request fields of each call (the run's `extraBody`, less the chat-only ones): under the call's own
   * model, prompt, max_tokens, temperature and logprobs. Absent: none.
   */
  extraBody?: Record<string, unknown>;
}

/** What a sweep measured for an exported policy or plan (fractions; tokens are output tokens). */
export interface MeasuredFigures {
  cases: number;
  em: number;
  deltaEm: number;
  ci95: [number, number];
  meanTokens: number;
  savings: number;
  margin: number;
}

/**
 * A per-tag plan for production (`prompt-budget export --policy per-tag`, the results panel): one exported policy per
 * tag group, chosen by the sweep's per-tag budgets, and one for a request whose group the plan does not list.
 */
export interface ExportedTagPlan {
  format: 'prompt-budget-tag-plan';
  version: 1;
  /** Policy per group. A request's group is its first tag, `(untagged)` when it has none. */
  byTag: Record<string, ExportedPolicy>;
  /** For a group the plan does not list: the best single policy (full length when none qualified). */
  fallback: ExportedPolicy;
  /** What the sweep measured for the whole plan, when exported from a sweep. */
  measured?: MeasuredFigures & {
    /** Savings of the fallback policy alone on the same cases. */
    fallbackSavings: number;
  };
}

/** The policy chosen for one tag group by {@link TagBudgets}. */
export interface TagBudget {
  /** The group: a case's first tag (or its first tag with the requested prefix), `(untagged)` for none. */
  tag: string;
  cases: number;
  policy: string;
  /** True when the group had fewer than `minCases` cases and takes the global policy. */
  fallback: boolean;
  em: number;
  deltaEm: number;
  meanTokens: number;
  /** 1 − meanTokens / (full's mean tokens on this group). */
  savings: number;
}

/** Out-of-sample check of the per-tag plan: chosen on k−1 folds, measured on the held-out fold. */
export interface TagCrossValidation {
  folds: number;
  heldOutDeltaEm: number;
  heldOutSavings: number;
  /** Mean held-out savings of the per-tag plan minus those of the single policy chosen on the same folds. */
  heldOutExtraSavings: number;
  /** Share of (fold, tag) choices equal to the choice on all cases. */
  agreement: number;
}

/** Per-tag recommendation under one overall margin, compared with the best single policy. */
export interface TagBudgets {
  perTag: TagBudget[];
  /** The combined plan on all cases, against full on the same cases. */
  overall: { em: number; deltaEm: number; ci95: [number, number]; meanTokens: number; savings: number };
  /** The best single policy (the global recommendation) the plan is compared with; null when none qualifies. */
  single: { policy: string; meanTokens: number; savings: number } | null;
  /** overall.savings − single.savings (fraction of full's tokens); 0 when the plan is the single policy. */
  extraSavingsOverSingle: number;
  /** Groups with fewer cases than this take the global policy. */
  minCases: number;
  margin: number;
  /** `exhaustive` or `greedy` (see tagBudgets.ts). */
  search: 'exhaustive' | 'greedy';
  crossValidation: TagCrossValidation | null;
  message: string;
}

/** How many more cases would show a cheaper policy non-inferior, and the flips it hinges on. */
export interface CasesToAdd {
  /** The cheapest policy cheaper than the recommendation whose ΔEM point estimate is inside the margin. */
  policy: string;
  cases: number;
  /** Share of cases where the policy and full disagree, as planned with: at least 3/cases, at most 1. */
  discordantRate: number;
  deltaEm: number;
  ci95: [number, number];
  margin: number;
  /** Paired cases needed in total (80% power, one-sided α = 0.05) if ψ and ΔEM stay as observed. */
  casesNeeded: number;
  /** max(0, casesNeeded − cases). */
  casesToAdd: number;
  /** Right under full, wrong under the policy: each one fixed or confirmed moves the decision. */
  flipsToWrongIds: string[];
  flipsToRightIds: string[];
  message: string;
}

/** Extraction and match chosen from the test set itself (none named on the command line or in the config), and why. */
export interface DetectedPresets {
  extract: ExtractConfig;
  match: MatchConfig;
  /** One sentence a person can check: what the answers and traces look like and what was counted. */
  reason: string;
}

/** The whole sweep, as the CLI's `--format json` prints it (plus optional fields). */
export interface SweepResult {
  cases: number;
  skipped: number;
  encoding: TokenizerEncoding;
  engine: TokenizerEngine;
  /** What every token figure was counted with: the encoding, or the model's tokenizer name. */
  tokenizer: string;
  /** With a Hugging Face tokenizer: the fingerprint of its vocabulary and merges (see hfTokenizer.ts). */
  tokenizerFingerprint?: string;
  /** The config's `hesitations`, which every `settled`/`probe-settled` policy without its own words used. */
  hesitations?: string[];
  extract: ExtractConfig;
  match: MatchConfig;
  margin: number;
  seed: number;
  resamples: number;
  baseline: { em: number; meanTokens: number; correct: number };
  rows: SweepRow[];
  recommendation: Recommendation | null;
  power: PowerInfo;
  crossValidation: CrossValidation | null;
  /** Things the user should know (policies skipped, cases without traces, …). */
  warnings: string[];
  caseResults?: CaseResult[];
  /** Traces with a thinking block (present when there is at least one). */
  thinkingTraces?: number;
  /** Per-tag budgets, when cases carry tags. */
  tagBudgets?: TagBudgets | null;
  /** When a cheaper policy is held back only by the test set's size: how many cases to add. */
  casesToAdd?: CasesToAdd | null;
  /** Present when the extraction or the match was detected from the test set. */
  detected?: DetectedPresets;
  /** The config's linked prompt and its body's tokens (as the editor counts it: core/promptFileCount.ts), when it could be read. */
  prompt?: SweepPrompt | null;
}

/**
 * The sweep's linked prompt: `tokens` of its body, front matter excluded, in the tokenizer the front
 * matter or the config names, else the sweep's. The other fields are there only when the file has
 * front matter.
 */
export interface SweepPrompt {
  file: string;
  tokens: number;
  countedFrom?: 'body';
  /** The front matter's own tokens, not in `tokens`. */
  frontMatterTokens?: number;
  /** What counted the body. */
  tokenizer?: string;
}
