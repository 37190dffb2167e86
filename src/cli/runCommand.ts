import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FieldMap } from '../core/types';
import type { PromptBudgetConfig } from '../core/config/promptBudgetConfig';
import { parseExtractConfig, makeExtractor } from '../core/extract';
import { resolveFields } from '../core/testSet/resolveFields';
import { LiveError, displayUrl, redactSecrets } from '../core/live/liveError';
import { missingLogprobsWarning, runLive, truncationSummary, type LiveProgress, type LiveRunOptions, type LiveRunResult } from '../core/live/liveRun';
import { prepareLiveRun, type LiveRunIssue, type LiveRunOverrides, type LiveRunPlan } from '../core/live/prepareLiveRun';
import { rawRowsByLine, tracedJsonl } from '../core/live/tracedRows';
import { FileCacheStore, writeAtomically } from '../node/fileCacheStore';
import { cliTokenizer, readConfigFile, readTestSet } from './loadInputs';
import { promptDrift, promptDriftLine } from '../core/live/promptDrift';
import type { Tokenizer } from '../core/tokens';
import { UsageError, type CliIo } from './io';

export const RUN_HELP = `Usage: prompt-budget run <test-set> --base-url <url> --model <name> --out <file.jsonl> [options]

Generates one trace per case from an OpenAI-compatible server (OpenAI, vLLM, llama.cpp server,
Ollama) at the largest budget and writes the test set back as JSONL with output, finishReason,
usage (and probes) per case, ready for \`prompt-budget sweep\`. Smaller cutoffs are derived from
that one trace, so C cutoffs over N cases cost N generations.

Reasoning that a server streams apart (delta.reasoning_content or delta.reasoning) is kept in the
trace as <think>…</think> before the answer, so cutoffs apply to thinking too.

Options:
  --base-url <url>          as in the OpenAI SDKs, including /v1 (e.g. http://localhost:11434/v1)
  --model <name>            model name the server knows
  --out <file.jsonl>        where the rows go (JSONL; written atomically)
  --max-tokens <n>          the largest budget (default 1024)
  --max-tokens-param <p>    max_tokens (default) | max_completion_tokens (OpenAI reasoning models)
  --temperature <t>         sent when given
  --reasoning-effort <e>    sent as reasoning_effort when given
  --extra-body <json>       extra request fields: a JSON object, or @file holding one; probes and
                            forced answers get them too, under their own fields (chat-only fields
                            such as chat_template_kwargs stay off /completions calls)
  --arms <file.json>        arms: [{ "name": "low", "body": { "reasoning_effort": "low" } }, …];
                            each adds one generation per case with its fields over the default
                            request, kept in the row as arms.<name> (replaces the config's live.arms)
  --no-stream-usage         do not ask for usage in the last chunk (stream_options)
  --prompt <file>           user message template: {{question}}, {{id}} or any field of the row;
                            without it the question is the user message
  --system <file>           system message template (same fields)
  --probe-every <n>         after each generation, probe every n trace tokens (for probe:<n>x<k>; 0: off);
                            needs the server's /completions endpoint (llama.cpp, vLLM, Ollama;
                            OpenAI only for legacy completion models)
  --probe-tokens <n>        max tokens of each probe (default 16)
  --probe-cue <text>        text after the trace prefix (default: "… Oh, I suddenly got the
                            answer to the whole problem, **Final Answer**: \\boxed{")
  --probe-template <file>   probe prompt with {{prompt}}, {{trace}}, {{cue}} (and {{system}},
                            {{user}}); default "{{prompt}}\\n\\n{{trace}}{{cue}}"
  --budgets <k,k,…>         thinking budgets: after each generation, one forced-answer call per
                            K below the case's thinking length (prompt + first K thinking tokens
                            + </think> + answer cue, via /completions or --force-mode), for
                            budget:<K> policies
  --answer-cue <text>       text after the closed thinking (default "**Final Answer**: \\boxed{")
  --force-tokens <n>        max tokens of each forced answer (default 32)
  --force-mode <mode>       completions (default: the prompt via /completions) | chat-continuation
                            (the messages + an assistant message prefilled with the thinking, its
                            close and the cue, continued by the server: vLLM continue_final_message)
  --assistant-prefix        with chat-continuation: mark that assistant message "prefix": true
                            (DeepSeek's and Mistral's chat prefix completion) instead of sending
                            vLLM's continue_final_message and add_generation_prompt
  --logprobs                ask for token log-probabilities on probe and forced-answer calls and
                            record them (probe-confident:<N>@<p> policies); vLLM and llama.cpp
                            server return them, OpenAI o-series models do not
  --encoding <name>         tokenizer placing probe boundaries, as the sweep will (o200k_base)
  --engine <name>           gpt-tokenizer (default) | js-tiktoken
  --tokenizer <path>        a model's own tokenizer (Hugging Face tokenizer.json or its folder) instead
  --extract <preset>        answer extractor, to count truncated cases that have no answer
  --concurrency <n>         requests in flight at most (default 4)
  --timeout <s>             give up on a request after s seconds without data (default 60)
  --retries <n>             retries per request on 429/5xx/timeouts/broken streams (default 5)
  --cache <dir>             response cache (default .prompt-budget-cache); a re-run sends only
                            the requests that are not cached yet
  --no-cache                neither read nor write the cache
  --clear-cache             delete the cache's entries before running
  --config <file>           promptbudget.json: testSets, prompt, fields, encoding, extract and the
                            "live" section (baseUrl, model, maxTokens, temperature, concurrency,
                            timeoutMs, probeEvery, budgets, forceMode, assistantPrefix, extraBody);
                            flags win. A linked prompt without {{placeholders}} is sent as the
                            system message.
API key: PROMPT_BUDGET_API_KEY, else OPENAI_API_KEY. It is never written to the cache, the output
or any message.
Exit codes: 0 ok, 2 bad usage, server unreachable, key rejected or cases left unfinished,
130 cancelled (finished requests stay cached).
`;

