// STYLE.md's comment band, kept by a test: the count is scripts/commentDensity.mjs, which a developer
// also runs by hand to see where a folder stands.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(__dirname, '..', '..', '..');

interface Density {
  folder: string;
  comment: number;
  nonBlank: number;
  density: number;
}
interface Script {
  BAND: { min: number; max: number };
  countLines(text: string): { nonBlank: number; comment: number };
  commentDensity(root: string): Density[];
}

const load = async (): Promise<Script> => (await import(pathToFileURL(join(root, 'scripts', 'commentDensity.mjs')).href)) as Script;

describe('lint: comment density (scripts/commentDensity.mjs)', () => {
  it('counts comment-only lines of // and /* */ blocks, not blank lines or trailing comments', async () => {
    const { countLines } = await load();
    const text = ['/**', ' * Doc.', ' */', 'export const a = 1; // trailing', '', '// why', 'const b = 2;', '/* one */ const c = 3;'].join('\n');
    // 7 non-blank lines; the 3 JSDoc lines and `// why` are comment only; the two lines with code are not.
    assert.deepEqual(countLines(text), { nonBlank: 7, comment: 4 });
  });

  it('does not take // or /* inside strings, templates or regular expressions for comments', async () => {
    const { countLines } = await load();
    const text = [
      "const url = 'https://example.test/a';",
      'const t = `line one',
      '// still the template ${"}"} text',
      '`;',
      "const re = /\\/\\/[\"']/g;",
      'const s = "/* not a comment";',
      '// a comment',
    ].join('\n');
    assert.deepEqual(countLines(text), { nonBlank: 7, comment: 1 });
  });

  it('finds every folder of src/ and test/unit inside 6–16%', async () => {
    const { BAND, commentDensity } = await load();
    const rows = commentDensity(root);
    // The eight layers of the README's Development section, and the unit tests.
    assert.deepEqual(rows.map((r) => r.folder).sort(), ['src/cli', 'src/core', 'src/extension', 'src/node', 'src/runtime', 'src/shared', 'src/webview', 'src/worker', 'test/unit']);
    const out = rows.filter((r) => r.density < BAND.min || r.density > BAND.max).map((r) => `${r.folder} ${(100 * r.density).toFixed(1)}% (${r.comment} of ${r.nonBlank} lines)`);
    assert.deepEqual(out, []);
  });
});
