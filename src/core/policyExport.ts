/**
 * The self-contained policy JSON that `prompt-budget export` and the results panel write, and that
 * the runtime's `createStopper` reads: the stop policy plus everything that decides where it stops
 * and what answer it reports (tokenizer encoding and engine, answer extraction).
 */
import type { ExportedPolicy, PolicyCalls, TokenizerEncoding, TokenizerEngine, ExtractConfig, MatchConfig, PolicySpec, SweepResult } from './types';
import { DEFAULT_MARKERS, parseExtractConfig } from './extract';
import { parseMatchConfig } from './match';
import { parsePolicy, policyName, usesProbes } from './policies';
import { isEncodingName, isEngineName } from './encodingNames';
import { DEFAULT_HESITATIONS } from './traceAnatomy';
import { policyExportRule } from './policyExportRule';
import { CHAT_ONLY_FIELDS, EXTRA_CALL_OWN_FIELDS, extraCallFields } from './live/extraBody';
import { DEFAULT_ANSWER_CUE, DEFAULT_PROBE_CUE, DEFAULT_PROBE_TEMPLATE, DEFAULT_THINK_CLOSE } from './live/promptTemplate';

export const EXPORTED_POLICY_FORMAT = 'prompt-budget-policy';
export const EXPORTED_POLICY_VERSION = 1;

/** Settings of the sweep a policy was measured with. */
export interface PolicySettings {
  encoding: TokenizerEncoding;
  engine: TokenizerEngine;
  /** The tokenizer's name (a sweep result's `tokenizer`); kept with a Hugging Face tokenizer. */
  tokenizer?: string;
  tokenizerFingerprint?: string;
  /** Where the tokenizer was loaded from (absolute), recorded for the proxy. */
  tokenizerPath?: string;
  extract: ExtractConfig;
  match: MatchConfig;
  /** Cue, template and `max_tokens` of the extra calls, as `prompt-budget run` made them; defaults fill what is missing. */
  calls?: Partial<Omit<PolicyCalls, 'endpoint'>>;
  /** The model the policy was measured on. */
  model?: string;
}

/** A call's own fields besides {@link EXTRA_CALL_OWN_FIELDS}: `calls.extraBody` cannot set them. */
const CALL_FIELDS: readonly string[] = ['model', 'prompt', 'max_tokens', 'temperature'];

/** `max_tokens` of a probe and of a forced answer when `run` was not told otherwise. */
export const DEFAULT_CALL_TOKENS = { probe: 16, budget: 32 } as const;

/** The calls block of a `budget` or `probe` policy (null for the others): `given` over the `run` defaults. */
export function policyCalls(spec: PolicySpec, given: Partial<Omit<PolicyCalls, 'endpoint'>> = {}): PolicyCalls | null {
  if (spec.kind !== 'budget' && !usesProbes(spec)) return null;
  const budget = spec.kind === 'budget';
  const calls: PolicyCalls = {
    endpoint: 'completions',
    template: given.template ?? DEFAULT_PROBE_TEMPLATE,
    cue: given.cue ?? (budget ? DEFAULT_ANSWER_CUE : DEFAULT_PROBE_CUE),
    maxTokens: given.maxTokens ?? DEFAULT_CALL_TOKENS[budget ? 'budget' : 'probe'],
  };
  if (budget) calls.close = given.close ?? DEFAULT_THINK_CLOSE;
  // What the call sets itself would be overridden: kept out of the file.
  const extra = Object.fromEntries(Object.entries(extraCallFields(given.extraBody, 'completions')).filter(([key]) => !CALL_FIELDS.includes(key)));
  if (Object.keys(extra).length > 0) calls.extraBody = extra;
  return calls;
}

/** Why a policy cannot run in the streaming runtime, or null when it can ({@link policyExportRule}). */
export function runtimeUnsupported(spec: PolicySpec): string | null {
  const rule = policyExportRule(policyName(spec));
  return rule.exportable ? null : rule.reason;
}

