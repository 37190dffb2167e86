// The sweep table: one row per policy against full length, sortable, a row selects its policy.
import type { SweepRow } from '../core/types';
import { costPerCall, formatCi, formatCount, formatEmCount, formatMeanTokens, formatP, formatSavings, formatSignedPts, formatUsd } from '../shared/format';
import type { SortKey, SweepSummary, ViewState } from '../shared/protocol';
import { button, h, type SectionContext } from './dom';
import { nextSort, sortRows } from './sortRows';

/** One column of the sweep table: how it sorts, its header and its cell text. */
export interface Column {
  /** The sort key, or null for a column that does not sort. */
  key: SortKey | null;
  title: string;
  tip: string;
  numeric: boolean;
  cell: (r: SweepRow, s: SweepSummary, v: ViewState) => string;
}

/** What the thinking and answer columns and the intermediate-answer note mean. */
export const THINKING_TIP =
  'Thinking tokens are the kept tokens inside the thinking block (<think>…</think>, through the close tag); answer tokens are those after it. ' +
  'An intermediate answer is the last answer stated inside thinking that was still open when the policy stopped: offline it stands in for the answer the model would give if made to stop thinking there.';

const meanP95 = (mean: number | undefined, p95: number | undefined): string => (mean === undefined ? '' : `${formatMeanTokens(mean)} / ${formatCount(p95 ?? 0)}`);

/** Shown only when the traces have a thinking block (the rows carry these figures then). */
const THINKING_COLUMNS: readonly Column[] = [
  { key: null, title: 'Thinking', tip: `Thinking tokens kept per case: mean / p95. ${THINKING_TIP}`, numeric: true, cell: (r) => meanP95(r.meanThinkingTokens, r.p95ThinkingTokens) },
  { key: null, title: 'Answer', tip: `Answer tokens kept per case: mean / p95. ${THINKING_TIP}`, numeric: true, cell: (r) => meanP95(r.meanAnswerTokens, r.p95AnswerTokens) },
];

/** Probe calls and forced answers, apart from the answer path; shown when some row has them, blank on the others. */
const EXTRA_COLUMNS: readonly Column[] = [
  {
    key: null,
    title: 'Probes',
    tip: 'Mean tokens per case spent in probe calls ("answer now?" requests), on top of the mean output tokens',
    numeric: true,
    cell: (r) => (r.meanProbeTokens === undefined ? '' : formatMeanTokens(r.meanProbeTokens)),
  },
  {
    key: null,
    title: 'Forced',
    tip: 'Mean tokens per case of the forced answer written after the thinking was cut at the budget; included in the mean output tokens (0 where the thinking fit)',
    numeric: true,
    cell: (r) => (r.meanForcedTokens === undefined ? '' : formatMeanTokens(r.meanForcedTokens)),
  },
];

export const COLUMNS: readonly Column[] = [
  { key: 'policy', title: 'Policy', tip: 'Stopping policy', numeric: false, cell: (r) => r.label },
  { key: 'meanTokens', title: 'Mean tok', tip: 'Mean output tokens per case', numeric: true, cell: (r) => formatMeanTokens(r.meanTokens) },
  { key: 'p95Tokens', title: 'p95 tok', tip: '95th percentile of output tokens', numeric: true, cell: (r) => formatCount(r.p95Tokens) },
  { key: 'savings', title: 'Tokens', tip: 'Change in mean output tokens against full length', numeric: true, cell: (r) => formatSavings(r.savings) },
  { key: 'em', title: 'EM', tip: 'Exact match: share of cases right, and right / cases', numeric: true, cell: (r, s) => formatEmCount(r.em, r.correct, s.result.cases) },
  { key: 'deltaEm', title: 'ΔEM (95% CI)', tip: 'Change in EM points against full length, with the paired 95% CI (Tango score interval)', numeric: true, cell: (r) => `${formatSignedPts(r.deltaEm)} (${formatCi(r.ci95)})` },
  { key: 'mcnemarP', title: 'p', tip: 'McNemar exact p-value (paired, against full length)', numeric: true, cell: (r) => formatP(r.mcnemarP) },
  { key: 'cutBeforeAnswer', title: 'Cut', tip: 'Cases cut before any answer appeared', numeric: true, cell: (r) => String(r.cutBeforeAnswer) },
  {
    key: null,
    title: '$/call',
    tip: 'Cost per call: prompt at the input price plus mean output tokens at the output price',
    numeric: true,
    cell: (r, s, v) => formatUsd(costPerCall(s.promptTokens ?? 0, r.meanTokens, v.prices)),
  },
];

/** The table's columns: after p95, the thinking and answer columns, then the probe and forced columns, each when some row has them. */
export function tableColumns(rows: readonly SweepRow[]): readonly Column[] {
  const thinking = rows.some((r) => r.meanThinkingTokens !== undefined) ? THINKING_COLUMNS : [];
  const extra = EXTRA_COLUMNS.filter((c) => (c.title === 'Probes' ? rows.some((r) => r.meanProbeTokens !== undefined) : rows.some((r) => r.meanForcedTokens !== undefined)));
  if (thinking.length === 0 && extra.length === 0) return COLUMNS;
  const at = COLUMNS.findIndex((c) => c.key === 'p95Tokens') + 1;
  return [...COLUMNS.slice(0, at), ...thinking, ...extra, ...COLUMNS.slice(at)];
}

