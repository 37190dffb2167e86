import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { batchRequestJsonl, batchRequestLines, probePhaseLines, readBatchOutput, readProbePhaseOutput, type BatchFailure, type BatchRequestLine } from '../core/live/batchLines';
import type { LiveCaseResult } from '../core/live/liveRun';
import { getTokenizer, type Tokenizer } from '../core/tokens';
import type { FieldMap } from '../core/types';
import { batchRecordKey, batchStatusLine, downloadBatchOutput, FINAL_STATUSES, OpenAiBatchClient, readBatchRecord, submitBatch, waitForBatch, type BatchEndpoint, type BatchJob } from '../core/live/batchApi';
import { LiveError, displayUrl, redactSecrets } from '../core/live/liveError';
import type { LiveRunPlan } from '../core/live/prepareLiveRun';
import { rawRowsByLine, resultOfTracedRow, tracedJsonl } from '../core/live/tracedRows';
import { FileCacheStore, writeAtomically } from '../node/fileCacheStore';
import { planFromFlags, RUN_FLAGS, type RunFlagValues } from './runCommand';
import { UsageError, type CliIo } from './io';

export const BATCH_HELP = `Usage: prompt-budget batch prepare <test-set> --model <name> --out <requests.jsonl> [run options] [--only-failed <output.jsonl>]
       prompt-budget batch import <test-set> <output.jsonl> --out <traces.jsonl> [run options]
       prompt-budget batch submit <test-set> --base-url <url> --model <name> [run options] [--only-failed <output.jsonl>]
       prompt-budget batch status <test-set> --base-url <url> --model <name> [run options]
       prompt-budget batch fetch  <test-set> --base-url <url> --model <name> --out <output.jsonl> [--wait] [--poll <s>] [--import <traces.jsonl>]
       any step with --phase probes <traces.jsonl>: the forced answers (--budgets) and probes (--probe-every)

prepare writes the generations of \`prompt-budget run\` (the default request and one per arm, with the
same bodies, not streamed) as OpenAI Batch API request lines (custom_id, method, url
/v1/chat/completions, body), the format \`vllm run-batch\` also reads. import reads the engine's
output lines ({ custom_id, response: { status_code, body }, error }) into the traced file \`run\`
writes for the same answers. Failed lines are listed by custom_id; \`prepare --only-failed
<output.jsonl>\` writes just those again. Pass the same options (--config, --prompt, --arms,
--max-tokens, …) to every step. prepare and import need no --base-url.

submit, status and fetch drive the OpenAI Batch API (half the price of the same requests sent one
by one): submit uploads the request lines (Files API, purpose batch) and creates a batch with a
24h window; the batch id is kept in the cache folder (--cache), so submitting the same requests
again resumes that batch instead of paying twice (a batch that failed validation is replaced).
status shows its state. fetch downloads the output file and the error file (failed lines, and the
lines an expired or cancelled batch never ran) into --out, the file \`batch import\` reads;
--import <traces.jsonl> also writes the traces; --wait polls every --poll seconds (default 30)
until the batch is done. API key: PROMPT_BUDGET_API_KEY, else OPENAI_API_KEY, as for run.

Forced answers and probes depend on the traces, so they are a second batch: after the generations
are imported, \`--phase probes <traces.jsonl>\` (the traces file, last on the line) prepares, submits
or fetches their /v1/completions lines, and import (or fetch --import) adds \`forced\` and \`probes\`
to those traces as \`run --budgets\` / \`--probe-every\` writes them.
Exit codes: 0 ok, 2 bad usage, server error, a failed batch or failed lines, 3 not finished yet.
`;

/** The request bodies do not depend on the base URL, so batch commands need none. */
const NO_SERVER = 'http://127.0.0.1/v1';

