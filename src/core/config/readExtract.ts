import type { Node } from 'jsonc-parser';
import { EXTRACT_PRESETS, letterClass } from '../extract';
import { quoteList } from '../issueText';
import type { ExtractConfig, ExtractPreset } from '../types';
import type { NodeReader } from './nodeReader';
import { DEFAULT_CONFIG } from './promptBudgetConfig';
import { suggest } from './suggest';

/** Number of capture groups in a pattern; throws when the pattern is invalid. */
function groupCount(pattern: string, flags: string): number {
  new RegExp(pattern, flags);
  // An empty alternative makes the pattern match '', so exec reports every group.
  const m = new RegExp(`(?:${pattern})|`, flags.replace('g', '')).exec('');
  return m ? m.length - 1 : 0;
}

/** `invalid regular expression: Unterminated group`, without the engine's echo of the pattern. */
export function regexError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /^Invalid regular expression: \/.*\/[a-z]*: (.*)$/s.exec(msg);
  return `invalid regular expression: ${m ? m[1] : msg}`;
}

const EXTRACT_KEYS = ['preset', 'pattern', 'group', 'flags', 'letters', 'then'];

/** A preset name, or a comma-separated chain `after-think,choice-letter` (first preset, then the rest). */
function readPresetString(r: NodeReader, node: Node, key: string, nested: boolean): ExtractConfig | undefined {
  const names = (node.value as string).split(',').map((n) => n.trim());
  if (names.length > 1 && nested) {
    r.issue(node, `"${key}" names one preset; a chain belongs in the top-level "extract"`);
    return undefined;
  }
  const presets: ExtractConfig[] = [];
  for (const name of names) {
    if (!EXTRACT_PRESETS.includes(name as ExtractPreset)) {
      r.issue(node, `unknown extract preset "${name}" (expected ${quoteList(EXTRACT_PRESETS)})`);
      return undefined;
    }
    if (name === 'regex') {
      r.issue(node, 'the regex preset needs a pattern: write { "preset": "regex", "pattern": "…", "group": 1 }');
      return undefined;
    }
    presets.push({ preset: name as ExtractPreset });
  }
  const [head, ...rest] = presets;
  return rest.length > 0 ? { ...head, then: rest } : head;
}

/**
 * `extract`: a preset name, a chain `"after-think,choice-letter"`, or an object with a preset, a
 * regex pattern, group and flags, choice `letters` and a `then` chain. Undefined on any error.
 */
export function readExtract(r: NodeReader, node: Node, key = 'extract', nested = false): ExtractConfig | undefined {
  if (node.type === 'string') return readPresetString(r, node, key, nested);
  if (!r.object(node, key)) return undefined;
  const before = r.issues.filter((i) => i.severity === 'error').length;
  const out: ExtractConfig = { preset: DEFAULT_CONFIG.extract.preset };
  const props = r.properties(node);
  const get = (k: string): Node | undefined => props.filter(([key]) => key === k).pop()?.[1];
  const presetNode = get('preset');
  const patternNode = get('pattern');
  if (presetNode) out.preset = r.oneOf(presetNode, `${key}.preset`, 'extract preset', EXTRACT_PRESETS) ?? out.preset;
  else if (patternNode) out.preset = 'regex';
  const flagsNode = get('flags');
  let flags = '';
  if (flagsNode) {
    const f = r.string(flagsNode, 'extract.flags');
    if (f !== undefined) {
      const bad = [...f].filter((c) => !'gimsu'.includes(c));
      if (bad.length > 0) r.issue(flagsNode, `unsupported regular expression flag "${bad[0]}" (use i, m, s or u)`);
      else flags = f;
    }
  }
  let groups = 0;
  if (patternNode) {
    const pattern = r.string(patternNode, 'extract.pattern', true);
    if (pattern !== undefined) {
      try {
        groups = groupCount(pattern, flags);
        out.pattern = pattern;
      } catch (e) {
        r.issue(patternNode, regexError(e));
      }
    }
  } else if (out.preset === 'regex') {
    r.issue(presetNode ?? node, 'the regex preset needs "pattern"');
  }
  const groupNode = get('group');
  if (groupNode) {
    const g = r.integer(groupNode, 'extract.group', 0);
    if (g !== undefined && out.pattern !== undefined && g > groups) {
      r.issue(groupNode, `group ${g} does not exist: the pattern has ${groups} capture group${groups === 1 ? '' : 's'}`);
    } else if (g !== undefined) out.group = g;
  }
  if (out.preset !== 'regex') {
    for (const [k, n] of [['pattern', patternNode], ['group', groupNode], ['flags', flagsNode]] as const) {
      if (n) r.issue(n, `"extract.${k}" only applies to the regex preset; ignored`, 'warning');
    }
    delete out.pattern;
    delete out.group;
  }
  if (out.preset === 'regex' && flags !== '') out.flags = flags;
  const lettersNode = get('letters');
  if (lettersNode) {
    const letters = r.string(lettersNode, `${key}.letters`, true);
    if (letters !== undefined && letterClass(letters) === null) r.issue(lettersNode, `"${key}.letters" must be upper-case letters such as "A-D" or "ABCD", got "${letters}"`);
    else if (letters !== undefined) out.letters = letters;
  }
  const thenNode = get('then');
  if (thenNode && nested) r.issue(thenNode, `"${key}.then" is only read at the top level of "extract"`);
  else if (thenNode) {
    const items = thenNode.type === 'array' ? (thenNode.children ?? []) : [thenNode];
    const chain = items.map((item, i) => readExtract(r, item, `${key}.then[${i}]`, true));
    if (chain.every((c): c is ExtractConfig => c !== undefined)) out.then = chain;
  }
  for (const [k, , keyNode] of props) {
    if (!EXTRACT_KEYS.includes(k)) {
      r.issue(keyNode, `unknown setting "${key}.${k}"${suggest(k, EXTRACT_KEYS)}; ignored`, 'warning');
    }
  }
  const after = r.issues.filter((i) => i.severity === 'error').length;
  return after > before ? undefined : out;
}
