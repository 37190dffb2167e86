// The CI gates on a real sweep of the bundled sample: each check passes or fails on the recommended row's
// figures, in the words the terminal, the exit code and the JUnit report share.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { checkSweepGates, percentArg } from '../../../src/core/gates';
import { runSweep } from '../../../src/core/sweep';
import { resolveSweepOptions } from '../../../src/core/sweepOptions';
import { parseTestSet } from '../../../src/core/testSet/parseTestSet';
import type { SweepResult } from '../../../src/core/types';

const SAMPLE = path.resolve(__dirname, '../../../sample');

describe('core/gates', function () {
  this.timeout(60000);
  let result: SweepResult;
  let rec: NonNullable<SweepResult['recommendation']>;

  before(() => {
    const { cases } = parseTestSet(readFileSync(path.join(SAMPLE, 'testset.jsonl')));
    const { config } = parseConfig(readFileSync(path.join(SAMPLE, 'promptbudget.json'), 'utf8'));
    // 200 resamples keep it quick; the gates read only the recommended row and the power check.
    result = runSweep(cases, 0, resolveSweepOptions(config, { resamples: 200, folds: 0 }).options);
    assert.ok(result.recommendation, 'the sample is built to yield a recommendation');
    rec = result.recommendation;
  });

  it('--require-savings passes at the recommendation’s own savings and fails just above them', () => {
    const [at] = checkSweepGates(result, { requireSavings: rec.savings });
    assert.equal(at.pass, true);
    const [above] = checkSweepGates(result, { requireSavings: rec.savings + 0.001 });
    assert.equal(above.pass, false);
    assert.equal(above.reason, `gate --require-savings: recommended ${rec.policy} saves ${(rec.savings * 100).toFixed(1)}%, need ≥ ${((rec.savings + 0.001) * 100).toFixed(1)}%`);
  });

  it('--max-em-loss compares the point ΔEM with the allowed loss', () => {
    // The same recommendation with a 2-point loss: inside 2.5 points, outside 1.
    const losing: SweepResult = { ...result, recommendation: { ...rec, deltaEm: -0.02 } };
    assert.deepEqual(checkSweepGates(losing, { maxEmLoss: 0.025 }).map((g) => g.pass), [true]);
    const [fail] = checkSweepGates(losing, { maxEmLoss: 0.01 });
    assert.deepEqual(fail, { gate: '--max-em-loss 1', pass: false, reason: `gate --max-em-loss: recommended ${rec.policy} loses 2.0 pts EM, allowed 1.0` });
    // A loss equal to the allowance up to rounding passes: −0.02 as computed from counts is not exact.
    assert.equal(checkSweepGates({ ...result, recommendation: { ...rec, deltaEm: -(0.02 + 1e-15) } }, { maxEmLoss: 0.02 })[0].pass, true);
  });

  it('without a recommendation, savings cannot be met and no EM is lost', () => {
    const none: SweepResult = { ...result, recommendation: null };
    const checks = checkSweepGates(none, { requireSavings: 0.05, maxEmLoss: 0.01 });
    assert.deepEqual(
      checks.map((g) => [g.gate, g.pass]),
      [
        ['--require-savings 5', false],
        ['--max-em-loss 1', true],
      ],
    );
    assert.equal(checks[0].reason, 'gate --require-savings: no policy is within the margin, need ≥ 5.0%');
  });

  it('--fail-underpowered follows the power check and quotes its message', () => {
    const weak: SweepResult = { ...result, power: { ...result.power, underpowered: true, message: 'too few cases' } };
    assert.deepEqual(checkSweepGates(weak, { failUnderpowered: true }), [{ gate: '--fail-underpowered', pass: false, reason: 'gate --fail-underpowered: too few cases' }]);
    assert.equal(checkSweepGates({ ...result, power: { ...result.power, underpowered: false } }, { failUnderpowered: true })[0].pass, true);
  });

  it('checks only the gates that are set, in the order of the help text', () => {
    assert.deepEqual(checkSweepGates(result, {}), []);
    const order = checkSweepGates(result, { failUnderpowered: true, maxEmLoss: 0.5, requireSavings: 0 }).map((g) => g.gate);
    assert.deepEqual(order, ['--require-savings 0', '--max-em-loss 50', '--fail-underpowered']);
  });

  it('writes a gate as typed: percent without float noise', () => {
    // 0.07 · 100 is 7.000000000000001 in doubles; the flag was typed as 7.
    assert.deepEqual([0.2, 0.125, 0.07, 0.01, 0].map(percentArg), ['20', '12.5', '7', '1', '0']);
  });
});
