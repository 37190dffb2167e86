/**
 * Trace anatomy: where a reasoning model's thinking ends and its answer begins. A trace is split
 * on the first thinking block it opens (or, when the open tag was part of the prompt, the first
 * close tag); text after the close tag is the answer part.
 */
import type { ThinkingTags } from './types';

export type { ThinkingTags } from './types';

/** The tags recognised when a config names none: DeepSeek/Qwen, Anthropic-style, Open-Thoughts, gpt-oss harmony. */
export const DEFAULT_THINKING_TAGS: readonly ThinkingTags[] = [
  { open: '<think>', close: '</think>' },
  { open: '<thinking>', close: '</thinking>' },
  { open: '<|begin_of_thought|>', close: '<|end_of_thought|>' },
  { open: '<|channel|>analysis<|message|>', close: '<|end|>', answerFrom: '<|channel|>final<|message|>', answerEnd: '<|return|>' },
];

/** The thinking and answer parts of a trace, as UTF-16 offsets into it. */
export interface TraceSplit {
  /** The thinking text: after the open tag (or from 0 when the trace has only a close tag) up to the close tag or the end. */
  thinkingStart: number;
  thinkingEnd: number;
  closed: boolean;
  /** Where the close tag ends (equal to thinkingEnd while open). */
  closeEnd: number;
  /** The answer part (empty while the thinking is open). */
  answerStart: number;
  answerEnd: number;
  tags: ThinkingTags;
}

/**
 * Splits a trace (or a prefix of one) into its thinking part and its answer part, or returns null
 * when it has no thinking block: no open tag and no close tag of any pair. Of several pairs, the
 * one whose open tag comes first wins; with no open tag, the first close tag. The thinking runs to
 * the pair's last close tag (interleaved thinking blocks count as thinking).
 */
export function splitTrace(text: string, tags: readonly ThinkingTags[] = DEFAULT_THINKING_TAGS): TraceSplit | null {
  let best: ThinkingTags | null = null;
  let bestOpen = -1;
  for (const t of tags) {
    const at = text.indexOf(t.open);
    if (at >= 0 && (bestOpen < 0 || at < bestOpen)) {
      best = t;
      bestOpen = at;
    }
  }
  let thinkingStart: number;
  let closeAt: number;
  if (best) {
    thinkingStart = bestOpen + best.open.length;
    closeAt = text.lastIndexOf(best.close);
    if (closeAt < thinkingStart) closeAt = -1;
  } else {
    closeAt = -1;
    for (const t of tags) {
      const at = text.indexOf(t.close);
      if (at >= 0 && (closeAt < 0 || at < closeAt)) {
        best = t;
        closeAt = at;
      }
    }
    if (!best) return null;
    thinkingStart = 0;
  }
  if (closeAt < 0) {
    return { thinkingStart, thinkingEnd: text.length, closed: false, closeEnd: text.length, answerStart: text.length, answerEnd: text.length, tags: best };
  }
  const closeEnd = closeAt + best.close.length;
  let answerStart = closeEnd;
  if (best.answerFrom) {
    const from = text.indexOf(best.answerFrom, closeEnd);
    if (from >= 0) answerStart = from + best.answerFrom.length;
  }
  let answerEnd = text.length;
  if (best.answerEnd) {
    const end = text.indexOf(best.answerEnd, answerStart);
    if (end >= 0) answerEnd = end;
  }
  return { thinkingStart, thinkingEnd: closeAt, closed: true, closeEnd, answerStart, answerEnd, tags: best };
}

/** The open and close tags of a tag list, for marker scanning. */
export function thinkingTagStrings(tags: readonly ThinkingTags[] = DEFAULT_THINKING_TAGS): { opens: string[]; closes: string[] } {
  return { opens: tags.map((t) => t.open), closes: tags.map((t) => t.close) };
}

/**
 * Hesitation words for the `settled` policy: a check counts only when the last N tokens hold none.
 * Matched case-insensitively as whole words.
 */
export const DEFAULT_HESITATIONS: readonly string[] = [
  'wait',
  'hmm',
  'but',
  'hold on',
  'double-check',
  'double check',
  're-examine',
  'reexamine',
  'actually',
  'alternatively',
  'let me check',
  'verify',
  'recheck',
];

const hesitationRegexes = new Map<string, RegExp>();

/** A case-insensitive whole-word regex for a hesitation list (cached per list). */
export function hesitationRegex(words: readonly string[]): RegExp {
  const key = words.join('\u0000');
  let re = hesitationRegexes.get(key);
  if (!re) {
    if (hesitationRegexes.size > 64) hesitationRegexes.clear();
    const body = words
      .filter((w) => w.trim() !== '')
      .map((w) => w.trim().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/\s+/g, '\\s+'))
      .join('|');
    re = body === '' ? /(?!)/ : new RegExp(`(?<![\\p{L}\\p{N}])(?:${body})(?![\\p{L}\\p{N}])`, 'iu');
    hesitationRegexes.set(key, re);
  }
  return re;
}

/** The first hesitation word in `text`, or null. */
export function findHesitation(text: string, words: readonly string[] = DEFAULT_HESITATIONS): string | null {
  const m = hesitationRegex(words).exec(text);
  return m ? m[0] : null;
}
