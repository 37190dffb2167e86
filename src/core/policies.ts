/**
 * Stopping policies evaluated on a recorded trace. Every policy reads the same token end offsets
 * (the trace is tokenized once), and the production runtime replays exactly these rules.
 */
import type { AnswerKind, Extraction, ForcedRecord, PolicyOutcome, PolicySpec, ProbeRecord, ThinkingTags } from './types';
import type { TokenizedText } from './tokens';
import { DEFAULT_MARKERS, findFirstMarker } from './extract';
import { DEFAULT_HESITATIONS, DEFAULT_THINKING_TAGS, hesitationRegex } from './traceAnatomy';
import { ProbeRule, type ProbeSpec } from './probeRule';
import { findCommittedBox, type CommittedBox } from './committedAnswerScan';

export { meanTokenProbability } from './probeRule';

/** A trace prepared for policy evaluation: its text, token offsets and recorded probes. */
export interface PreparedTrace {
  text: string;
  tokens: TokenizedText;
  probes?: readonly ProbeRecord[];
  /** The thinking tags the extraction splits on (default {@link DEFAULT_THINKING_TAGS}). */
  thinkingTags?: readonly ThinkingTags[];
  /** Recorded forced answers (budget policies). */
  forced?: readonly ForcedRecord[];
  /** Thinking length in tokens (budget policies); 0 when the trace has no thinking. */
  thinkingTokens?: number;
}

export type Extractor = (text: string) => Extraction | null;

/** Default fixed cutoffs when neither the config nor the command line names any. */
export const DEFAULT_CUTOFFS: readonly number[] = [32, 64, 96, 128, 160, 192, 256, 320, 384, 512, 768, 1024];

/** Dynamic policies evaluated by default, a few settings each. */
export const DEFAULT_DYNAMIC_POLICIES: readonly PolicySpec[] = [
  { kind: 'stability', every: 16, repeats: 2 },
  { kind: 'stability', every: 32, repeats: 2 },
  { kind: 'stability', every: 32, repeats: 3 },
  { kind: 'marker', grace: 0 },
  { kind: 'marker', grace: 16 },
  { kind: 'marker', grace: 48 },
];

/**
 * Dynamic policies swept by default when most traces have a thinking block. Measured on the two shared R1 files
 * (README, "Thinking budgets"): the stability rows span the savings (a quarter and more, at an EM cost), the
 * hesitation-aware `settled` rows keep EM within two points and save little, since R1 keeps writing "wait" and
 * "but" while it double-checks an answer it already has.
 */
export const THINKING_DYNAMIC_POLICIES: readonly PolicySpec[] = [
  { kind: 'stability', every: 64, repeats: 3 },
  { kind: 'stability', every: 128, repeats: 2 },
  { kind: 'stability', every: 128, repeats: 3 },
  { kind: 'settled', every: 64, repeats: 3 },
  { kind: 'settled', every: 64, repeats: 4 },
  { kind: 'settled', every: 128, repeats: 3 },
  { kind: 'committed' },
  { kind: 'marker', grace: 0 },
  { kind: 'marker', grace: 16 },
];

/** Cutoff ladder for thinking traces; the sweep keeps the steps up to the traces' p95 length. */
export const THINKING_CUTOFF_LADDER: readonly number[] = [256, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576, 32768];

/** The thinking cutoffs for traces whose p95 length is `p95` tokens: the ladder up to p95 (at least two steps). */
export function thinkingCutoffs(p95: number): number[] {
  const out = THINKING_CUTOFF_LADDER.filter((k) => k <= p95);
  return out.length >= 2 ? out : THINKING_CUTOFF_LADDER.slice(0, 2);
}

const POSITIVE_INT = /^[1-9][0-9]*$/;
const NON_NEGATIVE_INT = /^(0|[1-9][0-9]*)$/;

/**
 * Parses a policy name: `full`, `cutoff:<K>`, `stability:<N>x<k>`, `marker:<G>`, `settled:<N>x<k>`, `committed`, `probe:<N>x<k>`,
 * `probe-settled:<N>x<k>`, `probe-confident:<N>@<p>`, `budget:<K>`.
 * Returns the spec, or an error message naming what is wrong.
 */
