// The exported policy file is what production reads: every field is checked, and a wrong one is named.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_MARKERS } from '../../../src/core/extract';
import {
  checkMeasured,
  exportedPolicyText,
  exportFromSweep,
  parseExportedPolicy,
  readExportEnvelope,
  runtimeUnsupported,
  toExportedPolicy,
  type PolicySettings,
} from '../../../src/core/policyExport';
import { runSweep } from '../../../src/core/sweep';
import { resolveSweepOptions } from '../../../src/core/sweepOptions';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';

const SETTINGS: PolicySettings = { encoding: 'cl100k_base', engine: 'js-tiktoken', extract: { preset: 'boxed' }, match: { preset: 'math' } };
const DATA = path.resolve(__dirname, '../../../../shared/data');

describe('core/policyExport', () => {
  it('exportFromSweep gives settled policies the hesitation words the sweep used (the config’s), so the panel exports what was measured', () => {
    // The bundled thinking sample swept with a one-word list: the row is measured with ['wait'], not the defaults.
    const { cases } = parseTestSet(readFileSync(path.resolve(__dirname, '../../../sample/thinking.jsonl')));
    const { options } = resolveSweepOptions(undefined, {
      extract: { preset: 'after-think', then: [{ preset: 'choice-letter' }] },
      match: { preset: 'strict' },
      policies: [{ kind: 'settled', every: 64, repeats: 3, hesitations: ['wait'] }],
      folds: 0,
    });
    const result = runSweep(cases, 0, { ...options, hesitations: ['wait'] });
    assert.deepEqual(result.hesitations, ['wait']);
    const exported = exportFromSweep(result, 'settled:64x3');
    assert.deepEqual(exported.spec, { kind: 'settled', every: 64, repeats: 3, hesitations: ['wait'] });
    assert.equal(exported.measured?.savings, result.rows.find((r) => r.policy === 'settled:64x3')?.savings);
  });

  it('toExportedPolicy writes the spec, the settings and a copy of the marker list', () => {
    const p = toExportedPolicy('marker:16', SETTINGS);
    assert.deepEqual(p, {
      format: 'prompt-budget-policy',
      version: 1,
      policy: 'marker:16',
      spec: { kind: 'marker', grace: 16, markers: [...DEFAULT_MARKERS] },
      encoding: 'cl100k_base',
      engine: 'js-tiktoken',
      extract: { preset: 'boxed' },
      match: { preset: 'math' },
    });
    // A copy: a later edit of the settings must not change a policy already exported.
    assert.notEqual(p.extract, SETTINGS.extract);
    assert.equal(toExportedPolicy({ kind: 'cutoff', tokens: 64 }, SETTINGS).policy, 'cutoff:64');
  });

  it('writes the extra calls of budget and probe policies (run’s defaults, or what run was given) and refuses unknown names', () => {
    assert.equal(runtimeUnsupported({ kind: 'cutoff', tokens: 8 }), null);
    assert.equal(runtimeUnsupported({ kind: 'probe', every: 8, agree: 2 }), null);
    const budget = toExportedPolicy('budget:512', { ...SETTINGS, model: 'qwen3' });
    assert.deepEqual(budget.calls, { endpoint: 'completions', template: '{{prompt}}\n\n{{trace}}{{cue}}', cue: '**Final Answer**: \\boxed{', close: '\n</think>\n\n', maxTokens: 32 });
    assert.equal(budget.model, 'qwen3');
    const probe = toExportedPolicy('probe:8x2', { ...SETTINGS, calls: { cue: 'Answer: ', maxTokens: 4 } });
    assert.deepEqual(probe.calls, { endpoint: 'completions', template: '{{prompt}}\n\n{{trace}}{{cue}}', cue: 'Answer: ', maxTokens: 4 });
    assert.deepEqual(parseExportedPolicy(JSON.stringify(budget)), { policy: budget });
    assert.deepEqual(parseExportedPolicy(probe), { policy: probe });
    // A hand-written budget policy without calls gets run's defaults; calls on a text policy are a mistake.
    const { calls: _drop, ...bare } = budget;
    assert.deepEqual(parseExportedPolicy(bare).policy?.calls, budget.calls);
    assert.equal(toExportedPolicy('cutoff:8', SETTINGS).calls, undefined);
    const bad = (patch: Record<string, unknown>): string | undefined => parseExportedPolicy({ ...budget, ...patch }).error;
    assert.equal(bad({ calls: { ...budget.calls, maxTokens: 0 } }), '"calls.maxTokens" must be a positive integer');
    assert.equal(bad({ calls: { endpoint: 'chat' } }), '"calls.endpoint" must be "completions" (got "chat")');
    assert.equal(bad({ calls: { cue: 'x', prompt: 'y' } }), '"calls" has unknown field prompt');
    assert.equal(bad({ model: 3 }), '"model" must be a non-empty string');
    assert.equal(parseExportedPolicy({ ...toExportedPolicy('cutoff:8', SETTINGS), calls: {} }).error, '"calls" is only for budget and probe policies (cutoff:8 makes no extra calls)');
    assert.throws(() => toExportedPolicy('early', SETTINGS), /unknown policy "early"/);
  });

  it('parseExportedPolicy reads what toExportedPolicy writes, as text or value', () => {
    const p = toExportedPolicy('stability:32x2', SETTINGS, { cases: 10, em: 0.8, deltaEm: -0.01, ci95: [-0.05, 0.02], meanTokens: 120, savings: 0.4, margin: 0.01 });
    assert.deepEqual(parseExportedPolicy(JSON.stringify(p)), { policy: p });
    assert.deepEqual(parseExportedPolicy(p), { policy: p });
    // A missing spec is rebuilt from the name; a marker spec gets the default markers.
    // Hand-written files may leave out `spec`; the name alone must then be enough.
    const { spec: _spec, ...bare } = toExportedPolicy('marker:4', SETTINGS);
    assert.deepEqual(parseExportedPolicy(bare).policy?.spec, { kind: 'marker', grace: 4, markers: [...DEFAULT_MARKERS] });
    // committed has no parameter and makes no calls: the spec is its kind alone.
    const committed = toExportedPolicy('committed', SETTINGS);
    assert.deepEqual([committed.policy, committed.spec, committed.calls], ['committed', { kind: 'committed' }, undefined]);
    assert.deepEqual(parseExportedPolicy(JSON.stringify(committed)), { policy: committed });
    assert.equal(parseExportedPolicy({ ...committed, spec: { kind: 'committed', grace: 2 } }).error, '"spec" has unknown field grace');
  });

  it('parseExportedPolicy names the field that is wrong', () => {
    const good = toExportedPolicy('cutoff:512', SETTINGS);
    const bad = (patch: Record<string, unknown>): string | undefined => parseExportedPolicy({ ...good, ...patch }).error;
    assert.equal(bad({ format: 'x' }), '"format" must be "prompt-budget-policy" (got "x")');
    assert.equal(bad({ version: 2 }), 'unsupported "version" 2; this version of prompt-budget reads version 1');
    assert.equal(bad({ extra: 1, other: 2 }), 'unknown fields: extra, other');
    assert.equal(bad({ policy: 5 }), '"policy" must be a policy name such as "cutoff:512"');
    // `policy` and `spec` must agree: a file edited by hand in one place only is refused.
    assert.equal(bad({ spec: { kind: 'cutoff', tokens: 256 } }), '"spec.tokens" is 256 but "policy" cutoff:512 says 512');
    assert.equal(bad({ spec: { kind: 'marker', grace: 1 } }), '"spec" has kind "marker" but "policy" is cutoff:512');
    assert.equal(bad({ spec: { kind: 'cutoff', tokens: 512, grace: 1 } }), '"spec" has unknown field grace');
    assert.equal(bad({ encoding: 'p50k_base' }), '"encoding" must be "o200k_base", "cl100k_base" or "huggingface" (got "p50k_base")');
    assert.equal(bad({ engine: undefined }), '"engine" must be "gpt-tokenizer" or "js-tiktoken" (got undefined)');
    assert.equal(bad({ measured: { cases: 1 } }), '"measured.em" must be a number');
    assert.equal(parseExportedPolicy('{').error?.startsWith('not valid JSON: '), true);
    assert.equal(parseExportedPolicy([]).error, 'an exported policy must be a JSON object');
    const marker = toExportedPolicy('marker:0', SETTINGS);
    assert.equal(parseExportedPolicy({ ...marker, spec: { ...marker.spec, markers: [] } }).error, '"spec.markers" must be a non-empty list of non-empty strings');
  });

  it('checkMeasured and readExportEnvelope check the shared parts of every export', () => {
    const measured = { cases: 3, em: 1, deltaEm: 0, meanTokens: 5, savings: 0, margin: 0.01, ci95: [0, 0] };
    assert.equal(checkMeasured(undefined), null);
    assert.equal(checkMeasured(measured), null);
    assert.equal(checkMeasured({ ...measured, ci95: [0] }), '"measured.ci95" must be [lower, upper]');
    assert.equal(checkMeasured({ ...measured, em: Number.NaN }), '"measured.em" must be a number');
    assert.equal(checkMeasured(measured, ['tags']), '"measured.tags" must be a number');
    assert.deepEqual(readExportEnvelope('{"format":"f","version":1}', 'a plan', 'f', 1, new Set(['format', 'version'])), { value: { format: 'f', version: 1 } });
    assert.equal(readExportEnvelope(3, 'a plan', 'f', 1, new Set()).error, 'a plan must be a JSON object');
  });

  it('exportFromSweep carries what a real sweep measured, and lists the rows when the policy was not swept', () => {
    const file = path.join(DATA, 'gsm8k_faithfulcot_gpt4_cot.jsonl');
    // 200 cases keep the sweep quick; the figures only have to travel unchanged into the file.
    const cases = parseTestSet(readFileSync(file), { fileName: file }).cases.slice(0, 200);
    const result = runSweep(cases, 0, {
      encoding: 'o200k_base',
      engine: 'js-tiktoken',
      extract: { preset: 'last-number' },
      match: { preset: 'numeric' },
      policies: [{ kind: 'cutoff', tokens: 128 }, { kind: 'marker', grace: 0 }],
      margin: 0.01,
      seed: 1,
      resamples: 200,
      folds: 0,
    });
    const row = result.rows.find((r) => r.policy === 'cutoff:128');
    assert.ok(row);
    // Names are trimmed and canonicalised, as the CLI flag and the panel pass them.
    const p = exportFromSweep(result, ' cutoff:128 ');
    assert.deepEqual(p.measured, { cases: 200, em: row.em, deltaEm: row.deltaEm, ci95: row.ci95, meanTokens: row.meanTokens, savings: row.savings, margin: 0.01 });
    assert.deepEqual([p.encoding, p.engine, p.extract, p.match], ['o200k_base', 'js-tiktoken', { preset: 'last-number' }, { preset: 'numeric' }]);
    assert.throws(() => exportFromSweep(result, 'cutoff:64'), { message: 'policy cutoff:64 was not in the sweep; evaluated: full, cutoff:128, marker:0' });
    assert.equal(exportedPolicyText(p, 'json'), `${JSON.stringify(p, null, 2)}\n`);
    // The JavaScript snippet has no type annotations, or it would not run as plain ESM.
    assert.match(exportedPolicyText(p, 'js'), /^export async function answerWithBudget\(stream, controller\) \{$/m);
    assert.match(exportedPolicyText(p, 'ts'), /\/\/ Measured on 200 cases: /);
  });
});
