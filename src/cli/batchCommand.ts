import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { batchRequestJsonl, batchRequestLines, readBatchOutput } from '../core/live/batchLines';
import { batchRecordKey, batchStatusLine, downloadBatchOutput, FINAL_STATUSES, OpenAiBatchClient, readBatchRecord, submitBatch, waitForBatch, type BatchEndpoint, type BatchJob } from '../core/live/batchApi';
import { LiveError, displayUrl, redactSecrets } from '../core/live/liveError';
import type { LiveRunPlan } from '../core/live/prepareLiveRun';
import { tracedJsonl } from '../core/live/tracedRows';
import { FileCacheStore, writeAtomically } from '../node/fileCacheStore';
import { planFromFlags, RUN_FLAGS, type RunFlagValues } from './runCommand';
import { UsageError, type CliIo } from './io';

export const BATCH_HELP = `Usage: prompt-budget batch prepare <test-set> --model <name> --out <requests.jsonl> [run options] [--only-failed <output.jsonl>]
       prompt-budget batch import <test-set> <output.jsonl> --out <traces.jsonl> [run options]
       prompt-budget batch submit <test-set> --base-url <url> --model <name> [run options] [--only-failed <output.jsonl>]
       prompt-budget batch status <test-set> --base-url <url> --model <name> [run options]
       prompt-budget batch fetch  <test-set> --base-url <url> --model <name> --out <output.jsonl> [--wait] [--poll <s>] [--import <traces.jsonl>]

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
Exit codes: 0 ok, 2 bad usage, server error, a failed batch or failed lines, 3 not finished yet.
`;

/** The request bodies do not depend on the base URL, so batch commands need none. */
const NO_SERVER = 'http://127.0.0.1/v1';

