// The bench's load section requires the built extension bundle with `vscode` stubbed; a bundle that
// reads a vscode value at load time (a class field, a top-level constant) must still load there.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { benchLoad } from '../../../bench/loadBench';

const root = path.resolve(__dirname, '../../..');

describe('bench/loadBench', () => {
  it('loads dist/extension.js with the vscode stub and reports its size and a load time', function () {
    this.timeout(60000);
    const file = path.join(root, 'dist', 'extension.js');
    if (!existsSync(file)) assert.fail('dist/ is not built: run npm run build first (npm test does)');
    const [figures] = benchLoad([file], 1);
    assert.equal(figures.bundle, file);
    assert.ok(figures.bytes > 100_000, `${figures.bytes} bytes`);
    assert.ok(Number.isFinite(figures.medianMs) && figures.medianMs > 0, `${figures.medianMs} ms`);
  });
});
