import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkCompareGates, compareReports, parseReport, type CountReportFigures, type SweepReportFigures } from '../core/compareReports';
import { comparisonToJson, comparisonToJunit, comparisonToMarkdown, comparisonToText } from '../core/compareRender';
import { gateExitCode } from './exitCode';
import { UsageError, type CliIo } from './io';

export const COMPARE_HELP = `Usage: prompt-budget compare <before.json> <after.json> [options]

Compares two sweep JSON reports (prompt-budget sweep --format json; add --cases to pair the cases by
id) or two count JSON reports (prompt-budget count --format json), e.g. main's and a pull request's.

Options:
  --max-token-increase <pct>  exit 1 when tokens grow by more than pct% (baseline output tokens and
                              prompt tokens of sweep reports; the total of count reports)
  --max-em-drop <pts>         exit 1 when the baseline's EM drops by more than pts points (sweep reports)
  --format <f>                table (default) | json | md | junit (one test case per gate)
Exit codes: 0 ok, 1 a gate failed, 2 bad usage or unreadable input.
`;

/** Reads and recognises one report; any problem is a usage error naming the file (exit 2). */
function readReport(file: string, cwd: string): SweepReportFigures | CountReportFigures {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const parsed = parseReport(text);
  if (!parsed.ok) throw new UsageError(`${file}: ${parsed.reason}`);
  return parsed.report;
}

/** A percent or points flag as a fraction; token growth may exceed 100%, an EM drop may not. */
function limitFlag(name: string, v: string | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) throw new UsageError(`--${name} ${v}: expected a number between 0 and ${max}`);
  return n / 100;
}

/** `prompt-budget compare`. */
export async function compareCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'max-token-increase': { type: 'string' },
      'max-em-drop': { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(COMPARE_HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`compare: expected two reports (before.json after.json), got ${positionals.length}`);
  const format = values.format ?? 'table';
  if (!['table', 'json', 'md', 'junit'].includes(format)) throw new UsageError(`--format ${format}: expected table, json, md or junit`);
  const gates = {
    maxTokenIncrease: limitFlag('max-token-increase', values['max-token-increase'], 100000),
    maxEmDrop: limitFlag('max-em-drop', values['max-em-drop'], 100),
  };
  const [beforeFile, afterFile] = positionals;
  const comparison = compareReports(readReport(beforeFile, io.cwd), readReport(afterFile, io.cwd));
  if (typeof comparison === 'string') throw new UsageError(`${beforeFile}, ${afterFile}: ${comparison}`);
  // A gate that cannot be checked must not pass silently.
  if (comparison.kind === 'count' && gates.maxEmDrop !== undefined) throw new UsageError('--max-em-drop: count reports carry no EM; compare sweep reports');
  const checks = checkCompareGates(comparison, gates);
  switch (format) {
    case 'json':
      io.stdout(`${JSON.stringify(comparisonToJson(comparison, checks), null, 2)}\n`);
      break;
    case 'md':
      io.stdout(comparisonToMarkdown(comparison, checks));
      break;
    case 'junit':
      io.stdout(comparisonToJunit(comparison, checks));
      break;
    default:
      io.stdout(comparisonToText(comparison, checks));
  }
  const { code, failures } = gateExitCode(checks);
  for (const f of failures) io.stderr(`${f}\n`);
  return code;
}
