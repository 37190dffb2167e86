import type { GateCheck } from '../core/gates';

export type { SweepGates as Gates } from '../core/gates';

/** Exit code and the reasons of failed gates: 0 when all pass, 1 otherwise. */
export function gateExitCode(checks: readonly GateCheck[]): { code: 0 | 1; failures: string[] } {
  const failures = checks.filter((c) => !c.pass).map((c) => c.reason);
  return { code: failures.length ? 1 : 0, failures };
}