export function parsePolicy(name: string): { spec?: PolicySpec; error?: string } {
  const s = name.trim();
  if (s === 'full') return { spec: { kind: 'full' } };
  const colon = s.indexOf(':');
  const kind = colon < 0 ? s : s.slice(0, colon);
  const arg = colon < 0 ? '' : s.slice(colon + 1);
  const pair = (what: string): [number, number] | string => {
    const parts = arg.split('x');
    if (parts.length !== 2 || !POSITIVE_INT.test(parts[0]) || !POSITIVE_INT.test(parts[1])) {
      return `policy "${s}": expected ${kind}:<every>x<${what}> with positive integers, e.g. ${kind}:32x2`;
    }
    return [Number(parts[0]), Number(parts[1])];
  };
  switch (kind) {
    case 'cutoff':
      if (!POSITIVE_INT.test(arg)) return { error: `policy "${s}": expected cutoff:<K> with K a positive integer, e.g. cutoff:256` };
      return { spec: { kind: 'cutoff', tokens: Number(arg) } };
    case 'budget':
      if (!POSITIVE_INT.test(arg)) return { error: `policy "${s}": expected budget:<K> with K a positive integer of thinking tokens, e.g. budget:1024` };
      return { spec: { kind: 'budget', tokens: Number(arg) } };
    case 'marker':
      if (!NON_NEGATIVE_INT.test(arg)) return { error: `policy "${s}": expected marker:<G> with G ≥ 0 grace tokens, e.g. marker:16` };
      return { spec: { kind: 'marker', grace: Number(arg) } };
    case 'committed':
      // Grace after the box would cross the close tag and cut the answer part before it starts.
      if (colon >= 0) return { error: `policy "${s}": committed takes no argument (it stops where the box closes)` };
      return { spec: { kind: 'committed' } };
    case 'stability': {
      const p = pair('repeats');
      return typeof p === 'string' ? { error: p } : { spec: { kind: 'stability', every: p[0], repeats: p[1] } };
    }
    case 'settled': {
      const p = pair('repeats');
      return typeof p === 'string' ? { error: p } : { spec: { kind: 'settled', every: p[0], repeats: p[1] } };
    }
    case 'probe': {
      const p = pair('agree');
      return typeof p === 'string' ? { error: p } : { spec: { kind: 'probe', every: p[0], agree: p[1] } };
    }
    case 'probe-settled': {
      const p = pair('agree');
      return typeof p === 'string' ? { error: p } : { spec: { kind: 'probe-settled', every: p[0], agree: p[1] } };
    }
    case 'probe-confident': {
      const m = /^([1-9][0-9]*)@(0?\.[0-9]*[1-9][0-9]*|1(?:\.0*)?)$/.exec(arg);
      if (!m) return { error: `policy "${s}": expected probe-confident:<every>@<p> with a positive integer and a probability in (0, 1], e.g. probe-confident:64@0.95` };
      return { spec: { kind: 'probe-confident', every: Number(m[1]), threshold: Number(m[2]) } };
    }
    default:
      return { error: `unknown policy "${s}": use full, cutoff:<K>, stability:<N>x<k>, marker:<G>, settled:<N>x<k>, committed, probe:<N>x<k>, probe-settled:<N>x<k>, probe-confident:<N>@<p> or budget:<K>` };
  }
}

/** The canonical name of a policy (the inverse of {@link parsePolicy}). */
export function policyName(spec: PolicySpec): string {
  switch (spec.kind) {
    case 'full':
      return 'full';
    case 'cutoff':
      return `cutoff:${spec.tokens}`;
    case 'stability':
      return `stability:${spec.every}x${spec.repeats}`;
    case 'marker':
      return `marker:${spec.grace}`;
    case 'settled':
      return `settled:${spec.every}x${spec.repeats}`;
    case 'committed':
      return 'committed';
    case 'probe':
      return `probe:${spec.every}x${spec.agree}`;
    case 'probe-settled':
      return `probe-settled:${spec.every}x${spec.agree}`;
    case 'probe-confident':
      return `probe-confident:${spec.every}@${spec.threshold}`;
    case 'budget':
      return `budget:${spec.tokens}`;
    default: {
      const never: never = spec;
      throw new Error(`unknown policy ${JSON.stringify(never)}`);
    }
  }
}

/** A short human label, e.g. "cutoff 512", "answer stable 2× every 32 tokens". */
export function policyLabel(spec: PolicySpec): string {
  switch (spec.kind) {
    case 'full':
      return 'full length';
    case 'cutoff':
      return `cutoff ${spec.tokens}`;
    case 'stability':
      return `stable answer ${spec.repeats}× every ${spec.every} tok`;
    case 'marker':
      return `answer marker + ${spec.grace} tok`;
    case 'settled':
      return `settled answer ${spec.repeats}× every ${spec.every} tok, no hesitation`;
    case 'committed':
      return 'boxed answer inside the thinking';
    case 'probe':
      return `${spec.agree} agreeing probes every ${spec.every} tok`;
    case 'probe-settled':
      return `${spec.agree} agreeing probes every ${spec.every} tok, no hesitation`;
    case 'probe-confident':
      return `probe every ${spec.every} tok, answer probability ≥ ${spec.threshold}`;
    case 'budget':
      return `think ≤ ${spec.tokens} tok, then answer`;
    default: {
      const never: never = spec;
      throw new Error(`unknown policy ${JSON.stringify(never)}`);
    }
  }
}

