import type { SweepResult } from '../core/types';

/** Gates a CI job can set on the command line. */
export interface Gates {
  /** Fail unless the recommended policy saves at least this fraction of output tokens. */
  requireSavings?: number;
  /** Fail when the recommended policy's point ΔEM is below −maxEmLoss (fraction). */
  maxEmLoss?: number;
  /** Fail when the test set is too small to detect a loss of the margin. */
  failUnderpowered?: boolean;
}

/** Exit code and the reasons of failed gates: 0 when all pass, 1 otherwise. */
export function gateExitCode(result: SweepResult, gates: Gates): { code: 0 | 1; failures: string[] } {
  const failures: string[] = [];
  const rec = result.recommendation;
  if (gates.requireSavings !== undefined) {
    const got = rec ? rec.savings : 0;
    if (got < gates.requireSavings) {
      failures.push(
        `gate --require-savings: ${rec ? `recommended ${rec.policy} saves ${(got * 100).toFixed(1)}%` : 'no policy is within the margin'}, need ≥ ${(gates.requireSavings * 100).toFixed(1)}%`,
      );
    }
  }
  // 1e-12 absorbs floating-point error: a loss of exactly the allowed points passes.
  if (gates.maxEmLoss !== undefined && rec && -rec.deltaEm > gates.maxEmLoss + 1e-12) {
    failures.push(`gate --max-em-loss: recommended ${rec.policy} loses ${(-rec.deltaEm * 100).toFixed(1)} pts EM, allowed ${(gates.maxEmLoss * 100).toFixed(1)}`);
  }
  if (gates.failUnderpowered && result.power.underpowered) failures.push(`gate --fail-underpowered: ${result.power.message}`);
  return { code: failures.length ? 1 : 0, failures };
}
