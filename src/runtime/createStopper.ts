import type { AnswerKind, ExportedPolicy, PolicyOutcome } from '../core/types';
import { parseExportedPolicy } from '../core/policyExport';
import { makeExtractor } from '../core/extract';
import { PolicyTracker, StreamTrace } from './policyTracker';
import { StreamTokens } from './streamTokens';

/** What the stopper says after a delta (or at the end of the stream). */
export interface StopDecision {
  /** True from the delta after which the policy has certainly stopped: abort the generation. */
  stop: boolean;
  /** The answer extracted from the kept text; absent when none was found ("cut before answer"). */
  answer?: string;
  /** Why it stopped (or, from `finish()`, what the policy did on the whole stream). */
  reason?: string;
  /** Output tokens the policy keeps (the sweep's stop token). */
  tokens?: number;
  /** `final` (answer part, or no thinking), `intermediate` (read from thinking still open) or `none`. */
  answerKind?: AnswerKind;
}

/** Applies one exported policy to a streamed completion. */
export interface Stopper {
  readonly policy: ExportedPolicy;
  /** Feeds the next text delta; once the decision says stop, later calls return it unchanged and ignore their text. */
  push(delta: string): StopDecision;
  /** Call when the stream ended by itself: the decision on the whole stream with `stop: false` (or the earlier stop). */
  finish(): StopDecision;
  /** The text the answer came from: up to the stop point once decided, else everything received. */
  keptText(): string;
}

/** Anything `createStopper` accepts: an exported policy object, or its JSON text. */
export type PolicyInput = ExportedPolicy | string | object;

function decision(outcome: PolicyOutcome, stop: boolean): StopDecision {
  const d: StopDecision = { stop, reason: outcome.reason, tokens: outcome.stopToken };
  if (outcome.answerKind) d.answerKind = outcome.answerKind;
  if (outcome.answer !== null) d.answer = outcome.answer;
  return d;
}

/**
 * A stopper for a policy exported by `prompt-budget export` or the panel: the sweep's own tokenizer, rules and extraction,
 * so it stops at the sweep's token with the sweep's answer. Throws an Error naming the problem when the policy is invalid.
 */
export function createStopper(input: PolicyInput): Stopper {
  const parsed = parseExportedPolicy(input);
  if (!parsed.policy) throw new Error(`prompt-budget: invalid policy: ${parsed.error}`);
  const policy = parsed.policy;
  const source = new StreamTrace(new StreamTokens(policy.encoding, policy.engine), makeExtractor(policy.extract), policy.extract.thinking);
  const tracker = new PolicyTracker(policy.spec, source);
  let stopped: { outcome: PolicyOutcome; decision: StopDecision } | null = null;
  let finished: { outcome: PolicyOutcome; decision: StopDecision } | null = null;
  const idle: StopDecision = { stop: false };

  return {
    policy,
    push(delta: string): StopDecision {
      if (stopped) return { ...stopped.decision };
      if (finished) throw new Error('prompt-budget: push() after finish()');
      if (typeof delta !== 'string') throw new TypeError('prompt-budget: push() takes a string delta');
      if (delta === '') return { ...idle };
      source.push(delta);
      const outcome = tracker.check(delta);
      if (!outcome) return { ...idle };
      stopped = { outcome, decision: decision(outcome, true) };
      return { ...stopped.decision };
    },
    finish(): StopDecision {
      if (stopped) return { ...stopped.decision };
      if (!finished) {
        source.end();
        const outcome = tracker.finish();
        finished = { outcome, decision: decision(outcome, false) };
      }
      return { ...finished.decision };
    },
    keptText(): string {
      const done = stopped ?? finished;
      const { text, tokens } = source.stream;
      if (!done) return text;
      const k = done.outcome.stopToken;
      // Not cutText: mid-stream, k may equal the final count while more text is pending.
      return k <= 0 ? '' : k > tokens.count ? text : text.slice(0, tokens.ends[k - 1]);
    },
  };
}
