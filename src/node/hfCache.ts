// Finding Hugging Face tokenizers on disk without loading them: the editor offers the cache's
// tokenizers in its encoding picker, and must not bundle tokenizer code (hfTokenizerFiles.ts loads).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';

/** Where a Hugging Face tokenizer's files are, and the name figures are labelled with. */
export interface HfTokenizerLocation {
  name: string;
  /** Absolute path of tokenizer.json. */
  tokenizerJson: string;
  /** Absolute path of tokenizer_config.json, when there is one beside it. */
  tokenizerConfig?: string;
}

const CACHE_MODEL = /^models--([^/\\]+?)--(.+)$/;

/**
 * The name of the model a tokenizer.json belongs to: `org/name` inside a Hugging Face cache
 * (`models--org--name/snapshots/<rev>/`), else the config's `name_or_path`, else the folder's name
 * (with its parent's when the folder is a generic `models` or `tokenizer`).
 */
export function tokenizerName(tokenizerJson: string, config: Record<string, unknown> = {}): string {
  const parts = resolve(tokenizerJson).split(sep);
  const snap = parts.lastIndexOf('snapshots');
  if (snap > 0) {
    const m = CACHE_MODEL.exec(parts[snap - 1]);
    if (m) return `${m[1]}/${m[2].replace(/--/g, '/')}`;
  }
  if (typeof config.name_or_path === 'string' && config.name_or_path.trim() !== '') return config.name_or_path.trim();
  const folder = dirname(resolve(tokenizerJson));
  const name = basename(folder);
  return name === 'models' || name === 'tokenizer' ? `${basename(dirname(folder))}/${name}` : name;
}

/**
 * The absolute path of a tokenizer that promptbudget.json's `tokenizer` names, which is relative to
 * the config's folder. The CLI and the editor both resolve it here, so the path an exported policy
 * records (`tokenizer.path`, for the proxy) is the same string from either.
 */
export function configTokenizerPath(configFile: string, tokenizer: string): string {
  return resolve(dirname(configFile), tokenizer);
}

/** The Hugging Face hub cache folder: `$HF_HUB_CACHE`, `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
export function hfCacheDir(env: Record<string, string | undefined> = process.env, home = homedir()): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'huggingface', 'hub');
}

/**
 * The tokenizers in a Hugging Face cache: for each `models--<org>--<name>` with a snapshot holding
 * tokenizer.json, the most recently modified snapshot. Sorted by name; empty when there is no cache.
 */
export function listCachedTokenizers(cacheDir: string): HfTokenizerLocation[] {
  let models: string[];
  try {
    models = readdirSync(cacheDir).filter((d) => CACHE_MODEL.test(d));
  } catch {
    return [];
  }
  const found: HfTokenizerLocation[] = [];
  for (const model of models) {
    const snapshots = join(cacheDir, model, 'snapshots');
    let best: { file: string; mtimeMs: number } | undefined;
    let revs: string[];
    try {
      revs = readdirSync(snapshots);
    } catch {
      continue;
    }
    for (const rev of revs) {
      const file = join(snapshots, rev, 'tokenizer.json');
      try {
        const mtimeMs = statSync(file).mtimeMs;
        if (!best || mtimeMs > best.mtimeMs) best = { file, mtimeMs };
      } catch {
        // A snapshot without tokenizer.json (weights only): not offered.
      }
    }
    if (!best) continue;
    const configPath = join(dirname(best.file), 'tokenizer_config.json');
    found.push({ name: tokenizerName(best.file), tokenizerJson: best.file, tokenizerConfig: existsSync(configPath) ? configPath : undefined });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}
