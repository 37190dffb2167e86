import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { EncodingName, EngineName, ExtractConfig } from '../core/types';
import { parseExtractConfig, makeExtractor } from '../core/extract';
import { isEncodingName, isEngineName } from '../core/tokens';
import { resolveFields } from '../core/testSet/resolveFields';
import { LiveError, displayUrl, redactSecrets } from '../core/live/liveError';
import { buildMessages, DEFAULT_PROBE_CUE, DEFAULT_PROBE_TEMPLATE, templateFields } from '../core/live/promptTemplate';
import { DEFAULT_CONFIG } from '../core/config/promptBudgetConfig';
import { runLive, truncationSummary, type LiveCaseResult, type LiveProgress, type LiveRunOptions } from '../core/live/liveRun';
import { rawRowsByLine, tracedJsonl } from '../core/live/tracedRows';
import { FileCacheStore, writeAtomically } from '../node/fileCacheStore';
import { readConfigFile, readTestSet } from './loadInputs';
import { cliTokenizer } from './countCommand';
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
  --extra-body <json>       extra request fields: a JSON object, or @file holding one
  --no-stream-usage         do not ask for usage in the last chunk (stream_options)
  --prompt <file>           user message template: {{question}}, {{id}} or any field of the row;
                            without it the question is the user message
  --system <file>           system message template (same fields)
  --probe-every <n>         after each generation, probe every n trace tokens (for probe:<n>x<k>);
                            needs the server's /completions endpoint (llama.cpp, vLLM, Ollama;
                            OpenAI only for legacy completion models)
  --probe-tokens <n>        max tokens of each probe (default 16)
  --probe-cue <text>        text after the trace prefix (default: "… Oh, I suddenly got the
                            answer to the whole problem, **Final Answer**: \\boxed{")
  --probe-template <file>   probe prompt with {{prompt}}, {{trace}}, {{cue}} (and {{system}},
                            {{user}}); default "{{prompt}}\\n\\n{{trace}}{{cue}}"
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
                            timeoutMs, probeEvery, extraBody); flags win. A linked prompt without
                            {{placeholders}} is sent as the system message.
API key: PROMPT_BUDGET_API_KEY, else OPENAI_API_KEY. It is never written to the cache, the output
or any message.
Exit codes: 0 ok, 2 bad usage, server unreachable, key rejected or cases left unfinished,
130 cancelled (finished requests stay cached).
`;

const FLAGS = {
  'base-url': { type: 'string' },
  model: { type: 'string' },
  out: { type: 'string' },
  'max-tokens': { type: 'string' },
  'max-tokens-param': { type: 'string' },
  temperature: { type: 'string' },
  'reasoning-effort': { type: 'string' },
  'extra-body': { type: 'string' },
  'no-stream-usage': { type: 'boolean' },
  prompt: { type: 'string' },
  system: { type: 'string' },
  'probe-every': { type: 'string' },
  'probe-tokens': { type: 'string' },
  'probe-cue': { type: 'string' },
  'probe-template': { type: 'string' },
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

function intFlag(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new UsageError(`--${name} ${value}: expected an integer ≥ ${min}`);
  return n;
}

function readText(flag: string, path: string, cwd: string): string {
  try {
    return readFileSync(resolve(cwd, path), 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    throw new UsageError(`--${flag} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function parseExtraBody(value: string, cwd: string): Record<string, unknown> {
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

function progressLine(p: LiveProgress): string {
  const tokens = p.completionTokens + p.probeTokens;
  return `run: ${p.done}/${p.total} cases${p.failed ? ` (${p.failed} failed)` : ''} · ${tokens.toLocaleString('en-US')} tokens${p.probeTokens ? ` (${p.probeTokens.toLocaleString('en-US')} in probes)` : ''} · ${p.sentRequests} requests sent, ${p.cachedRequests} from cache\n`;
}

/** `prompt-budget run`: generates traces (and probes) from a live server. */
export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: FLAGS });
  if (values.help) {
    io.stdout(RUN_HELP);
    return 0;
  }
  const configPath = values.config !== undefined ? resolve(io.cwd, values.config) : undefined;
  const config = configPath ? readConfigFile(configPath, io) : undefined;
  const configDir = configPath ? dirname(configPath) : io.cwd;
  const live = config?.live ?? DEFAULT_CONFIG.live;

  if (positionals.length > 1) throw new UsageError(`run: expected one test set, got ${positionals.length}: ${positionals.join(' ')}`);
  let testSetPath: string;
  if (positionals[0]) testSetPath = resolve(io.cwd, positionals[0]);
  else if (config && config.testSets.length > 0) testSetPath = resolve(configDir, config.testSets[0]);
  else throw new UsageError('run: no test set: pass a file (prompt-budget run <test-set>) or a --config that lists testSets');
  const baseUrl = values['base-url'] ?? config?.live.baseUrl;
  if (!baseUrl) throw new UsageError('run: --base-url is required (e.g. http://localhost:11434/v1)');
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(baseUrl);
  } catch {
    throw new UsageError(`--base-url ${displayUrl(baseUrl)}: not a URL`);
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') throw new UsageError(`--base-url ${displayUrl(baseUrl)}: expected http:// or https://`);
  const model = values.model ?? (config?.live.model || undefined);
  if (!model) throw new UsageError('run: --model is required');
  if (!values.out) throw new UsageError('run: --out <file.jsonl> is required');
  if (/\.(json|csv|tsv)$/i.test(values.out)) throw new UsageError(`--out ${values.out}: the output is JSONL; name it .jsonl`);
  const outPath = resolve(io.cwd, values.out);
  if (outPath === testSetPath) throw new UsageError('--out must differ from the test set, which is never overwritten');

  const maxTokens = intFlag('max-tokens', values['max-tokens'], live.maxTokens, 1);
  const param = values['max-tokens-param'] ?? 'max_tokens';
  if (param !== 'max_tokens' && param !== 'max_completion_tokens') throw new UsageError(`--max-tokens-param ${param}: expected max_tokens or max_completion_tokens`);
  let temperature: number | undefined = config?.live.temperature;
  if (values.temperature !== undefined) {
    temperature = Number(values.temperature);
    if (values.temperature.trim() === '' || !Number.isFinite(temperature) || temperature < 0) throw new UsageError(`--temperature ${values.temperature}: expected a number ≥ 0`);
  }
  const encoding = values.encoding ?? config?.encoding ?? 'o200k_base';
  if (!isEncodingName(encoding)) throw new UsageError(`--encoding ${encoding}: expected o200k_base or cl100k_base`);
  const engine = values.engine ?? config?.engine ?? 'gpt-tokenizer';
  if (!isEngineName(engine)) throw new UsageError(`--engine ${engine}: expected gpt-tokenizer or js-tiktoken`);
  if (values.tokenizer !== undefined && (values.encoding !== undefined || values.engine !== undefined)) throw new UsageError('--tokenizer replaces --encoding and --engine: give one or the other');
  const tokenizerPath = values.tokenizer !== undefined ? resolve(io.cwd, values.tokenizer) : values.encoding === undefined ? (config?.tokenizer ?? undefined) : undefined;
  const tokenizer = tokenizerPath !== undefined ? cliTokenizer(tokenizerPath, configDir) : undefined;
  let extract: ExtractConfig | undefined = config?.extract;
  if (values.extract) {
    const parsed = parseExtractConfig(values.extract === 'regex' ? { preset: 'regex', pattern: values.pattern } : values.extract);
    if (!parsed.config) throw new UsageError(`--extract ${values.extract}: ${parsed.error}`);
    extract = parsed.config;
  }
  const configProbe = config && config.live.probeEvery > 0 ? config.live.probeEvery : undefined;
  const probeEvery = values['probe-every'] !== undefined ? intFlag('probe-every', values['probe-every'], 0, 1) : configProbe;
  if (probeEvery === undefined && (values['probe-tokens'] || values['probe-cue'] !== undefined || values['probe-template'])) {
    throw new UsageError('--probe-tokens, --probe-cue and --probe-template need --probe-every');
  }
  const concurrency = intFlag('concurrency', values.concurrency, live.concurrency, 1);
  const retries = intFlag('retries', values.retries, 5, 0);
  let timeoutMs = live.timeoutMs;
  if (values.timeout !== undefined) {
    const sec = Number(values.timeout);
    if (values.timeout.trim() === '' || !Number.isFinite(sec) || sec <= 0) throw new UsageError(`--timeout ${values.timeout}: expected seconds > 0`);
    timeoutMs = Math.round(sec * 1000);
  }
  if (values['no-cache'] && values.cache) throw new UsageError('--cache and --no-cache contradict each other');
  let template = values.prompt !== undefined ? readText('prompt', values.prompt, io.cwd) : undefined;
  let system = values.system !== undefined ? readText('system', values.system, io.cwd) : undefined;
  if (template === undefined && config?.prompt) {
    const linked = readText('config prompt', resolve(configDir, config.prompt), io.cwd);
    // A linked prompt with {{fields}} is the user message; one without them is the instructions.
    if (templateFields(linked).length > 0) template = linked;
    else if (system === undefined) {
      system = linked;
      io.stderr(`run: ${config.prompt} has no {{question}} placeholder, so it is sent as the system message and each question as the user message\n`);
    }
  }
  const probeTemplate = values['probe-template'] !== undefined ? readText('probe-template', values['probe-template'], io.cwd) : undefined;
  const extraBody = { ...(config?.live.extraBody ?? {}), ...(values['extra-body'] !== undefined ? parseExtraBody(values['extra-body'], io.cwd) : {}) };
  const apiKey = io.env.PROMPT_BUDGET_API_KEY || io.env.OPENAI_API_KEY || undefined;
  const safe = (text: string): string => redactSecrets(text, [apiKey]);

  const { cases } = await readTestSet(testSetPath, config?.fields, io);
  const fields = config?.fields ?? resolveFields();
  const rawRows = rawRowsByLine(existsSync(testSetPath) ? readFileSync(testSetPath, 'utf8') : '', testSetPath);
  const rows = cases.map((c) => rawRows.get(c.line));
  for (let i = 0; i < cases.length; i++) {
    const { missing } = buildMessages(cases[i], { template, system }, rows[i]);
    if (missing.length > 0) {
      throw new UsageError(`the prompt template uses ${missing.map((m) => `{{${m}}}`).join(', ')}, which case "${cases[i].id}" (line ${cases[i].line}) does not have`);
    }
  }

  let cache: FileCacheStore | undefined;
  if (!values['no-cache']) {
    cache = new FileCacheStore(resolve(io.cwd, values.cache ?? '.prompt-budget-cache'));
    if (values['clear-cache']) io.stderr(`cleared ${await cache.clear()} cached response(s) from ${cache.dir}\n`);
  } else if (values['clear-cache']) {
    throw new UsageError('--clear-cache needs the cache; drop --no-cache');
  }

  let lastShown = 0;
  let retryNotes = 0;
  const options: LiveRunOptions = {
    baseUrl,
    model,
    maxTokens,
    maxTokensParam: param,
    includeUsage: !values['no-stream-usage'],
    prompt: { ...(template !== undefined ? { template } : {}), ...(system !== undefined ? { system } : {}) },
    rows,
    encoding: encoding as EncodingName,
    engine: engine as EngineName,
    tokenizer,
    concurrency,
    timeoutMs,
    retries,
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
  if (temperature !== undefined) options.temperature = temperature;
  if (values['reasoning-effort'] !== undefined) options.reasoningEffort = values['reasoning-effort'];
  if (Object.keys(extraBody).length > 0) options.extraBody = extraBody;
  if (cache) options.cache = cache;
  if (io.signal) options.signal = io.signal;
  if (probeEvery !== undefined) {
    options.probe = {
      every: probeEvery,
      maxTokens: intFlag('probe-tokens', values['probe-tokens'], 16, 1),
      cue: values['probe-cue'] ?? DEFAULT_PROBE_CUE,
      template: probeTemplate ?? DEFAULT_PROBE_TEMPLATE,
    };
  }

  io.stderr(`run: ${cases.length} case(s) against ${displayUrl(baseUrl)} (model ${model}, max ${maxTokens} tokens${probeEvery ? `, probes every ${probeEvery} tokens` : ''})\n`);
  let done = 0;
  options.onCaseDone = () => {
    done++;
  };
  let results: LiveCaseResult[];
  let progress: LiveProgress;
  try {
    ({ results, progress } = await runLive(cases, options));
  } catch (e) {
    if (e instanceof LiveError && e.kind === 'cancelled') {
      io.stderr(`run: cancelled after ${done} of ${cases.length} case(s); finished responses are cached, so running the same command again sends only the rest\n`);
      return 130;
    }
    if (e instanceof LiveError) {
      let hint = '';
      if (e.kind === 'auth') hint = apiKey ? ' (check PROMPT_BUDGET_API_KEY or OPENAI_API_KEY)' : ' (no key was sent: set PROMPT_BUDGET_API_KEY or OPENAI_API_KEY)';
      io.stderr(safe(`prompt-budget run: ${e.message}${hint}\n`));
      return 2;
    }
    io.stderr(safe(`prompt-budget run: ${(e as Error).message}\n`));
    return 2;
  }

  await writeAtomically(outPath, tracedJsonl(cases, rows, results, fields));
  const failed = results.filter((r) => r.error !== undefined);
  const fromCache = results.filter((r) => r.fromCache).length;
  const probes = results.reduce((n, r) => n + (r.probes?.length ?? 0), 0);
  io.stderr(
    `wrote ${cases.length} row(s) to ${values.out}: ${cases.length - failed.length} with a trace (${fromCache} from cache)${failed.length ? `, ${failed.length} failed` : ''}${probeEvery ? `, ${probes} probe(s)` : ''}; ${progress.sentRequests} request(s) sent, ${progress.cachedRequests} answered from cache\n`,
  );
  const trunc = truncationSummary(results, extract ? makeExtractor(extract) : undefined);
  if (trunc.length > 0) {
    io.stderr(
      extract
        ? `${trunc.length} case(s) hit --max-tokens ${maxTokens} (finish_reason length); ${trunc.noAnswer} of them have no answer: truncated (the sweep counts them as cut before answer)\n`
        : `${trunc.length} case(s) hit --max-tokens ${maxTokens} (finish_reason length): truncated; pass --extract to count those with no answer\n`,
    );
  } else {
    io.stderr('0 case(s) truncated by --max-tokens\n');
  }
  if (failed.length > 0) {
    for (const r of failed.slice(0, 10)) io.stderr(safe(`case ${r.id}: ${r.error}\n`));
    if (failed.length > 10) io.stderr(`… and ${failed.length - 10} more\n`);
    io.stderr(`run: ${failed.length} case(s) failed and have no trace; run the same command again to retry only those\n`);
    return 2;
  }
  return 0;
}
