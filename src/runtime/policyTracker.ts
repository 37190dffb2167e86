import type { AnswerKind, PolicyOutcome, PolicySpec, ThinkingTags } from '../core/types';
import { DEFAULT_MARKERS, findFirstMarker } from '../core/extract';
import {
  applyPolicy,
  markerSet,
  policyName,
  PrefixExtractor,
  settledCheck,
  settledStreak,
  tokenIndexCovering,
  type Extractor,
  type MarkerSet,
  type PreparedTrace,
} from '../core/policies';
import { DEFAULT_HESITATIONS } from '../core/traceAnatomy';
import { CommittedAnswerScan } from '../core/committedAnswerScan';
import { policyExportRule } from '../core/policyExportRule';
import type { StreamTokens } from './streamTokens';

/** A streamed trace shared by policy trackers: incremental tokens and the core's prefix extractor (the sweep's kept text). */
export class StreamTrace {
  readonly trace: PreparedTrace;
  readonly prefixes: PrefixExtractor;

  constructor(
    readonly stream: StreamTokens,
    readonly extract: Extractor,
    thinkingTags?: readonly ThinkingTags[],
  ) {
    this.trace = { text: '', tokens: stream.tokens, thinkingTags };
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

  /** Whether the first k final tokens hold a complete final answer (same condition as {@link answerAt}). */
  completeAt(k: number): boolean {
    if (k > this.stream.tokens.count) throw new RangeError(`completeAt(${k}) before token ${k} is final`);
    return this.prefixes.completeAt(k);
  }

  /** The answer kind for the first k final tokens (same condition as {@link answerAt}). */
  kindAt(k: number): AnswerKind {
    return this.prefixes.kindAt(k);
  }
}

/** Finds the first answer marker of a growing text once later text can no longer move it. */
class MarkerWatch {
  private tail = '';
  private tailStart = 0;
  private readonly maxLength: number;
  found: { marker: string; start: number; end: number } | null = null;

  /** `startAt`: the text offset of the first character this watch will be pushed. */
  constructor(
    private readonly markers: readonly string[],
    startAt = 0,
  ) {
    this.maxLength = Math.max(1, ...markers.map((m) => m.length));
    this.tailStart = startAt;
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
  private readonly markerSet: MarkerSet | null;
  /** On a thinking trace: the watch for the close tag after the open tag, then the close tag's token. */
  private closeWatch: MarkerWatch | null = null;
  private closeToken = -1;
  private commitScan: CommittedAnswerScan | null = null;

  constructor(
    readonly spec: PolicySpec,
    private readonly source: StreamTrace,
  ) {
    const rule = policyExportRule(policyName(spec));
    if (!rule.exportable) throw new Error(rule.reason);
    if (rule.needsCalls) throw new Error(`prompt-budget: ${policyName(spec)} makes extra model calls; use createPolicyRun(policy, { complete }) (or prompt-budget proxy) instead of createStopper`);
    this.nextCheck = spec.kind === 'stability' || spec.kind === 'settled' ? spec.every : 0;
    this.markerSet = spec.kind === 'marker' ? markerSet(spec.markers ?? DEFAULT_MARKERS, source.trace.thinkingTags) : null;
    this.markers = this.markerSet ? new MarkerWatch(this.markerSet.all) : null;
  }

  /** Call after the delta was pushed to the shared trace. */
  check(delta: string): PolicyOutcome | null {
    const { stream } = this.source;
    const count = stream.tokens.count;
    const spec = this.spec;
    switch (spec.kind) {
      case 'full':
      case 'probe':
      case 'probe-settled':
      case 'probe-confident':
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
          if (this.streak >= spec.repeats) return this.withKind({ stopToken: t, answer, reason: `answer unchanged ${spec.repeats}× in a row at token ${t}` });
          this.nextCheck += spec.every;
        }
        return null;
      case 'settled': {
        const words = spec.hesitations ?? DEFAULT_HESITATIONS;
        while (this.nextCheck <= count) {
          const t = this.nextCheck;
          const { answer } = settledCheck(stream.text, stream.tokens, t, spec.every, words, this.source.prefixes);
          this.streak = settledStreak(this.previous, this.streak, answer);
          this.previous = answer;
          if (this.streak >= spec.repeats) return this.withKind({ stopToken: t, answer, reason: `answer settled ${spec.repeats}× in a row without hesitation at token ${t}` });
          this.nextCheck += spec.every;
        }
        return null;
      }
      case 'marker':
        return this.checkMarker(spec.grace, delta);
      case 'committed':
        return this.checkCommitted();
    }
  }

  /** `committed`: the scanner the sweep runs on the whole trace, fed as the text grows. */
  private checkCommitted(): PolicyOutcome | null {
    const { stream } = this.source;
    const count = stream.tokens.count;
    const scan = (this.commitScan ??= new CommittedAnswerScan(this.source.trace.thinkingTags));
    scan.push(stream.text);
    const box = scan.found;
    if (!box || count === 0 || stream.tokens.ends[count - 1] < box.end) return null;
    const at = tokenIndexCovering(stream.tokens, box.end);
    return this.stopAt(at, `boxed answer inside the thinking at token ${at}`);
  }

  private checkMarker(grace: number, delta: string): PolicyOutcome | null {
    const { stream } = this.source;
    const count = stream.tokens.count;
    const set = this.markerSet as MarkerSet;
    const watch = this.markers as MarkerWatch;
    const wasFound = watch.found !== null;
    watch.push(delta, stream.text.length);
    const found = watch.found;
    if (!found) return null;
    const close = set.opens.get(found.marker);
    if (close === undefined && !set.closes.has(found.marker)) {
      if (count === 0 || stream.tokens.ends[count - 1] < found.end) return null;
      const at = tokenIndexCovering(stream.tokens, found.end);
      return this.stopAt(at + grace, `marker "${found.marker}" at token ${at} + ${grace} grace`);
    }
    let closeEnd = found.end;
    if (close !== undefined) {
      if (!this.closeWatch) {
        this.closeWatch = new MarkerWatch([close], found.end);
        this.closeWatch.push(stream.text.slice(found.end), stream.text.length);
      } else if (wasFound) {
        this.closeWatch.push(delta, stream.text.length);
      }
      const closeFound = this.closeWatch.found;
      if (!closeFound) return null;
      closeEnd = closeFound.end;
    }
    if (this.closeToken < 0) {
      if (count === 0 || stream.tokens.ends[count - 1] < closeEnd) return null;
      this.closeToken = tokenIndexCovering(stream.tokens, closeEnd);
      this.nextCheck = Math.max(1, this.closeToken);
    }
    // The sweep's firstFinalAnswer: the first token from the close tag's whose kept text holds a final answer.
    while (this.nextCheck <= count) {
      const t = this.nextCheck;
      if (this.source.completeAt(t)) {
        return this.stopAt(t + grace, `thinking ended at token ${this.closeToken}, final answer at token ${t} + ${grace} grace`);
      }
      this.nextCheck++;
    }
    return null;
  }

  private withKind(outcome: PolicyOutcome): PolicyOutcome {
    outcome.answerKind = outcome.answer === null ? 'none' : this.source.kindAt(outcome.stopToken);
    return outcome;
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
    return this.withKind({ stopToken: k, answer: this.source.answerAt(k), reason });
  }
}
