/**
 * Which probe policies a test set can evaluate (probes on every case; log-probabilities for
 * `probe-confident`), and the confidence thresholds a default sweep adds when probes carry
 * log-probabilities.
 */
import type { Case, PolicySpec } from './types';
import { policyName, usesProbes } from './policies';

/** Thresholds of the `probe-confident` policies a default sweep adds when the probes carry log-probabilities. */
export const DEFAULT_CONFIDENCE_THRESHOLDS: readonly number[] = [0.9, 0.95, 0.99];

/** The probe interval of a set of recorded probes: the smallest `atToken` (a live run probes at N, 2N, …). */
function probeInterval(cases: readonly Case[]): number {
  let every = Infinity;
  for (const c of cases) for (const p of c.probes ?? []) if (p.atToken > 0 && p.atToken < every) every = p.atToken;
  return every;
}

const hasLogprobs = (c: Case): boolean => (c.probes ?? []).some((p) => (p.logprobs?.length ?? 0) > 0);

/** `probe-confident` policies at the default thresholds when every case has probes with log-probabilities; none otherwise. */
export function confidenceDefaults(cases: readonly Case[]): PolicySpec[] {
  if (cases.length === 0 || !cases.every(hasLogprobs)) return [];
  const every = probeInterval(cases);
  return Number.isFinite(every) ? DEFAULT_CONFIDENCE_THRESHOLDS.map((threshold): PolicySpec => ({ kind: 'probe-confident', every, threshold })) : [];
}

/**
 * The policies a test set can evaluate: probe policies need recorded probes on every case, and
 * `probe-confident` also log-probabilities on them; the others are left out with a warning.
 */
export function evaluableProbePolicies(policies: readonly PolicySpec[], cases: readonly Case[]): { policies: PolicySpec[]; warnings: string[] } {
  const warnings: string[] = [];
  let kept = [...policies];
  const probed = kept.filter(usesProbes);
  const withProbes = cases.filter((c) => c.probes && c.probes.length > 0).length;
  if (probed.length > 0 && withProbes < cases.length) {
    kept = kept.filter((p) => !usesProbes(p));
    warnings.push(`probe policies (${probed.map(policyName).join(', ')}) need recorded probes on every case; ${cases.length - withProbes} of ${cases.length} case(s) have none, so they were not evaluated.`);
    return { policies: kept, warnings };
  }
  const confident = kept.filter((p) => p.kind === 'probe-confident');
  const lacking = cases.filter((c) => !hasLogprobs(c)).length;
  if (confident.length > 0 && lacking > 0) {
    kept = kept.filter((p) => p.kind !== 'probe-confident');
    warnings.push(
      `confidence policies (${confident.map(policyName).join(', ')}) need probes recorded with token log-probabilities (run --logprobs against a server that returns them); ${lacking} of ${cases.length} case(s) have none, so they were not evaluated.`,
    );
  }
  return { policies: kept, warnings };
}
