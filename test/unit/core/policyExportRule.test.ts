// The one rule for which policies can be exported, and the per-tag fallback, shared by every surface.
import { strict as assert } from 'node:assert';
import { parsePolicy, policyName } from '../../../src/core/policies';
import { runtimeUnsupported, toExportedPolicy } from '../../../src/core/policyExport';
import { isRuntimePolicy, policyExportRule, tagPlanDiffers, tagPlanFallback } from '../../../src/core/policyExportRule';
import * as shared from '../../../src/shared/protocol';
import { budgets } from './tagBudgetsFixture';

const settings = { encoding: 'o200k_base', engine: 'gpt-tokenizer', extract: { preset: 'last-number' }, match: { preset: 'numeric' } } as const;
// Every kind of policy, with a cutoff longer than any trace and a marker without grace.
const NAMES = ['full', 'cutoff:16', 'cutoff:4096', 'stability:8x2', 'marker:0', 'marker:16', 'probe:32x2', 'probe:64x3', 'probe-settled:32x2', 'probe-confident:32@0.95'];

describe('policyExportRule', () => {
  it('exports budget and probe policies as calling policies, refuses arms, and accepts the rest', () => {
    assert.deepEqual(policyExportRule('probe:32x2'), {
      exportable: true,
      needsCalls: true,
      reason: 'probe:32x2: the runtime asks the model for its answer every N tokens (one short /completions call each) and stops when the probes agree; give it complete() or an endpoint, or use prompt-budget proxy',
    });
    assert.equal(policyExportRule('budget:512').needsCalls, true);
    assert.deepEqual(policyExportRule('arm:low'), { exportable: false, needsCalls: false, reason: 'arm:low: an arm is a provider setting sent with every request, not a stop policy; set its request fields in your client instead' });
    assert.deepEqual(NAMES.filter((n) => !isRuntimePolicy(n)), []);
    assert.deepEqual(NAMES.filter((n) => policyExportRule(n).needsCalls), ['probe:32x2', 'probe:64x3', 'probe-settled:32x2', 'probe-confident:32@0.95']);
    for (const name of NAMES.filter(isRuntimePolicy)) assert.match(policyExportRule(name).reason, new RegExp(`^${name}: `));
  });

  it('is the rule the exporter, the parser and the panel apply', () => {
    for (const name of NAMES) {
      const spec = parsePolicy(name).spec;
      assert.ok(spec, name);
      const rule = policyExportRule(policyName(spec));
      assert.equal(runtimeUnsupported(spec), rule.exportable ? null : rule.reason, name);
      // The panel reads the rule through src/shared; it must be the same function, not a copy.
      assert.equal(shared.isRuntimePolicy(name), rule.exportable, name);
      assert.deepEqual(shared.policyExportRule(name), rule, name);
      if (rule.exportable) assert.equal(toExportedPolicy(name, settings).policy, name);
      else assert.throws(() => toExportedPolicy(name, settings), { message: rule.reason });
    }
  });

  it('gives unlisted tags the best single policy, full when none qualified', () => {
    assert.equal(tagPlanFallback(budgets([['easy', 'cutoff:64']], 'marker:0')), 'marker:0');
    assert.equal(tagPlanFallback(budgets([['easy', 'cutoff:64']], null)), 'full');
    assert.equal(tagPlanDiffers(budgets([['easy', 'cutoff:64'], ['hard', 'full']], null)), true);
    assert.equal(tagPlanDiffers(budgets([['easy', 'full'], ['hard', 'full']], null)), false);
    assert.equal(tagPlanDiffers(budgets([['easy', 'marker:0'], ['hard', 'marker:0']], 'marker:0')), false);
    assert.equal(tagPlanDiffers(undefined), false);
    assert.equal(shared.tagPlanFallback, tagPlanFallback);
    assert.equal(shared.tagPlanDiffers, tagPlanDiffers);
  });
});