function readOutput(path: string, io: CliIo, what = 'batch output'): string {
  try {
    return readFileSync(resolve(io.cwd, path), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

type BatchFlagValues = RunFlagValues & { 'only-failed'?: string; wait?: boolean; poll?: string; import?: string; phase?: string };

/** One phase of a batch run: its request lines and how its output lines become results. */
interface Phase {
  endpoint: BatchEndpoint;
  lines: BatchRequestLine[];
  read: (output: string) => { results: LiveCaseResult[]; failures: BatchFailure[] };
}

/** The test-set positionals, and the traces file of `--phase probes` (the last positional). */
function splitPhase(values: BatchFlagValues, positionals: string[]): { rest: string[]; traces?: string } {
  if (values.phase === undefined || values.phase === 'generations') return { rest: positionals };
  if (values.phase !== 'probes') throw new UsageError(`--phase ${values.phase}: expected generations or probes`);
  if (positionals.length === 0) throw new UsageError('--phase probes: name the traces file of the first batch, e.g. --phase probes traces.jsonl');
  return { rest: positionals.slice(0, -1), traces: positionals[positionals.length - 1] };
}

/** The phase's lines (only the failed ones of an output file when given) and its reader. */
function phaseOf(plan: LiveRunPlan, fields: FieldMap, tokenizer: Tokenizer | undefined, values: BatchFlagValues, traces: string | undefined, io: CliIo): Phase {
  const { cases, options } = plan;
  if (traces === undefined) {
    const read = (output: string): ReturnType<Phase['read']> => readBatchOutput(cases, options, output);
    const only = values['only-failed'] ? new Set(read(readOutput(values['only-failed'], io)).failures.flatMap((f) => (f.customId ? [f.customId] : []))) : undefined;
    const { lines, missing } = batchRequestLines(cases, options, only);
    if (missing.length > 0) throw new UsageError(missing[0]);
    if (options.force || options.probe) io.stderr('batch: forced answers and probes need the traces: after import, run this step again with --phase probes <traces.jsonl>\n');
    return { endpoint: '/v1/chat/completions', lines, read };
  }
  if (!options.force && !options.probe) throw new UsageError('--phase probes: nothing to ask; pass --budgets and/or --probe-every as for run');
  const rows = rawRowsByLine(readOutput(traces, io, 'traces'), traces);
  const ordered = [...rows.keys()].sort((a, b) => a - b).map((line) => rows.get(line));
  if (ordered.length !== cases.length) throw new UsageError(`${traces}: ${ordered.length} row(s), but the test set has ${cases.length}; pass the traces file written for this test set`);
  const base = cases.map((c, i) => {
    const r = resultOfTracedRow(c.id, ordered[i], fields);
    const id = fields.id.map((n) => ordered[i]?.[n]).find((v) => v !== undefined && v !== null);
    if (id !== undefined && String(id) !== c.id) throw new UsageError(`${traces}:${i + 1}: id ${String(id)}, but case ${i + 1} of the test set is ${c.id}`);
    return r;
  });
  const tok = tokenizer ?? getTokenizer(options.encoding ?? 'o200k_base', options.engine ?? 'gpt-tokenizer');
  const read = (output: string): ReturnType<Phase['read']> => readProbePhaseOutput(cases, options, base, tok, output);
  const only = values['only-failed'] ? new Set(read(readOutput(values['only-failed'], io)).failures.flatMap((f) => (f.customId ? [f.customId] : []))) : undefined;
  return { endpoint: '/v1/completions', lines: probePhaseLines(cases, options, base.map((r) => r.output), tok, only), read };
}

/** Failed lines, at most ten, and how to send them again. */
function listFailures(failures: readonly BatchFailure[], again: string, io: CliIo, safe: (t: string) => string = (t) => t): void {
  for (const f of failures.slice(0, 10)) io.stderr(safe(`${f.customId ?? `line ${f.line}`}: ${f.message}\n`));
  if (failures.length > 10) io.stderr(`… and ${failures.length - 10} more\n`);
  if (failures.length > 0) io.stderr(`batch: ${again}\n`);
}

/** `prompt-budget batch prepare|import|submit|status|fetch`. */
export async function batchCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { ...RUN_FLAGS, 'only-failed': { type: 'string' }, wait: { type: 'boolean' }, poll: { type: 'string' }, import: { type: 'string' }, phase: { type: 'string' } },
  });
  if (values.help || sub === '--help' || sub === '-h' || sub === undefined) {
    io.stdout(BATCH_HELP);
    return sub === undefined ? 2 : 0;
  }
  const { rest: args, traces } = splitPhase(values, positionals);
  if (sub === 'submit' || sub === 'status' || sub === 'fetch') return apiStep(sub, values, args, traces, io);
  const runValues: RunFlagValues = { ...values, 'base-url': values['base-url'] ?? NO_SERVER };
  if (sub === 'prepare') {
    const { plan, fields, outPath, tokenizer } = await planFromFlags(runValues, args, io);
    const { lines } = phaseOf(plan, fields, tokenizer, values, traces, io);
    await writeAtomically(outPath, batchRequestJsonl(lines));
    io.stderr(`batch: wrote ${lines.length} request line(s) for ${plan.cases.length} case(s) to ${values.out ?? outPath}\n`);
    return 0;
  }
  if (sub === 'import') {
    if (args.length !== 2) throw new UsageError(`batch import: expected <test-set> <output.jsonl>${traces !== undefined ? ' --phase probes <traces.jsonl>' : ''}`);
    const { plan, fields, outPath, tokenizer } = await planFromFlags(runValues, args.slice(0, 1), io);
    const { results, failures } = phaseOf(plan, fields, tokenizer, values, traces, io).read(readOutput(args[1], io));
    await writeAtomically(outPath, tracedJsonl(plan.cases, plan.options.rows ?? [], results, fields));
    const failed = results.filter((r) => r.error !== undefined).length;
    io.stderr(`batch: wrote ${plan.cases.length} row(s) to ${values.out ?? outPath}: ${plan.cases.length - failed} with a trace${failed ? `, ${failed} failed` : ''}\n`);
    listFailures(failures, `re-prepare the failed lines with: prompt-budget batch prepare … --only-failed ${args[1]}`, io);
    return failures.length > 0 ? 2 : 0;
  }
  throw new UsageError(`batch: unknown step "${sub}"; expected prepare, import, submit, status or fetch`);
}

