import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import { ENCODING_NAMES, ENGINE_NAMES } from '../encodingNames';
import { describeJsonError } from '../issueText';
import type { LineIssue } from '../types';
import { describe, isCode, valueOf } from './jsoncNodes';
import { NodeReader } from './nodeReader';
import { DEFAULT_CONFIG, type ConfigParseOptions, type PromptBudgetConfig } from './promptBudgetConfig';
import { readExtract } from './readExtract';
import { readLive } from './readLive';
import { readMatch } from './readMatch';
import { readCasesToAdd, readCutoffs, readFields, readFolds, readHesitations, readPolicies, readPrices, readTestSets, readThinking } from './readSections';
import { suggest } from './suggest';

const ROOT_KEYS = [
  'testSets',
  'prompt',
  'encoding',
  'engine',
  'tokenizer',
  'cutoffs',
  'policies',
  'extract',
  'thinking',
  'hesitations',
  'match',
  'fields',
  'margin',
  'seed',
  'resamples',
  'folds',
  'prices',
  'live',
  'casesToAdd',
] as const;

/**
 * Reads `promptbudget.json` text (comments and trailing commas allowed). Every problem is an issue
 * at the line and column of the offending value; invalid values fall back to their defaults.
 * Never throws.
 */
export function parseConfig(text: string, opts: ConfigParseOptions = {}): { config: PromptBudgetConfig; issues: LineIssue[] } {
  const r = new NodeReader(text);
  const config = structuredClone(DEFAULT_CONFIG) as PromptBudgetConfig;
  const root = text.trim() === '' ? undefined : parseRoot(r, text);
  if (root) {
    for (const [key, value, keyNode] of r.properties(root)) readRootKey(r, opts, config, key, value, keyNode);
  }
  const issues = r.issues.sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
  return { config, issues };
}

/** The root object, after reporting syntax errors; undefined when there is no object to read. */
function parseRoot(r: NodeReader, text: string): Node | undefined {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  let last: ParseError | undefined;
  for (const e of errors) {
    // jsonc-parser reports cascades: several errors at one offset, or "value expected" right
    // after the unexpected symbol that was meant as the value. The first says it best.
    const cascade = last !== undefined && (e.offset === last.offset || (isCode(last, 'InvalidSymbol') && isCode(e, 'ValueExpected')));
    if (!cascade) r.issue(e, `invalid JSON: ${describeJsonError(text, e)}`);
    last = e;
  }
  if (!root) return undefined;
  if (root.type !== 'object') {
    r.issue(root, `promptbudget.json must hold an object, got ${describe(valueOf(root))}`);
    return undefined;
  }
  return root;
}

/** Reads one top-level setting into `config`; a rejected value keeps the default. */
function readRootKey(r: NodeReader, opts: ConfigParseOptions, config: PromptBudgetConfig, key: string, value: Node, keyNode: Node): void {
  switch (key) {
    case '$schema':
      r.string(value, key);
      break;
    case 'testSets':
      config.testSets = readTestSets(r, value) ?? config.testSets;
      break;
    case 'prompt':
      if (value.type === 'null') config.prompt = null;
      else config.prompt = r.string(value, key, true) ?? config.prompt;
      break;
    case 'encoding':
      config.encoding = r.oneOf(value, key, 'encoding', ENCODING_NAMES) ?? config.encoding;
      break;
    case 'engine':
      config.engine = r.oneOf(value, key, 'engine', ENGINE_NAMES) ?? config.engine;
      break;
    case 'tokenizer':
      if (value.type === 'null') config.tokenizer = null;
      else config.tokenizer = r.string(value, key, true) ?? config.tokenizer;
      break;
    case 'cutoffs':
      config.cutoffs = readCutoffs(r, value) ?? config.cutoffs;
      break;
    case 'policies':
      config.policies = readPolicies(r, value, opts) ?? config.policies;
      break;
    case 'extract':
      config.extract = readExtract(r, value) ?? config.extract;
      (config.named ??= []).push('extract');
      break;
    case 'thinking':
      config.thinking = readThinking(r, value) ?? config.thinking;
      break;
    case 'hesitations':
      config.hesitations = readHesitations(r, value) ?? config.hesitations;
      break;
    case 'match':
      config.match = readMatch(r, value);
      (config.named ??= []).push('match');
      break;
    case 'fields':
      config.fields = readFields(r, value);
      break;
    case 'margin':
      config.margin = r.number(value, key, 0, 100) ?? config.margin;
      break;
    case 'seed':
      config.seed = r.integer(value, key, 0, 2 ** 32 - 1) ?? config.seed;
      break;
    case 'resamples':
      config.resamples = r.integer(value, key, 100, 100000) ?? config.resamples;
      break;
    case 'folds':
      config.folds = readFolds(r, value) ?? config.folds;
      break;
    case 'prices':
      config.prices = readPrices(r, value);
      break;
    case 'live':
      config.live = readLive(r, value);
      break;
    case 'casesToAdd':
      config.casesToAdd = readCasesToAdd(r, value);
      break;
    default:
      r.issue(keyNode, `unknown setting "${key}"${suggest(key, ROOT_KEYS)}; ignored`, 'warning');
  }
}
