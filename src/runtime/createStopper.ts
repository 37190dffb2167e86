import type { AnswerKind, EngineName, ExportedPolicy, PolicyOutcome } from '../core/types';
import type { HfTokenizer } from '../core/hfTokenizer';
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
  /**
   * A prefix of what {@link keptText} will return whatever comes next: the final tokens so far (every
   * rule stops at or past the last final token it has seen), or the kept text once decided. Lets a
   * caller show the generation as it arrives without showing text the stop will drop.
   */
  settledText(): string;
}

/** Anything `createStopper` accepts: an exported policy object, or its JSON text. */
export type PolicyInput = ExportedPolicy | string | object;

/** What a policy needs besides itself. */
export interface StopperOptions {
  /**
   * The model's tokenizer, for a policy measured with one (`encoding: "huggingface"`): build it with
   * `createHfTokenizer` from the same tokenizer.json; its fingerprint must equal the policy's.
   */
  tokenizer?: HfTokenizer;
}

/** The incremental tokenizer a policy was measured with. Throws when a model tokenizer is missing or differs. */
export function streamTokensFor(policy: ExportedPolicy, options: StopperOptions = {}): StreamTokens {
  if (policy.encoding !== 'huggingface') return new StreamTokens(policy.encoding, policy.engine as EngineName);
  const want = policy.tokenizer as { name: string; fingerprint: string };
  const tok = options.tokenizer;
  if (!tok) throw new Error(`prompt-budget: policy ${policy.policy} was measured in ${want.name}'s tokens: pass { tokenizer: createHfTokenizer(...) } built from that tokenizer.json`);
  if (tok.fingerprint !== want.fingerprint) {
    throw new Error(`prompt-budget: the tokenizer given (${tok.name}, fingerprint ${tok.fingerprint}) is not the one policy ${policy.policy} was measured with (${want.name}, fingerprint ${want.fingerprint})`);
  }
  return new StreamTokens(tok);
}

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
export function createStopper(input: PolicyInput, options: StopperOptions = {}): Stopper {
  const parsed = parseExportedPolicy(input);
  if (!parsed.policy) throw new Error(`prompt-budget: invalid policy: ${parsed.error}`);
  const policy = parsed.policy;
  const source = new StreamTrace(streamTokensFor(policy, options), makeExtractor(policy.extract), policy.extract.thinking);
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
    settledText(): string {
      if (stopped || finished) return this.keptText();
      const { text, tokens } = source.stream;
      return tokens.count === 0 ? '' : text.slice(0, tokens.ends[tokens.count - 1]);
    },
  };
}
