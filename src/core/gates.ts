/**
 * The gates a CI job sets on the command line, checked against a sweep. Each check explains itself
 * (pass or fail, with the figures), so the terminal, the exit code and a JUnit report say the same.
 */
import type { SweepResult } from './types';

/** Gates of `prompt-budget sweep`; fractions, as in the JSON contract. */
export interface SweepGates {
  /** Fail unless the recommended policy saves at least this fraction of output tokens. */
  requireSavings?: number;
  /** Fail when the recommended policy's point ΔEM is below −maxEmLoss (fraction). */
  maxEmLoss?: number;
  /** Fail when the test set is too small to detect a loss of the margin. */
  failUnderpowered?: boolean;
}

/** One gate's verdict: the flag as given on the command line and why it passed or failed. */
export interface GateCheck {
  /** The gate as typed, e.g. `--require-savings 20`. */
  gate: string;
  pass: boolean;
  reason: string;
}

/** Fraction → percent text without trailing noise (0.2 → "20", 0.125 → "12.5"). */
export function percentArg(fraction: number): string {
  return String(Number((fraction * 100).toFixed(4)));
}

/** Checks every gate that is set, in command-line order of the help text. */
export function checkSweepGates(result: SweepResult, gates: SweepGates): GateCheck[] {
  const checks: GateCheck[] = [];
  const rec = result.recommendation;
  if (gates.requireSavings !== undefined) {
    const got = rec ? rec.savings : 0;
    const need = `need ≥ ${(gates.requireSavings * 100).toFixed(1)}%`;
    checks.push({
      gate: `--require-savings ${percentArg(gates.requireSavings)}`,
      pass: got >= gates.requireSavings,
      reason: `gate --require-savings: ${rec ? `recommended ${rec.policy} saves ${(got * 100).toFixed(1)}%` : 'no policy is within the margin'}, ${need}`,
    });
  }
  if (gates.maxEmLoss !== undefined) {
    const allowed = `allowed ${(gates.maxEmLoss * 100).toFixed(1)}`;
    checks.push({
      gate: `--max-em-loss ${percentArg(gates.maxEmLoss)}`,
      pass: !rec || -rec.deltaEm <= gates.maxEmLoss + 1e-12,
      reason: rec
        ? `gate --max-em-loss: recommended ${rec.policy} loses ${(-rec.deltaEm * 100).toFixed(1)} pts EM, ${allowed}`
        : `gate --max-em-loss: no policy is recommended, so none loses EM; ${allowed}`,
    });
  }
  if (gates.failUnderpowered) {
    checks.push({ gate: '--fail-underpowered', pass: !result.power.underpowered, reason: `gate --fail-underpowered: ${result.power.message}` });
  }
  return checks;
}
