import type { PolicyOutcome, PolicySpec } from '../core/types';
import { DEFAULT_MARKERS, findFirstMarker } from '../core/extract';
import { applyPolicy, policyName, PrefixExtractor, tokenIndexCovering, type Extractor, type PreparedTrace } from '../core/policies';
import { policyExportRule } from '../core/policyExportRule';
import type { StreamTokens } from './streamTokens';

/** A streamed trace shared by policy trackers: incremental tokens and the core's prefix extractor (the sweep's kept text). */
export class StreamTrace {
  readonly trace: PreparedTrace;
  readonly prefixes: PrefixExtractor;

  constructor(
    readonly stream: StreamTokens,
    readonly extract: Extractor,
  ) {
    this.trace = { text: '', tokens: stream.tokens };
    this.prefixes = new PrefixExtractor(this.trace, extract);
  }

  push(delta: string): void {
    this.stream.push(delta);
    this.trace.text = this.stream.text;
  }

  end(): void {
    this.stream.end();
    this.trace.text = this.stream.text;
  }

  /** The answer in the first k final tokens; k ≤ the final count, as the core caches "k ≥ count" as the whole trace. */
  answerAt(k: number): string | null {
    if (k > this.stream.tokens.count) throw new RangeError(`answerAt(${k}) before token ${k} is final`);
    return this.prefixes.answerAt(k);
  }
}

/** Finds the first answer marker of a growing text once later text can no longer move it. */
class MarkerWatch {
  private tail = '';
  private tailStart = 0;
  private readonly maxLength: number;
  found: { marker: string; start: number; end: number } | null = null;

  constructor(private readonly markers: readonly string[]) {
    this.maxLength = Math.max(1, ...markers.map((m) => m.length));
  }

  /** Adds text; `total` is the text length after it. */
  push(delta: string, total: number): void {
    if (this.found) return;
    this.tail += delta;
    const hit = findFirstMarker(this.tail, this.markers);
    if (hit) {
      // A marker that starts earlier, or a longer one at the same place, would have to reach past the text.
      const start = this.tailStart + hit.start;
      if (start + this.maxLength <= total) this.found = { marker: hit.marker, start, end: start + hit.marker.length };
      return;
    }
    const keep = Math.min(this.tail.length, this.maxLength - 1);
    this.tailStart += this.tail.length - keep;
    this.tail = this.tail.slice(this.tail.length - keep);
  }
}

/**
 * One policy on a streamed trace: `check()` returns `applyPolicy`'s whole-trace outcome as soon as it is certain (null
 * before); `finish()` at the end of the stream returns `applyPolicy`'s own outcome.
 */
export class PolicyTracker {
  private nextCheck: number;
  private previous: string | null = null;
  private streak = 0;
  private readonly markers: MarkerWatch | null;

  constructor(
    readonly spec: PolicySpec,
    private readonly source: StreamTrace,
  ) {
    const rule = policyExportRule(policyName(spec));
    if (!rule.exportable) throw new Error(rule.reason);
    this.nextCheck = spec.kind === 'stability' ? spec.every : 0;
    this.markers = spec.kind === 'marker' ? new MarkerWatch(spec.markers ?? DEFAULT_MARKERS) : null;
  }

  /** Call after the delta was pushed to the shared trace. */
  check(delta: string): PolicyOutcome | null {
    const { stream } = this.source;
    const count = stream.tokens.count;
    const spec = this.spec;
    switch (spec.kind) {
      case 'full':
      case 'probe':
      case 'budget':
        return null;
      case 'cutoff':
        return this.stopAt(spec.tokens, `cutoff ${spec.tokens} reached`);
      case 'stability':
        // The sweep makes no check at the last token, but one would report the same stop and answer: no need to wait.
        while (this.nextCheck <= count) {
          const t = this.nextCheck;
          const answer = this.source.answerAt(t);
          this.streak = answer !== null && answer === this.previous ? this.streak + 1 : 0;
          this.previous = answer;
          if (this.streak >= spec.repeats) return { stopToken: t, answer, reason: `answer unchanged ${spec.repeats}× in a row at token ${t}` };
          this.nextCheck += spec.every;
        }
        return null;
      case 'marker': {
        const watch = this.markers as MarkerWatch;
        watch.push(delta, stream.text.length);
        const found = watch.found;
        if (!found || count === 0 || stream.tokens.ends[count - 1] < found.end) return null;
        const at = tokenIndexCovering(stream.tokens, found.end);
        return this.stopAt(at + spec.grace, `marker "${found.marker}" at token ${at} + ${spec.grace} grace`);
      }
    }
  }

  /** The outcome on the whole trace; call after the shared trace ended. */
  finish(): PolicyOutcome {
    const { trace, prefixes, extract } = this.source;
    return applyPolicy(this.spec, trace, prefixes, extract);
  }

  private stopAt(k: number, reason: string): PolicyOutcome | null {
    const { stream } = this.source;
    // k final tokens decide it: if the trace ends right there, the sweep keeps k tokens and the same answer.
    if (k > stream.tokens.count) return null;
    return { stopToken: k, answer: this.source.answerAt(k), reason };
  }
}
