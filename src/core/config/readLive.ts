import type { Node } from 'jsonc-parser';
import { describe, valueOf } from './jsoncNodes';
import type { NodeReader } from './nodeReader';
import { DEFAULT_CONFIG, type LiveConfig } from './promptBudgetConfig';
import { suggest } from './suggest';

const SECRET_KEYS = /^(api[_-]?key|key|token|secret|authorization|password)$/i;

/** `live`: the endpoint settings; an API key written here is refused with a pointer to secret storage. */
export function readLive(r: NodeReader, node: Node): LiveConfig {
  const out = structuredClone(DEFAULT_CONFIG.live) as LiveConfig;
  if (!r.object(node, 'live')) return out;
  const known = ['baseUrl', 'model', 'maxTokens', 'temperature', 'concurrency', 'timeoutMs', 'probeEvery', 'budgets', 'forceMode', 'assistantPrefix', 'logprobs', 'extraBody', 'arms'];
  for (const [key, value, keyNode] of r.properties(node)) {
    const name = `live.${key}`;
    switch (key) {
      case 'baseUrl': {
        const s = r.string(value, name, true);
        if (s !== undefined) {
          if (isHttpUrl(s)) out.baseUrl = s;
          else r.issue(value, `"live.baseUrl" must be an http:// or https:// URL, got ${describe(s)}`);
        }
        break;
      }
      case 'model':
        out.model = r.string(value, name) ?? out.model;
        break;
      case 'maxTokens':
        out.maxTokens = r.integer(value, name, 1) ?? out.maxTokens;
        break;
      case 'temperature':
        out.temperature = r.number(value, name, 0, 2) ?? out.temperature;
        break;
      case 'concurrency':
        out.concurrency = r.integer(value, name, 1, 64) ?? out.concurrency;
        break;
      case 'timeoutMs':
        out.timeoutMs = r.integer(value, name, 1) ?? out.timeoutMs;
        break;
      case 'probeEvery':
        out.probeEvery = r.integer(value, name, 0) ?? out.probeEvery;
        break;
      case 'budgets': {
        const items = r.list(value, name);
        if (items) {
          const ks = items.map((item, i) => r.integer(item, `${name}[${i}]`, 1));
          if (ks.every((k): k is number => k !== undefined)) out.budgets = [...new Set(ks)].sort((a, b) => a - b);
        }
        break;
      }
      case 'forceMode': {
        const mode = r.string(value, name, true);
        if (mode !== undefined) out.forceMode = mode;
        break;
      }
      case 'assistantPrefix': {
        const on = r.boolean(value, name);
        if (on !== undefined) out.assistantPrefix = on;
        break;
      }
      case 'logprobs': {
        const on = r.boolean(value, name);
        if (on !== undefined) out.logprobs = on;
        break;
      }
      case 'extraBody':
        if (r.object(value, name)) out.extraBody = valueOf(value) as Record<string, unknown>;
        break;
      case 'arms':
        if (r.list(value, name)) out.arms = valueOf(value) as unknown[];
        break;
      default:
        if (SECRET_KEYS.test(key)) {
          r.issue(keyNode, `"${name}" looks like a secret: promptbudget.json is usually committed, so the key is ignored here; use the "Set API Key" command, which keeps it in the editor's secret storage`);
        } else {
          r.issue(keyNode, `unknown setting "${name}"${suggest(key, known)}; ignored`, 'warning');
        }
    }
  }
  return out;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
