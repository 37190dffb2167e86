import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Case, FieldMap, LineIssue, PolicySpec } from '../core/types';
import { parseConfig } from '../core/config/parseConfig';
import { type PromptBudgetConfig } from '../core/config/promptBudgetConfig';
import { formatIssue } from '../core/testSet/issueSink';
import { parseTestSetStream } from '../core/testSet/parseTestSet';
import { parseExtractConfig } from '../core/extract';
import { parseMatchConfig } from '../core/match';
import { parsePolicy } from '../core/policies';
import { ENCODING_NAMES, ENGINE_NAMES, isEncodingName, isEngineName } from '../core/tokens';
import type { SweepOptions } from '../core/sweep';
import { resolveSweepOptions, type SweepOptionIssue, type SweepOverrides } from '../core/sweepOptions';
import { UsageError, type CliIo } from './io';
import { loadHfTokenizer } from '../node/hfTokenizerFiles';
import type { Tokenizer } from '../core/tokens';
import { configTokenizerPath } from '../node/hfCache';

/** Flags shared by `sweep` and `export`. */
export const SWEEP_FLAGS = {
  config: { type: 'string' },
  extract: { type: 'string' },
  pattern: { type: 'string' },
  letters: { type: 'string' },
  match: { type: 'string' },
  cutoffs: { type: 'string' },
  policies: { type: 'string' },
  encoding: { type: 'string' },
  engine: { type: 'string' },
  tokenizer: { type: 'string' },
  margin: { type: 'string' },
  seed: { type: 'string' },
  resamples: { type: 'string' },
  folds: { type: 'string' },
  arm: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The values `parseArgs` gives for {@link SWEEP_FLAGS}. */
export interface SweepFlagValues {
  config?: string;
  extract?: string;
  pattern?: string;
  letters?: string;
  match?: string;
  cutoffs?: string;
  policies?: string;
  encoding?: string;
  engine?: string;
  tokenizer?: string;
  margin?: string;
  seed?: string;
  resamples?: string;
  folds?: string;
  arm?: string;
}

/** What `sweep` and `export` start from: the cases, the resolved options and the config they came from. */
export interface LoadedInputs {
  testSetPath: string;
  cases: Case[];
  skipped: number;
  options: SweepOptions;
  config?: PromptBudgetConfig;
  /** The config's own path; its `prompt` and `testSets` are relative to its folder. */
  configPath?: string;
  /** The Hugging Face tokenizer counted with (`--tokenizer` or the config's `tokenizer`), absolute. */
  tokenizerPath?: string;
}

/** The tokenizer `--tokenizer` (or a config's `tokenizer`) names, relative to `cwd`, or a usage error naming the file. */
export function cliTokenizer(path: string, cwd: string): Tokenizer {
  try {
    return loadHfTokenizer(path, cwd);
  } catch (e) {
    throw new UsageError(`--tokenizer ${(e as Error).message}`);
  }
}

/** A number flag as given; '' and words become NaN, which core's range check reports. */
function num(value: string): number {
  return value.trim() === '' ? NaN : Number(value);
}

const NUMBER_FLAGS = ['margin', 'seed', 'resamples', 'folds'] as const;

/** Core's issue in the CLI's words: `--margin 150: expected …` when the value came from that flag. */
export function issueText(issue: SweepOptionIssue, flags: SweepFlagValues): string {
  const field = NUMBER_FLAGS.find((f) => f === issue.field);
  const raw = field ? flags[field] : undefined;
  if (raw === undefined) return issue.message;
  const colon = issue.message.indexOf(': ');
  return `--${field} ${raw}${colon >= 0 ? issue.message.slice(colon) : `: ${issue.message}`}`;
}

/** Comma-separated policy names; the first bad one is a UsageError naming the flag. */
function policyList(text: string, flag: string): PolicySpec[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((name) => {
      const { spec, error } = parsePolicy(name);
      if (!spec) throw new UsageError(`--${flag}: ${error}`);
      return spec;
    });
}

/**
 * Parses the sweep flags into overrides for {@link resolveSweepOptions}; a bad flag is a UsageError.
 * Number ranges are core's to check (see {@link issueText}).
 */
export function sweepOverridesFromFlags(flags: SweepFlagValues): SweepOverrides {
  const o: SweepOverrides = {};
  if (flags.extract) {
    const parsed = parseExtractConfig(flags.extract === 'regex' ? { preset: 'regex', pattern: flags.pattern } : flags.extract);
    if (!parsed.config) throw new UsageError(`--extract ${flags.extract}: ${parsed.error}`);
    o.extract = parsed.config;
  } else if (flags.pattern) {
    throw new UsageError('--pattern needs --extract regex');
  }
  if (flags.letters !== undefined) {
    if (!o.extract) throw new UsageError('--letters needs --extract (choice-letter, or a chain with it)');
    const parsed = parseExtractConfig({ ...o.extract, letters: flags.letters });
    if (!parsed.config) throw new UsageError(`--letters ${flags.letters}: ${parsed.error}`);
    o.extract = parsed.config;
  }
  if (flags.match) {
    const parsed = parseMatchConfig(flags.match);
    if (!parsed.config) throw new UsageError(`--match ${flags.match}: ${parsed.error}`);
    o.match = parsed.config;
  }
  if (flags.encoding !== undefined) {
    if (!isEncodingName(flags.encoding)) throw new UsageError(`--encoding ${flags.encoding}: expected ${ENCODING_NAMES.join(' or ')}`);
    o.encoding = flags.encoding;
  }
  if (flags.engine !== undefined) {
    if (!isEngineName(flags.engine)) throw new UsageError(`--engine ${flags.engine}: expected ${ENGINE_NAMES.join(' or ')}`);
    o.engine = flags.engine;
  }
  if (flags.policies) o.policies = policyList(flags.policies, 'policies');
  // --cutoffs 64,128 goes through the policy parser (cutoff:64, …), so a bad number gets the same words.
  if (flags.cutoffs) o.cutoffs = policyList(cutoffNames(flags.cutoffs), 'cutoffs').map((p) => (p.kind === 'cutoff' ? p.tokens : 0));
  for (const f of NUMBER_FLAGS) if (flags[f] !== undefined) o[f] = num(flags[f]);
  if (flags.arm !== undefined) o.arm = flags.arm;
  return o;
}

/** Reads and checks a promptbudget.json; its problems go to stderr as `file:line:col: reason`. */
export function readConfigFile(path: string, io: CliIo): PromptBudgetConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const { config, issues } = parseConfig(text, { validatePolicy: (name) => parsePolicy(name).error ?? null });
  const errors = issues.filter((i: LineIssue) => i.severity === 'error');
  // Warnings are printed too, but only errors stop the command.
  for (const issue of issues) io.stderr(`${formatIssue(path, issue)}\n`);
  if (errors.length) throw new UsageError(`${path}: ${errors.length} error(s) in the config; see above`);
  return config;
}

