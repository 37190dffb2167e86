/** A starter `promptbudget.json` from the workspace's test sets, trace lengths and detected presets (pure: no I/O). */
import { DEFAULT_DYNAMIC_POLICIES, policyName, THINKING_DYNAMIC_POLICIES, thinkingCutoffs } from './policies';
import { splitTrace } from './traceAnatomy';
import type { DetectedPresets, FieldMap } from './types';

/** Field names tried for each role when a file does not use the default ones, in order. */
const ROLE_NAMES: Record<'question' | 'answer' | 'output', string[]> = {
  question: ['question', 'input', 'prompt', 'problem', 'query'],
  answer: ['answer', 'answers', 'gold', 'target', 'label', 'expected'],
  output: ['output', 'response', 'completion', 'generation', 'model_output', 'prediction'],
};

/** What the first rows of a file say about it as a test set. */
export interface TestSetShape {
  /** The first row has a question-like and an answer-like field. */
  isTestSet: boolean;
  /** It also has an output-like field (recorded traces, so it can be swept offline). */
  hasOutput: boolean;
  /** Field names to write into the config when they are not the defaults. */
  fields: Partial<FieldMap>;
}

/** Depth-1 keys of the first object in `text`, scanned tolerantly: a row cut by the head's limit gives those before. */
function topLevelKeys(text: string): string[] | null {
  const keys: string[] = [];
  let depth = 0;
  let sawObject = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && /^\s*:/.test(text.slice(j + 1, j + 16))) {
        try {
          keys.push(JSON.parse(text.slice(i, j + 1)) as string);
        } catch {
          return null;
        }
      }
      i = j;
    } else if (c === '{' || c === '[') {
      if (depth === 0 && c === '{') sawObject = true;
      if (depth === 0 && c === '[' && !sawObject) continue;
      depth++;
    } else if (c === '}' || c === ']') {
      if (--depth === 0 && sawObject) break;
    } else if (depth === 0 && !/\s|,/.test(c as string)) {
      return null;
    }
  }
  return sawObject ? keys : null;
}

function firstRowKeys(head: string, fileName: string): string[] | null {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) {
    const line = head.split(/\r?\n/, 1)[0] ?? '';
    return line.split(lower.endsWith('.tsv') ? '\t' : ',').map((s) => s.trim().replace(/^"|"$/g, ''));
  }
  return topLevelKeys(head.trimStart());
}

/**
 * Whether a file's first row (`head`: its first kilobytes) looks like a test set, has recorded outputs, and which field
 * names differ from the defaults (`question`/`input`/`prompt`, `answer`, `output`).
 */
export function inspectTestSetHead(head: string, fileName: string): TestSetShape {
  const keys = firstRowKeys(head, fileName);
  const none: TestSetShape = { isTestSet: false, hasOutput: false, fields: {} };
  if (!keys) return none;
  const lowerKeys = new Map(keys.map((k) => [k.toLowerCase(), k]));
  const find = (role: keyof typeof ROLE_NAMES): string | undefined => {
    for (const name of ROLE_NAMES[role]) {
      const k = lowerKeys.get(name);
      if (k !== undefined) return k;
    }
    return undefined;
  };
  const question = find('question');
  const answer = find('answer');
  const output = find('output');
  if (!question || !answer) return none;
  const fields: Partial<FieldMap> = {};
  if (!['question', 'input', 'prompt'].includes(question)) fields.question = [question];
  if (answer !== 'answer' && answer !== 'answers') fields.answer = [answer];
  if (output && output !== 'output') fields.output = [output];
  return { isTestSet: true, hasOutput: output !== undefined, fields };
}

/** Cutoffs a starter config picks from: round numbers of output tokens. */
export const CUTOFF_LADDER: readonly number[] = [16, 32, 48, 64, 96, 128, 160, 192, 256, 320, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576, 32768];

/**
 * Cutoffs that suit traces whose full lengths (output tokens) are `lengths`: the ladder's values up
 * to about the 95th percentile (5% above it, so a p95 of 201 still gets 192), at most `max` of
 * them, the longest kept (short cutoffs on long traces only cut before the answer).
 */
export function cutoffsForLengths(lengths: readonly number[], max = 10): number[] {
  if (lengths.length === 0) return [];
  const sorted = [...lengths].sort((a, b) => a - b);
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] as number;
  const fit = CUTOFF_LADDER.filter((k) => k <= p95 * 1.05);
  return fit.length > 0 ? fit.slice(-max) : [Math.max(1, Math.round(p95))];
}

/** What goes into a starter config. */
export interface StarterChoices {
  /** Workspace-relative test set paths that exist. */
  testSets: string[];
  /** Workspace-relative prompt file that exists, or null. */
  prompt: string | null;
  /** Fields to set when the test set uses other names than the defaults. */
  fields?: Partial<FieldMap>;
  /** Detected from the test set; the defaults are written when absent. */
  detected?: DetectedPresets;
  /** Cutoffs for the traces' lengths; the defaults are written when absent or empty. */
  cutoffs?: readonly number[];
  /** Most traces have a thinking block: the thinking policies are written (see {@link startersForTraces}). */
  thinking?: boolean;
}

/**
 * Cutoffs and policy family for a starter config from the traces themselves (`outputs`) and their
 * complete traces' lengths in tokens: when most traces have a thinking block, the thinking ladder up
 * to the p95 length and `thinking: true` (the sweep's adaptive defaults), else {@link cutoffsForLengths}.
 */
export function startersForTraces(outputs: readonly string[], lengths: readonly number[]): { cutoffs: number[]; thinking: boolean } {
  const thinking = outputs.length > 0 && outputs.filter((o) => splitTrace(o) !== null).length * 2 > outputs.length;
  if (!thinking || lengths.length === 0) return { cutoffs: cutoffsForLengths(lengths), thinking };
  const sorted = [...lengths].sort((a, b) => a - b);
  return { cutoffs: thinkingCutoffs(sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] as number), thinking };
}

const DEFAULT_STARTER_CUTOFFS = [32, 64, 96, 128, 160, 192, 256, 320, 384, 512, 768, 1024];

/** The text of a starter `promptbudget.json` for these choices (two-space JSON, no `$schema`: the extension contributes it). */
export function starterConfigText(c: StarterChoices): string {
  const config: Record<string, unknown> = { testSets: c.testSets };
  if (c.prompt) config.prompt = c.prompt;
  if (c.fields && Object.keys(c.fields).length > 0) config.fields = c.fields;
  config.encoding = 'o200k_base';
  config.cutoffs = c.cutoffs && c.cutoffs.length > 0 ? [...c.cutoffs] : DEFAULT_STARTER_CUTOFFS;
  config.policies = (c.thinking ? THINKING_DYNAMIC_POLICIES : DEFAULT_DYNAMIC_POLICIES).map(policyName);
  const ex = c.detected?.extract ?? { preset: 'last-number' };
  config.extract = ex.preset === 'regex' ? ex : ex.preset;
  config.match = c.detected?.match.preset ?? 'numeric';
  config.margin = 1;
  config.prices = { inputPer1M: 2.5, outputPer1M: 10 };
  // Short arrays on one line, as people write them.
  return `${JSON.stringify(config, null, 2).replace(/\[\n\s+([^[\]{}]*?)\n\s+\]/g, (_, body: string) => `[${body.split(/,\n\s+/).join(', ')}]`)}\n`;
}
