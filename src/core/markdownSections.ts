import type { TokenCount } from './incrementalCounter';

/** A markdown ATX heading that starts a prompt section. */
export interface Section {
  /** 0-based line of the heading. */
  line: number;
  level: number;
  /** Heading text without the `#` marks. */
  title: string;
}

const HEADING = /^(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^(`{3,}|~{3,})/;

/**
 * Finds the ATX headings (`# Title`) that split a prompt into sections, ignoring lines inside
 * fenced code blocks. Headings must start in column 0, so each one begins a counter chunk.
 */
export function findSections(text: string): Section[] {
  const sections: Section[] = [];
  let fence: string | null = null;
  let line = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end);
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const f = FENCE.exec(content);
    if (fence) {
      if (f && f[1][0] === fence[0] && f[1].length >= fence.length && content.slice(f[1].length).trim() === '') fence = null;
    } else if (f) {
      fence = f[1];
    } else if (content.startsWith('#')) {
      const m = HEADING.exec(content);
      if (m) sections.push({ line, level: m[1].length, title: (m[2] ?? '').trim() });
    }
    line++;
    start = end + 1;
  }
  return sections;
}

/**
 * Each section's count including its subsections (up to the next heading of the same or a higher
 * level), from `own`: the count of each section's own text, parallel to `sections`.
 */
export function sectionTotals(sections: readonly Section[], own: readonly TokenCount[]): (Section & TokenCount)[] {
  return sections.map((s, i) => {
    let count = own[i].count;
    let approximate = own[i].approximate;
    for (let j = i + 1; j < sections.length && sections[j].level > s.level; j++) {
      count += own[j].count;
      approximate ||= own[j].approximate;
    }
    return { ...s, count, approximate };
  });
}
