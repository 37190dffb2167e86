import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CodePromptCounter, CodePromptScanner, scanCodePrompts } from '../../../src/node/codePromptScanner';
import { countTokens, getTokenizer } from '../../../src/core/tokens';
import type { CodeLanguage } from '../../../src/core/codePrompts';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'code');
const OPTIONS = { minProseChars: 200 };

/** A deterministic generator, so a failure names the edit that broke it. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SNIPPETS = ['x', ' ', '\n', '"', "'", '`', '{', '}', '(', ')', ' + ', 'prompt', '_', 'system = ', 'content=', '"""', 'f"', '${a}', '#', '\\', 'Explain the answer in words. '];

async function checkRandomEdits(file: string, language: CodeLanguage, seed: number, steps: number): Promise<void> {
  let text = readFileSync(join(FIXTURES, file), 'utf8');
  const scanner = await CodePromptScanner.create(language, OPTIONS);
  const rand = lcg(seed);
  try {
    assert.equal(scanner.update(text).incremental, false);
    for (let step = 0; step < steps; step++) {
      const at = Math.floor(rand() * (text.length + 1));
      const del = rand() < 0.3 ? Math.floor(rand() * 4) : 0;
      const ins = rand() < 0.8 ? SNIPPETS[Math.floor(rand() * SNIPPETS.length)] : '';
      text = text.slice(0, at) + ins + text.slice(at + del);
      const got = scanner.update(text);
      const want = await scanCodePrompts(text, language, OPTIONS);
      assert.deepEqual(got.prompts, want, `${file} seed ${seed} step ${step}: insert ${JSON.stringify(ins)} at ${at}, delete ${del}`);
    }
  } finally {
    scanner.dispose();
  }
}

describe('CodePromptScanner: incremental updates equal a fresh parse', () => {
  it('Python, 150 random edits', () => checkRandomEdits('prompts.py', 'python', 7, 150));
  it('TypeScript, 150 random edits', () => checkRandomEdits('prompts.ts', 'typescript', 11, 150));
  it('JavaScript, 150 random edits', () => checkRandomEdits('prompts.js', 'javascript', 13, 150));

  it('typing into a literal recounts only that literal', async () => {
    const tok = getTokenizer('o200k_base');
    let calls = 0;
    const counter = new CodePromptCounter(await CodePromptScanner.create('python', OPTIONS), (t) => {
      calls++;
      return countTokens(tok, t);
    });
    try {
      let text = readFileSync(join(FIXTURES, 'prompts.py'), 'utf8');
      const first = counter.update(text);
      assert.equal(first.recounted, 5);
      let pos = text.indexOf('careful') + 'careful'.length;
      for (const ch of ' and patient') {
        text = text.slice(0, pos) + ch + text.slice(pos);
        pos++;
        const r = counter.update(text);
        assert.equal(r.incremental, true);
        assert.equal(r.recounted, 1);
      }
      assert.ok(text.includes('careful and patient math tutor'), text.slice(0, 200));
      const last = counter.update(text).prompts[0];
      assert.equal(last.count, countTokens(tok, last.text).count);
      assert.equal(calls, 5 + ' and patient'.length);
    } finally {
      counter.dispose();
    }
  });
});
