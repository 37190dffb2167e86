import type { Node } from 'jsonc-parser';
import { MATCH_PRESETS } from '../match';
import type { MatchConfig } from '../types';
import type { NodeReader } from './nodeReader';
import { DEFAULT_CONFIG } from './promptBudgetConfig';
import { regexError } from './readExtract';
import { suggest } from './suggest';

/** `match`: a preset name, or an object with the preset and its normalisation options. */
export function readMatch(r: NodeReader, node: Node): MatchConfig {
  const fallback = { ...DEFAULT_CONFIG.match };
  if (node.type === 'string') {
    const preset = r.oneOf(node, 'match', 'match preset', MATCH_PRESETS);
    return preset === undefined ? fallback : { preset };
  }
  if (!r.object(node, 'match')) return fallback;
  const out: MatchConfig = { preset: fallback.preset };
  for (const [key, value, keyNode] of r.properties(node)) {
    switch (key) {
      case 'preset':
        out.preset = r.oneOf(value, 'match.preset', 'match preset', MATCH_PRESETS) ?? out.preset;
        break;
      case 'ignoreCase':
      case 'ignorePunctuation': {
        const b = r.boolean(value, `match.${key}`);
        if (b !== undefined) out[key] = b;
        break;
      }
      case 'regexesToIgnore': {
        const items = r.list(value, 'match.regexesToIgnore');
        if (!items) break;
        const regexes: string[] = [];
        for (const item of items) {
          const s = r.string(item, 'match.regexesToIgnore[]', true);
          if (s === undefined) continue;
          try {
            new RegExp(s);
            regexes.push(s);
          } catch (e) {
            r.issue(item, regexError(e));
          }
        }
        out.regexesToIgnore = regexes;
        break;
      }
      default:
        r.issue(keyNode, `unknown setting "match.${key}"${suggest(key, ['preset', 'ignoreCase', 'ignorePunctuation', 'regexesToIgnore'])}; ignored`, 'warning');
    }
  }
  return out;
}