/** Marker and settled specs with their lists written out, so a later change of the defaults cannot change what ships. */
function withDefaultLists(spec: PolicySpec): PolicySpec {
  if (spec.kind === 'marker') return { kind: 'marker', grace: spec.grace, markers: [...(spec.markers ?? DEFAULT_MARKERS)] };
  if (spec.kind === 'settled') return { kind: 'settled', every: spec.every, repeats: spec.repeats, hesitations: [...(spec.hesitations ?? DEFAULT_HESITATIONS)] };
  if (spec.kind === 'probe-settled') return { kind: 'probe-settled', every: spec.every, agree: spec.agree, hesitations: [...(spec.hesitations ?? DEFAULT_HESITATIONS)] };
  return spec;
}

/**
 * Builds the exported JSON for one policy (a spec or a name such as `cutoff:512`). Marker policies
 * get their marker list written out, so a later change of the defaults cannot change what ships.
 * Throws an Error with a readable message for an unknown name or a probe policy.
 */
export function toExportedPolicy(policy: PolicySpec | string, settings: PolicySettings, measured?: ExportedPolicy['measured']): ExportedPolicy {
  let spec: PolicySpec;
  if (typeof policy === 'string') {
    const parsed = parsePolicy(policy);
    if (!parsed.spec) throw new Error(parsed.error);
    spec = parsed.spec;
  } else {
    spec = policy;
  }
  const unsupported = runtimeUnsupported(spec);
  if (unsupported) throw new Error(unsupported);
  spec = withDefaultLists(spec);
  const out: ExportedPolicy = {
    format: EXPORTED_POLICY_FORMAT,
    version: EXPORTED_POLICY_VERSION,
    policy: policyName(spec),
    spec,
    encoding: settings.encoding,
    engine: settings.engine,
    extract: { ...settings.extract },
    match: { ...settings.match },
  };
  if (settings.encoding === 'huggingface') {
    if (!settings.tokenizer || !settings.tokenizerFingerprint) throw new Error('a Hugging Face tokenizer policy needs the tokenizer name and fingerprint');
    out.tokenizer = { name: settings.tokenizer, fingerprint: settings.tokenizerFingerprint };
    if (settings.tokenizerPath) out.tokenizer.path = settings.tokenizerPath;
  }
  const calls = policyCalls(spec, settings.calls);
  if (calls) out.calls = calls;
  if (settings.model) out.model = settings.model;
  if (measured) out.measured = { ...measured, ci95: [measured.ci95[0], measured.ci95[1]] };
  return out;
}

/**
 * What an export records besides the sweep's figures: the model the policy was measured on, the
 * tokenizer's absolute path (so `prompt-budget proxy` needs no --tokenizer) and the config's `live.extraBody`. `prompt-budget export`
 * and the results panel both build it here, which keeps their JSON byte for byte the same.
 */
export function exportRecords(
  model: string | undefined,
  tokenizerPath: string | undefined,
  extraBody?: Readonly<Record<string, unknown>>,
): Pick<PolicySettings, 'calls' | 'model' | 'tokenizerPath'> {
  // The extra request fields the calls of budget and probe policies carry (ignored by the others).
  const calls = extraBody && Object.keys(extraBody).length > 0 ? { calls: { extraBody: { ...extraBody } } } : {};
  return { ...(model ? { model } : {}), ...(tokenizerPath ? { tokenizerPath } : {}), ...calls };
}

/**
 * The exported JSON for a policy of a finished sweep, with what the sweep measured for it. Throws
 * when the sweep has no row of that name (the message lists the rows) or the policy is a probe.
 */