export const RUN_FLAGS = {
  'base-url': { type: 'string' },
  model: { type: 'string' },
  out: { type: 'string' },
  'max-tokens': { type: 'string' },
  'max-tokens-param': { type: 'string' },
  temperature: { type: 'string' },
  'reasoning-effort': { type: 'string' },
  'extra-body': { type: 'string' },
  arms: { type: 'string' },
  'no-stream-usage': { type: 'boolean' },
  prompt: { type: 'string' },
  system: { type: 'string' },
  'probe-every': { type: 'string' },
  'probe-tokens': { type: 'string' },
  'probe-cue': { type: 'string' },
  'probe-template': { type: 'string' },
  budgets: { type: 'string' },
  'answer-cue': { type: 'string' },
  'force-tokens': { type: 'string' },
  'force-mode': { type: 'string' },
  'assistant-prefix': { type: 'boolean' },
  logprobs: { type: 'boolean' },
  encoding: { type: 'string' },
  engine: { type: 'string' },
  tokenizer: { type: 'string' },
  extract: { type: 'string' },
  pattern: { type: 'string' },
  concurrency: { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  cache: { type: 'string' },
  'no-cache': { type: 'boolean' },
  'clear-cache': { type: 'boolean' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The parsed flags of `run`. */
export type RunFlagValues = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof RUN_FLAGS }>>['values'];

/** The flag of each override, for core's issues in the CLI's words. */
const FLAG_OF: Partial<Record<keyof LiveRunOverrides, keyof typeof RUN_FLAGS>> = {
  baseUrl: 'base-url',
  model: 'model',
  maxTokens: 'max-tokens',
  maxTokensParam: 'max-tokens-param',
  temperature: 'temperature',
  template: 'prompt',
  system: 'system',
  probeEvery: 'probe-every',
  probeTokens: 'probe-tokens',
  probeCue: 'probe-cue',
  probeTemplate: 'probe-template',
  budgets: 'budgets',
  answerCue: 'answer-cue',
  forceTokens: 'force-tokens',
  logprobs: 'logprobs',
  forceMode: 'force-mode',
  assistantPrefix: 'assistant-prefix',
  encoding: 'encoding',
  engine: 'engine',
  concurrency: 'concurrency',
  timeoutMs: 'timeout',
  retries: 'retries',
  arms: 'arms',
};

/** What the CLI expects where its unit differs from core's. */
const CLI_EXPECTS: Partial<Record<keyof LiveRunOverrides, string>> = { timeoutMs: 'seconds > 0' };

/** Core's issue in the CLI's words: `--max-tokens 0: expected …` for a flag's value, flag names for field names. */
export function runIssueText(issue: LiveRunIssue, values: RunFlagValues): string {
  const flag = issue.field ? FLAG_OF[issue.field] : undefined;
  const raw = flag ? values[flag] : undefined;
  // An arms issue names the element at fault: `--arms arms.json: [1].name: "a" is used twice`.
  if (issue.field === 'arms' && typeof raw === 'string') return `--arms ${raw}: ${issue.message.replace(/^arms(: )?/, '')}`;
  const expected = issue.message.indexOf(': expected ');
  if (issue.field && flag && typeof raw === 'string' && expected >= 0) {
    return `--${flag} ${raw}: expected ${CLI_EXPECTS[issue.field] ?? issue.message.slice(expected + ': expected '.length)}`;
  }
  return issue.message
    .replace(/\b(assistantPrefix|baseUrl|maxTokensParam|maxTokens|probeEvery|probeTokens|probeCue|probeTemplate|timeoutMs)\b/g, (name) => `--${FLAG_OF[name as keyof LiveRunOverrides] ?? name}`)
    .replace(/^model is required/, '--model is required');
}

/** A number flag as given; '' and words become NaN, which core's check reports. */
/** `--budgets 512,1024,2048`: positive integers, comma-separated. */
function parseBudgets(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const bad = parts.find((p) => !/^[1-9][0-9]*$/.test(p));
  if (bad !== undefined) throw new UsageError(`--budgets ${text}: expected positive integers separated by commas, e.g. 512,1024,2048 ("${bad}" is not one)`);
  return parts.map(Number);
}

function num(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return value.trim() === '' ? NaN : Number(value);
}

function readText(flag: string, path: string, cwd: string): string {
  try {
    return readFileSync(resolve(cwd, path), 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    throw new UsageError(`--${flag} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function parseExtraBody(value: string, cwd: string): Record<string, unknown> {
  const text = value.startsWith('@') ? readText('extra-body', value.slice(1), cwd) : value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--extra-body: not valid JSON (${(e as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('--extra-body: expected a JSON object, e.g. {"seed": 1}');
  return parsed as Record<string, unknown>;
}

/** The JSON of `--arms`; its shape is checked by core (prepareLiveRun), which names the element at fault. */
function parseArmsFile(path: string, cwd: string): unknown {
  try {
    return JSON.parse(readText('arms', path, cwd)) as unknown;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--arms ${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** The run flags as overrides for {@link prepareLiveRun}; files they name are read here. */
export function runOverridesFromFlags(values: RunFlagValues, cwd: string): LiveRunOverrides {
  const o: LiveRunOverrides = {
    baseUrl: values['base-url'],
    model: values.model,
    maxTokens: num(values['max-tokens']),
    maxTokensParam: values['max-tokens-param'],
    temperature: num(values.temperature),
    reasoningEffort: values['reasoning-effort'],
    includeUsage: !values['no-stream-usage'],
    probeEvery: num(values['probe-every']),
    probeTokens: num(values['probe-tokens']),
    probeCue: values['probe-cue'],
    answerCue: values['answer-cue'],
    forceTokens: num(values['force-tokens']),
    forceMode: values['force-mode'],
    encoding: values.encoding,
    engine: values.engine,
    concurrency: num(values.concurrency),
    retries: num(values.retries),
  };
  if (values.timeout !== undefined) o.timeoutMs = Math.round((num(values.timeout) ?? NaN) * 1000);
  if (values.budgets !== undefined) o.budgets = parseBudgets(values.budgets);
  if (values.logprobs) o.logprobs = true;
  if (values['assistant-prefix']) o.assistantPrefix = true;
  if (values['extra-body'] !== undefined) o.extraBody = parseExtraBody(values['extra-body'], cwd);
  if (values.arms !== undefined) o.arms = parseArmsFile(values.arms, cwd);
  if (values.prompt !== undefined) o.template = readText('prompt', values.prompt, cwd);
  if (values.system !== undefined) o.system = readText('system', values.system, cwd);
  if (values['probe-template'] !== undefined) o.probeTemplate = readText('probe-template', values['probe-template'], cwd);
  if (values.extract) {
    const parsed = parseExtractConfig(values.extract === 'regex' ? { preset: 'regex', pattern: values.pattern } : values.extract);
    if (!parsed.config) throw new UsageError(`--extract ${values.extract}: ${parsed.error}`);
    o.extract = parsed.config;
  }
  for (const key of Object.keys(o) as (keyof LiveRunOverrides)[]) if (o[key] === undefined) delete o[key];
  return o;
}

/** What the run reads from disk before anything is sent. */
interface RunFiles {
  config?: PromptBudgetConfig;
  /** The config's folder (the working folder without one): the config's paths are relative to it. */
  configDir: string;
  testSetPath: string;
  outPath: string;
  /** The config's linked prompt, read only when --prompt does not replace it. */
  linkedPrompt?: string;
}

function runFiles(values: RunFlagValues, positionals: string[], io: CliIo): RunFiles {
  const configPath = values.config !== undefined ? resolve(io.cwd, values.config) : undefined;
  const config = configPath ? readConfigFile(configPath, io) : undefined;
  const configDir = configPath ? dirname(configPath) : io.cwd;
  if (positionals.length > 1) throw new UsageError(`run: expected one test set, got ${positionals.length}: ${positionals.join(' ')}`);
  let testSetPath: string;
  if (positionals[0]) testSetPath = resolve(io.cwd, positionals[0]);
  else if (config && config.testSets.length > 0) testSetPath = resolve(configDir, config.testSets[0]);
  else throw new UsageError('run: no test set: pass a file (prompt-budget run <test-set>) or a --config that lists testSets');
  if (!values.out) throw new UsageError('run: --out <file.jsonl> is required');
  if (/\.(json|csv|tsv)$/i.test(values.out)) throw new UsageError(`--out ${values.out}: the output is JSONL; name it .jsonl`);
  const outPath = resolve(io.cwd, values.out);
  if (outPath === testSetPath) throw new UsageError('--out must differ from the test set, which is never overwritten');
  if (values['no-cache'] && values.cache) throw new UsageError('--cache and --no-cache contradict each other');
  if (values['no-cache'] && values['clear-cache']) throw new UsageError('--clear-cache needs the cache; drop --no-cache');
  const files: RunFiles = { testSetPath, outPath, configDir };
  if (config) files.config = config;
  if (config?.prompt && values.prompt === undefined) files.linkedPrompt = readText('config prompt', resolve(configDir, config.prompt), io.cwd);
  return files;
}

/**
 * The CLI's path to a live-run plan: flags over the config, checked by core; an error becomes a
 * UsageError in the CLI's words, warnings go to stderr.
 */
export async function planFromFlags(values: RunFlagValues, positionals: string[], io: CliIo): Promise<{ plan: LiveRunPlan; fields: FieldMap; outPath: string; tokenizer?: Tokenizer }> {
  const files = runFiles(values, positionals, io);
  // --tokenizer (or the config's tokenizer, unless --encoding is given) places the probe boundaries.
  if (values.tokenizer !== undefined && (values.encoding !== undefined || values.engine !== undefined)) throw new UsageError('--tokenizer replaces --encoding and --engine: give one or the other');
  const tokenizerPath = values.tokenizer !== undefined ? resolve(io.cwd, values.tokenizer) : values.encoding === undefined && files.config?.tokenizer ? resolve(files.configDir, files.config.tokenizer) : undefined;
  const tokenizer = tokenizerPath !== undefined ? cliTokenizer(tokenizerPath, files.configDir) : undefined;
  const overrides = runOverridesFromFlags(values, io.cwd);
  const { cases } = await readTestSet(files.testSetPath, files.config?.fields, io);
  const rawRows = rawRowsByLine(existsSync(files.testSetPath) ? readFileSync(files.testSetPath, 'utf8') : '', files.testSetPath);
  const rows = cases.map((c) => rawRows.get(c.line));
  const { plan, issues } = prepareLiveRun({ config: files.config, linkedPrompt: files.linkedPrompt, cases, rows, overrides });
  const error = issues.find((i) => i.severity === 'error');
  if (error || !plan) throw new UsageError(error ? runIssueText(error, values) : 'run: cannot prepare the run');
  for (const w of issues) io.stderr(`run: ${runIssueText(w, values)}\n`);
  return { plan, fields: files.config?.fields ?? resolveFields(), outPath: files.outPath, tokenizer };
}

function progressLine(p: LiveProgress): string {
  const tokens = p.completionTokens + p.probeTokens;
  return `run: ${p.done}/${p.total} cases${p.failed ? ` (${p.failed} failed)` : ''} · ${tokens.toLocaleString('en-US')} tokens${p.probeTokens ? ` (${p.probeTokens.toLocaleString('en-US')} in probes)` : ''} · ${p.sentRequests} requests sent, ${p.cachedRequests} from cache\n`;
}

async function openCache(values: RunFlagValues, io: CliIo): Promise<FileCacheStore | undefined> {
  if (values['no-cache']) return undefined;
  const cache = new FileCacheStore(resolve(io.cwd, values.cache ?? '.prompt-budget-cache'));
  if (values['clear-cache']) io.stderr(`cleared ${await cache.clear()} cached response(s) from ${cache.dir}\n`);
  return cache;
}

/** The plan plus what only this process has: the key, the cache, the signal and stderr progress. */
function runOptions(plan: LiveRunPlan, apiKey: string | undefined, cache: FileCacheStore | undefined, io: CliIo, safe: (t: string) => string): LiveRunOptions {
  let lastShown = 0;
  let retryNotes = 0;
  const options: LiveRunOptions = {
    ...plan.options,
    onProgress: (p) => {
      const now = Date.now();
      if (now - lastShown >= 1000 || p.done === p.total) {
        lastShown = now;
        io.stderr(safe(progressLine(p)));
      }
    },
    onLog: (message) => {
      retryNotes++;
      if (retryNotes <= 20) io.stderr(safe(`${message}\n`));
      else if (retryNotes === 21) io.stderr('… more retries; not shown\n');
    },
  };
  if (apiKey) options.apiKey = apiKey;
  if (cache) options.cache = cache;
  if (io.signal) options.signal = io.signal;
  return options;
}

/** Runs the plan; a cancel or a fatal error becomes the exit code and its message. */
async function execute(plan: LiveRunPlan, options: LiveRunOptions, io: CliIo, safe: (t: string) => string): Promise<LiveRunResult | number> {
  let done = 0;
  options.onCaseDone = () => {
    done++;
  };
  try {
    return await runLive(plan.cases, options);
  } catch (e) {
    if (e instanceof LiveError && e.kind === 'cancelled') {
      io.stderr(`run: cancelled after ${done} of ${plan.cases.length} case(s); finished responses are cached, so running the same command again sends only the rest\n`);
      // 128 + SIGINT, as a shell reports a job stopped by Ctrl+C; CI scripts tell it from a failure.
      return 130;
    }
    if (e instanceof LiveError) {
      let hint = '';
      if (e.kind === 'auth') hint = options.apiKey ? ' (check PROMPT_BUDGET_API_KEY or OPENAI_API_KEY)' : ' (no key was sent: set PROMPT_BUDGET_API_KEY or OPENAI_API_KEY)';
      io.stderr(safe(`prompt-budget run: ${e.message}${hint}\n`));
      return 2;
    }
    io.stderr(safe(`prompt-budget run: ${(e as Error).message}\n`));
    return 2;
  }
}

/** What was written, what was truncated and what failed; the exit code. */
function report(plan: LiveRunPlan, run: LiveRunResult, out: string, io: CliIo, safe: (t: string) => string, tokenizerName: string): number {
  const { results, progress } = run;
  const n = plan.cases.length;
  const { maxTokens, probe, force } = plan.options;
  const failed = results.filter((r) => r.error !== undefined);
  const fromCache = results.filter((r) => r.fromCache).length;
  const probes = results.reduce((k, r) => k + (r.probes?.length ?? 0), 0);
  const forced = results.reduce((k, r) => k + (r.forced?.length ?? 0), 0);
  io.stderr(
    `wrote ${n} row(s) to ${out}: ${n - failed.length} with a trace (${fromCache} from cache)${failed.length ? `, ${failed.length} failed` : ''}${probe ? `, ${probes} probe(s)` : ''}${force ? `, ${forced} forced answer(s) (${progress.forcedTokens ?? 0} tokens)` : ''}; ${progress.sentRequests} request(s) sent, ${progress.cachedRequests} answered from cache\n`,
  );
  const trunc = truncationSummary(results, plan.extract ? makeExtractor(plan.extract) : undefined);
  if (trunc.length > 0) {
    io.stderr(
      plan.extract
        ? `${trunc.length} case(s) hit --max-tokens ${maxTokens} (finish_reason length); ${trunc.noAnswer} of them have no answer: truncated (the sweep counts them as cut before answer)\n`
        : `${trunc.length} case(s) hit --max-tokens ${maxTokens} (finish_reason length): truncated; pass --extract to count those with no answer\n`,
    );
  } else {
    io.stderr('0 case(s) truncated by --max-tokens\n');
  }
  const noLogprobs = plan.options.logprobs ? missingLogprobsWarning(progress) : null;
  if (noLogprobs) io.stderr(`run: warning: ${noLogprobs}\n`);
  const drift = promptDrift(results, tokenizerName);
  if (drift) io.stderr(`${promptDriftLine(drift)}\n`);
  if (failed.length === 0) return 0;
  for (const r of failed.slice(0, 10)) io.stderr(safe(`case ${r.id}: ${r.error}\n`));
  if (failed.length > 10) io.stderr(`… and ${failed.length - 10} more\n`);
  io.stderr(`run: ${failed.length} case(s) failed and have no trace; run the same command again to retry only those\n`);
  return 2;
}

/** `prompt-budget run`: generates traces (and probes) from a live server. */
export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: RUN_FLAGS });
  if (values.help) {
    io.stdout(RUN_HELP);
    return 0;
  }
  const { plan, fields, outPath, tokenizer } = await planFromFlags(values, positionals, io);
  // `||`, not `??`: an empty variable (often exported to unset a key) means no key.
  const apiKey = io.env.PROMPT_BUDGET_API_KEY || io.env.OPENAI_API_KEY || undefined;
  // Servers echo a rejected key in their error text; nothing printed may carry it.
  const safe = (text: string): string => redactSecrets(text, [apiKey]);
  const cache = await openCache(values, io);
  const { options: o } = plan;
  io.stderr(`run: ${plan.cases.length} case(s) against ${displayUrl(o.baseUrl)} (model ${o.model}, max ${o.maxTokens} tokens${o.probe ? `, probes every ${o.probe.every} tokens` : ''}${o.arms ? `, arms ${o.arms.map((a) => a.name).join(', ')}` : ''})\n`);
  const options = runOptions(plan, apiKey, cache, io, safe);
  if (tokenizer) options.tokenizer = tokenizer;
  const run = await execute(plan, options, io, safe);
  if (typeof run === 'number') return run;
  await writeAtomically(outPath, tracedJsonl(plan.cases, plan.options.rows ?? [], run.results, fields));
  return report(plan, run, values.out ?? outPath, io, safe, tokenizer?.name ?? plan.options.encoding ?? 'o200k_base');
}
