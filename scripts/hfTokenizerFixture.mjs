// Writes the reference ids that test/unit/core/hfTokenizer.test.ts compares `--tokenizer` counts
// with: every trace of the shared reasoning files, encoded by @lenml/tokenizers (a second
// implementation, a fork of transformers.js v3, not the @huggingface/tokenizers the product uses)
// with the tokenizer files the @lenml/tokenizer-* packages ship. One line per trace: id, token
// count and an FNV-1a hash of the ids, so the fixture stays small.
// Run: node scripts/hfTokenizerFixture.mjs   (deterministic; the output is committed under test/fixtures/hfTokenizer/)
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { TokenizerLoader } = require('@lenml/tokenizers');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const data = resolve(root, '../shared/data');

/** FNV-1a (32-bit) over the ids as little-endian 32-bit words; the test computes the same. */
export function idsHash(ids) {
  let h = 0x811c9dc5;
  for (const id of ids) for (let s = 0; s < 32; s += 8) h = Math.imul(h ^ ((id >>> s) & 0xff), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

const TOKENIZERS = ['qwen3', 'llama3'];
const FILES = ['math_thoughtanchors_r1distill_think.jsonl', 'gsm8k_thoughtology_deepseek_r1.jsonl'];

for (const name of TOKENIZERS) {
  const pkg = `@lenml/tokenizer-${name}`;
  const models = dirname(require.resolve(`${pkg}/models/tokenizer.json`));
  const tokenizer = TokenizerLoader.fromPreTrained({
    tokenizerJSON: JSON.parse(readFileSync(join(models, 'tokenizer.json'), 'utf8')),
    tokenizerConfig: JSON.parse(readFileSync(join(models, 'tokenizer_config.json'), 'utf8')),
  });
  const version = JSON.parse(readFileSync(join(models, '..', 'package.json'), 'utf8')).version;
  const reference = JSON.parse(readFileSync(join(root, 'node_modules/@lenml/tokenizers/package.json'), 'utf8')).version;
  for (const file of FILES) {
    const path = join(data, file);
    if (!existsSync(path)) throw new Error(`missing ${path}`);
    const lines = [`# ${pkg}@${version} tokenizer.json, encoded by @lenml/tokenizers@${reference} (no special tokens added); ${file}`, '# id count fnv1a(ids)'];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const row = JSON.parse(line);
      const ids = tokenizer.encode(row.output, { add_special_tokens: false });
      lines.push(`${row.id} ${ids.length} ${idsHash(ids)}`);
    }
    const out = join(root, 'test/fixtures/hfTokenizer', `${name}.${file.replace(/\.jsonl$/, '')}.txt`);
    writeFileSync(out, `${lines.join('\n')}\n`);
    console.log(`${out}: ${lines.length - 2} traces`);
  }
}
