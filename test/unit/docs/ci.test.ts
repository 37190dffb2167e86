// docs/ci.md is executable documentation: every command it shows is run here against a copy of sample/.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startMockServer, type MockRow, type MockServer } from '../../support/openaiMockServer';
import { junitSchemaErrors } from '../../support/junitSchema';

// Runs every command of docs/ci.md: the GitHub workflow's `run:` lines one by one (as Actions does,
// `bash -e`), and each shell block as one script, in a git repository laid out like sample/ whose
// "pull request" commit grows the prompt. The built CLI is installed by `npm ci` from a local
// package, and a loopback OpenAI-compatible server replays the sample's recorded outputs.

const repo = resolve(__dirname, '../../..');
const sample = join(repo, 'sample');
const doc = readFileSync(join(repo, 'docs', 'ci.md'), 'utf8');
const API_KEY = 'ci-doc-test-key';
const GROWTH = '\nCheck the units of every quantity before you add them, and write each step on its own line so a reader can follow it.\n';

/** The fenced blocks of a language, in order. */
function blocks(lang: string): string[] {
  return [...doc.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]);
}

/** The `run:` scripts of a workflow, single-line or `run: |` blocks. */
function runLines(yaml: string): string[] {
  const lines = yaml.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(?:- )?run: (.*)$/.exec(lines[i]);
    if (!m) continue;
    if (m[2].trim() !== '|') {
      out.push(m[2]);
      continue;
    }
    const body: string[] = [];
    const indent = m[1].length;
    while (i + 1 < lines.length && (lines[i + 1].trim() === '' || lines[i + 1].search(/\S/) > indent)) body.push(lines[++i].trim());
    out.push(body.join('\n'));
  }
  return out;
}

