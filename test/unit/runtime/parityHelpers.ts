import { readFileSync } from 'node:fs';
import path from 'node:path';
import { makeExtractor } from '../../../src/core/extract';
import { applyPolicy, DEFAULT_CUTOFFS, DEFAULT_DYNAMIC_POLICIES, PrefixExtractor, THINKING_DYNAMIC_POLICIES, thinkingCutoffs, type PreparedTrace } from '../../../src/core/policies';
import { getTokenizer, tokenizeWithOffsets } from '../../../src/core/tokens';
import type { EncodingName, EngineName, ExtractConfig, ExtractPreset, PolicyOutcome, PolicySpec } from '../../../src/core/types';
import { PolicyTracker, StreamTrace } from '../../../src/runtime/policyTracker';
import { StreamTokens } from '../../../src/runtime/streamTokens';

export const DATA = path.resolve(__dirname, '../../../../shared/data');

/** The shared data sets with the extraction presets named for them in the issue. */
export const DATA_SETS: { file: string; presets: ExtractPreset[] }[] = [
  { file: 'gsm8k_faithfulcot_gpt4_cot.jsonl', presets: ['last-number'] },
  { file: 'math_qwen25math_cot100x8.jsonl', presets: ['boxed', 'json-answer'] },
  { file: 'math_l5_zeroeval_qwen25_72b.jsonl', presets: ['boxed', 'json-answer'] },
];

/** The shared reasoning traces (`<think>` … `</think>` then a boxed answer). */
export const THINKING_DATA_SETS: { file: string; presets: ExtractPreset[] }[] = [
  { file: 'gsm8k_thoughtology_deepseek_r1.jsonl', presets: ['boxed', 'last-number'] },
  { file: 'math_thoughtanchors_r1distill_think.jsonl', presets: ['boxed', 'after-think'] },
];

/** What the sweep evaluates by default on thinking traces (cutoffs to 4096), plus small settled/marker variants. */
export const THINKING_POLICIES: PolicySpec[] = [
  { kind: 'full' },
  ...thinkingCutoffs(4096).map((k): PolicySpec => ({ kind: 'cutoff', tokens: k })),
  ...THINKING_DYNAMIC_POLICIES,
  { kind: 'settled', every: 16, repeats: 2 },
  { kind: 'settled', every: 32, repeats: 1, hesitations: ['so', 'then'] },
  { kind: 'marker', grace: 5 },
];

/** Every policy the sweep evaluates by default: full, the default cutoffs and the default dynamic policies. */
export const SWEEP_POLICIES: PolicySpec[] = [{ kind: 'full' }, ...DEFAULT_CUTOFFS.map((k): PolicySpec => ({ kind: 'cutoff', tokens: k })), ...DEFAULT_DYNAMIC_POLICIES];

export interface DataRow {
  id: string;
  answer: string;
  output: string;
}

const cache = new Map<string, DataRow[]>();

export function readRows(file: string): DataRow[] {
  let rows = cache.get(file);
  if (!rows) {
    rows = readFileSync(path.join(DATA, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as DataRow);
    cache.set(file, rows);
  }
  return rows;
}

/** What the sweep computes: `applyPolicy` on the whole trace, tokenized once. */
export function sweepOutcomes(text: string, policies: readonly PolicySpec[], preset: ExtractPreset, encoding: EncodingName = 'o200k_base', engine: EngineName = 'gpt-tokenizer'): PolicyOutcome[] {
  return sweepTrace(text, policies, preset, encoding, engine).outcomes;
}

/** {@link sweepOutcomes} plus the whole-trace token ends. */
export function sweepTrace(text: string, policies: readonly PolicySpec[], preset: ExtractPreset, encoding: EncodingName = 'o200k_base', engine: EngineName = 'gpt-tokenizer'): { outcomes: PolicyOutcome[]; ends: Uint32Array } {
  const extract = makeExtractor({ preset });
  const trace: PreparedTrace = { text, tokens: tokenizeWithOffsets(getTokenizer(encoding, engine), text) };
  const prefixes = new PrefixExtractor(trace, extract);
  return { outcomes: policies.map((p) => applyPolicy(p, trace, prefixes, extract)), ends: trace.tokens.ends };
}

/** {@link sweepOutcomes} with a whole extraction config (chains, thinking tags). */
export function sweepOutcomesWith(text: string, policies: readonly PolicySpec[], extract: ExtractConfig): PolicyOutcome[] {
  const ex = makeExtractor(extract);
  const trace: PreparedTrace = { text, tokens: tokenizeWithOffsets(getTokenizer(), text), thinkingTags: extract.thinking };
  const prefixes = new PrefixExtractor(trace, ex);
  return policies.map((p) => applyPolicy(p, trace, prefixes, ex));
}

/** A seeded chunking: cut offsets (UTF-16) with piece lengths in [1, maxPiece]. */
export function seededCuts(length: number, seed: number, maxPiece: number): number[] {
  const cuts: number[] = [];
  let s = (seed >>> 0) % 2147483647 || 1;
  for (let at = 0; at < length; ) {
    s = (s * 48271) % 2147483647;
    at += 1 + (s % maxPiece);
    if (at < length) cuts.push(at);
  }
  return cuts;
}

export interface StreamedOutcome {
  outcome: PolicyOutcome;
  /** Characters received when the decision came (the whole text when it came from finish()). */
  receivedAt: number;
  viaFinish: boolean;
}

/**
 * Streams one trace through one shared `StreamTokens` and a tracker per policy (what many
 * `createStopper`s would do, without tokenizing the trace once per policy).
 */
export function streamOutcomes(text: string, cuts: readonly number[], policies: readonly PolicySpec[], preset: ExtractPreset, encoding: EncodingName = 'o200k_base', engine: EngineName = 'gpt-tokenizer'): StreamedOutcome[] {
  const source = new StreamTrace(new StreamTokens(encoding, engine), makeExtractor({ preset }));
  const trackers = policies.map((p) => new PolicyTracker(p, source));
  const out: (StreamedOutcome | null)[] = policies.map(() => null);
  let open = policies.length;
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    if (cut <= from) continue;
    const delta = text.slice(from, cut);
    from = cut;
    source.push(delta);
    for (let p = 0; p < trackers.length; p++) {
      if (out[p]) continue;
      const o = trackers[p].check(delta);
      if (o) {
        out[p] = { outcome: o, receivedAt: cut, viaFinish: false };
        open--;
      }
    }
    if (open === 0) break;
  }
  if (open > 0) {
    source.end();
    for (let p = 0; p < trackers.length; p++) if (!out[p]) out[p] = { outcome: trackers[p].finish(), receivedAt: text.length, viaFinish: true };
  }
  return out as StreamedOutcome[];
}
