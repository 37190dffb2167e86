// Worker thread for everything that tokenizes: live prompt counts, sweeps and live runs. Bundled on
// its own (dist/sweepWorker.js) so the extension host never loads tokenizer ranks or blocks on a sweep.
import { parentPort } from 'node:worker_threads';
import { makeExtractor } from '../core/extract';
import { LiveError } from '../core/live/liveError';
import { runLive, truncationSummary } from '../core/live/liveRun';
import { FileCacheStore } from '../node/fileCacheStore';
import { countTokens, getTokenizer, tokenizeWithOffsets, type Tokenizer } from '../core/tokens';
import { loadHfTokenizer } from '../node/hfTokenizerFiles';
import { parseTestSet } from '../core/testSet/parseTestSet';
import { runSweep, SweepCancelled } from '../core/sweep';
import type { EncodingName, EngineName, SweepResult } from '../core/types';
import { IncrementalCounter, sumByRanges } from '../core/incrementalCounter';
import { findSections } from '../core/markdownSections';
import type { DocumentCount, FlippedCase, LiveEvent, LiveJob, LiveJobResult, SweepJob, SweepJobResult, TestSetCheck, WorkerCalls, WorkerRequest, WorkerResponse } from './workerProtocol';

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
    out.sections = sections.map((s, i) => ({ ...s, ...nestedTotal(sections, own, i) }));
  }
  out.ms = performance.now() - started;
  return out;
}

/** A section's own text plus its subsections (until the next heading of the same or higher level). */
function nestedTotal(sections: { level: number }[], own: { count: number; approximate: boolean }[], i: number): { count: number; approximate: boolean } {
  let count = own[i].count;
  let approximate = own[i].approximate;
  for (let j = i + 1; j < sections.length && sections[j].level > sections[i].level; j++) {
    count += own[j].count;
    approximate ||= own[j].approximate;
  }
  return { count, approximate };
}

function checkTestSet(args: WorkerCalls['checkTestSet']['args']): TestSetCheck {
  const parsed = parseTestSet(args.bytes, { fileName: args.fileName, fields: args.fields });
  return { cases: parsed.cases.length, skipped: parsed.skipped, issues: parsed.issues };
}

function flippedCases(job: SweepJob, result: SweepResult, cases: ReturnType<typeof parseTestSet>['cases']): FlippedCase[] {
  const wanted = new Map<string, Set<string>>();
  for (const row of result.rows) {
    for (const id of [...row.flipsToWrongIds, ...row.flipsToRightIds]) {
      let set = wanted.get(id);
      if (!set) wanted.set(id, (set = new Set()));
      set.add(row.policy);
    }
  }
  if (wanted.size === 0) return [];
  const tok = tokenizerFor(job.options.encoding, job.options.tokenizerPath, job.options.engine);
  const byId = new Map(result.caseResults?.map((c) => [c.id, c]));
  const out: FlippedCase[] = [];
  const seen = new Set<string>();
  for (const c of cases) {
    const policies = wanted.get(c.id);
    if (!policies || seen.has(c.id) || typeof c.output !== 'string') continue;
    seen.add(c.id);
    const offsets = tokenizeWithOffsets(tok, c.output);
    const perPolicy = byId.get(c.id)?.policies ?? {};
    const outcomes: FlippedCase['outcomes'] = {};
    for (const p of ['full', ...policies]) {
      const o = perPolicy[p];
      if (!o) continue;
      const stop = o.stopToken;
      const cutAt = stop <= 0 ? 0 : stop >= offsets.count ? c.output.length : offsets.ends[stop - 1];
      outcomes[p] = { stopToken: stop, cutAt, answer: o.answer, correct: o.correct, reason: o.reason };
    }
    out.push({ id: c.id, line: c.line, question: c.question, trace: c.output, gold: c.answers, totalTokens: offsets.count, outcomes });
  }
  return out;
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
  const result = runSweep(parsed.cases, parsed.skipped, {
    ...options,
    tokenizer: tokenizerPath ? loadHfTokenizer(tokenizerPath) : undefined,
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
  const flipped = flippedCases(job, result, parsed.cases);
  const { caseResults: _perCase, ...summary } = result;
  return { result: summary, issues: parsed.issues, flipped };
}

/** Live runs in progress, so `cancelLive` can stop them. */
const liveRuns = new Set<AbortController>();

async function live(job: LiveJob, emit: (event: LiveEvent) => void): Promise<LiveJobResult> {
  const abort = new AbortController();
  liveRuns.add(abort);
  try {
    const run = await runLive(job.cases, {
      ...job.options,
      tokenizer: job.tokenizerPath ? loadHfTokenizer(job.tokenizerPath) : undefined,
      cache: job.cacheDir ? new FileCacheStore(job.cacheDir) : undefined,
      signal: abort.signal,
      onProgress: (progress) => emit({ kind: 'progress', progress }),
      onCaseDone: (index, result) => emit({ kind: 'caseDone', index, result }),
      onLog: (message) => emit({ kind: 'log', message }),
    });
    return { ...run, truncation: truncationSummary(run.results, job.extract ? makeExtractor(job.extract) : undefined) };
  } finally {
    liveRuns.delete(abort);
  }
}

function handle(req: WorkerRequest, post: (r: WorkerResponse) => void): unknown {
  switch (req.kind) {
    case 'count':
      return count(req.args);
    case 'forget':
      for (const k of [...counters.keys()]) if (k.endsWith(`\u0000${req.args.key}`)) counters.delete(k);
      return null;
    case 'checkTestSet':
      return checkTestSet(req.args);
    case 'sweep':
      return sweep(req.args, (done, total) => post({ id: req.id, type: 'progress', done, total }));
    case 'live':
      return live(req.args, (event) => post({ id: req.id, type: 'event', event }));
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
