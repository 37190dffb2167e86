/**
 * Renders a sweep for people and for other tools: the stable JSON contract, Markdown, CSV, a
 * terminal table and the one-line recommendation used by CodeLens and the panel.
 */
import type { SweepResult, SweepRow } from './types';
import { formatCi, formatCount, formatP, pct, signedPts, tokenChange } from './format';

// The number formatting lives in ./format (shared with the panel); re-exported for existing importers.
export { formatP, pct, signedPts, tokenChange } from './format';

/** One-line effect of a row, e.g. `−38% tokens · EM 81.0 → 78.2 (−2.8 pts, 95% CI −4.1…−1.5)`. */
export function rowEffect(result: SweepResult, row: SweepRow): string {
  return `${tokenChange(row.savings)} tokens · EM ${pct(result.baseline.em)} → ${pct(row.em)} (${signedPts(row.deltaEm)} pts, 95% CI ${formatCi(row.ci95)})`;
}

/** What {@link thinkingSplit} counts, for a tooltip next to it. */
export const THINKING_SPLIT_TOOLTIP =
  'Thinking tokens: kept tokens inside the thinking block (<think>…</think>, through the close tag); a stop there reads the intermediate answer, the last one stated so far. ' +
  'Answer tokens: kept tokens after the close tag, where the final answer is read. Means per case; together they are the mean output tokens.';

/** `thinking 1,159 · answer 180 tokens` (means per case) for a row of a sweep over thinking traces; null when no trace has a thinking block. */
export function thinkingSplit(result: Pick<SweepResult, 'thinkingTraces'>, row: SweepRow): string | null {
  if (!result.thinkingTraces || row.meanThinkingTokens === undefined) return null;
  return `thinking ${formatCount(row.meanThinkingTokens)} · answer ${formatCount(row.meanAnswerTokens ?? 0)} tokens`;
}

/** The recommendation as one line, or why there is none. */
export function recommendationLine(result: SweepResult): string {
  const rec = result.recommendation;
  if (!rec) return result.cases === 0 ? 'no cases with traces to evaluate' : `no policy stays within −${pct(result.margin)} pts`;
  const row = result.rows.find((r) => r.policy === rec.policy);
  if (!row) return rec.policy;
  return `${row.label}: ${rowEffect(result, row)}`;
}

/** The documented `--format json` contract (fractions; extra fields may be added, none removed). */
export function sweepToJson(result: SweepResult): Record<string, unknown> {
  const out: Record<string, unknown> = {
    cases: result.cases,
    skipped: result.skipped,
    encoding: result.encoding,
    engine: result.engine,
    tokenizer: result.tokenizer,
    ...(result.tokenizerFingerprint ? { tokenizerFingerprint: result.tokenizerFingerprint } : {}),
    extract: result.extract,
    match: result.match,
    margin: result.margin,
    seed: result.seed,
    resamples: result.resamples,
    baseline: result.baseline,
    rows: result.rows.map((r) => ({
      policy: r.policy,
      label: r.label,
      em: r.em,
      correct: r.correct,
      deltaEm: r.deltaEm,
      ci95: r.ci95,
      mcnemarP: r.mcnemarP,
      meanTokens: r.meanTokens,
      medianTokens: r.medianTokens,
      p95Tokens: r.p95Tokens,
      savings: r.savings,
      ...(r.meanProbeTokens !== undefined ? { meanProbeTokens: r.meanProbeTokens } : {}),
      ...(r.meanForcedTokens !== undefined ? { meanForcedTokens: r.meanForcedTokens } : {}),
      ...(r.meanThinkingTokens !== undefined
        ? { meanThinkingTokens: r.meanThinkingTokens, p95ThinkingTokens: r.p95ThinkingTokens, meanAnswerTokens: r.meanAnswerTokens, p95AnswerTokens: r.p95AnswerTokens, intermediateStops: r.intermediateStops }
        : {}),
      cutBeforeAnswer: r.cutBeforeAnswer,
      flipsToWrong: r.flipsToWrong,
      flipsToRight: r.flipsToRight,
      flipsToWrongIds: r.flipsToWrongIds,
      flipsToRightIds: r.flipsToRightIds,
      ...(r.arm !== undefined ? { arm: r.arm } : {}),
      ...(r.obeyed ? { obeyed: r.obeyed } : {}),
      ...(r.noEffect ? { noEffect: true } : {}),
    })),
    recommendation: result.recommendation,
    power: result.power,
    crossValidation: result.crossValidation,
    warnings: result.warnings,
  };
  if (result.caseResults) out.caseResults = result.caseResults;
  for (const [k, v] of Object.entries(result)) if (!(k in out)) out[k] = v;
  return out;
}

