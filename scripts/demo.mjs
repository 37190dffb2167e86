#!/usr/bin/env node
// Try the extension in a real VS Code: builds and packages it, installs the e2e tools if needed,
// and serves a fresh copy of sample/ in code-server on 127.0.0.1 until Ctrl+C.
//   node scripts/demo.mjs [--port N] [--folder DIR]
//   PROMPT_BUDGET_VSIX=/abs/x.vsix skips build and package and installs that file instead.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { register } from 'tsx/cjs/api';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: { port: { type: 'string' }, folder: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (args.help) {
  console.log('usage: node scripts/demo.mjs [--port N] [--folder DIR]   (env PROMPT_BUDGET_VSIX=/abs/file.vsix)');
  process.exit(0);
}

function run(cmd, cmdArgs) {
  console.log(`[demo] $ ${[cmd, ...cmdArgs].join(' ')}`);
  const res = spawnSync(cmd, cmdArgs, { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.status !== 0) {
    console.error(`[demo] ${cmd} ${cmdArgs.join(' ')} failed (${res.error?.message ?? `exit ${res.status ?? res.signal}`})`);
    process.exit(1);
  }
}

let vsix = process.env.PROMPT_BUDGET_VSIX;
if (vsix) {
  vsix = path.resolve(vsix);
  console.log(`[demo] using ${vsix} (PROMPT_BUDGET_VSIX); skipping build and package`);
} else {
  vsix = path.join(repo, 'dist/prompt-budget.vsix');
  run('npm', ['run', 'build']);
  const scripts = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')).scripts ?? {};
  if (scripts.package) run('npm', ['run', 'package']);
  else run('npx', ['vsce', 'package', '--no-dependencies', '-o', 'dist/prompt-budget.vsix']);
}
if (!existsSync(vsix)) {
  console.error(`[demo] ${vsix} does not exist`);
  process.exit(1);
}
run('bash', [path.join(repo, 'scripts/e2e/setupTools.sh')]);

// The main job on the bundled sample, as the CLI prints it; the editor shows the same numbers.
// Then the reasoning sample: thinking traces, letters A–J, thinking vs answer tokens.
if (!args.folder && existsSync(path.join(repo, 'dist/cli.js'))) {
  run(process.execPath, [path.join(repo, 'dist/cli.js'), 'sweep', 'sample/testset.jsonl', '--config', 'sample/promptbudget.json']);
  run(process.execPath, [path.join(repo, 'dist/cli.js'), 'sweep', 'sample/thinking.jsonl', '--config', 'sample/thinking.promptbudget.json']);
}

const folder = path.resolve(repo, args.folder ?? 'sample');
if (!existsSync(folder)) {
  console.error(`[demo] ${folder} does not exist`);
  process.exit(1);
}

register();
const { startCodeServer } = createRequire(import.meta.url)('../test/e2e/harness.ts');
const port = args.port === undefined ? undefined : Number(args.port);
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
  console.error(`[demo] --port ${args.port} is not a port number`);
  process.exit(1);
}

console.log('[demo] starting code-server …');
const cs = await startCodeServer({ workspace: folder, copyWorkspace: true, vsix, ...(port ? { port } : {}) });
let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\n[demo] ${signal}: stopping code-server …`);
  await cs.stop();
  console.log('[demo] stopped');
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void shutdown(signal));
void cs.exited.then(async (code) => {
  if (stopping) return;
  stopping = true;
  console.error(`[demo] code-server exited on its own (code ${code}); last log lines:\n${cs.logs().split('\n').slice(-20).join('\n')}`);
  await cs.stop();
  process.exit(1);
});

console.log(`[demo] serving a copy of ${path.relative(repo, folder) || folder} (your files are not modified): ${cs.workspace}`);
console.log(`[demo] Open ${cs.url}/?folder=${encodeURIComponent(cs.workspace)}`);
console.log('[demo] (bound to 127.0.0.1 only; from another machine: ssh -L <port>:127.0.0.1:<port> …). Ctrl+C stops.');
