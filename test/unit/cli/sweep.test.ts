// `prompt-budget sweep` in-process and as the built binary: the GSM8K baseline figure through the JSON
// contract, reproducibility for a seed, file:line problems, the gates' exit codes and each output format.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repo, runCli as run } from './runCli';
import { junitSchemaErrors } from '../../support/junitSchema';

const shared = resolve(repo, '../shared/data');
const gsm8k = join(shared, 'gsm8k_faithfulcot_gpt4_cot.jsonl');
const sampleDir = join(repo, 'sample');

describe('cli sweep', () => {
  it('reproduces the GSM8K full-length figure (1234 / 1319) through the JSON contract', async () => {
    const r = await run(['sweep', gsm8k, '--extract', 'last-number', '--match', 'numeric', '--cutoffs', '64,128,256', '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.equal(json.cases, 1319);
    assert.equal(json.skipped, 0);
    assert.equal(json.encoding, 'o200k_base');
    // 1234 of 1319 right at full length: the figure the data README gives for last-number + numeric.
    assert.equal(json.baseline.correct, 1234);
    assert.ok(Math.abs(json.baseline.em - 1234 / 1319) < 1e-12);
    // The baseline comes first, then --cutoffs in order, then the default dynamic policies.
    const names = json.rows.map((row: { policy: string }) => row.policy);
    assert.deepEqual(names.slice(0, 4), ['full', 'cutoff:64', 'cutoff:128', 'cutoff:256']);
    for (const row of json.rows) {
      for (const key of ['policy', 'em', 'deltaEm', 'ci95', 'mcnemarP', 'meanTokens', 'p95Tokens', 'savings', 'cutBeforeAnswer', 'flipsToWrong', 'flipsToRight']) {
        assert.ok(key in row, `row ${row.policy} lacks ${key}`);
      }
      assert.equal(row.ci95.length, 2);
      // 1e-12: the CI and ΔEM are computed separately and may differ in the last bit.
      assert.ok(row.ci95[0] <= row.deltaEm + 1e-12 && row.deltaEm <= row.ci95[1] + 1e-12, `${row.policy}: CI must contain ΔEM`);
      assert.ok(row.em >= 0 && row.em <= 1);
    }
    const full = json.rows[0];
    assert.equal(full.deltaEm, 0);
    assert.deepEqual(full.ci95, [0, 0]);
    assert.equal(full.savings, 0);
    const c64 = json.rows[1];
    assert.ok(c64.savings > 0.3, `cutoff:64 should save many tokens on GSM8K traces, got ${c64.savings}`);
    assert.ok(c64.em < full.em, 'cutting GSM8K traces at 64 tokens must lose accuracy');
    assert.ok(c64.flipsToWrong > 0 && c64.cutBeforeAnswer >= 0);
    assert.ok(json.recommendation === null || typeof json.recommendation.policy === 'string');
  });

  it('is reproducible for a seed and names cutoffs cutoff:<K>', async () => {
    const a = await run(['sweep', join(sampleDir, 'testset.jsonl'), '--config', join(sampleDir, 'promptbudget.json'), '--format', 'json', '--seed', '7']);
    const b = await run(['sweep', join(sampleDir, 'testset.jsonl'), '--config', join(sampleDir, 'promptbudget.json'), '--format', 'json', '--seed', '7']);
    assert.equal(a.code, 0, a.err);
    // Same seed, byte-identical JSON: the bootstrap and cross-validation are fully seeded.
    assert.equal(a.out, b.out);
    const json = JSON.parse(a.out);
    assert.ok(json.rows.some((r: { policy: string }) => r.policy === 'cutoff:64'));
    assert.ok(json.rows.some((r: { policy: string }) => r.policy.startsWith('stability:')));
    assert.ok(json.rows.some((r: { policy: string }) => r.policy.startsWith('marker:')));
    assert.ok(json.recommendation, 'the sample must yield a recommendation');
    assert.ok(json.recommendation.savings > 0.2, `the sample's recommendation should save tokens, got ${json.recommendation.savings}`);
  });

  it('reports bad lines as file:line and still scores the good ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'));
    const file = join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ id: 'a', question: 'q', answer: '4', output: 'So 2+2 = 4. The answer is 4.' }),
        '{not json',
        JSON.stringify({ id: 'b', question: 'q', output: 'The answer is 5.' }),
        JSON.stringify({ id: 'c', question: 'q', answer: '6', output: 'We get 6.' }),
      ].join('\n'),
    );
    const r = await run(['sweep', file, '--cutoffs', '4', '--format', 'json', '--folds', '0']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /bad\.jsonl:2(:\d+)?: invalid JSON/);
    assert.match(r.err, /bad\.jsonl:3: missing gold answer/);
    const json = JSON.parse(r.out);
    assert.equal(json.cases, 2);
    // Line 2 is not JSON and line 3 has no gold answer; the other two are scored.
    assert.equal(json.skipped, 2);
    assert.equal(json.baseline.correct, 2);
  });

  it('exits 2 with a one-line reason on bad usage and unreadable input', async () => {
    const missing = await run(['sweep', '/nonexistent/file.jsonl']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /^prompt-budget: cannot read test set \/nonexistent\/file\.jsonl: no such file\n$/);
    const badFlag = await run(['sweep', gsm8k, '--margin', 'lots']);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.err, /--margin lots: expected/);
    // Ranges are checked once, in core; the CLI names its flag and the value as typed.
    for (const [flag, value, expect] of [
      ['--margin', '100.5', 'EM points between 0 and 100'],
      ['--seed', '1.5', 'an integer'],
      ['--resamples', '50', 'an integer ≥ 100'],
      ['--folds', '1', '0 (off) or an integer ≥ 2'],
      ['--folds', ' ', '0 (off) or an integer ≥ 2'],
    ]) {
      const bad = await run(['sweep', gsm8k, flag, value]);
      assert.equal(bad.code, 2, `${flag} ${value}`);
      assert.equal(bad.err, `prompt-budget: ${flag} ${value}: expected ${expect}\n`);
    }
    const badPolicy = await run(['sweep', gsm8k, '--policies', 'cutoff:-3']);
    assert.equal(badPolicy.code, 2);
    assert.match(badPolicy.err, /cutoff:-3/);
    const unknown = await run(['frobnicate']);
    assert.equal(unknown.code, 2);
    const unknownFlag = await run(['sweep', gsm8k, '--bogus']);
    assert.equal(unknownFlag.code, 2);
  });

  it('exits 1 when a gate fails and 0 when it passes', async () => {
    const args = ['sweep', join(sampleDir, 'testset.jsonl'), '--config', join(sampleDir, 'promptbudget.json'), '--folds', '0'];
    // The sample's recommendation saves far more than 5% and far less than 99%.
    const pass = await run([...args, '--require-savings', '5']);
    assert.equal(pass.code, 0, pass.err);
    const fail = await run([...args, '--require-savings', '99']);
    assert.equal(fail.code, 1);
    assert.match(fail.err, /gate --require-savings/);
  });

  it('--format junit: one test case per gate given, failures with the figures, headline properties, schema-valid', async () => {
    const args = ['sweep', join(sampleDir, 'testset.jsonl'), '--config', join(sampleDir, 'promptbudget.json'), '--folds', '0', '--format', 'junit'];
    const r = await run([...args, '--require-savings', '90', '--max-em-loss', '1', '--fail-underpowered']);
    assert.equal(r.code, 1, 'a failed gate keeps exit code 1');
    assert.deepEqual(await junitSchemaErrors(r.out), []);
    const names = [...r.out.matchAll(/<testcase name="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(names, ['--require-savings 90', '--max-em-loss 1', '--fail-underpowered']);
    assert.match(r.out, /<testsuite name="prompt-budget sweep" tests="3" failures="1" errors="0"/);
    assert.match(r.out, /<failure message="gate --require-savings: recommended marker:0 saves 38\.8%, need ≥ 90\.0%" type="GateFailed">/);
    assert.match(r.out, /<system-out>gate --max-em-loss: recommended marker:0 loses 0\.2 pts EM, allowed 1\.0<\/system-out>/);
    const props = Object.fromEntries([...r.out.matchAll(/<property name="([^"]*)" value="([^"]*)"\/>/g)].map((m) => [m[1], m[2]]));
    assert.equal(props.cases, '600');
    assert.equal(props['baseline.em'], '0.91');
    assert.equal(props['recommendation.policy'], 'marker:0');
    assert.equal(Number(props['recommendation.savings']).toFixed(3), '0.388');
    assert.equal(Number(props['recommendation.deltaEm']).toFixed(4), '-0.0017');
    assert.ok(Number(props['recommendation.ci95Low']) < Number(props['recommendation.deltaEm']));
    assert.ok(Number(props['recommendation.ci95High']) > Number(props['recommendation.deltaEm']));
    assert.equal(r.err.trim(), 'gate --require-savings: recommended marker:0 saves 38.8%, need ≥ 90.0%');
  });

  it('--format junit with no gate: one passing test case "sweep" that names the recommendation', async () => {
    const r = await run(['sweep', join(sampleDir, 'testset.jsonl'), '--config', join(sampleDir, 'promptbudget.json'), '--folds', '0', '--format', 'junit']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(await junitSchemaErrors(r.out), []);
    assert.equal([...r.out.matchAll(/<testcase /g)].length, 1);
    assert.match(r.out, /<testcase name="sweep" classname="prompt-budget.sweep" time="0">\n {6}<system-out>600 cases · baseline EM 91\.0% · answer marker \+ 0 tok: −39% tokens/);
    assert.ok(!r.out.includes('<failure'));
  });

  it('renders markdown and csv', async () => {
    const args = ['sweep', join(sampleDir, 'testset.jsonl'), '--config', join(sampleDir, 'promptbudget.json'), '--folds', '0'];
    const md = await run([...args, '--format', 'md']);
    assert.match(md.out, /^# Prompt Budget sweep/);
    assert.match(md.out, /\| policy \| mean tok \|/);
    const csv = await run([...args, '--format', 'csv']);
    const lines = csv.out.trim().split('\n');
    assert.equal(lines[0].split(',')[0], 'policy');
    assert.equal(lines[1].split(',')[0], 'full');
  });

  it('the built binary runs end to end with exit codes', function () {
    const bin = join(repo, 'dist/cli.js');
    // Only after `npm run build`; npm test builds first, so CI always runs it.
    if (!existsSync(bin)) this.skip();
    const ok = spawnSync(process.execPath, [bin, 'count', join(sampleDir, 'prompts/solve.prompt.md'), '--format', 'json'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.ok(JSON.parse(ok.stdout).total > 50);
    const bad = spawnSync(process.execPath, [bin, 'sweep', '/nonexistent.jsonl'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  });
});
