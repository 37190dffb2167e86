// Whether the last sweep's figures still describe the workspace: the inputs that decide them are
// fingerprinted when the sweep runs and compared when a file or setting changes. No vscode here,
// so it is tested in plain Node.
import { createHash } from 'node:crypto';
import type { FieldMap } from '../core/types';
import type { StaleInfo } from '../shared/protocol';

/** What a sweep's figures depend on, as fingerprints. */
export interface SweepInputs {
  /** The resolved sweep options and field names (a comment or a price edit does not change them). */
  config: string;
  /** SHA-256 of the test set's bytes. */
  testSet: string;
  /** The encoding setting (it counts the prompt's tokens in the cost per call). */
  encoding: string;
}

export function bytesFingerprint(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The config as the sweep sees it: options after resolution, and the field names it reads the test set with. */
export function configFingerprint(options: unknown, fields: Partial<FieldMap> | undefined): string {
  return JSON.stringify({ options, fields: fields ?? null });
}

/**
 * Why the figures are out of date, in words; null when nothing changed. `current.testSet` is null
 * when the test set can no longer be read.
 */
export function staleness(recorded: SweepInputs, current: { config: string; testSet: string | null; encoding: string }, names: { config: string; testSet: string }): StaleInfo | null {
  const reasons: string[] = [];
  if (current.config !== recorded.config) reasons.push(`${names.config} changed`);
  if (current.testSet === null) reasons.push(`${names.testSet} can no longer be read`);
  else if (current.testSet !== recorded.testSet) reasons.push(`${names.testSet} changed`);
  if (current.encoding !== recorded.encoding) reasons.push(`the encoding setting changed (${recorded.encoding} → ${current.encoding})`);
  return reasons.length ? { reasons } : null;
}

/** The CodeLens that says the figures under it are out of date (click: run the sweep again). */
export function staleLensTitle(stale: StaleInfo): string {
  return `$(warning) Out of date: ${stale.reasons.join('; ')} since the sweep. Re-run sweep`;
}
