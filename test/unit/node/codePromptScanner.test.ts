// The editor's incremental parse must equal a fresh parse after every edit (random edits, seeded).
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

/** Applies random edits; after each, the incremental prompts must equal a fresh parse's. Returns how many skipped the parser. */
async function checkRandomEdits(file: string, language: CodeLanguage, seed: number, steps: number): Promise<number> {
  let text = readFileSync(join(FIXTURES, file), 'utf8');
  const scanner = await CodePromptScanner.create(language, OPTIONS);
  const rand = lcg(seed);
  let unparsed = 0;
  try {
    assert.equal(scanner.update(text).incremental, false);
    for (let step = 0; step < steps; step++) {
      // Half the edits land inside a prompt's text, where typing usually happens.
      const prompts = scanner.update(text).prompts;
      const inside = prompts.length > 0 && rand() < 0.5 ? prompts[Math.floor(rand() * prompts.length)] : undefined;
      const at = inside?.body ? inside.body.start + Math.floor(rand() * (inside.body.end - inside.body.start + 1)) : Math.floor(rand() * (text.length + 1));
      const del = rand() < 0.3 ? Math.floor(rand() * 4) : 0;
      const ins = rand() < 0.8 ? SNIPPETS[Math.floor(rand() * SNIPPETS.length)] : '';
      text = text.slice(0, at) + ins + text.slice(at + del);
      const got = scanner.update(text);
      if (!got.parsed) unparsed++;
      const want = await scanCodePrompts(text, language, OPTIONS);
      assert.deepEqual(got.prompts, want, `${file} seed ${seed} step ${step}: insert ${JSON.stringify(ins)} at ${at}, delete ${del}`);
    }
  } finally {
    scanner.dispose();
  }
  return unparsed;
}

/** Keywords of the fixtures: typing inside one is a syntax error, which the other test covers. */
const KEYWORDS = new Set('def return import from const let export function if else for in class await async new as type interface with not and or is None True False lambda while try except raise yield var default extends typeof of'.split(' '));
const WORD_SNIPPETS = ['x', 'prompt', '_', 'System', '2', 'if', 'string', 'type', 'content', 'Template', ''];

/**
 * Edits inside names, inside literals of every kind and spaces between tokens (typing that skips
 * the parser when the tree keeps its shape): after each, the incremental prompts must equal a fresh parse's. Returns how many
 * skipped the parser.
 */
async function checkTokenEdits(file: string, language: CodeLanguage, seed: number, steps: number): Promise<number> {
  let text = readFileSync(join(FIXTURES, file), 'utf8');
  const scanner = await CodePromptScanner.create(language, OPTIONS);
  const rand = lcg(seed);
  let unparsed = 0;
  try {
    scanner.update(text);
    for (let step = 0; step < steps; step++) {
      const pick = rand();
      if (pick < 0.2) {
        // A space or tab after an operator, a comma or a bracket: between tokens, or inside a literal.
        const spots = [...text.matchAll(/[=,(+:]/g)].map((m) => (m.index ?? 0) + 1);
        const at = spots[Math.floor(rand() * spots.length)];
        const ins = rand() < 0.8 ? ' ' : '\t ';
        text = text.slice(0, at) + ins + text.slice(at);
        const got = scanner.update(text);
        if (!got.parsed) unparsed++;
        assert.deepEqual(got.prompts, await scanCodePrompts(text, language, OPTIONS), `${file} seed ${seed} step ${step}: insert ${JSON.stringify(ins)} at ${at}`);
        continue;
      }
      const inName = pick < 0.65;
      const words = [...text.matchAll(inName ? /[A-Za-z_][A-Za-z0-9_]*/g : /(["'])[\w ./:-]+\1/g)].filter((m) => !KEYWORDS.has(m[0]));
      const w = words[Math.floor(rand() * words.length)];
      // Inside the token (after its first character, before a literal's closing quote), as typing there would be.
      const end = (w.index ?? 0) + w[0].length - (w[0].length > 1 && /^["'`]/.test(w[0]) ? 1 : 0);
      const at = Math.min(end, (w.index ?? 0) + 1 + Math.floor(rand() * Math.max(1, w[0].length - 1)));
      const del = rand() < 0.3 ? Math.min(end - at, Math.floor(rand() * 3)) : 0;
      const ins = inName || rand() < 0.7 ? WORD_SNIPPETS[Math.floor(rand() * WORD_SNIPPETS.length)] : ' ';
      text = text.slice(0, at) + ins + text.slice(at + del);
      const got = scanner.update(text);
      if (!got.parsed) unparsed++;
      const want = await scanCodePrompts(text, language, OPTIONS);
      assert.deepEqual(got.prompts, want, `${file} seed ${seed} step ${step}: insert ${JSON.stringify(ins)} at ${at}, delete ${del}`);
    }
  } finally {
    scanner.dispose();
  }
  return unparsed;
}

describe('CodePromptScanner: incremental updates equal a fresh parse', () => {
  // Each run must also have taken the no-parse path for some edits inside literals, or it tested nothing.
  it('Python, 300 random edits', async () => assert.ok((await checkRandomEdits('prompts.py', 'python', 7, 300)) > 30));
  it('TypeScript, 300 random edits', async () => assert.ok((await checkRandomEdits('prompts.ts', 'typescript', 11, 300)) > 30));
  it('JavaScript, 300 random edits', async () => assert.ok((await checkRandomEdits('prompts.js', 'javascript', 13, 300)) > 30));

  // Edits in names and literals: most keep the tree's shape and skip the parser, and must still equal a fresh parse.
  it('Python, 300 edits inside names and literals', async () => assert.ok((await checkTokenEdits('prompts.py', 'python', 17, 300)) > 200));
  it('TypeScript, 300 edits inside names and literals', async () => assert.ok((await checkTokenEdits('prompts.ts', 'typescript', 19, 300)) > 200));
  it('TSX, 300 edits inside names and literals', async () => assert.ok((await checkTokenEdits('Prompt.tsx', 'tsx', 23, 300)) > 200));

  it('renaming a constant to a prompt name makes its literal a prompt without the parser', async () => {
    const scanner = await CodePromptScanner.create('python', OPTIONS);
    try {
      let text = 'import os\nSYSTEM = "x"\nGREETING = "Be brief and kind."\n';
      assert.deepEqual(scanner.update(text).prompts.map((p) => p.text), []);
      for (const ch of '_PROMPT') {
        const at = text.indexOf(' = "Be');
        text = text.slice(0, at) + ch + text.slice(at);
        const r = scanner.update(text);
        assert.equal(r.parsed, false, `typing ${ch}`);
      }
      const last = scanner.update(text).prompts;
      assert.deepEqual(last.map((p) => [p.text, p.reason]), [['Be brief and kind.', 'assigned to GREETING_PROMPT']]);
      // A space between tokens keeps the tree's shape too.
      text = text.replace('GREETING_PROMPT =', 'GREETING_PROMPT = ');
      const spaced = scanner.update(text);
      assert.equal(spaced.parsed, false);
      assert.deepEqual(spaced.prompts, await scanCodePrompts(text, 'python', OPTIONS));
      // A name becoming a keyword needs the parser.
      text = text.replace('SYSTEM =', 'i =');
      scanner.update(text);
      text = text.replace('i =', 'if =');
      assert.equal(scanner.update(text).parsed, true);
    } finally {
      scanner.dispose();
    }
  });

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
        assert.equal(r.parsed, false);
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