export function exportFromSweep(result: SweepResult, name: string | PolicySpec, extra: Pick<PolicySettings, 'calls' | 'model' | 'tokenizerPath'> = {}): ExportedPolicy {
  const parsed = typeof name === 'string' ? parsePolicy(name) : { spec: name };
  if (!parsed.spec) throw new Error(parsed.error);
  const words = result.hesitations;
  if ((parsed.spec.kind === 'settled' || parsed.spec.kind === 'probe-settled') && !parsed.spec.hesitations && words) parsed.spec = { ...parsed.spec, hesitations: [...words] };
  const canonical = policyName(parsed.spec);
  const row = result.rows.find((r) => r.policy === canonical);
  if (!row) throw new Error(`policy ${canonical} was not in the sweep; evaluated: ${result.rows.map((r) => r.policy).join(', ')}`);
  return toExportedPolicy(parsed.spec, { ...result, ...extra }, {
    cases: result.cases,
    em: row.em,
    deltaEm: row.deltaEm,
    ci95: row.ci95,
    meanTokens: row.meanTokens,
    savings: row.savings,
    margin: result.margin,
  });
}

const TOP_KEYS = new Set(['format', 'version', 'policy', 'spec', 'encoding', 'engine', 'tokenizer', 'extract', 'match', 'measured', 'calls', 'model']);
const SPEC_KEYS: Record<PolicySpec['kind'], string[]> = {
  full: ['kind'],
  cutoff: ['kind', 'tokens'],
  stability: ['kind', 'every', 'repeats'],
  marker: ['kind', 'grace', 'markers'],
  settled: ['kind', 'every', 'repeats', 'hesitations'],
  committed: ['kind'],
  probe: ['kind', 'every', 'agree'],
  'probe-settled': ['kind', 'every', 'agree', 'hesitations'],
  'probe-confident': ['kind', 'every', 'threshold'],
  budget: ['kind', 'tokens'],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkSpec(name: string, raw: unknown): { spec?: PolicySpec; error?: string } {
  const parsed = parsePolicy(name);
  if (!parsed.spec) return { error: `"policy": ${parsed.error}` };
  const expected = parsed.spec;
  if (raw === undefined) return { spec: withDefaultLists(expected) };
  if (!isObject(raw)) return { error: '"spec" must be an object such as {"kind": "cutoff", "tokens": 512}' };
  if (raw.kind !== expected.kind) return { error: `"spec" has kind ${JSON.stringify(raw.kind)} but "policy" is ${name}` };
  const extra = Object.keys(raw).filter((k) => !SPEC_KEYS[expected.kind].includes(k));
  if (extra.length > 0) return { error: `"spec" has unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')}` };
  for (const key of SPEC_KEYS[expected.kind]) {
    if (key === 'kind' || key === 'markers' || key === 'hesitations') continue;
    const want = (expected as unknown as Record<string, number>)[key];
    if (raw[key] !== want) return { error: `"spec.${key}" is ${JSON.stringify(raw[key])} but "policy" ${name} says ${want}` };
  }
  if (expected.kind === 'settled' || expected.kind === 'probe-settled') {
    const words = raw.hesitations ?? [...DEFAULT_HESITATIONS];
    if (!Array.isArray(words) || words.some((m) => typeof m !== 'string' || m.trim() === '')) return { error: '"spec.hesitations" must be a list of non-empty strings' };
    return { spec: { ...expected, hesitations: words as string[] } };
  }
  if (expected.kind !== 'marker') return { spec: expected };
  const markers = raw.markers ?? [...DEFAULT_MARKERS];
  if (!Array.isArray(markers) || markers.length === 0 || markers.some((m) => typeof m !== 'string' || m === '')) {
    return { error: '"spec.markers" must be a non-empty list of non-empty strings' };
  }
  return { spec: { kind: 'marker', grace: expected.grace, markers: markers as string[] } };
}

/** Checks the `calls` block of a budget or probe policy (absent: the `run` defaults); refuses one on other policies. */
function checkCalls(spec: PolicySpec, raw: unknown): { calls?: PolicyCalls | null; error?: string } {
  const defaults = policyCalls(spec);
  if (!defaults) return raw === undefined ? { calls: null } : { error: `"calls" is only for budget and probe policies (${policyName(spec)} makes no extra calls)` };
  if (raw === undefined) return { calls: defaults };
  if (!isObject(raw)) return { error: '"calls" must be an object such as {"endpoint": "completions", "template": "...", "cue": "...", "maxTokens": 32}' };
  const allowed = spec.kind === 'budget' ? ['endpoint', 'template', 'cue', 'close', 'maxTokens', 'extraBody'] : ['endpoint', 'template', 'cue', 'maxTokens', 'extraBody'];
  const extra = Object.keys(raw).filter((k) => !allowed.includes(k));
  if (extra.length > 0) return { error: `"calls" has unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')}` };
  if (raw.endpoint !== undefined && raw.endpoint !== 'completions') return { error: `"calls.endpoint" must be "completions" (got ${JSON.stringify(raw.endpoint)})` };
  for (const key of ['template', 'cue', 'close']) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') return { error: `"calls.${key}" must be a string` };
  }
  const max = raw.maxTokens;
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1)) return { error: '"calls.maxTokens" must be a positive integer' };
  const extraError = checkCallsExtraBody(raw.extraBody);
  if (extraError) return { error: extraError };
  return { calls: policyCalls(spec, raw as Partial<PolicyCalls>) };
}

