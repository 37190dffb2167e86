import { countCommand, COUNT_HELP } from './countCommand';
import { sweepCommand, SWEEP_HELP } from './sweepCommand';
import { runCommand } from './runCommand';
import { exportCommand } from './exportCommand';
import { compareCommand, COMPARE_HELP } from './compareCommand';
import { batchCommand } from './batchCommand';
import { proxyCommand } from './proxyCommand';
import { UsageError, type CliIo } from './io';

/** The top-level help: the command list, then the sweep and count usage in full. */
const HELP = `prompt-budget — sweep early-stop cutoffs and stopping rules over recorded model traces

Commands:
  sweep <test-set>   evaluate policies against the full-length baseline (see: prompt-budget sweep --help)
  count <files…>     count tokens of files
  run <test-set>     generate traces from an OpenAI-compatible server (see: prompt-budget run --help)
  export             print a policy as JSON for the runtime module (see: prompt-budget export --help)
  compare <a> <b>    what changed between two sweep or count JSON reports (see: prompt-budget compare --help)
  batch prepare|import|submit|status|fetch   live-run requests as Batch API lines (or through the OpenAI Batch API), and their output back into traces (see: prompt-budget batch --help)
  proxy              an OpenAI-compatible server applying an exported policy (see: prompt-budget proxy --help)

${SWEEP_HELP}
${COUNT_HELP}
${COMPARE_HELP}`;

/** A sub-command: parses its own flags and returns the exit code. */
type Command = (argv: string[], io: CliIo) => Promise<number>;

/** The handler of a sub-command, or undefined for an unknown name. */
function commandFor(name: string): Command | undefined {
  switch (name) {
    case 'sweep':
      return sweepCommand;
    case 'count':
      return countCommand;
    case 'run':
      return runCommand;
    case 'export':
      return exportCommand;
    case 'compare':
      return compareCommand;
    case 'batch':
      return batchCommand;
    case 'proxy':
      return proxyCommand;
    default:
      return undefined;
  }
}

/** Runs the CLI and returns the exit code (0 ok, 1 gate failed, 2 bad usage or input). */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(HELP);
    // A bare `prompt-budget` is bad usage that still shows the help; asking for help is not.
    return name ? 0 : 2;
  }
  try {
    const command = commandFor(name);
    if (!command) throw new UsageError(`unknown command "${name}"; expected sweep, count, run, export, compare or batch`);
    return await command(rest, io);
  } catch (e) {
    const err = e as Error & { code?: string };
    // parseArgs throws ERR_PARSE_ARGS_* for unknown or malformed flags: bad usage, not a crash.
    if (e instanceof UsageError || err.code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`prompt-budget: ${err.message}\n`);
      return 2;
    }
    // Anything else is a bug: keep the stack so a report can point at it.
    io.stderr(`prompt-budget: internal error: ${err.stack ?? err.message}\n`);
    return 2;
  }
}

if (require.main === module) {
  // Ctrl+C becomes an abort signal, so `run` stops cleanly and keeps the responses it has cached.
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  // SIGTERM too: `proxy` closes its connections and aborts upstream requests before exiting.
  process.once('SIGTERM', () => controller.abort());
  void main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    signal: controller.signal,
  }).then((code) => {
    // exitCode rather than process.exit(): pending stdout writes are flushed first.
    process.exitCode = code;
  });
}
