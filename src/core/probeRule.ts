/**
 * The stop rule of the probe policies (`probe`, `probe-settled`, `probe-confident`), one probe at a
 * time in token order: the sweep replays recorded probes through it, the runtime its live ones.
 */
import type { PolicySpec } from './types';
import { DEFAULT_HESITATIONS, hesitationRegex } from './traceAnatomy';

export type ProbeSpec = Extract<PolicySpec, { kind: 'probe' | 'probe-settled' | 'probe-confident' }>;

/** What the rule reads of one probe: the cue plus the completion, and the answer's log-probabilities. */
export interface ProbeInput {
  atToken: number;
  text: string;
  logprobs?: readonly number[];
}

/** The stop a probe decided: its answer and why. */
export interface ProbeStop {
  answer: string | null;
  reason: string;
}

/** Mean token probability (the mean of e^logprob) of a completion; null without log-probabilities. */
export function meanTokenProbability(logprobs: readonly number[] | undefined): number | null {
  if (!logprobs || logprobs.length === 0) return null;
  let sum = 0;
  for (const lp of logprobs) sum += Math.exp(lp);
  return sum / logprobs.length;
}

/**
 * `probe` stops at the first probe that makes `agree` equal answers in a row; `probe-settled`
 * (Dynasor-CoT) also counts a probe whose text holds a hesitation word as no answer (the text
 * includes the cue, so a custom cue must hold none); `probe-confident` (DEER-style) stops at the
 * first probe with an answer whose mean token probability is at least the threshold.
 */
export class ProbeRule {
  private previous: string | null = null;
  private run = 0;
  private hesitated = 0;
  private best = 0;
  private readonly words: RegExp | null;

  constructor(
    readonly spec: ProbeSpec,
    private readonly extract: (text: string) => { answer: string } | null,
  ) {
    this.words = spec.kind === 'probe-settled' ? hesitationRegex(spec.hesitations ?? DEFAULT_HESITATIONS) : null;
  }

  /** The stop at this probe (probes in token order), or null to go on. */
  judge(probe: ProbeInput): ProbeStop | null {
    const spec = this.spec;
    if (spec.kind === 'probe-confident') {
      const p = meanTokenProbability(probe.logprobs);
      if (p === null) return null;
      const found = this.extract(probe.text);
      if (found === null) return null;
      if (p >= spec.threshold) return { answer: found.answer, reason: `probe at token ${probe.atToken} answered with mean token probability ${p.toFixed(3)} ≥ ${spec.threshold}` };
      this.best = Math.max(this.best, p);
      return null;
    }
    const hesitant = this.words !== null && this.words.test(probe.text);
    if (hesitant) this.hesitated++;
    const found = hesitant ? null : this.extract(probe.text);
    const answer = found ? found.answer : null;
    this.run = answer !== null && answer === this.previous ? this.run + 1 : answer !== null ? 1 : 0;
    this.previous = answer;
    return this.run >= spec.agree ? { answer, reason: `${spec.agree} probes agreed${this.quiet()} at token ${probe.atToken}` } : null;
  }

  /** Why no probe stopped the generation. */
  endReason(): string {
    if (this.spec.kind === 'probe-confident') return `no probe answer reached mean token probability ${this.spec.threshold} (best ${this.best.toFixed(3)}); ran to the end`;
    const note = this.hesitated > 0 ? ` (${this.hesitated} probe${this.hesitated === 1 ? '' : 's'} hesitated)` : '';
    return `probes never agreed${this.quiet()}${note}; ran to the end`;
  }

  private quiet(): string {
    return this.words ? ' without hesitation' : '';
  }
}