interface Column {
  title: string;
  cell: (r: SweepRow, result: SweepResult) => string;
  right?: boolean;
}

const COLUMNS: Column[] = [
  { title: 'policy', cell: (r) => r.policy },
  { title: 'mean tok', cell: (r) => r.meanTokens.toFixed(1), right: true },
  { title: 'p95 tok', cell: (r) => r.p95Tokens.toFixed(0), right: true },
  { title: 'savings', cell: (r) => `${pct(r.savings)}%`, right: true },
  { title: 'EM %', cell: (r) => pct(r.em), right: true },
  { title: 'ΔEM pts', cell: (r) => signedPts(r.deltaEm), right: true },
  { title: '95% CI', cell: (r) => formatCi(r.ci95), right: true },
  { title: 'McNemar p', cell: (r) => formatP(r.mcnemarP), right: true },
  { title: 'flips −/+', cell: (r) => `${r.flipsToWrong}/${r.flipsToRight}`, right: true },
  { title: 'cut before answer', cell: (r) => String(r.cutBeforeAnswer), right: true },
];

// With thinking traces: kept tokens split into thinking and answer, and stops that took an intermediate answer.
const THINKING_COLUMNS: Column[] = [
  { title: 'think tok', cell: (r) => (r.meanThinkingTokens ?? 0).toFixed(1), right: true },
  { title: 'answer tok', cell: (r) => (r.meanAnswerTokens ?? 0).toFixed(1), right: true },
  { title: 'intermediate', cell: (r) => String(r.intermediateStops ?? 0), right: true },
];

// Probe calls (outside the mean) and forced answers (inside it), apart from the answer path; blank on other rows.
const PROBE_COLUMN: Column = { title: 'probe tok', cell: (r) => (r.meanProbeTokens === undefined ? '' : r.meanProbeTokens.toFixed(1)), right: true };
const FORCED_COLUMN: Column = { title: 'forced tok', cell: (r) => (r.meanForcedTokens === undefined ? '' : r.meanForcedTokens.toFixed(1)), right: true };

function columnsFor(result: SweepResult): Column[] {
  const extra = [
    ...(result.rows.some((r) => r.meanProbeTokens !== undefined) ? [PROBE_COLUMN] : []),
    ...(result.rows.some((r) => r.meanForcedTokens !== undefined) ? [FORCED_COLUMN] : []),
  ];
  return [...COLUMNS.slice(0, 3), ...(result.thinkingTraces ? THINKING_COLUMNS : []), ...extra, ...COLUMNS.slice(3)];
}

function summaryLines(result: SweepResult): string[] {
  const extract = [result.extract.preset, ...(result.extract.then ?? []).map((c) => c.preset)].join(' → ');
  const lines = [
    `${result.cases} cases scored, ${result.skipped} skipped · tokens: ${result.tokenizer} (${result.engine}) · extract ${extract} · match ${result.match.preset}`,
    ...(result.detected ? [`detected from the test set: ${result.detected.reason}`] : []),
    `baseline (full): EM ${pct(result.baseline.em)}% (${result.baseline.correct}/${result.cases}), ${result.baseline.meanTokens.toFixed(1)} mean output tokens`,
    `recommendation at margin ${pct(result.margin)} pts: ${recommendationLine(result)}`,
  ];
  const cv = result.crossValidation;
  if (cv) {
    lines.push(
      `cross-validated (${cv.folds} folds): the procedure's pick changes EM by ${signedPts(cv.heldOutDeltaEm)} pts and saves ${pct(cv.heldOutSavings)}% tokens on held-out cases; ${pct(cv.agreement, 0)}% of folds picked the same policy`,
    );
  }
  const full = result.rows[0];
  if (result.thinkingTraces && full?.meanThinkingTokens !== undefined) {
    lines.push(
      `thinking: ${result.thinkingTraces}/${result.cases} traces have a thinking block; full length spends ${full.meanThinkingTokens.toFixed(1)} thinking + ${(full.meanAnswerTokens ?? 0).toFixed(1)} answer tokens (mean; p95 ${(full.p95ThinkingTokens ?? 0).toFixed(0)} + ${(full.p95AnswerTokens ?? 0).toFixed(0)}). A stop inside the thinking takes the intermediate answer (column "intermediate").`,
    );
  }
  const probes = result.rows.some((r) => r.meanProbeTokens !== undefined);
  const forced = result.rows.some((r) => r.meanForcedTokens !== undefined);
  if (probes || forced) {
    const parts = [...(probes ? ['"probe tok" is spent in probe calls on top of "mean tok"'] : []), ...(forced ? ['"forced tok" is the forced answer\'s share of "mean tok"'] : [])];
    lines.push(`extra calls: ${parts.join('; ')} (means per case).`);
  }
  lines.push(result.power.message);
  if (result.tagBudgets) lines.push(`per-tag budgets: ${result.tagBudgets.message}`);
  if (result.casesToAdd) lines.push(`cases to add: ${result.casesToAdd.message}`);
  for (const w of result.warnings) if (w !== result.power.message) lines.push(`warning: ${w}`);
  return lines;
}