/** Checks `calls.extraBody`: an object without the call's own fields and without fields a `/completions` call leaves out. */
function checkCallsExtraBody(raw: unknown): string | null {
  if (raw === undefined) return null;
  if (!isObject(raw)) return '"calls.extraBody" must be an object of request fields, such as {"top_k": 20}';
  const own = Object.keys(raw).filter((k) => CALL_FIELDS.includes(k) || EXTRA_CALL_OWN_FIELDS.includes(k));
  if (own.length > 0) return `"calls.extraBody" cannot set ${own.join(', ')}: each call sets its own (model, prompt, max_tokens from maxTokens, temperature 0, logprobs when the policy needs them; not streamed)`;
  const chat = Object.keys(raw).filter((k) => CHAT_ONLY_FIELDS.includes(k));
  if (chat.length > 0) return `"calls.extraBody" has chat-only field${chat.length > 1 ? 's' : ''} ${chat.join(', ')}, which a /completions call does not take`;
  return null;
}

/** Checks a `measured` block: these numbers plus `ci95`; null when it is absent or fine. */
export function checkMeasured(raw: unknown, extraKeys: readonly string[] = []): string | null {
  if (raw === undefined) return null;
  if (!isObject(raw)) return '"measured" must be an object';
  for (const key of ['cases', 'em', 'deltaEm', 'meanTokens', 'savings', 'margin', ...extraKeys]) {
    if (typeof raw[key] !== 'number' || !Number.isFinite(raw[key])) return `"measured.${key}" must be a number`;
  }
  const ci = raw.ci95;
  if (!Array.isArray(ci) || ci.length !== 2 || ci.some((x) => typeof x !== 'number')) return '"measured.ci95" must be [lower, upper]';
  return null;
}

/**
 * Parses JSON text (or takes a parsed value) and checks the envelope every exported file shares:
 * an object with this `format` and `version` and no fields beyond `keys`.
 */
export function readExportEnvelope(json: unknown, what: string, format: string, version: number, keys: ReadonlySet<string>): { value?: Record<string, unknown>; error?: string } {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json) as unknown;
    } catch (e) {
      return { error: `not valid JSON: ${(e as Error).message}` };
    }
  }
  if (!isObject(value)) return { error: `${what} must be a JSON object` };
  if (value.format !== format) return { error: `"format" must be "${format}" (got ${JSON.stringify(value.format)})` };
  if (value.version !== version) return { error: `unsupported "version" ${JSON.stringify(value.version)}; this version of prompt-budget reads version ${version}` };
  const extra = Object.keys(value).filter((k) => !keys.has(k));
  if (extra.length > 0) return { error: `unknown field${extra.length > 1 ? 's' : ''}: ${extra.join(', ')}` };
  return { value };
}

