// Worker thread for everything that tokenizes: live prompt counts, sweeps and live runs. Bundled on
// its own (dist/sweepWorker.js) so the extension host never loads tokenizer ranks or blocks on a sweep.
import { parentPort } from 'node:worker_threads';
import { makeExtractor } from '../core/extract';
import { LiveError } from '../core/live/liveError';
import { runLive, truncationSummary } from '../core/live/liveRun';
import { batchPromptTokens, batchRequestJsonl, batchRequestLines, readBatchOutput } from '../core/live/batchLines';
import { downloadBatchOutput, OpenAiBatchClient, submitBatch } from '../core/live/batchApi';
import { FileCacheStore } from '../node/fileCacheStore';
import { countTokens, getTokenizer, type Tokenizer } from '../core/tokens';
import { loadHfTokenizer } from '../node/hfTokenizerFiles';
import { isHfTokenizer } from '../core/hfTokenizer';
import { countChat } from '../core/chatTemplate';
import { countPromptFile, sweepPrompt } from '../core/promptFileCount';
import { promptDrift, promptDriftLine } from '../core/live/promptDrift';
import { flippedCases, traceOneCase, type FlippedCase } from '../core/flippedCases';
import { parseTestSet } from '../core/testSet/parseTestSet';
import { runSweep, SweepCancelled } from '../core/sweep';
import { buildCaseIndex } from '../core/caseIndex';
import { parsePolicy } from '../core/policies';
import type { EncodingName, EngineName } from '../core/types';
import { IncrementalCounter, sumByRanges } from '../core/incrementalCounter';
import { findSections, sectionTotals } from '../core/markdownSections';
import { CodePromptCounter, CodePromptScanner } from '../node/codePromptScanner';
import type { AsSentCount, BatchImportResult, BatchJobArgs, BatchSubmitResult, CaseTraceJob, CodePromptsResult, DocumentCount, LiveEvent, LiveJob, LiveJobResult, SweepJob, SweepJobResult, TestSetCheck, TestSetInspection, WorkerCalls, WorkerRequest, WorkerResponse } from './workerProtocol';
import { detectPresets, isCompleteTrace } from '../core/detectPresets';
import { startersForTraces } from '../core/starterFromData';

const counters = new Map<string, IncrementalCounter>();

/** The tokenizer a request names: a Hugging Face tokenizer by path (loaded once per file version), else the encoding. */
function tokenizerFor(encoding: EncodingName, tokenizerPath: string | undefined, engine?: EngineName): Tokenizer {
  return tokenizerPath ? loadHfTokenizer(tokenizerPath) : getTokenizer(encoding, engine);
}

function counterFor(key: string, tok: Tokenizer): IncrementalCounter {
  const k = `${tok.encoding}\u0000${tok.name}\u0000${key}`;
  let c = counters.get(k);
  if (!c) {
    c = new IncrementalCounter((text) => countTokens(tok, text));
    counters.set(k, c);
  }
  return c;
}

function count(args: WorkerCalls['count']['args']): DocumentCount {
  const started = performance.now();
  const tok = tokenizerFor(args.encoding, args.tokenizerPath);
  const snap = counterFor(args.key, tok).update(args.text);
  const out: DocumentCount = { count: snap.count, approximate: snap.approximate, tokenizer: tok.name, ms: 0 };
  if (args.sections) {
    const sections = findSections(args.text);
    const own = sumByRanges(snap.chunks, sections.map((s) => s.line));
    const first = args.firstLine ?? 0;
    out.sections = sectionTotals(sections, own).map((s) => ({ ...s, line: s.line + first }));
  }
  out.ms = performance.now() - started;
  return out;
}

/** Code-prompt counters per document key; a new language, encoding or prose minimum starts afresh. */
const codeCounters = new Map<string, { id: string; tokenizer: string; counter: Promise<CodePromptCounter> }>();

async function codePrompts(args: WorkerCalls['codePrompts']['args']): Promise<CodePromptsResult> {
  const id = `${args.language}\u0000${args.tokenizerPath ?? args.encoding}\u0000${args.minProseChars}`;
  let entry = codeCounters.get(args.key);
  if (!entry || entry.id !== id) {
    if (entry) void entry.counter.then((c) => c.dispose(), () => undefined);
    const tok = tokenizerFor(args.encoding, args.tokenizerPath);
    const counter = CodePromptScanner.create(args.language, { minProseChars: args.minProseChars }).then((s) => new CodePromptCounter(s, (text) => countTokens(tok, text)));
    entry = { id, tokenizer: tok.name, counter };
    codeCounters.set(args.key, entry);
    counter.catch(() => codeCounters.delete(args.key));
  }
  const counter = await entry.counter;
  const started = performance.now();
  const { prompts } = counter.update(args.text);
  return {
    tokenizer: entry.tokenizer,
    prompts: prompts.map((p) => ({ start: p.start, end: p.end, quote: p.quote, line: p.line, column: p.column, count: p.count, approximate: p.approximate, kind: p.kind, reason: p.reason })),
    ms: performance.now() - started,
  };
}