/** True for the policies that read recorded probes (their probe calls are counted apart, in `probeTokens`). */
export function usesProbes(spec: PolicySpec): boolean {
  return spec.kind === 'probe' || spec.kind === 'probe-settled' || spec.kind === 'probe-confident';
}

/** Memoises extraction on token prefixes of one trace, shared by all policies of a sweep. */
export class PrefixExtractor {
  private readonly cache = new Map<number, Extraction | null>();
  private markerText: string | null = null;
  private markerList: readonly string[] | null = null;
  private markerFound: ReturnType<typeof findFirstMarker> = null;

  constructor(
    private readonly trace: PreparedTrace,
    private readonly extract: Extractor,
  ) {}

  /** The answer found in the first `k` tokens (k ≥ count means the whole trace). */
  answerAt(k: number): string | null {
    const found = this.extractionAt(k);
    return found ? found.answer : null;
  }

  /** True when the first `k` tokens hold a complete final answer (not the whole answer part of `after-think`, which may still grow). */
  completeAt(k: number): boolean {
    const found = this.extractionAt(k);
    return found !== null && (found.kind ?? 'final') === 'final' && found.tentative !== true;
  }

  /** Which kind of answer {@link answerAt} gives for `k` tokens. */
  kindAt(k: number): AnswerKind {
    const found = this.extractionAt(k);
    return found ? (found.kind ?? 'final') : 'none';
  }

  private extractionAt(k: number): Extraction | null {
    const count = this.trace.tokens.count;
    const key = k >= count ? count : k;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const end = key === 0 ? 0 : this.trace.tokens.ends[key - 1];
    const found = this.extract(end >= this.trace.text.length ? this.trace.text : this.trace.text.slice(0, end));
    this.cache.set(key, found);
    return found;
  }

  /** `findFirstMarker(text, markers)`, remembered for the last text and marker list asked (policies share it). */
  firstMarker(text: string, markers: readonly string[]): ReturnType<typeof findFirstMarker> {
    if (text !== this.markerText || markers !== this.markerList) {
      this.markerFound = findFirstMarker(text, markers);
      this.markerText = text;
      this.markerList = markers;
    }
    return this.markerFound;
  }
}

/** Smallest token count whose kept text reaches UTF-16 offset `charEnd`. */
export function tokenIndexCovering(tokens: TokenizedText, charEnd: number): number {
  let lo = 0;
  let hi = tokens.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tokens.ends[mid] >= charEnd) hi = mid;
    else lo = mid + 1;
  }
  return Math.min(lo + 1, tokens.count);
}

/** Markers, open and close tags scanned together; which ones are thinking tags. */
export interface MarkerSet {
  all: string[];
  /** Open tag → its close tag. */
  opens: Map<string, string>;
  closes: Set<string>;
}

const markerSets = new Map<string, MarkerSet>();

/** The marker list of a marker policy plus the thinking tags (cached per list). */
export function markerSet(markers: readonly string[], tags: readonly ThinkingTags[] = DEFAULT_THINKING_TAGS): MarkerSet {
  const key = `${markers.join('\u0000')}\u0001${tags.map((t) => `${t.open}\u0000${t.close}`).join('\u0000')}`;
  let set = markerSets.get(key);
  if (!set) {
    if (markerSets.size > 64) markerSets.clear();
    const opens = new Map(tags.map((t) => [t.open, t.close]));
    const closes = new Set(tags.map((t) => t.close));
    set = { all: [...new Set([...markers, ...opens.keys(), ...closes])], opens, closes };
    markerSets.set(key, set);
  }
  return set;
}

/** The first token at or after `from` whose kept text holds a complete final answer, or -1. */
export function firstFinalAnswer(prefixes: PrefixExtractor, from: number, count: number): number {
  for (let t = Math.max(from, 1); t <= count; t++) if (prefixes.completeAt(t)) return t;
  return -1;
}

function withKind(outcome: PolicyOutcome, prefixes: PrefixExtractor): PolicyOutcome {
  if (outcome.answer === null) outcome.answerKind = 'none';
  else outcome.answerKind = outcome.answer === prefixes.answerAt(outcome.stopToken) ? prefixes.kindAt(outcome.stopToken) : 'final';
  return outcome;
}

