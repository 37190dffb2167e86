/**
 * The one place a live run is prepared: a promptbudget.json (or none), the linked prompt, the test set and a surface's
 * overrides become `runLive`'s exact options, so `prompt-budget run` and the editor send the same requests.
 */
import { DEFAULT_CONFIG, type PromptBudgetConfig } from '../config/promptBudgetConfig';
import { ENCODING_NAMES, ENGINE_NAMES, isEncodingName, isEngineName } from '../encodingNames';
import type { Case, ExtractConfig } from '../types';
import { displayUrl } from './liveError';
import type { LiveArm, LiveRunOptions, ProbeOptions } from './liveRun';
import { FORCE_MODES, type ForceMode } from './forceMode';
import { buildMessages, DEFAULT_ANSWER_CUE, DEFAULT_PROBE_CUE, DEFAULT_PROBE_TEMPLATE, templateFields, type PromptOptions } from './promptTemplate';

/**
 * Values a surface sets over the config; each one left undefined falls back to the config, then the
 * defaults. Fields named as in {@link LiveRunOptions} mean what they mean there, unchecked until here.
 */
export interface LiveRunOverrides {
  baseUrl?: string;
  model?: string;
  maxTokens?: number;
  maxTokensParam?: string;
  /** Sent only when set here or in the config. */
  temperature?: number;
  reasoningEffort?: string;
  /** Merged over the config's `live.extraBody`. */
  extraBody?: Readonly<Record<string, unknown>>;
  includeUsage?: boolean;
  /** User message template; wins over the config's linked prompt. */
  template?: string;
  system?: string;
  /** Probe every N trace tokens; 0 turns probes off. */
  probeEvery?: number;
  probeTokens?: number;
  probeCue?: string;
  probeTemplate?: string;
  /** Thinking budgets K for forced answers (`budget:<K>` policies); wins over the config's `live.budgets`. */
  budgets?: readonly number[];
  /** Ask for token log-probabilities on probe and forced-answer calls; wins over the config's `live.logprobs`. */
  logprobs?: boolean;
  /** `completions` (default) or `chat-continuation`; wins over the config's `live.forceMode`. */
  forceMode?: string;
  /** `"prefix": true` on the chat-continuation message; wins over the config's `live.assistantPrefix`. */
  assistantPrefix?: boolean;
  /** Text after the closed thinking in a forced-answer prompt (ForceOptions `cue`). */
  answerCue?: string;
  /** `max_tokens` of each forced-answer call. */
  forceTokens?: number;
  encoding?: string;
  engine?: string;
  extract?: ExtractConfig;
  concurrency?: number;
  timeoutMs?: number;
  retries?: number;
  /** Arms as read (a JSON array of `{ name, body }`); replaces the config's `live.arms`. */
  arms?: unknown;
}

/** What a live run is prepared from. */
export interface LiveRunInputs {
  config?: PromptBudgetConfig;
  /** The text of the config's linked prompt (`config.prompt`), which the surface reads. */
  linkedPrompt?: string;
  cases: readonly Case[];
  /** The original rows, parallel to `cases`, so templates can use any field. */
  rows: readonly (Readonly<Record<string, unknown>> | undefined)[];
  overrides?: LiveRunOverrides;
}

/** `runLive`'s options without the key and the per-run objects (cache, signal, callbacks). */
export type LiveRunSettings = Omit<LiveRunOptions, 'apiKey' | 'cache' | 'signal' | 'fetch' | 'backoff' | 'onProgress' | 'onCaseDone' | 'onDelta' | 'onLog' | 'sleep' | 'now'>;

/** A live run ready to start. */
export interface LiveRunPlan {
  cases: readonly Case[];
  /** With the base URL, these are every input of the requests and so of their cache keys. */
  options: LiveRunSettings;
  /** The extraction, to tell truncated cases with an answer from those without. */
  extract?: ExtractConfig;
}

/** A problem found while preparing; `field` names the override it concerns. */
export interface LiveRunIssue {
  severity: 'error' | 'warning';
  message: string;
  field?: keyof LiveRunOverrides;
}

type Issues = LiveRunIssue[];

const DEFAULT_RETRIES = 5;
const DEFAULT_PROBE_TOKENS = 16;
const DEFAULT_FORCE_TOKENS = 32;

function bad(issues: Issues, field: keyof LiveRunOverrides, value: unknown, expected: string): void {
  issues.push({ severity: 'error', field, message: `${field} ${String(value)}: expected ${expected}` });
}

