/**
 * A prompt file's front matter (`---` lines at the top, `key: value` inside) and what the "as sent"
 * count of the file uses: the model's chat template (a tokenizer folder) or, for OpenAI models, the
 * documented per-message overhead. The front matter is not part of the prompt: the body is.
 */
import type { EncodingName } from './types';

/** The front matter fields Prompt Budget reads, and the body after it. */
export interface PromptFrontMatter {
  /** `model:` as written (an OpenAI model name picks its encoding). */
  model?: string;
  /** `tokenizer:` as written: a tokenizer.json or a folder with it (relative to the prompt file), or an encoding name. */
  tokenizer?: string;
  /** `role:` the message the body is sent as; `user` unless it says `system`. */
  role: 'system' | 'user';
  /** The prompt without its front matter. */
  body: string;
  /** UTF-16 offset where the body starts (0 without front matter). */
  bodyStart: number;
  /** 0-based line where the body starts (0 without front matter), so body lines map back to the file's. */
  bodyLine: number;
  /** A front matter problem, with its 1-based line (`line 3: role must be system or user`). */
  error?: string;
}

/** Reads the front matter of a prompt file; a file without one is all body. Unknown keys are ignored. */
export function parseFrontMatter(text: string): PromptFrontMatter {
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const open = /^---[ \t]*\r?\n/.exec(text.slice(bom));
  if (!open) return { role: 'user', body: text, bodyStart: 0, bodyLine: 0 };
  const out: PromptFrontMatter = { role: 'user', body: text, bodyStart: 0, bodyLine: 0 };
  let at = bom + open[0].length;
  let line = 2;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl + 1;
    const raw = text.slice(at, end).replace(/\r?\n$/, '');
    if (/^(---|\.\.\.)[ \t]*$/.test(raw)) {
      out.body = text.slice(end);
      out.bodyStart = end;
      out.bodyLine = line;
      return out;
    }
    const kv = /^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$/.exec(raw);
    if (kv) {
      const value = unquote(kv[2].replace(/[ \t]+#.*$/, ''));
      const key = kv[1].toLowerCase();
      if (key === 'model' && value) out.model = value;
      else if (key === 'tokenizer' && value) out.tokenizer = value;
      else if (key === 'role') {
        if (value === 'system' || value === 'user') out.role = value;
        else out.error ??= `line ${line}: role must be system or user (got ${JSON.stringify(value)})`;
      }
    }
    at = end;
    line++;
  }
  // No closing line: not front matter after all.
  return { role: 'user', body: text, bodyStart: 0, bodyLine: 0 };
}

function unquote(v: string): string {
  const m = /^(["'])(.*)\1$/.exec(v);
  return m ? m[2] : v;
}

/** The OpenAI encoding of a model name (`gpt-4o-mini` → o200k_base), or undefined for other models. */
export function openAiEncodingOf(model: string): EncodingName | undefined {
  const m = model.trim().toLowerCase().replace(/^openai\//, '');
  if (/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o[134](-|$)|gpt-oss)/.test(m)) return 'o200k_base';
  if (/^(gpt-4|gpt-3\.5)/.test(m)) return 'cl100k_base';
  return undefined;
}

/** What the "as sent" count renders and counts with. */
export type AsSentTarget =
  | { kind: 'tokenizer'; path: string; relativeTo: 'prompt' | 'config'; source: string }
  | { kind: 'openai'; encoding: EncodingName; source: string };

/**
 * Where the "as sent" count comes from: the front matter's `tokenizer:` (a path, or an encoding
 * name) or `model:` (an OpenAI model), else the config's `tokenizer`, else its live `model` when
 * that is an OpenAI model. Undefined when nothing names the model (the plain count stays alone).
 */
export function asSentTarget(fm: Pick<PromptFrontMatter, 'model' | 'tokenizer'>, config?: { tokenizer: string | null; model: string }): AsSentTarget | undefined {
  const encodingName = (t: string): EncodingName | undefined => (t === 'o200k_base' || t === 'cl100k_base' ? t : undefined);
  if (fm.tokenizer) {
    const enc = encodingName(fm.tokenizer);
    return enc ? { kind: 'openai', encoding: enc, source: 'front matter tokenizer' } : { kind: 'tokenizer', path: fm.tokenizer, relativeTo: 'prompt', source: 'front matter tokenizer' };
  }
  if (fm.model) {
    const enc = openAiEncodingOf(fm.model);
    if (enc) return { kind: 'openai', encoding: enc, source: `front matter model ${fm.model}` };
  }
  if (config?.tokenizer) return { kind: 'tokenizer', path: config.tokenizer, relativeTo: 'config', source: 'promptbudget.json tokenizer' };
  const enc = config?.model ? openAiEncodingOf(config.model) : undefined;
  return enc && config ? { kind: 'openai', encoding: enc, source: `promptbudget.json live.model ${config.model}` } : undefined;
}

/** What names the model when the front matter does not: the config's `tokenizer` and live `model`. */
export interface PromptConfigModel {
  tokenizer: string | null;
  model: string;
}

/** A prompt file's front matter and what its body counts in (none: the caller's own tokenizer). */
export interface PromptPlan {
  fm: PromptFrontMatter;
  target?: AsSentTarget;
}

/**
 * Reads the front matter and picks what the body counts in: front matter, then the config. The
 * editor, `count` and the sweep all count a prompt file's body by this plan (promptFileCount.ts).
 */
export function promptPlan(text: string, config?: PromptConfigModel): PromptPlan {
  const fm = parseFrontMatter(text);
  const target = asSentTarget(fm, config);
  return target ? { fm, target } : { fm };
}