/** Runs a script with `bash -e`, asynchronously: the mock server lives in this process and must keep answering. */
function sh(cmd: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('bash', ['-e', '-c', cmd], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

function git(args: string, cwd: string): string {
  const r = spawnSync('bash', ['-e', '-c', `git -c user.name=ci -c user.email=ci@example.com -c commit.gpgsign=false ${args}`], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe('docs/ci.md', function () {
  this.timeout(600_000);
  let root: string;
  let server: MockServer;

  /** A repository like sample/ with the CLI as a devDependency; base commit, then one that grows the prompt. */
  function workspace(name: string): { ws: string; baseSha: string; env: NodeJS.ProcessEnv } {
    // Each in its own folder, since the recipes check the base out next to the repository (../base).
    const ws = join(root, name, 'repo');
    mkdirSync(join(ws, 'prompts'), { recursive: true });
    for (const f of ['promptbudget.json', 'testset.jsonl', 'prompts/solve.prompt.md']) copyFileSync(join(sample, f), join(ws, f));
    writeFileSync(join(ws, 'package.json'), JSON.stringify({ name: `ws-${name}`, private: true, devDependencies: { 'prompt-budget': `file:${join(root, 'pkg')}` } }, null, 2));
    writeFileSync(join(ws, '.gitignore'), 'node_modules/\n.prompt-budget-cache/\n');
    const env = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
    const install = spawnSync('npm', ['install'], { cwd: ws, env, encoding: 'utf8' });
    assert.equal(install.status, 0, install.stderr);
    git('init -q -b main', ws);
    git('add -A', ws);
    git('commit -q -m base', ws);
    const baseSha = git('rev-parse HEAD', ws);
    writeFileSync(join(ws, 'prompts/solve.prompt.md'), readFileSync(join(ws, 'prompts/solve.prompt.md'), 'utf8') + GROWTH);
    git('commit -q -am "longer prompt"', ws);
    return {
      ws,
      baseSha,
      env: {
        ...env,
        BASE_SHA: baseSha,
        PROMPT_BUDGET_BASE_URL: server.baseUrl,
        PROMPT_BUDGET_MODEL: 'replay',
        PROMPT_BUDGET_API_KEY: API_KEY,
        GITHUB_WORKSPACE: ws,
        GITHUB_STEP_SUMMARY: join(root, `${name}-step-summary.md`),
      },
    };
  }

  before(async () => {
    const cli = join(repo, 'dist', 'cli.js');
    assert.ok(existsSync(cli), 'dist/cli.js is not built: run npm run build first (npm test does)');
    root = mkdtempSync(join(tmpdir(), 'pb-ci-doc-'));
    // The built CLI as an installable package without dependencies (the bundle needs none).
    mkdirSync(join(root, 'pkg', 'dist'), { recursive: true });
    copyFileSync(cli, join(root, 'pkg', 'dist', 'cli.js'));
    writeFileSync(join(root, 'pkg', 'package.json'), JSON.stringify({ name: 'prompt-budget', version: '0.0.0-ci', bin: { 'prompt-budget': 'dist/cli.js' } }));
    const rows: MockRow[] = readFileSync(join(sample, 'testset.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as MockRow);
    server = await startMockServer({ rows, apiKey: API_KEY, tokensPerChunk: 100_000 });
  });

  after(async () => {
    await server?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function checkReports(ws: string): Promise<void> {
    for (const f of ['sweep-junit.xml', 'compare-junit.xml']) assert.deepEqual(await junitSchemaErrors(readFileSync(join(ws, f), 'utf8')), [], f);
    const sweep = readFileSync(join(ws, 'sweep-junit.xml'), 'utf8');
    assert.match(sweep, /<testsuite name="prompt-budget sweep" tests="2" failures="0"/);
    assert.match(sweep, /<property name="cases" value="600"\/>/);
    assert.match(sweep, /<property name="recommendation.policy" value="marker:0"\/>/);
    const compare = readFileSync(join(ws, 'compare-junit.xml'), 'utf8');
    const after = JSON.parse(readFileSync(join(ws, 'after.json'), 'utf8'));
    const before = JSON.parse(readFileSync(join(ws, 'before.json'), 'utf8'));
    // The replayed outputs are the same, so only the prompt grew: paired, no EM or output change.
    assert.equal(before.prompt.tokens, 118);
    assert.ok(after.prompt.tokens > 130, `the grown prompt has ${after.prompt.tokens} tokens`);
    assert.equal(after.baseline.em, before.baseline.em);
    assert.equal(after.baseline.em, 0.91);
    const grew = `${(((after.prompt.tokens - 118) / 118) * 100).toFixed(1)}%`;
    assert.match(compare, /<testsuite name="prompt-budget compare" tests="3" failures="1"/);
    assert.ok(compare.includes(`<failure message="gate --max-token-increase: prompt tokens 118 → ${after.prompt.tokens} (+${grew}), allowed +10.0%"`), compare);
    assert.match(compare, /<system-out>gate --max-token-increase: baseline mean output tokens \(paired, 600 cases\) 135\.9 → 135\.9 \(0\.0%\), allowed \+10\.0%<\/system-out>/);
    const summary = readFileSync(join(ws, 'summary.md'), 'utf8');
    assert.match(summary, /^# Prompt Budget sweep/m);
    assert.match(summary, /^# Prompt Budget: what this change costs/m);
    assert.match(summary, new RegExp(`prompt tokens: 118 → ${after.prompt.tokens} \\(\\+${grew.replace('.', '\\.')}\\)`));
  }

  it('the GitHub workflow: every run: line, in order, with the live cache reused', async () => {
    const [yaml] = blocks('yaml');
    const runs = runLines(yaml);
    assert.equal(runs.length, 11, runs.join('\n'));
    for (const r of runs) assert.ok(!r.includes('${{'), `no expressions inside scripts (injection): ${r}`);
    const { ws, env } = workspace('gha');
    const codes: number[] = [];
    for (const cmd of runs) {
      const r = await sh(cmd, ws, env);
      codes.push(r.status ?? -1);
      if (r.status !== 0 && !cmd.includes('compare before.json after.json --format junit')) assert.fail(`${cmd}\nexit ${r.status}\n${r.stderr}`);
    }
    // Only the compare gate fails: the pull request grew the prompt by more than 10%.
    assert.deepEqual(codes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    await checkReports(ws);
    assert.equal(readFileSync(env.GITHUB_STEP_SUMMARY as string, 'utf8'), readFileSync(join(ws, 'summary.md'), 'utf8'));
    // Base and head differ only in the prompt: 1,200 generations, all cached now; a re-run sends none.
    const sent = server.requests.length;
    assert.equal(sent, 1200);
    const again = await sh(runs[2], ws, env);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(server.requests.length, sent, 'the live cache answers a re-run');
  });

  it('the plain shell script: one run, both gates reported, exit 1 from the compare gate', async () => {
    const [script] = blocks('sh');
    const { ws, env } = workspace('shell');
    // The CI cache would restore the live cache; seeding it from the workflow's run keeps this test short.
    const cached = join(root, 'gha', 'repo', '.prompt-budget-cache');
    if (existsSync(cached)) cpSync(cached, join(ws, '.prompt-budget-cache'), { recursive: true });
    const sentBefore = server.requests.length;
    const r = await sh(script, ws, env);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /gate --max-token-increase: prompt tokens 118 → \d+ \(\+\d+\.\d%\), allowed \+10\.0%/);
    await checkReports(ws);
    if (existsSync(cached)) assert.equal(server.requests.length, sentBefore, 'every generation came from the restored cache');
  });

  it('prompt size only: count reports of the base and the pull request, gated', async () => {
    const [, script] = blocks('sh');
    const { ws, env } = workspace('count');
    const r = await sh(script, ws, env);
    assert.equal(r.status, 1, r.stderr);
    const xml = readFileSync(join(ws, 'count-junit.xml'), 'utf8');
    assert.deepEqual(await junitSchemaErrors(xml), []);
    assert.match(xml, /<failure message="gate --max-token-increase: prompt tokens \(total\) 118 → \d+ \(\+\d+\.\d%\), allowed \+10\.0%"/);
    const before = JSON.parse(readFileSync(join(ws, 'count-before.json'), 'utf8'));
    assert.deepEqual(before.files.map((f: { file: string }) => f.file), ['prompts/solve.prompt.md']);
  });
});
