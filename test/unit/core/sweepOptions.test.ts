// One resolver of sweep options for the CLI and the editor: precedence, issues, and the same rows either way.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../../src/cli/main';
import type { CliIo } from '../../../src/cli/io';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { DEFAULT_CUTOFFS, DEFAULT_DYNAMIC_POLICIES, policyName } from '../../../src/core/policies';
import { resolveSweepOptions } from '../../../src/core/sweepOptions';
import type { SweepResult } from '../../../src/core/types';
import type { WorkerClient } from '../../../src/extension/workerClient';
import { startWorker } from '../worker/startWorker';

const repo = resolve(__dirname, '../../..');
const gsm8k = resolve(repo, '../shared/data/gsm8k_faithfulcot_gpt4_cot.jsonl');

async function cliJson(args: string[]): Promise<{ rows: { policy: string; em: number; meanTokens: number; ci95: number[] }[]; recommendation: unknown }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: repo, env: {} };
  assert.equal(await main([...args, '--format', 'json'], io), 0, err);
  return JSON.parse(out);
}

/**
 * The editor's path: the sweep controller resolves the workspace config with no overrides
 * (src/extension/sweepController.ts) and the worker thread parses and sweeps the bytes.
 */
async function editorRows(worker: WorkerClient, testSet: string, configPath?: string): Promise<Omit<SweepResult, 'caseResults'>> {
  const config = configPath ? parseConfig(readFileSync(configPath, 'utf8')).config : undefined;
  const { options, issues } = resolveSweepOptions(config, {});
  assert.deepEqual(issues, []);
  return (await worker.call('sweep', { bytes: readFileSync(testSet), fileName: testSet, fields: config?.fields, options })).result;
}

describe('core/sweepOptions', function () {
  this.timeout(120000);
  let dir: string;
  let worker: WorkerClient;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pb-options-'));
    worker = startWorker(dir);
  });

  after(() => {
    worker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with no config sweeps full, the default cutoffs and the default dynamic rules', () => {
    const { options, issues } = resolveSweepOptions(undefined, {});
    assert.deepEqual(issues, []);
    assert.deepEqual(options.policies.map(policyName), [...DEFAULT_CUTOFFS.map((k) => `cutoff:${k}`), ...DEFAULT_DYNAMIC_POLICIES.map(policyName)]);
    assert.deepEqual([options.encoding, options.engine, options.extract, options.match, options.margin], ['o200k_base', 'gpt-tokenizer', { preset: 'last-number' }, { preset: 'numeric' }, 0.01]);
  });

  it('takes overrides over the config over the defaults, and keeps a config without cutoffs as it is', () => {
    const { config } = parseConfig('{ "cutoffs": [32, 64], "margin": 2, "policies": ["marker:0"], "encoding": "cl100k_base" }');
    const fromConfig = resolveSweepOptions(config, {}).options;
    assert.deepEqual(fromConfig.policies.map(policyName), ['cutoff:32', 'cutoff:64', 'marker:0']);
    assert.equal(fromConfig.margin, 0.02);
    assert.equal(fromConfig.encoding, 'cl100k_base');
    const over = resolveSweepOptions(config, { cutoffs: [128], margin: 0.5, encoding: 'o200k_base' }).options;
    assert.deepEqual(over.policies.map(policyName), ['cutoff:128', 'marker:0']);
    assert.equal(over.margin, 0.005);
    assert.equal(over.encoding, 'o200k_base');
    const noCutoffs = resolveSweepOptions(parseConfig('{ "cutoffs": [] }').config, {}).options;
    assert.deepEqual(noCutoffs.policies.map(policyName), DEFAULT_DYNAMIC_POLICIES.map(policyName));
  });

  it('explains a bad policy in the config as an issue on its field', () => {
    const { config } = parseConfig('{ "cutoffs": [], "policies": ["marker:0", "sometimes:3"] }');
    const { options, issues } = resolveSweepOptions(config, {});
    assert.equal(issues.length, 1);
    assert.equal(issues[0].severity, 'error');
    assert.equal(issues[0].field, 'policies');
    assert.match(issues[0].message, /sometimes:3/);
    assert.deepEqual(options.policies.map(policyName), ['marker:0']);
  });

  it('gives the CLI and the editor the same rows without a config (shared GSM8K file)', async () => {
    const cli = await cliJson(['sweep', gsm8k]);
    const editor = await editorRows(worker, gsm8k);
    assert.deepEqual(cli.rows.map((r) => r.policy), editor.rows.map((r) => r.policy));
    assert.ok(cli.rows.some((r) => r.policy === 'cutoff:64'), 'fixed cutoffs are swept by default');
    // full, the 12 default cutoffs and the 6 dynamic rules: the CLI once swept only full and the dynamic rules here.
    assert.equal(cli.rows.length, 1 + DEFAULT_CUTOFFS.length + DEFAULT_DYNAMIC_POLICIES.length);
    assert.equal(cli.rows.length, 19);
    assert.deepEqual(cli.rows.map((r) => [r.em, r.meanTokens, r.ci95]), editor.rows.map((r) => [r.em, r.meanTokens, r.ci95]));
  });

  it('gives the CLI and the editor the same rows with the sample config', async () => {
    const config = join(repo, 'sample/promptbudget.json');
    const cli = await cliJson(['sweep', join(repo, 'sample/testset.jsonl'), '--config', config]);
    const editor = await editorRows(worker, join(repo, 'sample/testset.jsonl'), config);
    assert.deepEqual(cli.rows.map((r) => [r.policy, r.em, r.meanTokens, r.ci95]), editor.rows.map((r) => [r.policy, r.em, r.meanTokens, r.ci95]));
    assert.deepEqual(cli.recommendation, JSON.parse(JSON.stringify(editor.recommendation)));
  });
});

describe('core/sweepOptions: detection and cases to add', () => {
  it('detects the presets nobody named, and none that the flags or the config name', () => {
    assert.deepEqual(resolveSweepOptions(undefined, {}).options.detect, { extract: true, match: true });
    assert.deepEqual(resolveSweepOptions(parseConfig('{ "cutoffs": [64] }').config, {}).options.detect, { extract: true, match: true });
    assert.deepEqual(resolveSweepOptions(parseConfig('{ "extract": "boxed" }').config, {}).options.detect, { extract: false, match: true });
    assert.deepEqual(resolveSweepOptions(undefined, { match: { preset: 'math' } }).options.detect, { extract: true, match: false });
    assert.equal(resolveSweepOptions(parseConfig('{ "extract": "boxed", "match": "math" }').config, {}).options.detect, undefined);
    assert.equal(resolveSweepOptions(undefined, { extract: { preset: 'gsm8k' }, match: { preset: 'numeric' } }).options.detect, undefined);
  });

  it('takes casesToAdd.minSavings from the config, in percent', () => {
    assert.equal(resolveSweepOptions(parseConfig('{ "casesToAdd": { "minSavings": 2 } }').config, {}).options.casesToAddMinSavings, 0.02);
    assert.equal(resolveSweepOptions(parseConfig('{}').config, {}).options.casesToAddMinSavings, 0.05);
  });
});
