/** Renders a comparison of two reports: terminal text, a Markdown pull-request comment, JSON and JUnit. */
import type { Change, Comparison, CountComparison, CountItemChange, RecommendedFigures, SweepComparison } from './compareReports';
import { formatCi, pct, signedPts, tokenChange } from './format';
import type { GateCheck } from './gates';
import { toJunitXml, type JunitCase } from './junit';

/** Test-case class of every compare case. */
export const COMPARE_JUNIT_CLASS = 'prompt-budget.compare';

const MINUS = '\u2212';

function signedNum(n: number, digits: number): string {
  const v = Number(n.toFixed(digits));
  return v > 0 ? `+${v.toFixed(digits)}` : v < 0 ? `${MINUS}${Math.abs(v).toFixed(digits)}` : (0).toFixed(digits);
}

function tokens(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function relative(c: Change): string {
  return c.relative === null ? (c.delta === 0 ? '±0%' : 'new') : `${signedNum(c.relative * 100, 1)}%`;
}

function recLine(r: RecommendedFigures | null): string {
  if (!r) return 'none (no policy within the margin)';
  return `${r.policy}: ${tokenChange(r.savings)} tokens, EM ${pct(r.em)}% (${signedPts(r.deltaEm)} pts, 95% CI ${formatCi(r.ci95)}), ${tokens(Number(r.meanTokens.toFixed(1)))} mean tokens`;
}

function sweepLines(c: SweepComparison): string[] {
  const lines = [
    `sweep reports: ${c.cases.before} → ${c.cases.after} cases · ${c.encoding.before === c.encoding.after ? c.encoding.after : `${c.encoding.before} → ${c.encoding.after}`}`,
  ];
  const em = c.baseline.em;
  const tok = c.baseline.meanTokens;
  const p = c.paired;
  lines.push(
    `baseline EM: ${pct(em.before)}% → ${pct(em.after)}% (${signedPts(em.delta)} pts)` +
      (p ? `; paired on ${p.matched} cases: ${signedPts(p.em.delta)} pts, 95% CI ${formatCi(p.emCi95)}, flips right→wrong ${p.flipsToWrong}, wrong→right ${p.flipsToRight}` : ''),
  );
  lines.push(
    `baseline output tokens (mean): ${tokens(Number(tok.before.toFixed(1)))} → ${tokens(Number(tok.after.toFixed(1)))} (${relative(tok)})` +
      (p ? `; paired: ${signedNum(p.meanTokens.delta, 1)} per case, 95% CI ${signedNum(p.tokensCi95[0], 1)}…${signedNum(p.tokensCi95[1], 1)}` : ''),
  );
  if (c.unpairedReason) lines.push(c.unpairedReason);
  const r = c.recommendation;
  lines.push(`recommended policy: ${r.samePolicy ? 'unchanged' : `${r.before?.policy ?? 'none'} → ${r.after?.policy ?? 'none'}`}`);
  lines.push(`  before: ${recLine(r.before)}`, `  after:  ${recLine(r.after)}`);
  if (c.promptTokens) {
    // Counted differently, the change is no prompt change: say why beside it, then the like-for-like figure.
    const counting = c.promptCounting;
    lines.push(`prompt tokens: ${tokens(c.promptTokens.before)} → ${tokens(c.promptTokens.after)} (${counting ? counting.reason : relative(c.promptTokens)})`);
    if (counting?.wholeFile) lines.push(`  ${wholeFileText(counting.wholeFile)}`);
  }
  return lines;
}

function wholeFileText(w: Change): string {
  return `the whole file on both sides: ≈${tokens(w.before)} → ${tokens(w.after)} (${relative(w)})`;
}

function itemLine(i: CountItemChange): string {
  const where = i.at ? `${i.file}:${i.at}${i.kind ? ` (${i.kind})` : ''}` : i.file;
  const figures = i.before === null ? `new, ${i.after}` : i.after === null ? `removed, was ${i.before}` : `${i.before} → ${i.after}`;
  const counting = i.counting ? `  (${i.counting.reason}${i.counting.wholeFile ? `; ${wholeFileText(i.counting.wholeFile)}` : ''})` : '';
  return `${signedNum(i.delta, 0).padStart(7)}  ${where}  ${figures}${counting}`;
}

function countLines(c: CountComparison): string[] {
  const lines = [
    `count reports · ${c.encoding.before === c.encoding.after ? c.encoding.after : `${c.encoding.before} → ${c.encoding.after}`}`,
    `prompt tokens (total): ${c.total.before} → ${c.total.after} (${signedNum(c.total.delta, 0)}, ${relative(c.total)})`,
  ];
  const changed = c.files.filter((f) => f.delta !== 0 || f.before === null || f.after === null || f.counting);
  lines.push(`files: ${changed.length} changed, ${c.files.length - changed.length} unchanged`, ...changed.map(itemLine));
  if (c.prompts.length) {
    const moved = c.prompts.filter((f) => f.delta !== 0 || f.before === null || f.after === null);
    lines.push(`prompt literals: ${moved.length} changed, ${c.prompts.length - moved.length} unchanged`, ...moved.map(itemLine));
  }
  return lines;
}

function gateLines(checks: readonly GateCheck[]): string[] {
  return checks.map((g) => `${g.pass ? 'pass' : 'FAIL'}  ${g.reason}`);
}

/** Plain text for terminals: what changed, notes, then each gate's verdict. */
export function comparisonToText(c: Comparison, checks: readonly GateCheck[]): string {
  const lines = c.kind === 'sweep' ? sweepLines(c) : countLines(c);
  for (const n of c.notes) lines.push(`note: ${n}`);
  return [...lines, ...gateLines(checks)].join('\n') + '\n';
}

function mdEscape(s: string): string {
  return s.replace(/[|\\`*_<>[\]]/g, (ch) => `\\${ch}`);
}

/** A Markdown pull-request comment. */
export function comparisonToMarkdown(c: Comparison, checks: readonly GateCheck[]): string {
  const out = ['# Prompt Budget: what this change costs', ''];
  if (c.kind === 'sweep') {
    out.push(...sweepLines(c).map((l) => `- ${mdEscape(l.trim())}`));
  } else {
    const [head, total, ...rest] = countLines(c);
    out.push(`- ${mdEscape(head)}`, `- ${mdEscape(total)}`, '');
    const rows = [...c.files, ...c.prompts].filter((f) => f.delta !== 0 || f.before === null || f.after === null);
    if (rows.length) {
      out.push('| change | where | before | after |', '| ---: | :--- | ---: | ---: |');
      for (const r of rows) {
        const where = `${r.at ? `${r.file}:${r.at}${r.kind ? ` (${r.kind})` : ''}` : r.file}${r.counting ? ` (${r.counting.reason}${r.counting.wholeFile ? `; ${wholeFileText(r.counting.wholeFile)}` : ''})` : ''}`;
        out.push(`| ${signedNum(r.delta, 0)} | ${mdEscape(where)} | ${r.before ?? '—'} | ${r.after ?? '—'} |`);
      }
    } else out.push(`- ${mdEscape(rest[0] ?? 'no file changed')}`);
  }
  for (const n of c.notes) out.push(`- note: ${mdEscape(n)}`);
  if (checks.length) {
    out.push('', '| gate | result |', '| :--- | :--- |');
    for (const g of checks) out.push(`| \`${g.gate}\` | ${g.pass ? 'pass' : '**FAIL**'}: ${mdEscape(g.reason.replace(/^gate \S+: /, ''))} |`);
  }
  return out.join('\n') + '\n';
}

/** The comparison as JSON, with the gates' verdicts. */
export function comparisonToJson(c: Comparison, checks: readonly GateCheck[]): Record<string, unknown> {
  return { ...c, gates: checks };
}

/** JUnit: one test case per gate given; without gates one passing case `compare` with the summary. */
export function comparisonToJunit(c: Comparison, checks: readonly GateCheck[]): string {
  const summary = (c.kind === 'sweep' ? sweepLines(c) : countLines(c)).slice(0, 4).join('\n');
  const cases: JunitCase[] = checks.length
    ? checks.map((g) => ({
        name: g.gate,
        classname: COMPARE_JUNIT_CLASS,
        ...(g.pass ? { systemOut: g.reason } : { failure: { message: g.reason, type: 'GateFailed', detail: `${g.reason}\n${summary}` } }),
      }))
    : [{ name: 'compare', classname: COMPARE_JUNIT_CLASS, systemOut: summary }];
  const props: [string, string | number | boolean | null][] =
    c.kind === 'sweep'
      ? [
          ['kind', 'sweep'],
          ['cases.before', c.cases.before],
          ['cases.after', c.cases.after],
          ['paired', c.paired ? c.paired.matched : false],
          ['baseline.em.before', (c.paired ?? c.baseline).em.before],
          ['baseline.em.after', (c.paired ?? c.baseline).em.after],
          ['baseline.em.ci95Low', c.paired ? c.paired.emCi95[0] : null],
          ['baseline.em.ci95High', c.paired ? c.paired.emCi95[1] : null],
          ['baseline.meanTokens.before', (c.paired ?? c.baseline).meanTokens.before],
          ['baseline.meanTokens.after', (c.paired ?? c.baseline).meanTokens.after],
          ['recommendation.before', c.recommendation.before?.policy ?? 'none'],
          ['recommendation.after', c.recommendation.after?.policy ?? 'none'],
          ['promptTokens.before', c.promptTokens?.before ?? null],
          ['promptTokens.after', c.promptTokens?.after ?? null],
        ]
      : [
          ['kind', 'count'],
          ['total.before', c.total.before],
          ['total.after', c.total.after],
          ['files', c.files.length],
        ];
  return toJunitXml({ name: 'prompt-budget compare', properties: props, cases });
}