function intAtLeast(issues: Issues, field: keyof LiveRunOverrides, value: number, min: number): number {
  if (!(Number.isInteger(value) && value >= min)) bad(issues, field, value, `an integer ≥ ${min}`);
  return value;
}

function endpoint(config: PromptBudgetConfig | undefined, o: LiveRunOverrides, issues: Issues): { baseUrl: string; model: string } {
  const baseUrl = o.baseUrl ?? config?.live.baseUrl ?? '';
  const model = o.model || config?.live.model || '';
  if (!baseUrl) issues.push({ severity: 'error', field: 'baseUrl', message: 'baseUrl is required (e.g. http://localhost:11434/v1)' });
  else {
    let protocol = '';
    try {
      protocol = new URL(baseUrl).protocol;
    } catch {
      issues.push({ severity: 'error', field: 'baseUrl', message: `baseUrl ${displayUrl(baseUrl)}: not a URL` });
    }
    if (protocol && protocol !== 'http:' && protocol !== 'https:') bad(issues, 'baseUrl', displayUrl(baseUrl), 'http:// or https://');
  }
  if (!model) issues.push({ severity: 'error', field: 'model', message: 'model is required' });
  return { baseUrl, model };
}

function requestFields(config: PromptBudgetConfig | undefined, o: LiveRunOverrides, issues: Issues): Pick<LiveRunSettings, 'maxTokens' | 'maxTokensParam' | 'temperature' | 'reasoningEffort' | 'extraBody' | 'includeUsage'> {
  const live = config?.live ?? DEFAULT_CONFIG.live;
  const maxTokens = intAtLeast(issues, 'maxTokens', o.maxTokens ?? live.maxTokens, 1);
  const param = o.maxTokensParam ?? 'max_tokens';
  if (param !== 'max_tokens' && param !== 'max_completion_tokens') bad(issues, 'maxTokensParam', param, 'max_tokens or max_completion_tokens');
  const out: ReturnType<typeof requestFields> = { maxTokens, maxTokensParam: param as LiveRunSettings['maxTokensParam'], includeUsage: o.includeUsage ?? true };
  const temperature = o.temperature ?? config?.live.temperature;
  if (temperature !== undefined) {
    if (!(Number.isFinite(temperature) && temperature >= 0)) bad(issues, 'temperature', temperature, 'a number ≥ 0');
    out.temperature = temperature;
  }
  if (o.reasoningEffort !== undefined) out.reasoningEffort = o.reasoningEffort;
  const extraBody = { ...(config?.live.extraBody ?? {}), ...(o.extraBody ?? {}) };
  if (Object.keys(extraBody).length > 0) out.extraBody = extraBody;
  return out;
}

/** How each case becomes messages: a linked prompt with {{fields}} is the user message, one without them the instructions. */
function prompt(config: PromptBudgetConfig | undefined, linked: string | undefined, o: LiveRunOverrides, issues: Issues): PromptOptions {
  const out: PromptOptions = {};
  if (o.template !== undefined) out.template = o.template;
  if (o.system !== undefined) out.system = o.system;
  if (out.template === undefined && linked !== undefined) {
    if (templateFields(linked).length > 0) out.template = linked;
    else if (out.system === undefined) {
      out.system = linked;
      const name = config?.prompt ?? 'the linked prompt';
      issues.push({ severity: 'warning', field: 'template', message: `${name} has no {{question}} placeholder, so it is sent as the system message and each question as the user message` });
    }
  }
  return out;
}

/** Probe calls after each generation, when probeEvery (override, else the config's) is above 0. */
function probe(config: PromptBudgetConfig | undefined, o: LiveRunOverrides, issues: Issues): ProbeOptions | undefined {
  const every = o.probeEvery ?? config?.live.probeEvery ?? 0;
  if (every === 0) {
    if (o.probeTokens !== undefined || o.probeCue !== undefined || o.probeTemplate !== undefined) {
      issues.push({ severity: 'error', field: 'probeEvery', message: 'probeTokens, probeCue and probeTemplate need probeEvery' });
    }
    return undefined;
  }
  return {
    every: intAtLeast(issues, 'probeEvery', every, 1),
    maxTokens: intAtLeast(issues, 'probeTokens', o.probeTokens ?? DEFAULT_PROBE_TOKENS, 1),
    cue: o.probeCue ?? DEFAULT_PROBE_CUE,
    template: o.probeTemplate ?? DEFAULT_PROBE_TEMPLATE,
  };
}