/** The note under a policy whose stops read intermediate answers inside the thinking; null when none did. */
export function rowNote(r: SweepRow): string | null {
  const n = r.intermediateStops ?? 0;
  if (n <= 0) return null;
  return `${formatCount(n)} ${n === 1 ? 'stop' : 'stops'} used an intermediate answer (read inside the thinking)`;
}

/** The badge on an arm's row and its tooltip; null for a policy row. */
export function armBadge(r: SweepRow): { text: string; tip: string } | null {
  if (r.arm === undefined) return null;
  return { text: 'arm', tip: `Provider setting "${r.arm}": its own generation per case with the arm's request fields, paired with the default request like a policy` };
}

/** The warning on an arm's row when its setting looks ignored (noEffect); null otherwise. */
export function rowWarning(r: SweepRow): string | null {
  if (!r.noEffect) return null;
  return `⚠ no effect: ${r.obeyed?.reason ?? `arm ${r.arm ?? r.policy} changed no token counts`}`;
}

/** A header as shown: the sort arrow is part of the label. */
export interface HeaderView {
  key: SortKey | null;
  /** Title with the sort arrow when the table is sorted by this column. */
  label: string;
  tip: string;
  numeric: boolean;
  ariaSort: 'ascending' | 'descending' | 'none' | undefined;
}

/** A row as shown: its cells' text in column order and how it is marked. */
export interface RowView {
  policy: string;
  selected: boolean;
  recommended: boolean;
  baseline: boolean;
  cells: string[];
  /** Under the policy's name: how many stops used an intermediate answer. */
  note: string | null;
  /** An arm (provider setting) row: its badge. */
  arm: { text: string; tip: string } | null;
  /** An arm whose setting looks ignored: why. */
  warning: string | null;
}

export interface TableView {
  headers: HeaderView[];
  rows: RowView[];
}

/** What the table shows, in order: headers with their sort state, rows sorted, each cell's text. */
export function tableView(s: SweepSummary, v: ViewState): TableView {
  const columns = tableColumns(s.result.rows);
  const headers = columns.map((c): HeaderView => {
    const sorted = c.key !== null && v.sort.key === c.key;
    const arrow = sorted ? (v.sort.descending ? ' ▼' : ' ▲') : '';
    return { key: c.key, label: `${c.title}${arrow}`, tip: c.tip, numeric: c.numeric, ariaSort: c.key === null ? undefined : sorted ? (v.sort.descending ? 'descending' : 'ascending') : 'none' };
  });
  const rec = s.result.recommendation?.policy;
  const rows = sortRows(s.result.rows, v.sort).map((r) => ({
    policy: r.policy,
    selected: r.policy === v.selectedPolicy,
    recommended: r.policy === rec,
    baseline: r.policy === 'full',
    cells: columns.map((c) => c.cell(r, s, v)),
    note: rowNote(r),
    arm: armBadge(r),
    warning: rowWarning(r),
  }));
  return { headers, rows };
}

/** What the table's DOM depends on; it is rebuilt only when this changes. */
export function tableKey(v: ViewState): string {
  return JSON.stringify([v.sweep?.finishedAt, v.sort, v.selectedPolicy, v.prices]);
}

// Rows are focusable: Enter or Space selects, the arrows move between rows.
function onRowKey(e: KeyboardEvent, tr: HTMLElement, select: () => void): void {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    select();
  } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    ((e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling) as HTMLElement | null)?.focus();
  }
}

/** The table's DOM; every click and key press becomes a message to the extension. */
export function renderTable(s: SweepSummary, v: ViewState, ctx: SectionContext): HTMLElement {
  const view = tableView(s, v);
  const head = h('tr');
  for (const c of view.headers) {
    const th = h('th', { scope: 'col', class: c.numeric ? 'num' : undefined, 'aria-sort': c.ariaSort, title: c.tip });
    const key = c.key;
    th.append(key ? button(c.label, `sort-${key}`, () => ctx.send({ type: 'sort', sort: nextSort(v.sort, key) }), { class: 'sort' }) : c.label);
    head.append(th);
  }
  const body = h('tbody');
  for (const r of view.rows) {
    const classes = [r.selected ? 'selected' : '', r.recommended ? 'recommended' : '', r.baseline ? 'baseline' : '', r.arm ? 'arm' : '', r.warning ? 'no-effect' : ''].filter(Boolean).join(' ');
    const tr = h('tr', { tabindex: '0', 'data-key': `row-${r.policy}`, 'data-policy': r.policy, 'aria-selected': r.selected ? 'true' : 'false', class: classes || undefined });
    r.cells.forEach((text, i) => {
      const td = h('td', { class: view.headers[i].numeric ? 'num' : undefined }, text);
      if (view.headers[i].key === 'policy') {
        td.title = r.policy;
        if (r.arm) td.append(' ', h('span', { class: 'badge small arm-badge', title: r.arm.tip }, r.arm.text));
        if (r.recommended) td.append(' ', h('span', { class: 'badge small', title: 'Recommended' }, '★'));
        if (r.note) td.append(h('div', { class: 'row-note', title: THINKING_TIP }, r.note));
        if (r.warning) td.append(h('div', { class: 'row-warning', role: 'note' }, r.warning));
      }
      tr.append(td);
    });
    const select = (): void => ctx.send({ type: 'selectPolicy', policy: r.policy });
    tr.addEventListener('click', select);
    tr.addEventListener('keydown', (e) => onRowKey(e, tr, select));
    body.append(tr);
  }
  const table = h('table', { class: 'sweep', 'aria-label': 'Policies against full length (select a row for its flipped cases)' }, h('thead', {}, head), body);
  return h('div', { class: 'table-wrap' }, table);
}
