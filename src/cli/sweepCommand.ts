import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { getTokenizer, type Tokenizer } from '../core/tokens';
import type { EncodingName, EngineName, SweepPrompt, SweepResult } from '../core/types';
import { countPromptFile, sweepPrompt } from '../core/promptFileCount';
import { loadHfTokenizer } from '../node/hfTokenizerFiles';
import { runSweep } from '../core/sweep';
import { sweepToCsv, sweepToJson, sweepToMarkdown, sweepToTable } from '../core/report';
import { checkSweepGates } from '../core/gates';
import { sweepToJunit } from '../core/sweepJunit';
import { gateExitCode } from './exitCode';
import { loadInputs, SWEEP_FLAGS } from './loadInputs';
import { UsageError, type CliIo } from './io';
import type { ExtractConfig } from '../core/types';

/** `prompt-budget sweep --help`, also part of the top-level help. */
export const SWEEP_HELP = `Usage: prompt-budget sweep <test-set> [options]

Replays recorded traces under early-stop cutoffs and dynamic stopping rules, and compares each
policy with the full-length baseline on the same cases.

Options:
  --config <file>          promptbudget.json (test sets, cutoffs, policies, extraction, match, margin)
  --extract <preset>       gsm8k | last-number | answer-is | boxed | json-answer | after-think |
                           choice-letter | regex (with --pattern '<regex with a group>'); a chain
                           such as after-think,choice-letter tries the rest in the answer part;
                           when neither flags nor config name it, detected from the test set
  --letters <A-D>          choice-letter's allowed letters (default A-J)
  --match <preset>         numeric | squad | math | strict (detected likewise)
  --cutoffs 32,64,…        fixed cutoffs in output tokens
  --policies <list>        full, cutoff:<K>, stability:<N>x<k>, marker:<G>, settled:<N>x<k>, committed, probe:<N>x<k>,
                           probe-settled:<N>x<k>, probe-confident:<N>@<p>, budget:<K>
  --encoding <name>        o200k_base (default) | cl100k_base
  --engine <name>          gpt-tokenizer (default) | js-tiktoken
  --tokenizer <path>       count in a model's own tokens: a Hugging Face tokenizer.json or its folder
  --margin <pts>           non-inferiority margin in EM points (default 1)
  --seed <n>  --folds <n>  cross-validation seed and folds (5; 0 = off); --resamples <n> is
                           accepted and recorded in the JSON, no longer used
  --arm <name>             sweep the policies over arm <name>'s traces (arms.<name> of each row,
                           written by run --arms) instead of the default generation
  --format <f>             table (default) | json | md | csv | junit (one test case per gate)
  --cases                  with --format json: add per-case results
  --require-savings <pct>  exit 1 unless the recommended policy saves at least this share of tokens
  --max-em-loss <pts>      exit 1 when the recommended policy's ΔEM is below −pts
  --fail-underpowered      exit 1 when the test set cannot detect a loss of the margin
Exit codes: 0 ok, 1 a gate failed, 2 bad usage or unreadable input.
`;

/**
 * Tokens of the config's linked prompt, so `compare` can tell a pull request that grew it; a warning
 * when unreadable. Counted as the editor and `count` count it: the body, in the tokenizer the front
 * matter names, else the sweep's (--tokenizer or the config's), else an OpenAI live.model's encoding.
 */
function countPrompt(file: string, root: string, result: SweepResult, io: CliIo, inputs: { tokenizer?: Tokenizer; model?: string }): SweepPrompt | null {
  const path = resolve(root, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    io.stderr(`warning: cannot read the config's prompt ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return null;
  }
  const own = inputs.tokenizer ?? getTokenizer(result.encoding as EncodingName, result.engine as EngineName);
  const config = { tokenizer: inputs.tokenizer ? inputs.tokenizer.name : null, model: inputs.model ?? '' };
  try {
    return sweepPrompt(
      file,
      countPromptFile(text, config, (target) => {
        if (!target || (target.kind === 'tokenizer' && target.relativeTo === 'config')) return own;
        return target.kind === 'openai' ? getTokenizer(target.encoding, result.engine as EngineName) : loadHfTokenizer(target.path, dirname(path));
      }),
    );
  } catch (e) {
    io.stderr(`warning: cannot count the config's prompt ${file}: ${(e as Error).message}\n`);
    return null;
  }
}

/** `prompt-budget sweep`: the report in the chosen format, then the CI gates' exit code. */
export async function sweepCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...SWEEP_FLAGS,
      format: { type: 'string' },
      cases: { type: 'boolean' },
      'require-savings': { type: 'string' },
      'max-em-loss': { type: 'string' },
      'fail-underpowered': { type: 'boolean' },
    },
  });
  if (values.help) {
    io.stdout(SWEEP_HELP);
    return 0;
  }
  const format = values.format ?? 'table';
  if (!['table', 'json', 'md', 'csv', 'junit'].includes(format)) throw new UsageError(`--format ${format}: expected table, json, md, csv or junit`);
  // Gates are given in percent on the command line and compared as fractions.
  const pctFlag = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new UsageError(`--${name} ${v}: expected a number between 0 and 100`);
    return n / 100;
  };
  const gates = {
    requireSavings: pctFlag('require-savings', values['require-savings']),
    maxEmLoss: pctFlag('max-em-loss', values['max-em-loss']),
    failUnderpowered: values['fail-underpowered'] ?? false,
  };
  const inputs = await loadInputs(positionals, values, io, { includeCases: values.cases ?? false });
  const result = runSweep(inputs.cases, inputs.skipped, inputs.options);
  if (inputs.config?.prompt && inputs.configPath) result.prompt = countPrompt(inputs.config.prompt, dirname(inputs.configPath), result, io, { tokenizer: inputs.options.tokenizer, model: inputs.config.live.model });
  const checks = checkSweepGates(result, gates);
  if (result.detected) io.stderr(`prompt-budget: detected extract ${presetName(result.detected.extract)}, match ${result.detected.match.preset}: ${result.detected.reason}\n`);
  if (format !== 'table') for (const w of result.warnings) if (w !== result.power.message) io.stderr(`prompt-budget: warning: ${w}\n`);
  switch (format) {
    case 'json':
      io.stdout(`${JSON.stringify(sweepToJson(result), null, 2)}\n`);
      break;
    case 'md':
      io.stdout(sweepToMarkdown(result));
      break;
    case 'csv':
      io.stdout(sweepToCsv(result));
      break;
    case 'junit':
      io.stdout(sweepToJunit(result, checks));
      break;
    default:
      io.stdout(sweepToTable(result));
  }
  // Gates are checked after the report is printed, so a failing CI job still shows the table.
  const { code, failures } = gateExitCode(checks);
  for (const f of failures) io.stderr(`${f}\n`);
  return code;
}

function presetName(extract: ExtractConfig): string {
  return extract.preset === 'regex' ? `regex ${JSON.stringify(extract.pattern)}` : extract.preset;
}
