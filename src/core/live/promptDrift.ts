// Prompt-token drift of a live run: each request's local count against the server's usage.prompt_tokens.
import { countChat, type ChatMessage } from '../chatTemplate';
import { isHfTokenizer } from '../hfTokenizer';
import type { Tokenizer } from '../tokens';

/** One case's local and server prompt counts. */
export interface PromptDriftCase {
  id: string;
  local: number;
  server: number;
  /** server − local. */
  drift: number;
}

/** The drift over every case that has both counts. */
export interface PromptDrift {
  tokenizer: string;
  compared: number;
  differing: number;
  meanDrift: number;
  meanAbsDrift: number;
  /** The case with the largest |drift| (null when none differs). */
  max: PromptDriftCase | null;
  /** The differing cases, largest |drift| first, at most 10. */
  worst: PromptDriftCase[];
}

/** A request's local prompt count (see countChat); null for a model tokenizer without a chat template. */
export function localPromptTokens(tok: Tokenizer, messages: readonly ChatMessage[]): number | null {
  try {
    return countChat(tok, messages, isHfTokenizer(tok) ? tok.config : undefined).promptTokens;
  } catch {
    return null;
  }
}

/** Summarises the drift of the cases with both a local count and a server-reported one; null when none has both. */
export function promptDrift(results: readonly { id: string; localPromptTokens?: number; usage?: { promptTokens?: number } }[], tokenizer: string): PromptDrift | null {
  const cases: PromptDriftCase[] = [];
  for (const r of results) {
    const server = r.usage?.promptTokens;
    if (r.localPromptTokens === undefined || server === undefined) continue;
    cases.push({ id: r.id, local: r.localPromptTokens, server, drift: server - r.localPromptTokens });
  }
  if (cases.length === 0) return null;
  const differing = cases.filter((c) => c.drift !== 0).sort((a, b) => Math.abs(b.drift) - Math.abs(a.drift));
  return {
    tokenizer,
    compared: cases.length,
    differing: differing.length,
    meanDrift: cases.reduce((s, c) => s + c.drift, 0) / cases.length,
    meanAbsDrift: cases.reduce((s, c) => s + Math.abs(c.drift), 0) / cases.length,
    max: differing[0] ?? null,
    worst: differing.slice(0, 10),
  };
}

/** One line for a run summary. */
export function promptDriftLine(d: PromptDrift): string {
  const signed = (x: number): string => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x).toFixed(1)}`;
  if (d.differing === 0) return `prompt tokens: the local count (${d.tokenizer}) equals the server's usage.prompt_tokens on all ${d.compared} case(s)`;
  const max = d.max as PromptDriftCase;
  return `prompt tokens: server − local (${d.tokenizer}) differs on ${d.differing} of ${d.compared} case(s): mean ${signed(d.meanDrift)}, mean |drift| ${d.meanAbsDrift.toFixed(1)}, max ${signed(max.drift)} on ${max.id} (local ${max.local}, server ${max.server})`;
}