/** Forced-answer calls after each generation, when budgets are given (override, else the config's). */
function force(config: PromptBudgetConfig | undefined, o: LiveRunOverrides, issues: Issues): LiveRunSettings['force'] {
  const budgets = o.budgets ?? config?.live.budgets ?? [];
  if (budgets.length === 0) {
    if (o.answerCue !== undefined || o.forceTokens !== undefined || o.forceMode !== undefined) issues.push({ severity: 'error', field: 'budgets', message: 'answerCue, forceTokens and forceMode need budgets' });
    if (o.assistantPrefix) issues.push({ severity: 'error', field: 'assistantPrefix', message: 'assistantPrefix needs budgets and forceMode chat-continuation' });
    return undefined;
  }
  for (const k of budgets) intAtLeast(issues, 'budgets', k, 1);
  const out: NonNullable<LiveRunSettings['force']> = {
    budgets: [...new Set(budgets)].sort((a, b) => a - b),
    maxTokens: intAtLeast(issues, 'forceTokens', o.forceTokens ?? DEFAULT_FORCE_TOKENS, 1),
    cue: o.answerCue ?? DEFAULT_ANSWER_CUE,
    template: o.probeTemplate ?? DEFAULT_PROBE_TEMPLATE,
  };
  const mode = o.forceMode ?? config?.live.forceMode;
  if (mode !== undefined && mode !== 'completions') {
    if ((FORCE_MODES as readonly string[]).includes(mode)) out.mode = mode as ForceMode;
    else bad(issues, 'forceMode', mode, FORCE_MODES.join(' or '));
  }
  if (o.assistantPrefix ?? config?.live.assistantPrefix) {
    // Given with the run it is an error; from the config beside a completions run, only a note.
    if (out.mode === 'chat-continuation') out.assistantPrefix = true;
    else issues.push({ severity: o.assistantPrefix ? 'error' : 'warning', field: 'assistantPrefix', message: `assistantPrefix needs forceMode chat-continuation (it marks the prefilled assistant message)${o.assistantPrefix ? '' : '; ignored'}` });
  }
  // The live run splits traces on the same tags as the sweep that replays the forced answers.
  const thinking = o.extract?.thinking ?? config?.extract.thinking ?? config?.thinking;
  if (thinking) out.thinking = thinking;
  return out;
}

/** Tokenizer (it places probe boundaries as the sweep will), concurrency, timeout and retries. */
function runSettings(config: PromptBudgetConfig | undefined, o: LiveRunOverrides, issues: Issues): Pick<LiveRunSettings, 'encoding' | 'engine' | 'concurrency' | 'timeoutMs' | 'retries'> {
  const live = config?.live ?? DEFAULT_CONFIG.live;
  const encoding = o.encoding ?? config?.encoding ?? 'o200k_base';
  const engine = o.engine ?? config?.engine ?? 'gpt-tokenizer';
  if (!isEncodingName(encoding)) bad(issues, 'encoding', encoding, ENCODING_NAMES.join(' or '));
  if (!isEngineName(engine)) bad(issues, 'engine', engine, ENGINE_NAMES.join(' or '));
  const timeoutMs = o.timeoutMs ?? live.timeoutMs;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) bad(issues, 'timeoutMs', timeoutMs, 'milliseconds > 0');
  return {
    encoding: isEncodingName(encoding) ? encoding : 'o200k_base',
    engine: isEngineName(engine) ? engine : 'gpt-tokenizer',
    concurrency: intAtLeast(issues, 'concurrency', o.concurrency ?? live.concurrency, 1),
    timeoutMs,
    retries: intAtLeast(issues, 'retries', o.retries ?? DEFAULT_RETRIES, 0),
  };
}

/** Every case must have the fields the templates use; the first one that lacks some is named. */
function checkCases(cases: readonly Case[], rows: LiveRunInputs['rows'], opts: PromptOptions, issues: Issues): void {
  for (let i = 0; i < cases.length; i++) {
    const { missing } = buildMessages(cases[i], opts, rows[i]);
    if (missing.length === 0) continue;
    issues.push({ severity: 'error', field: 'template', message: `the prompt template uses ${missing.map((m) => `{{${m}}}`).join(', ')}, which case "${cases[i].id}" (line ${cases[i].line}) does not have` });
    return;
  }
}

const ARM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Fields the run itself sets per request; an arm that changed them would not be the same case. */
const ARM_RESERVED = new Set(['model', 'messages', 'stream', 'stream_options', 'prompt', 'n']);

