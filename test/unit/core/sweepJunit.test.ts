// A sweep as JUnit for CI: one case per gate with its figures, the headline figures as properties,
// and names from user files escaped.
import assert from 'node:assert/strict';
import { SWEEP_JUNIT_CLASS, sweepToJunit } from '../../../src/core/sweepJunit';
import type { GateCheck } from '../../../src/core/gates';
import type { SweepResult, SweepRow } from '../../../src/core/types';
import { junitSchemaErrors } from '../../support/junitSchema';
import { sweepRow } from '../../support/sweepRow';

const row = (policy: string, o: Partial<SweepRow> = {}): SweepRow => sweepRow(policy, { meanTokens: 400, medianTokens: 400, p95Tokens: 400, ...o });

// 200 cases; cutoff:256 saves 38% at −1.5 points (95% CI −3.0…0.0) inside a 3-point margin.
function result(policy = 'cutoff:256', recommended = true): SweepResult {
  const rec = row(policy, { label: 'cutoff <256>', em: 0.785, correct: 157, deltaEm: -0.015, ci95: [-0.03, 0], meanTokens: 248, savings: 0.38 });
  return {
    cases: 200,
    skipped: 3,
    encoding: 'o200k_base',
    engine: 'gpt-tokenizer',
    tokenizer: 'o200k_base',
    extract: { preset: 'last-number' },
    match: { preset: 'numeric' },
    margin: 0.03,
    seed: 1,
    resamples: 2000,
    baseline: { em: 0.8, meanTokens: 400, correct: 160 },
    rows: [row('full'), rec],
    recommendation: recommended ? { policy, em: 0.785, deltaEm: -0.015, ci95: [-0.03, 0], meanTokens: 248, savings: 0.38, margin: 0.03, reason: 'cheapest within the margin' } : null,
    power: { minDetectableLoss: 0.05, underpowered: true, message: 'small' },
    crossValidation: null,
    warnings: [],
  };
}

const property = (xml: string, name: string): string | undefined => new RegExp(`<property name="${name.replace(/\./g, '\\.')}" value="([^"]*)"/>`).exec(xml)?.[1];

describe('core/sweepJunit', () => {
  it('without gates writes one passing case "sweep" with the recommendation, and the figures as properties', async () => {
    const xml = sweepToJunit(result(), []);
    assert.deepEqual(await junitSchemaErrors(xml), []);
    assert.match(xml, /<testsuite name="prompt-budget sweep" tests="1" failures="0" errors="0"/);
    assert.match(xml, new RegExp(`<testcase name="sweep" classname="${SWEEP_JUNIT_CLASS.replace('.', '\\.')}" time="0">`));
    // The label comes from the row and is escaped in the system-out text.
    assert.match(xml, /<system-out>200 cases · baseline EM 80\.0% · cutoff &lt;256&gt;: −38% tokens · EM 80\.0 → 78\.5 \(−1\.5 pts, 95% CI −3\.0…0\.0\)<\/system-out>/);
    assert.deepEqual(
      ['cases', 'skipped', 'encoding', 'margin', 'baseline.em', 'baseline.meanTokens', 'recommendation.policy', 'recommendation.savings', 'recommendation.deltaEm', 'recommendation.ci95Low', 'recommendation.ci95High', 'recommendation.meanTokens', 'underpowered'].map((p) => property(xml, p)),
      ['200', '3', 'o200k_base', '0.03', '0.8', '400', 'cutoff:256', '0.38', '-0.015', '-0.03', '0', '248', 'true'],
    );
  });

  it('writes one case per gate; a failed gate carries its reason and the summary', async () => {
    const checks: GateCheck[] = [
      { gate: '--require-savings 20', pass: true, reason: 'gate --require-savings: recommended cutoff:256 saves 38.0%, need ≥ 20.0%' },
      { gate: '--max-em-loss 1', pass: false, reason: 'gate --max-em-loss: recommended cutoff:256 loses 1.5 pts, allowed 1.0 & no more' },
    ];
    const xml = sweepToJunit(result(), checks);
    assert.deepEqual(await junitSchemaErrors(xml), []);
    assert.match(xml, /tests="2" failures="1"/);
    assert.match(xml, /<testcase name="--require-savings 20" classname="prompt-budget\.sweep" time="0">\n {6}<system-out>gate --require-savings: recommended cutoff:256 saves 38\.0%, need ≥ 20\.0%<\/system-out>/);
    assert.match(
      xml,
      /<failure message="gate --max-em-loss: recommended cutoff:256 loses 1\.5 pts, allowed 1\.0 &amp; no more" type="GateFailed">gate --max-em-loss: [^<]*&amp; no more\n200 cases · baseline EM 80\.0% · cutoff &lt;256&gt;: /,
    );
  });

  it('escapes a hostile policy name in properties and text, so it cannot open an element', async () => {
    const hostile = `cutoff:8"/><injected a="1" & 'x'`;
    const xml = sweepToJunit(result(hostile), [{ gate: `--gate "${hostile}"`, pass: false, reason: `<b>${hostile}</b>` }]);
    assert.deepEqual(await junitSchemaErrors(xml), []);
    assert.ok(!xml.includes('<injected'));
    assert.ok(!xml.includes('<b>'));
    assert.equal(property(xml, 'recommendation.policy'), 'cutoff:8&quot;/&gt;&lt;injected a=&quot;1&quot; &amp; &apos;x&apos;');
  });

  it('without a recommendation says why and leaves its figures out', async () => {
    const xml = sweepToJunit(result('cutoff:256', false), []);
    assert.deepEqual(await junitSchemaErrors(xml), []);
    assert.equal(property(xml, 'recommendation.policy'), 'none');
    assert.equal(property(xml, 'recommendation.savings'), undefined);
    assert.equal(property(xml, 'recommendation.ci95Low'), undefined);
    assert.match(xml, /<system-out>200 cases · baseline EM 80\.0% · no policy stays within −3\.0 pts<\/system-out>/);
  });
});
