import { parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Node, ParseError } from 'jsonc-parser';
import { DEFAULT_CUTOFFS, DEFAULT_DYNAMIC_POLICIES, policyName } from './policies';
import { describeJsonError, resolveFields } from './testSet';
import { EXTRACT_PRESETS } from './extract';
import { MATCH_PRESETS } from './match';
import { ENCODING_NAMES, ENGINE_NAMES } from './encodingNames';
import type { FieldMapInput } from './testSet';
import type {
  EncodingName,
  EngineName,
  ExtractConfig,
  FieldMap,
  LineIssue,
  MatchConfig,
} from './types';

/** Prices per million tokens, for cost estimates. */
export interface PriceConfig {
  inputPer1M: number;
  outputPer1M: number;
}

/** The OpenAI-compatible endpoint used by live mode. The API key is never part of the config. */
export interface LiveConfig {
  baseUrl: string;
  /** Model name sent to the server; empty until the user sets one. */
  model: string;
  maxTokens: number;
  temperature: number;
  concurrency: number;
  timeoutMs: number;
  /** Also record a probe every N answer tokens during live runs (0: off). */
  probeEvery: number;
  /** Merged into every request body (e.g. `{ "top_p": 1 }`). */
  extraBody: Record<string, unknown>;
}

/** `promptbudget.json` with every default filled in. */
export interface PromptBudgetConfig {
  /** Test set paths, relative to the workspace root. */
  testSets: string[];
  /** The linked prompt file, relative to the workspace root, or null. */
  prompt: string | null;
  encoding: EncodingName;
  engine: EngineName;
  /** Positive integers, ascending, without duplicates. */
  cutoffs: number[];
  /** Dynamic policy names such as `stability:16x2` (see `PolicySpec`). */
  policies: string[];
  extract: ExtractConfig;
  match: MatchConfig;
  fields: FieldMap;
  /** Largest acceptable EM loss, in EM points (1 = one percentage point). */
  margin: number;
  seed: number;
  resamples: number;
  /** Cross-validation folds; 0 turns cross-validation off. */
  folds: number;
  prices: PriceConfig;
  live: LiveConfig;
}

export interface ConfigParseOptions {
  /** Returns an error message for a policy name it rejects, or null. */
  validatePolicy?: (name: string) => string | null;
}

// One list of names, shared with tokens.ts; encodingNames.ts keeps the rank tables out of the bundle.
export const ENCODINGS: readonly EncodingName[] = ENCODING_NAMES;
export const ENGINES: readonly EngineName[] = ENGINE_NAMES;
export { EXTRACT_PRESETS } from './extract';
export { MATCH_PRESETS } from './match';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Every setting's default. Frozen; `parseConfig` returns fresh copies. */
export const DEFAULT_CONFIG: Readonly<PromptBudgetConfig> = deepFreeze<PromptBudgetConfig>({
  testSets: [],
  prompt: null,
  encoding: 'o200k_base',
  engine: 'gpt-tokenizer',
  cutoffs: [...DEFAULT_CUTOFFS],
  policies: DEFAULT_DYNAMIC_POLICIES.map(policyName),
  extract: { preset: 'last-number' },
  match: { preset: 'numeric' },
  fields: resolveFields(),
  margin: 1,
  seed: 1,
  resamples: 2000,
  folds: 5,
  prices: { inputPer1M: 2.5, outputPer1M: 10 },
  live: {
    baseUrl: 'http://localhost:11434/v1',
    model: '',
    maxTokens: 1024,
    temperature: 0,
    concurrency: 4,
    timeoutMs: 60000,
    probeEvery: 0,
    extraBody: {},
  },
});