function asSent(args: WorkerCalls['asSent']['args']): AsSentCount {
  const tok = tokenizerFor(args.encoding, args.tokenizerPath);
  const c = countChat(tok, [{ role: args.role, content: args.body }], isHfTokenizer(tok) ? tok.config : undefined);
  return { promptTokens: c.promptTokens, contentTokens: c.contentTokens, templateTokens: c.templateTokens, method: c.method, tokenizer: tok.name };
}

function checkTestSet(args: WorkerCalls['checkTestSet']['args']): TestSetCheck {
  const parsed = parseTestSet(args.bytes, { fileName: args.fileName, fields: args.fields });
  return { cases: parsed.cases.length, skipped: parsed.skipped, issues: parsed.issues };
}

function inspectTestSet(args: WorkerCalls['inspectTestSet']['args']): TestSetInspection {
  const parsed = parseTestSet(args.bytes, { fileName: args.fileName, fields: args.fields });
  const traced = parsed.cases.filter((c) => typeof c.output === 'string');
  if (traced.length === 0) return { cases: parsed.cases.length, traced: 0, detected: null, cutoffs: [], p95Tokens: 0 };
  const d = detectPresets(traced);
  const tok = getTokenizer(args.encoding, args.engine);
  const lengths = traced.filter(isCompleteTrace).map((c) => countTokens(tok, c.output as string).count);
  const sorted = [...lengths].sort((a, b) => a - b);
  const p95 = sorted.length ? (sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] as number) : 0;
  const { cutoffs, thinking } = startersForTraces(
    traced.map((c) => c.output as string),
    lengths,
  );
  return { cases: parsed.cases.length, traced: traced.length, detected: { extract: d.extract, match: d.match, reason: d.reason }, cutoffs, p95Tokens: p95, thinking };
}

function sweep(job: SweepJob, progress: (done: number, total: number) => void): SweepJobResult {
  const parsed = parseTestSet(job.bytes, { fileName: job.fileName, fields: job.fields });
  if (parsed.cases.length === 0) {
    const first = parsed.issues[0];
    throw new Error(`${job.fileName}: no usable cases (${parsed.skipped} line(s) skipped)${first ? `; line ${first.line}: ${first.message}` : ''}`);
  }
  const flag = job.cancelFlag ? new Int32Array(job.cancelFlag) : null;
  let last = 0;
  const { tokenizerPath, ...options } = job.options;
  const tokenizer = tokenizerFor(options.encoding, tokenizerPath, options.engine);
  const result = runSweep(parsed.cases, parsed.skipped, {
    ...options,
    tokenizer,
    includeCases: true,
    isCancelled: () => (flag ? Atomics.load(flag, 0) === 1 : false),
    onProgress: (done, total) => {
      const now = performance.now();
      if (done === total || now - last > 50) {
        last = now;
        progress(done, total);
      }
    },
  });
  if (job.prompt) result.prompt = linkedPrompt(job.prompt, tokenizer);
  const flipped = flippedCases(result, parsed.cases, tokenizer);
  const { caseResults: perCase, ...summary } = result;
  return { result: summary, issues: parsed.issues, flipped, index: buildCaseIndex(perCase ?? [], result.rows.map((r) => r.policy)) };
}

/** The linked prompt's body tokens, in the tokenizer the extension chose for it (the status bar's), else the sweep's. */
function linkedPrompt(p: NonNullable<SweepJob['prompt']>, sweepTokenizer: Tokenizer): SweepJobResult['result']['prompt'] {
  if (p.text === null) return null;
  const tok = p.encoding !== undefined || p.tokenizerPath !== undefined ? tokenizerFor(p.encoding ?? 'o200k_base', p.tokenizerPath) : sweepTokenizer;
  return sweepPrompt(p.file, countPromptFile(p.text, undefined, () => tok));
}

/** Opens one case of the test set: evaluated alone, with every policy's cut point. */
function caseTrace(job: CaseTraceJob): FlippedCase | null {
  const parsed = parseTestSet(job.bytes, { fileName: job.fileName, fields: job.fields });
  const c = parsed.cases.find((x) => x.id === job.caseId && typeof x.output === 'string');
  if (!c) return null;
  const { tokenizerPath, ...options } = job.options;
  // The sweep's own extraction, match and policies, so a case evaluated alone is judged exactly as in the sweep (no detection or adapted defaults on one case).
  const policies = job.sweep.policies.map((name) => parsePolicy(name).spec).filter((p) => p !== undefined);
  const pinned = { ...options, extract: job.sweep.extract, match: job.sweep.match, policies, detect: undefined, adaptDefaults: undefined };
  const tokenizer = tokenizerFor(options.encoding, tokenizerPath, options.engine);
  return traceOneCase(c, { ...pinned, tokenizer }, tokenizer);
}