/** A name `run`'s checks accept for steps that write no traces; never written. */
const UNWRITTEN = '.prompt-budget-batch-unwritten.jsonl';

/** `batch submit|status|fetch`: the OpenAI Batch API, with the batch id kept in the cache folder. */
async function apiStep(sub: 'submit' | 'status' | 'fetch', values: BatchFlagValues, positionals: string[], traces: string | undefined, io: CliIo): Promise<number> {
  if (values['no-cache']) throw new UsageError(`batch ${sub}: the batch id is kept in the cache folder; drop --no-cache`);
  if (values['clear-cache']) throw new UsageError(`batch ${sub}: --clear-cache would forget the batch id; clear the cache with run`);
  if (sub === 'fetch' && !values.out) throw new UsageError('batch fetch: --out <output.jsonl> is required (the file batch import reads)');
  const written = sub === 'fetch' ? values.import : sub === 'submit' ? values.out : undefined;
  const { plan, fields, outPath, tokenizer } = await planFromFlags({ ...values, out: written ?? UNWRITTEN }, positionals, io);
  const apiKey = io.env.PROMPT_BUDGET_API_KEY || io.env.OPENAI_API_KEY || undefined;
  const safe = (text: string): string => redactSecrets(text, [apiKey]);
  const client = new OpenAiBatchClient({ baseUrl: plan.options.baseUrl, ...(apiKey ? { apiKey } : {}), retries: plan.options.retries ?? 5, ...(io.signal ? { signal: io.signal } : {}) });
  const cacheDir = values.cache ?? '.prompt-budget-cache';
  const cache = new FileCacheStore(resolve(io.cwd, cacheDir));
  const phase = phaseOf(plan, fields, tokenizer, values, traces, io);
  const jsonl = batchRequestJsonl(phase.lines);
  try {
    if (sub === 'submit') {
      if (values.out) await writeAtomically(outPath, jsonl);
      if (phase.lines.length === 0) {
        io.stderr('batch: no request lines to submit\n');
        return 0;
      }
      const r = await submitBatch(client, cache, jsonl, phase.endpoint);
      if (r.replacedFailed) io.stderr(safe(`batch: the earlier batch ${r.replacedFailed}; submitted the requests again\n`));
      io.stderr(safe(r.resumed ? `batch: these requests were submitted before; nothing sent again. ${batchStatusLine(r.job)}\n` : `batch: submitted ${phase.lines.length} request(s) to ${displayUrl(client.baseUrl)} as ${batchStatusLine(r.job)}\n`));
      if (r.resumed && (r.job.status === 'expired' || r.job.status === 'cancelled')) {
        io.stderr('batch: that batch ended early; fetch what it finished (batch fetch … --out output.jsonl), then submit the rest with --only-failed output.jsonl\n');
      }
      io.stdout(`${r.job.id}\n`);
      return 0;
    }
    const record = await readBatchRecord(cache, await batchRecordKey(client.baseUrl, phase.endpoint, jsonl));
    if (!record) throw new UsageError(`batch ${sub}: no batch was submitted for these requests from ${displayUrl(client.baseUrl)} (cache ${cacheDir}); run batch submit with the same options first`);
    let job: BatchJob;
    if (sub === 'fetch' && values.wait) {
      const every = values.poll === undefined ? 30 : Number(values.poll);
      if (!(every >= 0)) throw new UsageError(`--poll ${values.poll}: expected seconds >= 0`);
      let last = '';
      job = await waitForBatch(
        client,
        record.batchId,
        every * 1000,
        (j) => {
          const line = batchStatusLine(j);
          if (line !== last) io.stderr(safe(`batch: ${line}\n`));
          last = line;
        },
        io.signal,
      );
    } else {
      job = await client.getBatch(record.batchId);
      io.stderr(safe(`batch: ${batchStatusLine(job)}\n`));
    }
    if (sub === 'status') {
      io.stdout(`${job.status}\n`);
      return 0;
    }
    if (!FINAL_STATUSES.has(job.status)) {
      io.stderr('batch: not finished yet; fetch again later, or pass --wait\n');
      return 3;
    }
    const output = await downloadBatchOutput(client, job);
    await writeAtomically(resolve(io.cwd, values.out as string), output);
    const { results, failures } = phase.read(output);
    io.stderr(`batch: wrote ${output.split('\n').filter((l) => l.trim() !== '').length} output line(s) to ${values.out}${failures.length ? `; ${failures.length} line(s) failed or are missing` : ''}\n`);
    if (values.import) {
      await writeAtomically(outPath, tracedJsonl(plan.cases, plan.options.rows ?? [], results, fields));
      io.stderr(`batch: wrote ${plan.cases.length} row(s) to ${values.import}\n`);
    }
    listFailures(failures, `submit the failed lines again with: prompt-budget batch submit … --only-failed ${values.out}`, io, safe);
    return failures.length > 0 ? 2 : 0;
  } catch (e) {
    if (!(e instanceof LiveError)) throw e;
    if (e.kind === 'cancelled') {
      io.stderr('batch: cancelled; the batch keeps running on the server, and its id stays in the cache\n');
      return 130;
    }
    const hint = e.kind === 'auth' ? (apiKey ? ' (check PROMPT_BUDGET_API_KEY or OPENAI_API_KEY)' : ' (no key was sent: set PROMPT_BUDGET_API_KEY or OPENAI_API_KEY)') : '';
    io.stderr(safe(`prompt-budget batch ${sub}: ${e.message}${hint}\n`));
    return 2;
  }
}