/** A starter `promptbudget.json`; `$schema` is left out because the extension contributes the schema. */
export const STARTER_CONFIG_TEXT = `{
  "testSets": ["sample/testset.jsonl"],
  "prompt": "sample/prompt.prompt.md",
  "encoding": "o200k_base",
  "cutoffs": [32, 64, 96, 128, 160, 192, 256, 320, 384, 512, 768, 1024],
  "policies": ["stability:16x2", "stability:32x2", "stability:32x3", "marker:0", "marker:16", "marker:48"],
  "extract": "last-number",
  "match": "numeric",
  "margin": 1,
  "prices": { "inputPer1M": 2.5, "outputPer1M": 10 },
  "live": {
    "baseUrl": "http://localhost:11434/v1",
    "model": "llama3",
    "maxTokens": 1024,
    "temperature": 0,
    "concurrency": 4
  }
}
`;

const ROOT_KEYS = [
  'testSets',
  'prompt',
  'encoding',
  'engine',
  'cutoffs',
  'policies',
  'extract',
  'match',
  'fields',
  'margin',
  'seed',
  'resamples',
  'folds',
  'prices',
  'live',
] as const;
const FIELD_KEYS = ['id', 'question', 'answer', 'answers', 'output', 'tags'] as const;
const SECRET_KEYS = /^(api[_-]?key|key|token|secret|authorization|password)$/i;

/** Where things are in the text: offset → 0-based line and character. */
class Positions {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 13 && text.charCodeAt(i + 1) === 10) continue;
      if (ch === 10 || ch === 13) this.starts.push(i + 1);
    }
  }

  at(offset: number): { line: number; character: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo] };
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