type TokenizerFields = Pick<ExportedPolicy, 'encoding' | 'engine' | 'tokenizer'>;

/** The encoding, engine and (for a Hugging Face tokenizer) tokenizer fields of an export. */
function checkTokenizer(value: Record<string, unknown>): { settings?: TokenizerFields; error?: string } {
  if (value.encoding === 'huggingface') {
    if (value.engine !== '@huggingface/tokenizers') return { error: `"engine" must be "@huggingface/tokenizers" with encoding "huggingface" (got ${JSON.stringify(value.engine)})` };
    const t = value.tokenizer as { name?: unknown; fingerprint?: unknown; path?: unknown } | undefined;
    if (!isObject(t) || typeof t.name !== 'string' || typeof t.fingerprint !== 'string' || !/^[0-9a-f]{8}$/.test(t.fingerprint) || (t.path !== undefined && typeof t.path !== 'string')) {
      return { error: '"tokenizer" must be { "name": "...", "fingerprint": "<8 hex digits>" } (and optionally "path": "...") with encoding "huggingface"' };
    }
    const tokenizer: NonNullable<ExportedPolicy['tokenizer']> = { name: t.name, fingerprint: t.fingerprint };
    if (typeof t.path === 'string') tokenizer.path = t.path;
    return { settings: { encoding: 'huggingface', engine: '@huggingface/tokenizers', tokenizer } };
  }
  if (typeof value.encoding !== 'string' || !isEncodingName(value.encoding)) {
    return { error: `"encoding" must be "o200k_base", "cl100k_base" or "huggingface" (got ${JSON.stringify(value.encoding)})` };
  }
  if (typeof value.engine !== 'string' || !isEngineName(value.engine)) {
    return { error: `"engine" must be "gpt-tokenizer" or "js-tiktoken" (got ${JSON.stringify(value.engine)})` };
  }
  if (value.tokenizer !== undefined) return { error: `"tokenizer" is only for encoding "huggingface"` };
  return { settings: { encoding: value.encoding, engine: value.engine } };
}

/**
 * Reads and checks an exported policy: JSON text or an already parsed value. Returns the policy,
 * or an error naming the field that is wrong. Unknown fields are errors (a typo must not silently
 * fall back to a default); a missing `spec` is rebuilt from `policy`.
 */
export function parseExportedPolicy(json: unknown): { policy?: ExportedPolicy; error?: string } {
  const envelope = readExportEnvelope(json, 'an exported policy', EXPORTED_POLICY_FORMAT, EXPORTED_POLICY_VERSION, TOP_KEYS);
  if (!envelope.value) return { error: envelope.error };
  const value = envelope.value;
  if (typeof value.policy !== 'string') return { error: '"policy" must be a policy name such as "cutoff:512"' };
  const spec = checkSpec(value.policy, value.spec);
  if (!spec.spec) return { error: spec.error };
  const unsupported = runtimeUnsupported(spec.spec);
  if (unsupported) return { error: unsupported };
  const tokens = checkTokenizer(value);
  if (!tokens.settings) return { error: tokens.error };
  const extract = parseExtractConfig(value.extract);
  if (!extract.config) return { error: `"extract": ${extract.error}` };
  const match = parseMatchConfig(value.match);
  if (!match.config) return { error: `"match": ${match.error}` };
  const measuredError = checkMeasured(value.measured);
  if (measuredError) return { error: measuredError };
  const calls = checkCalls(spec.spec, value.calls);
  if (calls.error !== undefined) return { error: calls.error };
  if (value.model !== undefined && (typeof value.model !== 'string' || value.model === '')) return { error: '"model" must be a non-empty string' };
  const policy: ExportedPolicy = {
    format: EXPORTED_POLICY_FORMAT,
    version: EXPORTED_POLICY_VERSION,
    policy: policyName(spec.spec),
    spec: spec.spec,
    ...tokens.settings,
    extract: extract.config,
    match: match.config,
  };
  if (value.measured !== undefined) policy.measured = value.measured as ExportedPolicy['measured'];
  if (calls.calls) policy.calls = calls.calls;
  if (typeof value.model === 'string') policy.model = value.model;
  return { policy };
}

