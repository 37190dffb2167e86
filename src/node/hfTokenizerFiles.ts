import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createHfTokenizer, type HfTokenizer } from '../core/hfTokenizer';
import { tokenizerName, type HfTokenizerLocation } from './hfCache';

export { hfCacheDir, listCachedTokenizers, tokenizerName, type HfTokenizerLocation } from './hfCache';

/**
 * Resolves `--tokenizer` / `tokenizer` in promptbudget.json: a tokenizer.json file, or a folder
 * holding one (and usually tokenizer_config.json). Relative paths resolve against `baseDir`.
 * Throws an Error naming the path when there is no tokenizer.json.
 */
export function locateTokenizer(path: string, baseDir = process.cwd()): Omit<HfTokenizerLocation, 'name'> {
  const full = resolve(baseDir, path);
  if (!existsSync(full)) throw new Error(`${path}: no such file or folder (want a tokenizer.json or a folder with one)`);
  const file = statSync(full).isDirectory() ? join(full, 'tokenizer.json') : full;
  if (!existsSync(file)) throw new Error(`${path}: no tokenizer.json in this folder`);
  const configPath = join(dirname(file), 'tokenizer_config.json');
  return { tokenizerJson: file, tokenizerConfig: existsSync(configPath) ? configPath : undefined };
}

const loaded = new Map<string, { mtimeMs: number; tokenizer: HfTokenizer }>();

/**
 * Loads (and keeps, until the file changes) the Hugging Face tokenizer at `path`. Throws an Error
 * naming the file when it is missing or not a tokenizer.
 */
export function loadHfTokenizer(path: string, baseDir = process.cwd()): HfTokenizer {
  const where = locateTokenizer(path, baseDir);
  const mtimeMs = statSync(where.tokenizerJson).mtimeMs;
  const have = loaded.get(where.tokenizerJson);
  if (have && have.mtimeMs === mtimeMs) return have.tokenizer;
  const json = readFileSync(where.tokenizerJson, 'utf8');
  let config: Record<string, unknown> = {};
  if (where.tokenizerConfig) {
    try {
      config = JSON.parse(readFileSync(where.tokenizerConfig, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${where.tokenizerConfig}: ${(e as Error).message}`, { cause: e });
    }
  }
  let tokenizer: HfTokenizer;
  try {
    tokenizer = createHfTokenizer({ name: tokenizerName(where.tokenizerJson, config), tokenizerJson: json, tokenizerConfig: config });
  } catch (e) {
    throw new Error(`${where.tokenizerJson}: ${(e as Error).message}`, { cause: e });
  }
  loaded.set(where.tokenizerJson, { mtimeMs, tokenizer });
  return tokenizer;
}
