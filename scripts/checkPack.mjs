// Packs the package (`npm pack`, which builds it through `prepack`), installs the tarball into a
// scratch project in a temp dir, and checks that `prompt-budget/runtime` works there from ESM and
// CJS, with types (tsc, node16 resolution), and that an exported `--snippet` type-checks and runs.
// The tarball must hold exactly the PACKED files.
// Usage: node scripts/checkPack.mjs [--keep]   (exit 0 when every check passes)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'prompt-budget-pack-'));
const started = Date.now();
const step = (what) => console.log(`checkPack: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
const run = (cmd, args, cwd, opts = {}) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts });

/** Exactly what the npm package holds: the CLI with the grammars it parses code with, the runtime with its types, the docs. */
const PACKED = [
  'CHANGELOG.md',
  'LICENSE',
  'README.md',
  'dist/cli.js',
  'dist/runtime/index.cjs',
  'dist/runtime/index.d.cts',
  'dist/runtime/index.d.mts',
  'dist/runtime/index.mjs',
  'dist/wasm/tree-sitter-javascript.wasm',
  'dist/wasm/tree-sitter-python.wasm',
  'dist/wasm/tree-sitter-tsx.wasm',
  'dist/wasm/tree-sitter-typescript.wasm',
  'dist/wasm/web-tree-sitter.wasm',
  'docs/ci.md',
  'docs/runtime.md',
  'package.json',
];

const POLICY = {
  format: 'prompt-budget-policy',
  version: 1,
  policy: 'cutoff:8',
  spec: { kind: 'cutoff', tokens: 8 },
  encoding: 'o200k_base',
  engine: 'gpt-tokenizer',
  extract: { preset: 'last-number' },
  match: { preset: 'numeric' },
};
const TEXT = 'We have 3 apples and 4 pears so 7 fruits in total here today.';
const body = (imp) => `${imp}
const stopper = createStopper(${JSON.stringify(POLICY)});
let d = { stop: false };
for (const w of ${JSON.stringify(TEXT)}.split(/(?<= )/)) { d = stopper.push(w); if (d.stop) break; }
if (!d.stop || d.tokens !== 8 || d.answer !== '4' || stopper.keptText() !== 'We have 3 apples and 4') {
  console.error('unexpected decision', d, JSON.stringify(stopper.keptText()));
  process.exit(1);
}
console.log('ok', JSON.stringify(d));
`;

/** A budget policy run with a complete() callback: stops past 8 thinking tokens and returns the forced answer. */
const BUDGET = { ...POLICY, policy: 'budget:8', spec: { kind: 'budget', tokens: 8 }, extract: { preset: 'boxed' } };
const THINKING_TRACE = `<think>${TEXT} ${TEXT}</think>So \\boxed{7}.`;
const budgetBody = (imp) => `${imp}
(async () => {
  const prompts = [];
  const complete = async (prompt, { maxTokens }) => { prompts.push({ prompt, maxTokens }); return { text: '7}', tokens: 2 }; };
  const run = createPolicyRun(${JSON.stringify(BUDGET)}, { complete, messages: [{ role: 'user', content: 'How many fruits?' }] });
  let stopped = false;
  for (const w of ${JSON.stringify(THINKING_TRACE)}.split(/(?<= )/)) if (run.push(w)) { stopped = true; break; }
  const d = await run.finish();
  const p = prompts[0];
  if (!stopped || d.answer !== '7' || d.tokens !== 10 || prompts.length !== 1 || p.maxTokens !== 32 || p.prompt !== 'How many fruits?\\n\\n<think>We have 3 apples and 4\\n</think>\\n\\n**Final Answer**: \\\\boxed{') {
    console.error('unexpected budget run', JSON.stringify({ stopped, d, prompts }));
    process.exit(1);
  }
  console.log('ok', JSON.stringify({ answer: d.answer, tokens: d.tokens }));
})();
`;

try {
  step('npm pack (its prepack script builds the bundles and the declarations)');
  const out = run('npm', ['pack', '--json', '--pack-destination', work], repo);
  // Lifecycle scripts print to stdout before the JSON.
  const packed = JSON.parse(out.slice(out.search(/^\[/m)));
  const tarball = join(work, packed[0].filename);
  const files = packed[0].files.map((f) => f.path);
  // package.json "files" is the allow-list; npm adds package.json, README and LICENSE itself.
  const missing = PACKED.filter((f) => !files.includes(f));
  const extra = files.filter((f) => !PACKED.includes(f));
  if (missing.length || extra.length) throw new Error(`the tarball should hold exactly ${PACKED.join(', ')}; missing: ${missing.join(', ') || 'none'}; unexpected: ${extra.join(', ') || 'none'}`);
  step(`packed ${packed[0].filename}: ${files.length} files, ${(packed[0].size / 1048576).toFixed(1)} MB`);

  const app = join(work, 'app');
  run('mkdir', ['-p', app], work);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true, type: 'commonjs' }, null, 2));
  step('npm install <tarball> into a scratch project');
  run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', '--ignore-scripts'], app);

  writeFileSync(join(app, 'esm.mjs'), body("import { createStopper } from 'prompt-budget/runtime';"));
  writeFileSync(join(app, 'root.mjs'), body("import { createStopper } from 'prompt-budget';"));
  writeFileSync(join(app, 'cjs.cjs'), body("const { createStopper } = require('prompt-budget/runtime');"));
  writeFileSync(join(app, 'budget.mjs'), budgetBody("import { createPolicyRun } from 'prompt-budget/runtime';"));
  writeFileSync(join(app, 'budget.cjs'), budgetBody("const { createPolicyRun } = require('prompt-budget/runtime');"));
  for (const f of ['esm.mjs', 'root.mjs', 'cjs.cjs', 'budget.mjs', 'budget.cjs']) step(`node ${f}: ${run(process.execPath, [f], app).trim()}`);

  // Types: real declarations (a wrong call must be an error) for both the ESM and the CJS condition.
  const typed = `import { createPolicyRun, createStopper, createTagStopper, parseExportedPolicy, type CompleteFn, type ExportedPolicy, type ExportedTagPlan, type PolicyRun, type RunDecision, type StopDecision, type Stopper } from 'prompt-budget/runtime';
const policy: ExportedPolicy = ${JSON.stringify(POLICY)};
const stopper: Stopper = createStopper(policy);
const d: StopDecision = stopper.push('x');
const n: number | undefined = d.tokens;
// @ts-expect-error push takes a string
stopper.push(42);
const plan: ExportedTagPlan = { format: 'prompt-budget-tag-plan', version: 1, byTag: { easy: policy }, fallback: policy };
const perTag: Stopper = createTagStopper(plan, ['easy']);
const complete: CompleteFn = async (prompt, { maxTokens }) => ({ text: prompt.slice(0, maxTokens) });
const run: PolicyRun = createPolicyRun(policy, { complete });
const decided: Promise<RunDecision> = run.finish();
// @ts-expect-error complete must return a promise of { text }
createPolicyRun(policy, { complete: () => 'x' });
export const checked = [n, parseExportedPolicy('{}').error, perTag.policy.policy, decided];
`;
  writeFileSync(join(app, 'typed.mts'), typed);
  writeFileSync(join(app, 'typed.cts'), typed.replace(/^import /, 'import ').replace('export const checked', 'export const checkedCjs'));
  // The installed CLI finds prompt literals in code with the grammars the tarball ships.
  writeFileSync(join(app, 'bot.py'), 'SYSTEM_PROMPT = "You are a careful math tutor. Answer with the number only."\n');
  const counted = JSON.parse(run(process.execPath, [join(app, 'node_modules', 'prompt-budget', 'dist', 'cli.js'), 'count', 'bot.py', '--format', 'json'], app));
  if (counted.files[0].prompts?.length !== 1) throw new Error(`count found no prompt literal in bot.py: ${JSON.stringify(counted)}`);
  step(`prompt-budget count bot.py (installed CLI): ${JSON.stringify(counted.files[0].prompts)}`);
  step('prompt-budget export --snippet (from the installed CLI)');
  const testSet = join(repo, 'sample', 'testset.jsonl');
  const cli = join(app, 'node_modules', 'prompt-budget', 'dist', 'cli.js');
  writeFileSync(join(app, 'snippet.ts'), run(process.execPath, [cli, 'export', '--policy', 'cutoff:16', '--snippet', testSet], app));
  writeFileSync(join(app, 'snippet.mjs'), run(process.execPath, [cli, 'export', '--policy', 'cutoff:16', '--snippet', '--lang', 'js', testSet], app));
  // A budget policy's snippet (createPolicyRun), exported from a trace with a recorded forced answer.
  writeFileSync(join(app, 'traces.jsonl'), `${JSON.stringify({ id: '1', question: 'How many fruits?', answer: '7', output: THINKING_TRACE, forced: [{ atToken: 8, text: '**Final Answer**: \\boxed{7}', tokens: 2 }] })}\n`);
  writeFileSync(join(app, 'budgetSnippet.ts'), run(process.execPath, [cli, 'export', '--policy', 'budget:8', '--extract', 'boxed', '--snippet', 'traces.jsonl'], app));
  // The sample's per-tag plan at a 1-point margin gives its tags different policies.
  const perTagArgs = ['export', '--policy', 'per-tag', testSet, '--config', join(repo, 'sample', 'promptbudget.json'), '--margin', '1', '--snippet'];
  writeFileSync(join(app, 'tagSnippet.ts'), run(process.execPath, [cli, ...perTagArgs], app));
  writeFileSync(join(app, 'tagSnippet.mjs'), run(process.execPath, [cli, ...perTagArgs, '--lang', 'js'], app));
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'es2022', module: 'node16', moduleResolution: 'node16', lib: ['es2022', 'dom'], types: [], strict: true, noEmit: true, skipLibCheck: false },
      files: ['typed.mts', 'typed.cts', 'snippet.ts', 'tagSnippet.ts', 'budgetSnippet.ts'],
    }),
  );
  step('tsc (node16 resolution, strict, declarations checked)');
  run(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app, { stdio: ['ignore', 'inherit', 'inherit'] });

  writeFileSync(
    join(app, 'drive.mjs'),
    `import { answerWithBudget } from './snippet.mjs';
const controller = new AbortController();
async function* stream() { for (const w of ${JSON.stringify(`${TEXT} ${TEXT} ${TEXT}`)}.split(/(?<= )/)) yield { choices: [{ delta: { content: w } }] }; }
const r = await answerWithBudget(stream(), controller);
if (!r.stoppedEarly || r.tokens !== 16 || !controller.signal.aborted) { console.error('snippet run', r); process.exit(1); }
console.log('ok', JSON.stringify({ answer: r.answer, tokens: r.tokens }));
`,
  );
  step(`node drive.mjs (runs the JS snippet): ${run(process.execPath, ['drive.mjs'], app).trim()}`);
  writeFileSync(
    join(app, 'driveTags.mjs'),
    `import { answerWithBudget } from './tagSnippet.mjs';
const TRACE = ${JSON.stringify(`${TEXT} The answer is 7. Let me double-check that once more before I stop.`)};
async function* stream() { for (const w of TRACE.split(/(?<= )/)) yield { choices: [{ delta: { content: w } }] }; }
const out = {};
for (const tag of ['easy', 'hard', 'unknown']) {
  const controller = new AbortController();
  const r = await answerWithBudget(stream(), controller, [tag]);
  out[tag] = { policy: r.policy, answer: r.answer, tokens: r.tokens, stoppedEarly: r.stoppedEarly, aborted: controller.signal.aborted };
}
const ok = out.easy.policy === 'marker:0' && out.easy.stoppedEarly && out.easy.aborted && out.easy.answer === '7' && out.hard.policy !== 'marker:0' && out.unknown.policy === 'full' && !out.unknown.stoppedEarly;
if (!ok) { console.error('per-tag snippet run', JSON.stringify(out)); process.exit(1); }
console.log('ok', JSON.stringify(out));
`,
  );
  step(`node driveTags.mjs (runs the per-tag JS snippet): ${run(process.execPath, ['driveTags.mjs'], app).trim()}`);
  const pkg = JSON.parse(readFileSync(join(app, 'node_modules', 'prompt-budget', 'package.json'), 'utf8'));
  step(`all checks passed for prompt-budget@${pkg.version}`);
} catch (e) {
  console.error(`checkPack: FAILED: ${e.message}`);
  if (e.stdout) console.error(String(e.stdout));
  process.exitCode = 1;
} finally {
  if (keep) console.log(`checkPack: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