/**
 * A ready-to-paste snippet (TypeScript, or JavaScript ESM with `lang` `js`) that stops an OpenAI SDK
 * stream with the exported policy inline.
 */
export function policySnippet(policy: ExportedPolicy, lang: 'ts' | 'js' = 'ts'): string {
  const json = JSON.stringify(policy, null, 2);
  const pct = (x: number): string => (x * 100).toFixed(1);
  const m = policy.measured;
  const measured = m
    ? `// Measured on ${m.cases} cases: ${pct(m.savings)}% fewer output tokens, ΔEM ${pct(m.deltaEm)} pts (95% CI ${pct(m.ci95[0])}…${pct(m.ci95[1])}).\n`
    : '';
  const ts = lang === 'ts';
  if (policy.calls) return callingSnippet(policy, json, measured, ts);
  return `import { createStopper, stopOpenAIStream } from 'prompt-budget/runtime';
${ts ? "import type { ChatCompletionChunkLike } from 'prompt-budget/runtime';\n" : ''}
// ${policy.policy} (${policy.tokenizer ? `${policy.tokenizer.name} tokenizer` : policy.encoding}, ${policy.engine}, extract ${policy.extract.preset}), exported by prompt-budget.
${measured}const POLICY = ${json};

// stream: from client.chat.completions.create({ ..., stream: true }, { signal: controller.signal })
export async function answerWithBudget(stream${ts ? ': AsyncIterable<ChatCompletionChunkLike>' : ''}, controller${ts ? ': AbortController' : ''}) {
  const stopper = createStopper(POLICY);
  const { decision, text } = await stopOpenAIStream(stream, stopper, controller);
  return { answer: decision.answer ?? null, stoppedEarly: decision.stop, tokens: decision.tokens, text };
}
`;
}

/** The snippet of a budget or probe policy: `createPolicyRun` makes its calls against the same server. */
function callingSnippet(policy: ExportedPolicy, json: string, measured: string, ts: boolean): string {
  return `import { createPolicyRun, runOpenAIStream } from 'prompt-budget/runtime';
${ts ? "import type { ChatCompletionChunkLike, ChatMessage, CompletionsEndpoint } from 'prompt-budget/runtime';\n" : ''}
// ${policy.policy} (${policy.tokenizer ? `${policy.tokenizer.name} tokenizer` : policy.encoding}, ${policy.engine}, extract ${policy.extract.preset}), exported by prompt-budget.
${measured}const POLICY = ${json};

// stream: from client.chat.completions.create({ model, messages, stream: true }, { signal: controller.signal });
// endpoint: the same server ({ baseURL, model, apiKey }); its /completions endpoint answers the extra calls.
export async function answerWithBudget(stream${ts ? ': AsyncIterable<ChatCompletionChunkLike>' : ''}, controller${ts ? ': AbortController' : ''}, messages${ts ? ': ChatMessage[]' : ''}, endpoint${ts ? ': CompletionsEndpoint' : ''}) {
  const run = createPolicyRun(POLICY, { endpoint, messages });
  const { decision, text } = await runOpenAIStream(stream, run, controller);
  return { answer: decision.answer ?? null, stoppedEarly: decision.stop, tokens: decision.tokens, text };
}
`;
}

/**
 * The text `prompt-budget export` prints and the panel writes: the policy as indented JSON, or a
 * snippet in TypeScript (`ts`) or JavaScript ESM (`js`).
 */
export function exportedPolicyText(policy: ExportedPolicy, format: 'json' | 'ts' | 'js'): string {
  return format === 'json' ? `${JSON.stringify(policy, null, 2)}\n` : policySnippet(policy, format);
}