/** Reads the config (if any) and the test set, and merges flags over config over defaults. */
export async function loadInputs(positionals: string[], flags: SweepFlagValues, io: CliIo, extra: { includeCases?: boolean } = {}): Promise<LoadedInputs> {
  if (positionals.length > 1) throw new UsageError(`expected one test set, got ${positionals.length}: ${positionals.join(' ')}`);
  const configPath = flags.config ? resolve(io.cwd, flags.config) : undefined;
  const config = configPath ? readConfigFile(configPath, io) : undefined;
  let testSetPath: string;
  if (positionals[0]) testSetPath = resolve(io.cwd, positionals[0]);
  // Test sets the config names are relative to the config file, not to the working directory.
  else if (config && configPath && config.testSets.length > 0) testSetPath = resolve(dirname(configPath), config.testSets[0]);
  else throw new UsageError('no test set: pass a file (prompt-budget sweep <test-set>) or a --config that lists testSets');

  const overrides = sweepOverridesFromFlags(flags);
  if (flags.tokenizer !== undefined) {
    if (flags.encoding !== undefined || flags.engine !== undefined) throw new UsageError('--tokenizer replaces --encoding and --engine: give one or the other');
    overrides.tokenizer = resolve(io.cwd, flags.tokenizer);
  }
  const resolved = resolveSweepOptions(config, overrides);
  const error = resolved.issues.find((i) => i.severity === 'error');
  if (error) throw new UsageError(issueText(error, flags));
  const { tokenizerPath, ...options } = resolved.options;
  // A --tokenizer flag is absolute already; the config's tokenizer is relative to the config's folder.
  const absoluteTokenizer = tokenizerPath === undefined ? undefined : configPath ? configTokenizerPath(configPath, tokenizerPath) : resolve(io.cwd, tokenizerPath);
  const tokenizer = absoluteTokenizer !== undefined ? cliTokenizer(absoluteTokenizer, io.cwd) : undefined;
  const { cases, skipped } = await readTestSet(testSetPath, config?.fields, io);
  return {
    testSetPath,
    cases,
    skipped,
    config,
    configPath,
    ...(absoluteTokenizer !== undefined ? { tokenizerPath: absoluteTokenizer } : {}),
    options: { ...options, tokenizer, includeCases: extra.includeCases },
  };
}

/** `64, 128` → `cutoff:64,cutoff:128`. */
function cutoffNames(list: string): string {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((k) => `cutoff:${k}`)
    .join(',');
}

/** Streams a test set from disk; bad lines go to stderr as `file:line: reason`. */
export async function readTestSet(path: string, fields: Partial<FieldMap> | undefined, io: CliIo): Promise<{ cases: Case[]; skipped: number }> {
  if (!existsSync(path)) throw new UsageError(`cannot read test set ${path}: no such file`);
  if (statSync(path).isDirectory()) throw new UsageError(`cannot read test set ${path}: it is a directory`);
  const parsed = await parseTestSetStream(createReadStream(path), { fileName: path, fields });
  // The first 50 problems only: a file in the wrong format would otherwise flood the terminal.
  const shown = parsed.issues.slice(0, 50);
  for (const issue of shown) io.stderr(`${formatIssue(path, issue)}\n`);
  if (parsed.issues.length > shown.length) io.stderr(`${path}: … and ${parsed.issues.length - shown.length} more problem(s)\n`);
  if (parsed.cases.length === 0) throw new UsageError(`${path}: no usable cases (${parsed.skipped} line(s) skipped)`);
  if (parsed.skipped > 0) io.stderr(`${path}: skipped ${parsed.skipped} bad line(s); scoring the other ${parsed.cases.length}\n`);
  return { cases: parsed.cases, skipped: parsed.skipped };
}