function quoteList(names: readonly string[]): string {
  const q = names.map((n) => `"${n}"`);
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

function suggest(key: string, known: readonly string[]): string {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== null && bestD <= Math.max(1, Math.floor(best.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

/** Number of capture groups in a pattern; throws when the pattern is invalid. */
function groupCount(pattern: string, flags: string): number {
  new RegExp(pattern, flags);
  // An empty alternative makes the pattern match '', so exec reports every group.
  const m = new RegExp(`(?:${pattern})|`, flags.replace('g', '')).exec('');
  return m ? m.length - 1 : 0;
}

/** `invalid regular expression: Unterminated group`, without the engine's echo of the pattern. */
function regexError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /^Invalid regular expression: \/.*\/[a-z]*: (.*)$/s.exec(msg);
  return `invalid regular expression: ${m ? m[1] : msg}`;
}

/** Reads one config text; collects issues against tree nodes. */
class ConfigReader {
  readonly issues: LineIssue[] = [];
  private readonly pos: Positions;

  constructor(
    private readonly text: string,
    private readonly opts: ConfigParseOptions,
  ) {
    this.pos = new Positions(text);
  }

  issue(node: Node | { offset: number; length: number }, message: string, severity: 'error' | 'warning' = 'error'): void {
    const p = this.pos.at(node.offset);
    this.issues.push({ line: p.line + 1, column: p.character + 1, length: node.length, message, severity });
  }

  read(): PromptBudgetConfig {
    const config = structuredClone(DEFAULT_CONFIG) as PromptBudgetConfig;
    if (this.text.trim() === '') return config;
    const errors: ParseError[] = [];
    const root = parseTree(this.text, errors, { allowTrailingComma: true, disallowComments: false });
    let last: ParseError | undefined;
    for (const e of errors) {
      // jsonc-parser reports cascades: several errors at one offset, or "value expected" right
      // after the unexpected symbol that was meant as the value. The first says it best.
      const cascade = last !== undefined && (e.offset === last.offset || (isCode(last, 'InvalidSymbol') && isCode(e, 'ValueExpected')));
      if (!cascade) this.issue(e, `invalid JSON: ${describeJsonError(this.text, e)}`);
      last = e;
    }
    if (!root) return config;
    if (root.type !== 'object') {
      this.issue(root, `promptbudget.json must hold an object, got ${describe(valueOf(root))}`);
      return config;
    }
    for (const [key, value, keyNode] of this.properties(root)) {
      switch (key) {
        case '$schema':
          this.string(value, key);
          break;
        case 'testSets':
          config.testSets = this.testSets(value) ?? config.testSets;
          break;
        case 'prompt':
          if (value.type === 'null') config.prompt = null;
          else config.prompt = this.string(value, key, true) ?? config.prompt;
          break;
        case 'encoding':
          config.encoding = this.oneOf(value, key, 'encoding', ENCODINGS) ?? config.encoding;
          break;
        case 'engine':
          config.engine = this.oneOf(value, key, 'engine', ENGINES) ?? config.engine;
          break;
        case 'cutoffs':
          config.cutoffs = this.cutoffs(value) ?? config.cutoffs;
          break;
        case 'policies':
          config.policies = this.policies(value) ?? config.policies;
          break;
        case 'extract':
          config.extract = this.extract(value) ?? config.extract;
          break;
        case 'match':
          config.match = this.match(value);
          break;
        case 'fields':
          config.fields = this.fields(value);
          break;
        case 'margin':
          config.margin = this.number(value, key, 0, 100) ?? config.margin;
          break;
        case 'seed':
          config.seed = this.integer(value, key, 0, 2 ** 32 - 1) ?? config.seed;
          break;
        case 'resamples':
          config.resamples = this.integer(value, key, 100, 100000) ?? config.resamples;
          break;
        case 'folds':
          config.folds = this.folds(value) ?? config.folds;
          break;
        case 'prices':
          config.prices = this.prices(value);
          break;
        case 'live':
          config.live = this.live(value);
          break;
        default:
          this.issue(keyNode, `unknown setting "${key}"${suggest(key, ROOT_KEYS)}; ignored`, 'warning');
      }
    }
    return config;
  }

  /** Properties of an object node in order, warning on duplicate keys (the last one wins). */
  private properties(obj: Node): [string, Node, Node][] {
    const out: [string, Node, Node][] = [];
    const seen = new Set<string>();
    for (const prop of obj.children ?? []) {
      const [keyNode, value] = prop.children ?? [];
      if (!keyNode || !value || typeof keyNode.value !== 'string') continue;
      const key = keyNode.value;
      if (seen.has(key)) this.issue(keyNode, `duplicate key "${key}"; the last one wins`, 'warning');
      seen.add(key);
      out.push([key, value, keyNode]);
    }
    return out;
  }

  private object(node: Node, key: string): boolean {
    if (node.type === 'object') return true;
    this.issue(node, `"${key}" must be an object, got ${describe(valueOf(node))}; default used`);
    return false;
  }

  private string(node: Node, key: string, nonEmpty = false): string | undefined {
    if (node.type === 'string' && (!nonEmpty || (node.value as string).trim() !== '')) return node.value as string;
    this.issue(node, `"${key}" must be a ${nonEmpty ? 'non-empty ' : ''}string, got ${describe(valueOf(node))}`);
    return undefined;
  }

  private boolean(node: Node, key: string): boolean | undefined {
    if (node.type === 'boolean') return node.value as boolean;
    this.issue(node, `"${key}" must be true or false, got ${describe(valueOf(node))}`);
    return undefined;
  }

  private number(node: Node, key: string, min: number, max: number): number | undefined {
    const v = node.value as unknown;
    if (node.type === 'number' && typeof v === 'number' && v >= min && v <= max) return v;
    this.issue(node, `"${key}" must be a number from ${min} to ${max}, got ${describe(valueOf(node))}`);
    return undefined;
  }

  private integer(node: Node, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = node.value as unknown;
    if (node.type === 'number' && typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    const range = max === Number.MAX_SAFE_INTEGER ? (min === 1 ? 'a positive integer' : `an integer ≥ ${min}`) : `an integer from ${min} to ${max}`;
    this.issue(node, `"${key}" must be ${range}, got ${describe(valueOf(node))}`);
    return undefined;
  }

  private oneOf<T extends string>(node: Node, key: string, what: string, allowed: readonly T[]): T | undefined {
    if (node.type === 'string' && allowed.includes(node.value as T)) return node.value as T;
    if (node.type === 'string') {
      this.issue(node, `unknown ${what} "${node.value as string}" (expected ${quoteList(allowed)})`);
    } else {
      this.issue(node, `"${key}" must be one of ${quoteList(allowed)}, got ${describe(valueOf(node))}`);
    }
    return undefined;
  }

  private list(node: Node, key: string): Node[] | undefined {
    if (node.type === 'array') return node.children ?? [];
    this.issue(node, `"${key}" must be a list, got ${describe(valueOf(node))}; default used`);
    return undefined;
  }

  private testSets(node: Node): string[] | undefined {
    if (node.type === 'string') return this.string(node, 'testSets', true) !== undefined ? [node.value as string] : undefined;
    const items = this.list(node, 'testSets');
    if (!items) return undefined;
    return items.flatMap((item) => {
      const s = this.string(item, 'testSets[]', true);
      return s === undefined ? [] : [s];
    });
  }

  private cutoffs(node: Node): number[] | undefined {
    const items = this.list(node, 'cutoffs');
    if (!items) return undefined;
    const out = new Set<number>();
    for (const item of items) {
      const v = item.value as unknown;
      if (item.type !== 'number' || typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
        this.issue(item, `cutoff must be a positive integer (tokens), got ${describe(valueOf(item))}`);
      } else if (out.has(v)) {
        this.issue(item, `duplicate cutoff ${v}`, 'warning');
      } else {
        out.add(v);
      }
    }
    if (out.size === 0 && items.length > 0) return undefined;
    return [...out].sort((a, b) => a - b);
  }

  private policies(node: Node): string[] | undefined {
    const items = this.list(node, 'policies');
    if (!items) return undefined;
    const out: string[] = [];
    for (const item of items) {
      const name = this.string(item, 'policies[]', true)?.trim();
      if (name === undefined) continue;
      const problem = this.opts.validatePolicy?.(name) ?? null;
      if (problem !== null) this.issue(item, problem);
      else if (out.includes(name)) this.issue(item, `duplicate policy "${name}"`, 'warning');
      else out.push(name);
    }
    return out;
  }

  private extract(node: Node): ExtractConfig | undefined {
    if (node.type === 'string') {
      const preset = this.oneOf(node, 'extract', 'extract preset', EXTRACT_PRESETS);
      if (preset === 'regex') {
        this.issue(node, 'the regex preset needs a pattern: write { "preset": "regex", "pattern": "…", "group": 1 }');
        return undefined;
      }
      return preset === undefined ? undefined : { preset };
    }
    if (!this.object(node, 'extract')) return undefined;
    const before = this.issues.filter((i) => i.severity === 'error').length;
    const out: ExtractConfig = { preset: DEFAULT_CONFIG.extract.preset };
    const props = this.properties(node);
    const get = (k: string): Node | undefined => props.filter(([key]) => key === k).pop()?.[1];
    const presetNode = get('preset');
    const patternNode = get('pattern');
    if (presetNode) out.preset = this.oneOf(presetNode, 'extract.preset', 'extract preset', EXTRACT_PRESETS) ?? out.preset;
    else if (patternNode) out.preset = 'regex';
    const flagsNode = get('flags');
    let flags = '';
    if (flagsNode) {
      const f = this.string(flagsNode, 'extract.flags');
      if (f !== undefined) {
        const bad = [...f].filter((c) => !'gimsu'.includes(c));
        if (bad.length > 0) this.issue(flagsNode, `unsupported regular expression flag "${bad[0]}" (use i, m, s or u)`);
        else flags = f;
      }
    }
    let groups = 0;
    if (patternNode) {
      const pattern = this.string(patternNode, 'extract.pattern', true);
      if (pattern !== undefined) {
        try {
          groups = groupCount(pattern, flags);
          out.pattern = pattern;
        } catch (e) {
          this.issue(patternNode, regexError(e));
        }
      }
    } else if (out.preset === 'regex') {
      this.issue(presetNode ?? node, 'the regex preset needs "pattern"');
    }
    const groupNode = get('group');
    if (groupNode) {
      const g = this.integer(groupNode, 'extract.group', 0);
      if (g !== undefined && out.pattern !== undefined && g > groups) {
        this.issue(groupNode, `group ${g} does not exist: the pattern has ${groups} capture group${groups === 1 ? '' : 's'}`);
      } else if (g !== undefined) out.group = g;
    }
    if (out.preset !== 'regex') {
      for (const [k, n] of [['pattern', patternNode], ['group', groupNode], ['flags', flagsNode]] as const) {
        if (n) this.issue(n, `"extract.${k}" only applies to the regex preset; ignored`, 'warning');
      }
      delete out.pattern;
      delete out.group;
    } else if (out.pattern !== undefined && out.group === undefined) {
      out.group = groups >= 1 ? 1 : 0;
    }
    if (out.preset === 'regex' && flags !== '') out.flags = flags;
    for (const [key, , keyNode] of props) {
      if (!['preset', 'pattern', 'group', 'flags'].includes(key)) {
        this.issue(keyNode, `unknown setting "extract.${key}"${suggest(key, ['preset', 'pattern', 'group', 'flags'])}; ignored`, 'warning');
      }
    }
    const after = this.issues.filter((i) => i.severity === 'error').length;
    return after > before ? undefined : out;
  }

  private match(node: Node): MatchConfig {
    const fallback = { ...DEFAULT_CONFIG.match };
    if (node.type === 'string') {
      const preset = this.oneOf(node, 'match', 'match preset', MATCH_PRESETS);
      return preset === undefined ? fallback : { preset };
    }
    if (!this.object(node, 'match')) return fallback;
    const out: MatchConfig = { preset: fallback.preset };
    for (const [key, value, keyNode] of this.properties(node)) {
      switch (key) {
        case 'preset':
          out.preset = this.oneOf(value, 'match.preset', 'match preset', MATCH_PRESETS) ?? out.preset;
          break;
        case 'ignoreCase':
        case 'ignorePunctuation': {
          const b = this.boolean(value, `match.${key}`);
          if (b !== undefined) out[key] = b;
          break;
        }
        case 'regexesToIgnore': {
          const items = this.list(value, 'match.regexesToIgnore');
          if (!items) break;
          const regexes: string[] = [];
          for (const item of items) {
            const s = this.string(item, 'match.regexesToIgnore[]', true);
            if (s === undefined) continue;
            try {
              new RegExp(s);
              regexes.push(s);
            } catch (e) {
              this.issue(item, regexError(e));
            }
          }
          out.regexesToIgnore = regexes;
          break;
        }
        default:
          this.issue(keyNode, `unknown setting "match.${key}"${suggest(key, ['preset', 'ignoreCase', 'ignorePunctuation', 'regexesToIgnore'])}; ignored`, 'warning');
      }
    }
    return out;
  }

  private fields(node: Node): FieldMap {
    if (!this.object(node, 'fields')) return resolveFields();
    const given: FieldMapInput = {};
    for (const [key, value, keyNode] of this.properties(node)) {
      if (!(FIELD_KEYS as readonly string[]).includes(key)) {
        this.issue(keyNode, `unknown field "${key}"${suggest(key, FIELD_KEYS)} (fields are ${quoteList(FIELD_KEYS)}); ignored`, 'warning');
        continue;
      }
      const field = key as (typeof FIELD_KEYS)[number];
      if (value.type === 'string' && (value.value as string) !== '') {
        given[field] = value.value as string;
      } else if (value.type === 'array' && (value.children ?? []).length > 0 && (value.children ?? []).every((c) => c.type === 'string' && c.value !== '')) {
        given[field] = (value.children ?? []).map((c) => c.value as string);
      } else {
        this.issue(value, `"fields.${key}" must be a column name or a non-empty list of names, got ${describe(valueOf(value))}; default used`);
      }
    }
    return resolveFields(given);
  }

  private folds(node: Node): number | undefined {
    const v = node.value as unknown;
    if (node.type === 'number' && typeof v === 'number' && Number.isInteger(v) && (v === 0 || (v >= 2 && v <= 20))) return v;
    this.issue(node, `"folds" must be 0 (off) or an integer from 2 to 20, got ${describe(valueOf(node))}`);
    return undefined;
  }

  private prices(node: Node): PriceConfig {
    const out = { ...DEFAULT_CONFIG.prices };
    if (!this.object(node, 'prices')) return out;
    for (const [key, value, keyNode] of this.properties(node)) {
      if (key === 'inputPer1M' || key === 'outputPer1M') out[key] = this.number(value, `prices.${key}`, 0, 1e6) ?? out[key];
      else this.issue(keyNode, `unknown setting "prices.${key}"${suggest(key, ['inputPer1M', 'outputPer1M'])}; ignored`, 'warning');
    }
    return out;
  }

  private live(node: Node): LiveConfig {
    const out = structuredClone(DEFAULT_CONFIG.live) as LiveConfig;
    if (!this.object(node, 'live')) return out;
    const known = ['baseUrl', 'model', 'maxTokens', 'temperature', 'concurrency', 'timeoutMs', 'probeEvery', 'extraBody'];
    for (const [key, value, keyNode] of this.properties(node)) {
      const name = `live.${key}`;
      switch (key) {
        case 'baseUrl': {
          const s = this.string(value, name, true);
          if (s !== undefined) {
            if (isHttpUrl(s)) out.baseUrl = s;
            else this.issue(value, `"live.baseUrl" must be an http:// or https:// URL, got ${describe(s)}`);
          }
          break;
        }
        case 'model':
          out.model = this.string(value, name) ?? out.model;
          break;
        case 'maxTokens':
          out.maxTokens = this.integer(value, name, 1) ?? out.maxTokens;
          break;
        case 'temperature':
          out.temperature = this.number(value, name, 0, 2) ?? out.temperature;
          break;
        case 'concurrency':
          out.concurrency = this.integer(value, name, 1, 64) ?? out.concurrency;
          break;
        case 'timeoutMs':
          out.timeoutMs = this.integer(value, name, 1) ?? out.timeoutMs;
          break;
        case 'probeEvery':
          out.probeEvery = this.integer(value, name, 0) ?? out.probeEvery;
          break;
        case 'extraBody':
          if (this.object(value, name)) out.extraBody = valueOf(value) as Record<string, unknown>;
          break;
        default:
          if (SECRET_KEYS.test(key)) {
            this.issue(keyNode, `"${name}" looks like a secret: promptbudget.json is usually committed, so the key is ignored here; use the "Set API Key" command, which keeps it in the editor's secret storage`);
          } else {
            this.issue(keyNode, `unknown setting "${name}"${suggest(key, known)}; ignored`, 'warning');
          }
      }
    }
    return out;
  }
}

function isCode(e: ParseError, name: ReturnType<typeof printParseErrorCode>): boolean {
  return printParseErrorCode(e.error) === name;
}

function valueOf(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (k && v && typeof k.value === 'string') out[k.value] = valueOf(v);
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(valueOf);
    default:
      return node.value as unknown;
  }
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Reads `promptbudget.json` text (comments and trailing commas allowed). Every problem is an issue
 * at the line and column of the offending value; invalid values fall back to their defaults.
 * Never throws.
 */
export function parseConfig(text: string, opts: ConfigParseOptions = {}): { config: PromptBudgetConfig; issues: LineIssue[] } {
  const reader = new ConfigReader(text, opts);
  const config = reader.read();
  const issues = reader.issues.sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
  return { config, issues };
}

/** 0-based position of each number in the `cutoffs` array (the last `cutoffs` key wins). */
export function cutoffLocations(text: string): { value: number; line: number; character: number; length: number }[] {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root || root.type !== 'object') return [];
  let arr: Node | undefined;
  for (const prop of root.children ?? []) {
    const [k, v] = prop.children ?? [];
    if (k?.value === 'cutoffs' && v) arr = v;
  }
  if (!arr || arr.type !== 'array') return [];
  const pos = new Positions(text);
  return (arr.children ?? [])
    .filter((n) => n.type === 'number')
    .map((n) => ({ value: n.value as number, ...pos.at(n.offset), length: n.length }));
}
