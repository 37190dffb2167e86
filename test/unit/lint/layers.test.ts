// The layer rules are only worth something if they reject: deliberately wrong imports are linted against
// them, next to the arrows the style guide allows.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const root = join(__dirname, '..', '..', '..');

/** Lints `code` as if it were the file `path` of src/, with the project's layer rules only. */
async function importErrors(path: string, code: string): Promise<string[]> {
  // The same rules the repository's lint runs, loaded from their own file.
  const url = pathToFileURL(join(root, 'eslint.layers.mjs')).href;
  const { layerConfigs } = (await import(url)) as { layerConfigs: Linter.Config[] };
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser as Linter.Parser }, plugins: { '@typescript-eslint': tseslint.plugin as never } }, ...layerConfigs],
  });
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('lint: layer rules (eslint.layers.mjs)', function () {
  this.timeout(30000);

  it('refuses an import of src/cli from every other layer', async () => {
    for (const path of ['src/core/x.ts', 'src/core/live/x.ts', 'src/extension/x.ts', 'src/extension/live/x.ts', 'src/worker/x.ts', 'src/node/x.ts', 'src/runtime/x.ts', 'src/shared/x.ts', 'src/webview/x.ts']) {
      // The ../ count that reaches src/ from the file's folder.
      const depth = path.split('/').length - 2;
      const errors = await importErrors(path, `import { runCommand } from '${'../'.repeat(depth)}cli/runCommand';\nexport const f = runCommand;\n`);
      assert.equal(errors.length, 1, `${path}: ${errors.join('; ')}`);
      assert.match(errors[0], /Nothing imports src\/cli/);
    }
  });

  it('refuses anything outside src/core from core, and Node built-ins', async () => {
    for (const target of ['../node/fileCacheStore', '../extension/settings', '../shared/format', '../worker/workerProtocol', '../runtime/index', '../webview/main']) {
      const errors = await importErrors('src/core/x.ts', `import { a } from '${target}';\nexport const f = a;\n`);
      assert.equal(errors.length, 1, `${target}: ${errors.join('; ')}`);
      assert.match(errors[0], /src\/core must not import/);
    }
    assert.match((await importErrors('src/core/live/x.ts', `import { a } from '../../node/fileCacheStore';\nexport const f = a;\n`))[0], /src\/core must not import src\/node/);
    assert.match((await importErrors('src/core/x.ts', `import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n`))[0], /no Node-only modules/);
    assert.match((await importErrors('src/core/x.ts', `import * as vscode from 'vscode';\nexport const f = vscode;\n`))[0], /Only src\/extension imports vscode/);
  });

  it('allows the arrows the style guide names', async () => {
    const ok: [string, string][] = [
      ['src/core/live/x.ts', `import { a } from '../tokens';`],
      ['src/core/x.ts', `import { parse } from 'csv-parse/stream';`],
      ['src/cli/x.ts', `import { a } from '../core/sweep';\nimport { b } from '../node/fileCacheStore';`],
      ['src/worker/x.ts', `import { a } from '../core/sweep';\nimport { b } from '../node/fileCacheStore';`],
      ['src/extension/x.ts', `import * as vscode from 'vscode';\nimport { a } from '../shared/format';\nimport type { B } from '../worker/workerProtocol';`],
      ['src/webview/x.ts', `import type { SweepRow } from '../core/types';\nimport { a } from '../shared/format';`],
      ['src/runtime/x.ts', `import { a } from '../core/policies';`],
      // The proxy server (a Node adapter) runs the runtime's policy runs.
      ['src/node/x.ts', `import { a } from '../runtime/createPolicyRun';\nimport { b } from '../core/policies';`],
      // The one exception: the pure number formatter is shared by the CLI and the UI.
      ['src/shared/x.ts', `import { formatP } from '../core/format';\nexport const f = formatP;`],
      ['src/webview/x.ts', `import { formatP } from '../core/format';\nexport const f = formatP;`],
      // And the export rule, which imports nothing but types either.
      ['src/shared/x.ts', `export { policyExportRule } from '../core/policyExportRule';`],
      ['src/webview/x.ts', `import { tagPlanDiffers } from '../core/policyExportRule';\nexport const f = tagPlanDiffers;`],
    ];
    for (const [path, code] of ok) assert.deepEqual(await importErrors(path, `${code}\n`), [], path);
  });

  it('lets the webview and shared see core types only, and keeps rank tables out of the extension host', async () => {
    assert.match((await importErrors('src/webview/x.ts', `import { runSweep } from '../core/sweep';\nexport const f = runSweep;\n`))[0], /src\/webview must not import src\/core/);
    assert.match((await importErrors('src/shared/x.ts', `import { runSweep } from '../core/sweep';\nexport const f = runSweep;\n`))[0], /src\/shared must not import src\/core/);
    assert.match((await importErrors('src/shared/x.ts', `import { formatCount } from '../core/formatting';\nexport const f = formatCount;\n`))[0], /src\/shared must not import src\/core/);
    assert.match((await importErrors('src/shared/x.ts', `import { a } from '../core/format/x';\nexport const f = a;\n`))[0], /src\/shared must not import src\/core/);
    assert.match((await importErrors('src/shared/x.ts', `export { runtimeUnsupported } from '../core/policyExport';\n`))[0], /src\/shared must not import src\/core/);
    assert.match((await importErrors('src/extension/x.ts', `import { countTokens } from '../core/tokens';\nexport const f = countTokens;\n`))[0], /must not load rank tables/);
    assert.match((await importErrors('src/extension/x.ts', `import { encode } from 'gpt-tokenizer';\nexport const f = encode;\n`))[0], /must not load rank tables/);
    assert.match((await importErrors('src/webview/x.ts', `import { readFileSync } from 'fs';\nexport const f = readFileSync;\n`))[0], /no Node-only modules/);
  });

  it('keeps Hugging Face tokenizer code out of the extension host, but lets it list the cache', async () => {
    assert.match((await importErrors('src/extension/x.ts', `import { Tokenizer } from '@huggingface/tokenizers';\nexport const f = Tokenizer;\n`))[0], /must not load rank tables/);
    assert.match((await importErrors('src/extension/x.ts', `import { createHfTokenizer } from '../core/hfTokenizer';\nexport const f = createHfTokenizer;\n`))[0], /must not load tokenizer code/);
    assert.match((await importErrors('src/extension/x.ts', `import { loadHfTokenizer } from '../node/hfTokenizerFiles';\nexport const f = loadHfTokenizer;\n`))[0], /list tokenizers with node\/hfCache/);
    assert.deepEqual(await importErrors('src/extension/x.ts', `import { listCachedTokenizers } from '../node/hfCache';\nimport type { HfTokenizer } from '../core/hfTokenizer';\nexport const f = listCachedTokenizers;\nexport type T = HfTokenizer;\n`), []);
  });
});
