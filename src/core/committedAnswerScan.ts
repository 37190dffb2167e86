/**
 * Finds where a reasoning model commits to an answer inside its thinking: the first non-empty `\boxed{…}` (or
 * `\fbox{…}`) that closes before the thinking does. R1-style models write their final form there ("**Final Answer** \boxed{18}")
 * before they close the thinking and summarise. The `committed` policy stops there; the sweep feeds the whole trace
 * at once and the streaming runtime feeds it as it grows, through this one scanner, so both find the same place.
 */
import type { ThinkingTags } from './types';
import { DEFAULT_THINKING_TAGS } from './traceAnatomy';

/** Where the committed answer is, as UTF-16 offsets: `start` at the backslash, `end` just after the closing brace. */
export interface CommittedBox {
  start: number;
  end: number;
}

const BOX_NAMES = ['\\boxed', '\\fbox'];

/** Incremental scanner over a growing text; `push` takes the whole text so far (each call a longer prefix of the last). */
export class CommittedAnswerScan {
  /** The committed box once found; `undefined` while undecided; null when the text cannot hold one (see {@link finish}). */
  found: CommittedBox | null | undefined = undefined;
  private phase: 'open' | 'box' | 'braces' = 'open';
  /** Offset before which no tag (phase open) or box name (phase box) can start. */
  private from = 0;
  private close = '';
  private boxStart = 0;
  private braceAt = 0;
  private depth = 0;
  private readonly tagLength: number;

  constructor(private readonly tags: readonly ThinkingTags[] = DEFAULT_THINKING_TAGS) {
    this.tagLength = Math.max(1, ...tags.flatMap((t) => [t.open.length, t.close.length]));
  }

  /** Reads the text up to its end; later calls continue where this one stopped. */
  push(text: string): void {
    while (this.found === undefined) {
      const [phase, from] = [this.phase, this.from];
      if (this.phase === 'open') this.findOpen(text);
      else if (this.phase === 'box') this.findBox(text);
      else this.matchBraces(text);
      // No step moved: the rest needs more text.
      if (this.phase === phase && this.from === from) return;
    }
  }

  /** The text has ended: an undecided scan has no committed box. */
  finish(): CommittedBox | null {
    if (this.found === undefined) this.found = null;
    return this.found;
  }

  /** The first complete tag: an open tag starts the thinking, a close tag first means the open tag was in the prompt. */
  private findOpen(text: string): void {
    let best = -1;
    let bestTag: ThinkingTags | null = null;
    let isOpen = false;
    for (const t of this.tags) {
      for (const [tag, open] of [[t.open, true], [t.close, false]] as const) {
        const at = text.indexOf(tag, this.from);
        if (at >= 0 && (best < 0 || at < best)) [best, bestTag, isOpen] = [at, t, open];
      }
    }
    if (!bestTag) {
      this.from = Math.max(this.from, text.length - this.tagLength + 1);
      return;
    }
    // With the open tag in the prompt, the thinking ends at this close tag: nothing left to commit in.
    if (!isOpen) {
      this.found = null;
      return;
    }
    this.close = bestTag.close;
    this.phase = 'box';
    this.from = best + bestTag.open.length;
  }

  /** The next box name with a brace, unless the close tag comes first. */
  private findBox(text: string): void {
    const closeAt = text.indexOf(this.close, this.from);
    let at = -1;
    let name = '';
    for (const n of BOX_NAMES) {
      const i = text.indexOf(n, this.from);
      if (i >= 0 && (at < 0 || i < at)) [at, name] = [i, n];
    }
    if (closeAt >= 0 && (at < 0 || closeAt < at)) {
      this.found = null;
      return;
    }
    if (at < 0) {
      this.from = Math.max(this.from, text.length - Math.max(this.close.length, 6) + 1);
      return;
    }
    let j = at + name.length;
    while (j < text.length && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
    if (j >= text.length) {
      this.from = at;
      return;
    }
    if (text.charCodeAt(j) !== 123 /* { */) {
      // `\boxed 5` or `\boxeds`: not a braced box; look further.
      this.from = at + 1;
      return;
    }
    this.boxStart = at;
    this.braceAt = j;
    this.depth = 0;
    this.phase = 'braces';
    this.from = j;
  }

  /** Counts braces from the box's `{`; the close tag inside the box ends the thinking first. */
  private matchBraces(text: string): void {
    const first = this.close.charCodeAt(0);
    let j = this.from;
    for (; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === first) {
        if (j + this.close.length > text.length && this.close.startsWith(text.slice(j))) break;
        if (text.startsWith(this.close, j)) {
          this.found = null;
          return;
        }
      }
      if (c === 123) this.depth++;
      else if (c === 125 && --this.depth === 0) {
        // An empty box ("put the answer in \boxed{}") commits to nothing; look for the next one.
        if (text.slice(this.braceAt + 1, j).trim() === '') {
          this.phase = 'box';
          this.from = j + 1;
          return;
        }
        this.found = { start: this.boxStart, end: j + 1 };
        return;
      }
    }
    this.from = j;
  }
}

/** The committed box of a whole trace, or null. */
export function findCommittedBox(text: string, tags?: readonly ThinkingTags[]): CommittedBox | null {
  const scan = new CommittedAnswerScan(tags);
  scan.push(text);
  return scan.finish();
}
