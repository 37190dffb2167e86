// Which folder of src/ may import which: one process or audience per folder (see the README's
// Development section). Kept apart from eslint.config.mjs so test/unit/lint/layers.test.ts can lint
// deliberately wrong imports against exactly these rules.

const NODE_BUILTINS = '^(node:.*|(fs|path|os|child_process|http|https|net|crypto|stream|util|buffer|worker_threads|module|url|zlib|readline|events)(/.*)?)$';
const LAYERS = ['core', 'node', 'worker', 'extension', 'webview', 'shared', 'cli', 'runtime'];

/** A pattern that matches a relative import of another top-level folder of src/, from any depth. */
function layer(name, message, allowTypeImports = false) {
  return { regex: `^(\\.\\./)+${name}(/|$)`, message, allowTypeImports };
}

const vscodeOnlyInExtension = { name: 'vscode', message: 'Only src/extension imports vscode.' };
const noCli = layer('cli', 'Nothing imports src/cli: the CLI is a thin layer over core and node.');

/** Allowed arrows per folder; every other top-level folder is refused. */
const ALLOWED = {
  core: [],
  node: ['core', 'runtime'],
  worker: ['core', 'node'],
  extension: ['core', 'shared', 'worker', 'node'],
  webview: ['shared'],
  shared: [],
  cli: ['core', 'node'],
  runtime: ['core'],
};

/** Folders that may see core's result types (type imports), never its code but core/format. */
const SEES_CORE_TYPES = new Set(['webview', 'shared']);

/** Folders whose code must run outside Node (browser, edge workers) or stay pure. */
const NO_NODE = new Set(['core', 'webview', 'shared', 'runtime']);

function rulesFor(folder) {
  const refused = LAYERS.filter((l) => l !== folder && !ALLOWED[folder].includes(l));
  const patterns = refused.map((l) =>
    l === 'cli'
      ? noCli
      : // The webview and shared may see core's result types, never its code.
        layer(l, `src/${folder} must not import src/${l} (allowed: ${ALLOWED[folder].join(', ') || 'nothing outside itself'}).`, l === 'core' && SEES_CORE_TYPES.has(folder)),
  );
  // The exceptions: src/core/format.ts (the single number formatter of the CLI and the UI) and
  // src/core/policyExportRule.ts (which policies production can apply; the per-tag fallback) import
  // nothing but types, so shared and the webview may value-import exactly those modules.
  if (SEES_CORE_TYPES.has(folder)) {
    const i = patterns.findIndex((p) => p.regex === layer('core', '').regex);
    patterns[i] = { ...patterns[i], regex: '^(\\.\\./)+core(/(?!(format|policyExportRule)$)|$)' };
  }
  if (NO_NODE.has(folder)) patterns.push({ regex: NODE_BUILTINS, message: `src/${folder} is pure or runs in a browser: no Node-only modules.` });
  // Escaping src/ altogether (test helpers, scripts, package.json) is never a layer's business.
  patterns.push({ regex: '^(\\.\\./){2,}(test|bench|scripts)(/|$)', message: 'src/ must not import tests, benchmarks or scripts.' });
  const paths = folder === 'extension' ? [] : [vscodeOnlyInExtension];
  return { '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }] };
}

/** One flat-config block per folder of src/. */
export const layerConfigs = [
  ...LAYERS.map((folder) => ({ files: [`src/${folder}/**/*.ts`], rules: rulesFor(folder) })),
  {
    // The extension host never tokenizes (the worker does): no value import of the tokenizer module.
    files: ['src/extension/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...rulesFor('extension')['@typescript-eslint/no-restricted-imports'][1].patterns,
            { regex: '^(\\.\\./)+core/tokens$', message: 'The extension host must not load rank tables: count in the worker.', allowTypeImports: true },
            { group: ['gpt-tokenizer', 'gpt-tokenizer/*', 'js-tiktoken', 'js-tiktoken/*', '@huggingface/tokenizers', '@huggingface/jinja'], message: 'The extension host must not load rank tables: count in the worker.' },
            { regex: '^(\\.\\./)+core/(hfTokenizer|hfBpe|chatTemplate)$', message: 'The extension host must not load tokenizer code: count in the worker.', allowTypeImports: true },
            { regex: '^(\\.\\./)+node/hfTokenizerFiles$', message: 'The extension host must not load tokenizer code: list tokenizers with node/hfCache, load them in the worker.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/runtime/**/*.ts'],
    rules: { 'no-restricted-globals': ['error', 'process', 'Buffer', '__dirname', '__filename', 'global', 'setImmediate'] },
  },
  {
    // Unit tests and benchmarks run in plain Node: only the editor tests may use the vscode API.
    files: ['test/unit/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [vscodeOnlyInExtension] }] },
  },
];