/** Live runs in progress, so `cancelLive` can stop them. */
const liveRuns = new Set<AbortController>();

async function live(job: LiveJob, emit: (event: LiveEvent) => void): Promise<LiveJobResult> {
  const abort = new AbortController();
  liveRuns.add(abort);
  try {
    const tokenizer = job.tokenizerPath ? loadHfTokenizer(job.tokenizerPath) : undefined;
    const run = await runLive(job.cases, {
      ...job.options,
      tokenizer,
      cache: job.cacheDir ? new FileCacheStore(job.cacheDir) : undefined,
      signal: abort.signal,
      onProgress: (progress) => emit({ kind: 'progress', progress }),
      onCaseDone: (index, result) => emit({ kind: 'caseDone', index, result }),
      onLog: (message) => emit({ kind: 'log', message }),
    });
    const drift = promptDrift(run.results, tokenizer?.name ?? job.options.encoding ?? 'o200k_base');
    return { ...run, truncation: truncationSummary(run.results, job.extract ? makeExtractor(job.extract) : undefined), promptDrift: drift ? { drift, line: promptDriftLine(drift) } : null };
  } finally {
    liveRuns.delete(abort);
  }
}

function batchClient(args: BatchJobArgs): OpenAiBatchClient {
  return new OpenAiBatchClient({ baseUrl: args.options.baseUrl, ...(args.options.apiKey ? { apiKey: args.options.apiKey } : {}), retries: args.options.retries ?? 5 });
}

async function batchSubmit(args: BatchJobArgs): Promise<BatchSubmitResult> {
  const { lines, missing } = batchRequestLines(args.cases, args.options);
  const client = batchClient(args);
  if (missing.length > 0) return { job: { id: '', status: 'failed', errors: [] }, resumed: false, lines: 0, sent: 0, missing: missing[0] };
  const r = await submitBatch(client, new FileCacheStore(args.cacheDir), batchRequestJsonl(lines), '/v1/chat/completions');
  return { ...r, lines: lines.length, sent: client.requests };
}

async function batchImport(args: BatchJobArgs & { batchId: string }): Promise<BatchImportResult> {
  const client = batchClient(args);
  const job = await client.getBatch(args.batchId);
  const { results, failures } = readBatchOutput(args.cases, args.options, await downloadBatchOutput(client, job));
  return { job, results, failures, sent: client.requests };
}

function handle(req: WorkerRequest, post: (r: WorkerResponse) => void): unknown {
  switch (req.kind) {
    case 'count':
      return count(req.args);
    case 'codePrompts':
      return codePrompts(req.args);
    case 'asSent':
      return asSent(req.args);
    case 'forget': {
      for (const k of [...counters.keys()]) if (k.endsWith(`\u0000${req.args.key}`)) counters.delete(k);
      const code = codeCounters.get(req.args.key);
      codeCounters.delete(req.args.key);
      if (code) void code.counter.then((c) => c.dispose(), () => undefined);
      return null;
    }
    case 'checkTestSet':
      return checkTestSet(req.args);
    case 'inspectTestSet':
      return inspectTestSet(req.args);
    case 'caseTrace':
      return caseTrace(req.args);
    case 'sweep':
      return sweep(req.args, (done, total) => post({ id: req.id, type: 'progress', done, total }));
    case 'live':
      return live(req.args, (event) => post({ id: req.id, type: 'event', event }));
    case 'batchPromptTokens':
      return batchPromptTokens(batchRequestLines(req.args.cases, req.args.options).lines, getTokenizer('o200k_base'));
    case 'batchSubmit':
      return batchSubmit(req.args);
    case 'batchImport':
      return batchImport(req.args);
    case 'cancelLive': {
      for (const run of liveRuns) run.abort();
      return liveRuns.size;
    }
    default: {
      const never: never = req;
      throw new Error(`unknown request ${JSON.stringify(never)}`);
    }
  }
}

const port = parentPort;
if (port) {
  const post = (r: WorkerResponse): void => port.postMessage(r);
  const fail = (id: number, e: unknown): void => {
    const response: WorkerResponse = { id, type: 'error', message: e instanceof Error ? e.message : String(e), cancelled: e instanceof SweepCancelled };
    if (e instanceof LiveError) response.live = { kind: e.kind, ...(e.status !== undefined ? { status: e.status } : {}) };
    post(response);
  };
  port.on('message', (req: WorkerRequest) => {
    try {
      const result = handle(req, post);
      if (result instanceof Promise) {
        result.then(
          (value: unknown) => post({ id: req.id, type: 'result', result: value }),
          (e: unknown) => fail(req.id, e),
        );
      } else {
        post({ id: req.id, type: 'result', result });
      }
    } catch (e) {
      fail(req.id, e);
    }
  });
}
