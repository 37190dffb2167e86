/** A sweep and its gates as a JUnit report: one test case per gate, the headline figures as properties. */
import type { GateCheck } from './gates';
import { toJunitXml, type JunitCase } from './junit';
import { recommendationLine } from './report';
import type { SweepResult } from './types';

/** Test-case class of every sweep case, so CI groups them. */
export const SWEEP_JUNIT_CLASS = 'prompt-budget.sweep';

/**
 * JUnit XML for a sweep. One case per gate given (failures carry the figures); with no gate, a single
 * case `sweep` that passes and shows the recommendation.
 */
export function sweepToJunit(result: SweepResult, checks: readonly GateCheck[]): string {
  const summary = `${result.cases} cases · baseline EM ${(result.baseline.em * 100).toFixed(1)}% · ${recommendationLine(result)}`;
  const cases: JunitCase[] = checks.length
    ? checks.map((c) => ({
        name: c.gate,
        classname: SWEEP_JUNIT_CLASS,
        ...(c.pass ? { systemOut: c.reason } : { failure: { message: c.reason, type: 'GateFailed', detail: `${c.reason}\n${summary}` } }),
      }))
    : [{ name: 'sweep', classname: SWEEP_JUNIT_CLASS, systemOut: summary }];
  const rec = result.recommendation;
  return toJunitXml({
    name: 'prompt-budget sweep',
    properties: [
      ['cases', result.cases],
      ['skipped', result.skipped],
      ['encoding', result.encoding],
      ['margin', result.margin],
      ['baseline.em', result.baseline.em],
      ['baseline.meanTokens', result.baseline.meanTokens],
      ['recommendation.policy', rec ? rec.policy : 'none'],
      ['recommendation.savings', rec ? rec.savings : null],
      ['recommendation.em', rec ? rec.em : null],
      ['recommendation.deltaEm', rec ? rec.deltaEm : null],
      ['recommendation.ci95Low', rec ? rec.ci95[0] : null],
      ['recommendation.ci95High', rec ? rec.ci95[1] : null],
      ['recommendation.meanTokens', rec ? rec.meanTokens : null],
      ['underpowered', result.power.underpowered],
    ],
    cases,
  });
}