/** Aligned plain-text table for terminals. */
export function sweepToTable(result: SweepResult): string {
  const COLUMNS = columnsFor(result);
  const cells = result.rows.map((r) => COLUMNS.map((c) => c.cell(r, result)));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i].length)));
  const fmt = (values: string[]): string =>
    values.map((v, i) => (COLUMNS[i].right ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  const rec = result.recommendation?.policy;
  const body = result.rows.map((r, i) => `${r.policy === rec ? '▶ ' : '  '}${fmt(cells[i])}`);
  return [...summaryLines(result), '', `  ${fmt(COLUMNS.map((c) => c.title))}`, ...body].join('\n') + '\n';
}

function mdEscape(s: string): string {
  return s.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`);
}

/** GitHub-flavoured Markdown report. */
export function sweepToMarkdown(result: SweepResult): string {
  const COLUMNS = columnsFor(result);
  const rec = result.recommendation?.policy;
  const header = `| ${COLUMNS.map((c) => c.title).join(' | ')} |`;
  const align = `| ${COLUMNS.map((c) => (c.right ? '---:' : ':---')).join(' | ')} |`;
  const rows = result.rows.map((r) => `| ${COLUMNS.map((c, i) => { const v = mdEscape(c.cell(r, result)); return i === 0 && r.policy === rec ? `**${v}** (recommended)` : v; }).join(' | ')} |`);
  return ['# Prompt Budget sweep', '', ...summaryLines(result).map((l) => `- ${mdEscape(l)}`), '', header, align, ...rows, ''].join('\n');
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV with one row per policy; fractions as in the JSON contract. */
export function sweepToCsv(result: SweepResult): string {
  const thinking = result.thinkingTraces !== undefined;
  const head = ['policy', 'label', 'em', 'correct', 'deltaEm', 'ci95Low', 'ci95High', 'mcnemarP', 'meanTokens', 'medianTokens', 'p95Tokens', 'savings', 'cutBeforeAnswer', 'flipsToWrong', 'flipsToRight', 'recommended'];
  if (thinking) head.push('meanThinkingTokens', 'p95ThinkingTokens', 'meanAnswerTokens', 'p95AnswerTokens', 'intermediateStops');
  const probes = result.rows.some((r) => r.meanProbeTokens !== undefined);
  const forced = result.rows.some((r) => r.meanForcedTokens !== undefined);
  if (probes) head.push('meanProbeTokens');
  if (forced) head.push('meanForcedTokens');
  const lines = [head.join(',')];
  for (const r of result.rows) {
    const cells: (string | number)[] = [r.policy, r.label, r.em, r.correct, r.deltaEm, r.ci95[0], r.ci95[1], r.mcnemarP, r.meanTokens, r.medianTokens, r.p95Tokens, r.savings, r.cutBeforeAnswer, r.flipsToWrong, r.flipsToRight, r.policy === result.recommendation?.policy ? 1 : 0];
    if (thinking) cells.push(r.meanThinkingTokens ?? 0, r.p95ThinkingTokens ?? 0, r.meanAnswerTokens ?? 0, r.p95AnswerTokens ?? 0, r.intermediateStops ?? 0);
    if (probes) cells.push(r.meanProbeTokens ?? '');
    if (forced) cells.push(r.meanForcedTokens ?? '');
    lines.push(cells.map(csvCell).join(','));
  }
  return lines.join('\n') + '\n';
}