function readOutput(path: string, io: CliIo): string {
  try {
    return readFileSync(resolve(io.cwd, path), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read batch output ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** `prompt-budget batch prepare|import|submit|status|fetch`. */
export async function batchCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { ...RUN_FLAGS, 'only-failed': { type: 'string' }, wait: { type: 'boolean' }, poll: { type: 'string' }, import: { type: 'string' } },
  });
  if (values.help || sub === '--help' || sub === '-h' || sub === undefined) {
    io.stdout(BATCH_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'submit' || sub === 'status' || sub === 'fetch') return apiStep(sub, values, positionals, io);
  const runValues: RunFlagValues = { ...values, 'base-url': values['base-url'] ?? NO_SERVER };
  if (sub === 'prepare') {
    const { plan, outPath } = await planFromFlags(runValues, positionals, io);
    const lines = requestLines(plan, values['only-failed'], io);
    await writeAtomically(outPath, batchRequestJsonl(lines));
    io.stderr(`batch: wrote ${lines.length} request line(s) for ${plan.cases.length} case(s) to ${values.out ?? outPath}\n`);
    return 0;
  }
  if (sub === 'import') {
    if (positionals.length !== 2) throw new UsageError('batch import: expected <test-set> <output.jsonl>');
    const { plan, fields, outPath } = await planFromFlags(runValues, positionals.slice(0, 1), io);
    const { results, failures } = readBatchOutput(plan.cases, plan.options, readOutput(positionals[1], io));
    await writeAtomically(outPath, tracedJsonl(plan.cases, plan.options.rows ?? [], results, fields));
    const failed = results.filter((r) => r.error !== undefined).length;
    io.stderr(`batch: wrote ${plan.cases.length} row(s) to ${values.out ?? outPath}: ${plan.cases.length - failed} with a trace${failed ? `, ${failed} failed` : ''}\n`);
    for (const f of failures.slice(0, 10)) io.stderr(`${f.customId ?? `line ${f.line}`}: ${f.message}\n`);
    if (failures.length > 10) io.stderr(`… and ${failures.length - 10} more\n`);
    if (failures.length > 0) io.stderr(`batch: re-prepare the failed lines with: prompt-budget batch prepare … --only-failed ${positionals[1]}\n`);
    return failures.length > 0 ? 2 : 0;
  }
  throw new UsageError(`batch: unknown step "${sub}"; expected prepare, import, submit, status or fetch`);
}

/** The request lines of a plan (only the failed ones of an output file when given). */
function requestLines(plan: LiveRunPlan, onlyFailed: string | undefined, io: CliIo): ReturnType<typeof batchRequestLines>['lines'] {
  const only = onlyFailed ? new Set(readBatchOutput(plan.cases, plan.options, readOutput(onlyFailed, io)).failures.flatMap((f) => (f.customId ? [f.customId] : []))) : undefined;
  const { lines, missing } = batchRequestLines(plan.cases, plan.options, only);
  if (missing.length > 0) throw new UsageError(missing[0]);
  return lines;
}

type BatchFlagValues = RunFlagValues & { 'only-failed'?: string; wait?: boolean; poll?: string; import?: string };

/** A name `run`'s checks accept for steps that write no traces; never written. */
const UNWRITTEN = '.prompt-budget-batch-unwritten.jsonl';

/** `batch submit|status|fetch`: the OpenAI Batch API, with the batch id kept in the cache folder. */
async function apiStep(sub: 'submit' | 'status' | 'fetch', values: BatchFlagValues, positionals: string[], io: CliIo): Promise<number> {
  if (values['no-cache']) throw new UsageError(`batch ${sub}: the batch id is kept in the cache folder; drop --no-cache`);
  if (sub === 'fetch' && !values.out) throw new UsageError('batch fetch: --out <output.jsonl> is required (the file batch import reads)');
  const traces = sub === 'fetch' ? values.import : sub === 'submit' ? values.out : undefined;
  const { plan, fields, outPath } = await planFromFlags({ ...values, out: traces ?? UNWRITTEN }, positionals, io);
  const apiKey = io.env.PROMPT_BUDGET_API_KEY || io.env.OPENAI_API_KEY || undefined;
  const safe = (text: string): string => redactSecrets(text, [apiKey]);
  const client = new OpenAiBatchClient({ baseUrl: plan.options.baseUrl, ...(apiKey ? { apiKey } : {}), retries: plan.options.retries ?? 5, ...(io.signal ? { signal: io.signal } : {}) });
  const cache = new FileCacheStore(resolve(io.cwd, values.cache ?? '.prompt-budget-cache'));
  if (values['clear-cache']) throw new UsageError(`batch ${sub}: --clear-cache would forget the batch id; clear the cache with run`);
  const lines = requestLines(plan, values['only-failed'], io);
  const jsonl = batchRequestJsonl(lines);
  const endpoint: BatchEndpoint = '/v1/chat/completions';
  try {
    if (sub === 'submit') {
      if (values.out) await writeAtomically(outPath, jsonl);
      const r = await submitBatch(client, cache, jsonl, endpoint);
      if (r.replacedFailed) io.stderr(safe(`batch: the earlier batch ${r.replacedFailed}; submitted the requests again\n`));
      io.stderr(safe(r.resumed ? `batch: these requests were submitted before; nothing sent again. ${batchStatusLine(r.job)}\n` : `batch: submitted ${lines.length} request(s) to ${displayUrl(client.baseUrl)} as ${batchStatusLine(r.job)}\n`));
      if (r.resumed && (r.job.status === 'expired' || r.job.status === 'cancelled')) {
        io.stderr('batch: that batch ended early; fetch what it finished (batch fetch … --out output.jsonl), then submit the rest with --only-failed output.jsonl\n');
      }
      io.stdout(`${r.job.id}\n`);
      return 0;
    }
    const record = await readBatchRecord(cache, await batchRecordKey(client.baseUrl, endpoint, jsonl));
    if (!record) throw new UsageError(`batch ${sub}: no batch was submitted for these requests from ${displayUrl(client.baseUrl)} (cache ${values.cache ?? '.prompt-budget-cache'}); run batch submit with the same options first`);
    let job: BatchJob;
    if (sub === 'fetch' && values.wait) {
      const every = values.poll === undefined ? 30 : Number(values.poll);
      if (!(every >= 0)) throw new UsageError(`--poll ${values.poll}: expected seconds >= 0`);
      let last = '';
      job = await waitForBatch(client, record.batchId, every * 1000, (j) => {
        const line = batchStatusLine(j);
        if (line !== last) io.stderr(safe(`batch: ${line}\n`));
        last = line;
      }, io.signal);
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
    const { results, failures } = readBatchOutput(plan.cases, plan.options, output);
    io.stderr(`batch: wrote ${output.split('\n').filter((l) => l.trim() !== '').length} output line(s) to ${values.out}${failures.length ? `; ${failures.length} line(s) failed or are missing` : ''}\n`);
    if (values.import) {
      await writeAtomically(outPath, tracedJsonl(plan.cases, plan.options.rows ?? [], results, fields));
      io.stderr(`batch: wrote ${plan.cases.length} row(s) to ${values.import}\n`);
    }
    for (const f of failures.slice(0, 10)) io.stderr(safe(`${f.customId ?? `line ${f.line}`}: ${f.message}\n`));
    if (failures.length > 10) io.stderr(`… and ${failures.length - 10} more\n`);
    if (failures.length > 0) io.stderr(`batch: submit the failed lines again with: prompt-budget batch submit … --only-failed ${values.out}\n`);
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
