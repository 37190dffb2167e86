import type { LineIssue } from '../types';

/** `file:line: reason`, or `file:line:column: reason` when the column is known. */
export function formatIssue(fileName: string, issue: LineIssue): string {
  const col = issue.column !== undefined ? `:${issue.column}` : '';
  return `${fileName}:${issue.line}${col}: ${issue.message}`;
}

interface RankedIssue {
  issue: LineIssue;
  rank: number;
}

/** Keeps the `max` issues with the lowest (line, column), whatever order they arrive in. */
export class IssueSink {
  private items: RankedIssue[] = [];
  private total = 0;
  errors = 0;
  constructor(private readonly max: number) {}

  add(issue: LineIssue, rank = 1): void {
    this.total++;
    if (issue.severity === 'error') this.errors++;
    this.items.push({ issue, rank });
    if (this.items.length >= 2 * this.max + 64) this.trim();
  }

  finish(): LineIssue[] {
    this.trim();
    const out = this.items.map((r) => r.issue);
    const dropped = this.total - out.length;
    if (dropped > 0) {
      const last = out[out.length - 1];
      out.push({
        line: last ? last.line : 1,
        message: `${dropped} more issue${dropped === 1 ? '' : 's'} not shown (limit ${this.max})`,
        severity: 'warning',
      });
    }
    return out;
  }

  private trim(): void {
    this.items.sort(
      (a, b) => a.issue.line - b.issue.line || (a.issue.column ?? 0) - (b.issue.column ?? 0) || a.rank - b.rank,
    );
    if (this.items.length > this.max) this.items.length = this.max;
  }
}