/** Applies one policy to one prepared trace. */
export function applyPolicy(spec: PolicySpec, trace: PreparedTrace, prefixes: PrefixExtractor, extract: Extractor): PolicyOutcome {
  return withKind(applyPolicyRule(spec, trace, prefixes, extract), prefixes);
}

function applyMarker(spec: Extract<PolicySpec, { kind: 'marker' }>, trace: PreparedTrace, prefixes: PrefixExtractor): PolicyOutcome {
  const count = trace.tokens.count;
  const set = markerSet(spec.markers ?? DEFAULT_MARKERS, trace.thinkingTags);
  const marker = prefixes.firstMarker(trace.text, set.all);
  if (!marker) return { stopToken: count, answer: prefixes.answerAt(count), reason: 'no answer marker; ran to the end' };
  const close = set.opens.get(marker.marker);
  if (close === undefined && !set.closes.has(marker.marker)) {
    const at = tokenIndexCovering(trace.tokens, marker.end);
    const stop = Math.min(count, at + spec.grace);
    return {
      stopToken: stop,
      answer: prefixes.answerAt(stop),
      reason: stop >= count ? `marker "${marker.marker}" at token ${at}; trace ended within the grace window` : `marker "${marker.marker}" at token ${at} + ${spec.grace} grace`,
    };
  }
  let closeEnd = marker.end;
  if (close !== undefined) {
    const at = trace.text.indexOf(close, marker.end);
    if (at < 0) return { stopToken: count, answer: prefixes.answerAt(count), reason: 'thinking never closed; ran to the end' };
    closeEnd = at + close.length;
  }
  return thinkingMarkerStop(tokenIndexCovering(trace.tokens, closeEnd), spec.grace, count, prefixes);
}

/** Marker on a thinking trace: `grace` tokens after the first final answer that follows the close tag at token `closeTok`. */
export function thinkingMarkerStop(closeTok: number, grace: number, count: number, prefixes: PrefixExtractor): PolicyOutcome {
  const t = firstFinalAnswer(prefixes, closeTok, count);
  if (t < 0) return { stopToken: count, answer: prefixes.answerAt(count), reason: `thinking ended at token ${closeTok}; no final answer after it; ran to the end` };
  const stop = Math.min(count, t + grace);
  return {
    stopToken: stop,
    answer: prefixes.answerAt(stop),
    reason: stop >= count ? `thinking ended at token ${closeTok}, final answer at token ${t}; trace ended within the grace window` : `thinking ended at token ${closeTok}, final answer at token ${t} + ${grace} grace`,
  };
}

function applyPolicyRule(spec: PolicySpec, trace: PreparedTrace, prefixes: PrefixExtractor, extract: Extractor): PolicyOutcome {
  const count = trace.tokens.count;
  switch (spec.kind) {
    case 'full':
      return { stopToken: count, answer: prefixes.answerAt(count), reason: `full trace (${count} tokens)` };
    case 'cutoff':
      if (spec.tokens >= count) {
        return { stopToken: count, answer: prefixes.answerAt(count), reason: `trace ended at ${count} tokens, before the cutoff` };
      }
      return { stopToken: spec.tokens, answer: prefixes.answerAt(spec.tokens), reason: `cut at ${spec.tokens} of ${count} tokens` };
    case 'stability':
      return applyStability(spec.every, spec.repeats, count, prefixes);
    case 'marker':
      return applyMarker(spec, trace, prefixes);
    case 'settled':
      return applySettled(spec, trace, prefixes);
    case 'committed':
      return committedStop(findCommittedBox(trace.text, trace.thinkingTags), trace.tokens, prefixes);
    case 'probe':
    case 'probe-settled':
    case 'probe-confident':
      return applyProbes(spec, trace, prefixes, extract);
    case 'budget':
      return applyBudget(spec.tokens, trace, prefixes, extract);
    default: {
      const never: never = spec;
      throw new Error(`unknown policy ${JSON.stringify(never)}`);
    }
  }
}

/** `committed` once the scan is decided: the token that closes the committed box, or the whole trace without one. */
export function committedStop(box: CommittedBox | null, tokens: TokenizedText, prefixes: PrefixExtractor): PolicyOutcome {
  const count = tokens.count;
  if (!box) return { stopToken: count, answer: prefixes.answerAt(count), reason: 'no \\boxed{} closed inside the thinking; ran to the end' };
  const at = tokenIndexCovering(tokens, box.end);
  return { stopToken: at, answer: prefixes.answerAt(at), reason: `boxed answer inside the thinking at token ${at}` };
}