/**
 * Arms from the overrides, else the config's `live.arms`: `{ name, body }`, unique names of letters, digits, `.`, `_`,
 * `-`, non-empty object bodies. Issues name the element (`live.arms[1].body`), with `field: 'arms'`.
 */
function arms(config: PromptBudgetConfig | undefined, o: LiveRunOverrides, issues: Issues): LiveArm[] | undefined {
  const fromOverride = o.arms !== undefined;
  const value = fromOverride ? o.arms : config?.live.arms;
  if (value === undefined) return undefined;
  const where = fromOverride ? 'arms' : 'live.arms';
  const fail = (message: string): undefined => {
    issues.push({ severity: 'error', field: 'arms', message });
    return undefined;
  };
  if (!Array.isArray(value)) return fail(`${where}: expected a list of { "name": …, "body": { … } }`);
  const out: LiveArm[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < value.length; i++) {
    const at = `${where}[${i}]`;
    const a: unknown = value[i];
    if (!a || typeof a !== 'object' || Array.isArray(a)) return fail(`${at}: expected an object { "name": …, "body": { … } }`);
    const { name, body, ...rest } = a as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) return fail(`${at}: unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')}; an arm has "name" and "body"`);
    if (typeof name !== 'string' || !ARM_NAME.test(name)) return fail(`${at}.name: expected letters, digits, ".", "_" or "-", got ${JSON.stringify(name) ?? 'nothing'}`);
    if (seen.has(name)) return fail(`${at}.name: "${name}" is used twice`);
    seen.add(name);
    if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length === 0) return fail(`${at}.body: expected a non-empty object of request fields, e.g. { "reasoning_effort": "low" }`);
    const reserved = Object.keys(body).filter((k) => ARM_RESERVED.has(k));
    if (reserved.length > 0) return fail(`${at}.body: ${reserved.map((k) => `"${k}"`).join(', ')} is set by the run for every request and cannot differ per arm`);
    out.push({ name, body: body as Record<string, unknown> });
  }
  return out.length > 0 ? out : undefined;
}

/**
 * Every cutoff is cut from the one trace generated at the largest budget, so a cutoff above it
 * measures (about: the server counts in its own tokens) full length.
 */
function checkCutoffs(config: PromptBudgetConfig | undefined, maxTokens: number, issues: Issues): void {
  const above = (config?.cutoffs ?? []).filter((k) => k > maxTokens);
  if (above.length === 0 || !Number.isInteger(maxTokens)) return;
  const one = above.length === 1;
  issues.push({
    severity: 'warning',
    field: 'maxTokens',
    message: `cutoff${one ? '' : 's'} ${above.join(', ')} of the config ${one ? 'is' : 'are'} above the largest budget (maxTokens ${maxTokens}), so ${one ? 'it measures' : 'they measure'} about full length; raise maxTokens to measure ${one ? 'it' : 'them'}`,
  });
}

/**
 * Prepares a live run: overrides over the config over the defaults. `plan` is undefined on an error; warnings (a linked
 * prompt sent as the system message, cutoffs above the largest budget) come with a plan.
 */
export function prepareLiveRun(inputs: LiveRunInputs): { plan?: LiveRunPlan; issues: LiveRunIssue[] } {
  const { config, cases, rows } = inputs;
  const o = inputs.overrides ?? {};
  const issues: Issues = [];
  const promptOptions = prompt(config, inputs.linkedPrompt, o, issues);
  const options: LiveRunSettings = {
    ...endpoint(config, o, issues),
    ...requestFields(config, o, issues),
    prompt: promptOptions,
    rows,
    ...runSettings(config, o, issues),
  };
  const probeOptions = probe(config, o, issues);
  if (probeOptions) options.probe = probeOptions;
  const forceOptions = force(config, o, issues);
  if (forceOptions) options.force = forceOptions;
  if (o.logprobs ?? config?.live.logprobs) {
    if (probeOptions || forceOptions) options.logprobs = true;
    else issues.push({ severity: 'warning', field: 'logprobs', message: 'logprobs are asked for on probe and forced-answer calls, and this run makes none: set probeEvery or budgets' });
  }
  const armList = arms(config, o, issues);
  if (armList) options.arms = armList;
  checkCases(cases, rows, promptOptions, issues);
  checkCutoffs(config, options.maxTokens, issues);
  if (issues.some((i) => i.severity === 'error')) return { issues };
  const extract = o.extract ?? config?.extract;
  return { plan: { cases, options, ...(extract ? { extract } : {}) }, issues };
}
