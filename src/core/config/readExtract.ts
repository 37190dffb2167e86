import type { Node } from 'jsonc-parser';
import { EXTRACT_PRESETS } from '../extract';
import type { ExtractConfig } from '../types';
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

/** `extract`: a preset name, or an object with a regex pattern, group and flags. Undefined on any error. */
export function readExtract(r: NodeReader, node: Node): ExtractConfig | undefined {
  if (node.type === 'string') {
    const preset = r.oneOf(node, 'extract', 'extract preset', EXTRACT_PRESETS);
    if (preset === 'regex') {
      r.issue(node, 'the regex preset needs a pattern: write { "preset": "regex", "pattern": "…", "group": 1 }');
      return undefined;
    }
    return preset === undefined ? undefined : { preset };
  }
  if (!r.object(node, 'extract')) return undefined;
  const before = r.issues.filter((i) => i.severity === 'error').length;
  const out: ExtractConfig = { preset: DEFAULT_CONFIG.extract.preset };
  const props = r.properties(node);
  const get = (k: string): Node | undefined => props.filter(([key]) => key === k).pop()?.[1];
  const presetNode = get('preset');
  const patternNode = get('pattern');
  if (presetNode) out.preset = r.oneOf(presetNode, 'extract.preset', 'extract preset', EXTRACT_PRESETS) ?? out.preset;
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
  } else if (out.pattern !== undefined && out.group === undefined) {
    out.group = groups >= 1 ? 1 : 0;
  }
  if (out.preset === 'regex' && flags !== '') out.flags = flags;
  for (const [key, , keyNode] of props) {
    if (!['preset', 'pattern', 'group', 'flags'].includes(key)) {
      r.issue(keyNode, `unknown setting "extract.${key}"${suggest(key, ['preset', 'pattern', 'group', 'flags'])}; ignored`, 'warning');
    }
  }
  const after = r.issues.filter((i) => i.severity === 'error').length;
  return after > before ? undefined : out;
}