/** One `settled` check at token `t`: the answer when the last `every` tokens hold no hesitation word, else that word. */
export function settledCheck(text: string, tokens: TokenizedText, t: number, every: number, hesitations: readonly string[], prefixes: PrefixExtractor): { answer: string | null; hesitation: string | null } {
  const from = t - every <= 0 ? 0 : tokens.ends[t - every - 1];
  const m = hesitationRegex(hesitations).exec(text.slice(from, tokens.ends[t - 1]));
  if (m) return { answer: null, hesitation: m[0] };
  return { answer: prefixes.answerAt(t), hesitation: null };
}

/** Streak bookkeeping of `settled`: the new streak after a check. */
export function settledStreak(previous: string | null, streak: number, answer: string | null): number {
  return answer === null ? 0 : answer === previous ? streak + 1 : 1;
}

function applySettled(spec: Extract<PolicySpec, { kind: 'settled' }>, trace: PreparedTrace, prefixes: PrefixExtractor): PolicyOutcome {
  const count = trace.tokens.count;
  const words = spec.hesitations ?? DEFAULT_HESITATIONS;
  let previous: string | null = null;
  let streak = 0;
  for (let t = spec.every; t < count; t += spec.every) {
    const { answer } = settledCheck(trace.text, trace.tokens, t, spec.every, words, prefixes);
    streak = settledStreak(previous, streak, answer);
    previous = answer;
    if (streak >= spec.repeats) return { stopToken: t, answer, reason: `answer settled ${spec.repeats}× in a row without hesitation at token ${t}` };
  }
  return { stopToken: count, answer: prefixes.answerAt(count), reason: 'answer never settled; ran to the end' };
}

function applyStability(every: number, repeats: number, count: number, prefixes: PrefixExtractor): PolicyOutcome {
  let previous: string | null = null;
  let streak = 0;
  for (let t = every; t < count; t += every) {
    const answer = prefixes.answerAt(t);
    streak = answer !== null && answer === previous ? streak + 1 : 0;
    previous = answer;
    if (streak >= repeats) {
      return { stopToken: t, answer, reason: `answer unchanged ${repeats}× in a row at token ${t}` };
    }
  }
  return { stopToken: count, answer: prefixes.answerAt(count), reason: 'answer never stable; ran to the end' };
}

/** The recorded probes at multiples of `every` inside the trace, in order. */
export function probesEvery(trace: PreparedTrace, every: number): ProbeRecord[] {
  const count = trace.tokens.count;
  return (trace.probes ?? []).filter((p) => p.atToken > 0 && p.atToken < count && p.atToken % every === 0).sort((a, b) => a.atToken - b.atToken);
}

/** A probe policy on the recorded probes at multiples of its interval, through the rule the runtime applies live. */
function applyProbes(spec: ProbeSpec, trace: PreparedTrace, prefixes: PrefixExtractor, extract: Extractor): PolicyOutcome {
  const count = trace.tokens.count;
  const rule = new ProbeRule(spec, extract);
  let probeTokens = 0;
  for (const probe of probesEvery(trace, spec.every)) {
    probeTokens += probe.tokens;
    const stop = rule.judge(probe);
    if (stop) return { stopToken: probe.atToken, answer: stop.answer, reason: stop.reason, probeTokens };
  }
  return { stopToken: count, answer: prefixes.answerAt(count), reason: rule.endReason(), probeTokens };
}

/**
 * `budget:K`: thinking no longer than K keeps the model's own answer (whole trace, no call);
 * longer thinking uses the forced answer recorded at K, costing K + its tokens.
 */
function applyBudget(k: number, trace: PreparedTrace, prefixes: PrefixExtractor, extract: Extractor): PolicyOutcome {
  const count = trace.tokens.count;
  const thinking = trace.thinkingTokens ?? 0;
  if (thinking <= k) {
    return { stopToken: count, answer: prefixes.answerAt(count), reason: `thinking ended at ${thinking} tokens, within the budget; the model's own answer stands` };
  }
  const forced = trace.forced?.find((f) => f.atToken === k);
  if (!forced) return { stopToken: count, answer: null, reason: `no forced answer recorded at ${k} thinking tokens` };
  const found = extract(forced.text);
  return {
    stopToken: k + forced.tokens,
    answer: found ? found.answer : null,
    reason: `thinking closed at ${k} of ${thinking} tokens; forced answer of ${forced.tokens} tokens`,
    forcedTokens: forced.tokens,
  };
}
