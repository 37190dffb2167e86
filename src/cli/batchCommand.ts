import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { batchRequestJsonl, batchRequestLines, readBatchOutput } from '../core/live/batchLines';
import { tracedJsonl } from '../core/live/tracedRows';
import { writeAtomically } from '../node/fileCacheStore';
import { planFromFlags, RUN_FLAGS, type RunFlagValues } from './runCommand';
import { UsageError, type CliIo } from './io';

export const BATCH_HELP = `Usage: prompt-budget batch prepare <test-set> --model <name> --out <requests.jsonl> [run options] [--only-failed <output.jsonl>]
       prompt-budget batch import <test-set> <output.jsonl> --out <traces.jsonl> [run options]

prepare writes the generations of \`prompt-budget run\` (the default request and one per arm, with the
same bodies, not streamed) as OpenAI Batch API request lines (custom_id, method, url
/v1/chat/completions, body), the format \`vllm run-batch\` also reads. import reads the engine's
output lines ({ custom_id, response: { status_code, body }, error }) into the traced file \`run\`
writes for the same answers. Failed lines are listed by custom_id; \`prepare --only-failed
<output.jsonl>\` writes just those again. Pass the same options (--config, --prompt, --arms,
--max-tokens, …) to both. --base-url is not needed.
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

/** `prompt-budget batch prepare|import`. */
export async function batchCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...RUN_FLAGS, 'only-failed': { type: 'string' } } });
  if (values.help || sub === '--help' || sub === '-h' || sub === undefined) {
    io.stdout(BATCH_HELP);
    return sub === undefined ? 2 : 0;
  }
  const runValues: RunFlagValues = { ...values, 'base-url': values['base-url'] ?? NO_SERVER };
  if (sub === 'prepare') {
    const { plan, outPath } = await planFromFlags(runValues, positionals, io);
    const only = values['only-failed'] ? new Set(readBatchOutput(plan.cases, plan.options, readOutput(values['only-failed'], io)).failures.flatMap((f) => (f.customId ? [f.customId] : []))) : undefined;
    const { lines, missing } = batchRequestLines(plan.cases, plan.options, only);
    if (missing.length > 0) throw new UsageError(missing[0]);
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
  throw new UsageError(`batch: unknown step "${sub}"; expected prepare or import`);
}
