// Per-tag budgets: the cheapest policy per tag that keeps the overall ΔEM within the margin.
import type { TagBudgets } from '../core/types';
import { formatCi, formatCount, formatDeltaPts, formatEmCount, formatSavings, formatSignedPts } from '../shared/format';
import { PER_TAG_PLAN, tagPlanDiffers, tagPlanFallback, type SweepSummary } from '../shared/protocol';
import { button, foldable, h, type SectionContext } from './dom';

/** Columns of the per-tag table, with the tooltip each header shows. */
export const TAG_COLUMNS: readonly { title: string; tip: string; numeric: boolean }[] = [
  { title: 'Tag', tip: 'Cases grouped by their first tag', numeric: false },
  { title: 'Cases', tip: 'Cases in the group', numeric: true },
  { title: 'Policy', tip: 'The cheapest policy for the group that keeps the overall ΔEM within the margin', numeric: false },
  { title: 'Tokens', tip: 'Change in mean output tokens against full length on the group', numeric: true },
  { title: 'EM', tip: 'Exact match on the group: share right, and right / cases', numeric: true },
  { title: 'ΔEM', tip: 'Change in EM points against full length on the group', numeric: true },
];

/** One tag's row: the policy is a link that selects it in the sweep table. */
export interface TagRowView {
  tag: string;
  policy: string;
  policyLabel: string;
  /** Set when the group is too small and takes the overall recommendation. */
  fallbackNote: string | null;
  cells: { cases: string; tokens: string; em: string; deltaEm: string };
}

export interface TagBudgetsView {
  headline: string;
  message: string;
  rows: TagRowView[];
  plan: string[];
  single: string[] | null;
  openByDefault: boolean;
  /** Tooltip of the plan's export button; null when the plan is the single policy everywhere. */
  exportTip: string | null;
}

function labelOf(s: SweepSummary, policy: string): string {
  return s.result.rows.find((r) => r.policy === policy)?.label ?? policy;
}

/** The per-tag table's rows, the plan's and the single policy's footer rows, and the headline. */
/** A group's EM carries no count; it is a whole number of cases out of the group's. */
const emCount = (em: number, cases: number): string => formatEmCount(em, Math.round(em * cases), cases);

export function tagBudgetsView(s: SweepSummary, tb: TagBudgets): TagBudgetsView {
  const rows = tb.perTag.map((t) => ({
    tag: t.tag,
    policy: t.policy,
    policyLabel: labelOf(s, t.policy),
    fallbackNote: t.fallback ? `Fewer than ${tb.minCases} cases: takes the overall recommendation` : null,
    cells: { cases: formatCount(t.cases), tokens: formatSavings(t.savings), em: emCount(t.em, t.cases), deltaEm: formatSignedPts(t.deltaEm) },
  }));
  const cases = tb.perTag.reduce((n, t) => n + t.cases, 0);
  const plan = ['Per-tag plan', formatCount(cases), `ΔEM 95% CI ${formatCi(tb.overall.ci95)}`, formatSavings(tb.overall.savings), emCount(tb.overall.em, cases), formatSignedPts(tb.overall.deltaEm)];
  const single = tb.single ? ['Best single policy', '', labelOf(s, tb.single.policy), formatSavings(tb.single.savings), '', ''] : null;
  const headline = `Per-tag plan: ${formatSavings(tb.overall.savings)} tokens, ΔEM ${formatDeltaPts(tb.overall.deltaEm)} (95% CI ${formatCi(tb.overall.ci95)})${
    tb.single ? `; ${labelOf(s, tb.single.policy)} alone: ${formatSavings(tb.single.savings)} tokens` : ''
  }.`;
  const exportTip = tagPlanDiffers(tb) ? `Write the plan for createTagStopper(plan, tags) in prompt-budget/runtime: each request takes its first tag’s policy, any other tag ${tagPlanFallback(tb)}` : null;
  return { headline, message: tb.message, rows, plan, single, openByDefault: tb.perTag.length <= 8, exportTip };
}

/** The foldable per-tag section, with the plan's export when the plan differs from the single policy. */
export function renderTagBudgets(s: SweepSummary, tb: TagBudgets, ctx: SectionContext): HTMLElement {
  const view = tagBudgetsView(s, tb);
  const head = h('tr', {}, ...TAG_COLUMNS.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : undefined, title: c.tip }, c.title)));
  const body = h('tbody');
  for (const t of view.rows) {
    const policyCell = h('td', {}, button(t.policyLabel, `tag-policy-${t.tag}`, () => ctx.send({ type: 'selectPolicy', policy: t.policy }), { class: 'link', title: `Select ${t.policy} in the table` }));
    if (t.fallbackNote) policyCell.append(' ', h('span', { class: 'muted', title: t.fallbackNote }, '(too few cases)'));
    body.append(
      h('tr', { 'data-tag': t.tag }, h('td', {}, t.tag), h('td', { class: 'num' }, t.cells.cases), policyCell, h('td', { class: 'num' }, t.cells.tokens), h('td', { class: 'num' }, t.cells.em), h('td', { class: 'num' }, t.cells.deltaEm)),
    );
  }
  const footRow = (tag: string, cells: string[]): HTMLTableRowElement =>
    h('tr', { 'data-tag': tag }, h('th', { scope: 'row' }, cells[0]), ...cells.slice(1).map((c, i) => h('td', { class: TAG_COLUMNS[i + 1].numeric ? 'num' : undefined }, c)));
  const foot = h('tfoot', {}, footRow('(plan)', view.plan));
  if (view.single) foot.append(footRow('(single)', view.single));
  const table = h('table', { class: 'tags', 'aria-label': 'Per-tag budgets' }, h('thead', {}, head), body, foot);
  const exportPlan = view.exportTip
    ? h('div', { class: 'toolbar' }, button('Export per-tag plan for production…', 'export-tag-plan', () => ctx.send({ type: 'exportPolicy', policy: PER_TAG_PLAN }), { class: 'secondary', title: view.exportTip }))
    : null;
  return foldable(
    ctx,
    'tags',
    'Per-tag budgets',
    view.openByDefault,
    { 'data-testid': 'tag-budgets', 'aria-label': 'Per-tag budgets' },
    h('p', { class: 'headline' }, view.headline),
    h('p', { class: 'muted' }, view.message),
    h('div', { class: 'table-wrap' }, table),
    exportPlan,
  );
}
