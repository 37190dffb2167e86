// The results panel. Renders the state the extension sends; every action is a message back.
// All data, test-set text above all, goes into the page through textContent and attributes,
// never as HTML.
import type { CasesToAdd, SweepRow, TagBudgets } from '../core/types';
import { costPerCall, formatCi, formatCount, formatDeltaPts, formatEm, formatMeanTokens, formatP, formatSavings, formatSignedPts, formatUsd } from '../shared/format';
import { PER_TAG_PLAN, policyExportRule, tagPlanDiffers, tagPlanFallback, type CaseDetail, type ExtensionMessage, type LiveRunView, type SortKey, type SweepSummary, type ViewState, type WebviewMessage } from '../shared/protocol';
import { liveStatusLine } from '../shared/liveProgress';
import { renderChart } from './chart';
import { nextSort, sortRows } from './sortRows';
import { renderDetectedNotice } from './detectedNotice';

interface VsCodeApi {
  postMessage(msg: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;
let state: ViewState | null = (vscode.getState() as ViewState | null) ?? null;
let openedCase: string | null = null;
/** The last live run; not part of the saved state (a reload starts without it). */
let live: LiveRunView | null = null;
/** Sections the user opened or closed (by key); the rest use their default. */
const sectionOpen = new Map<string, boolean>();

type Child = Node | string | null | undefined | false;

/** Creates an element; strings become text nodes. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

function button(label: string, key: string, onClick: () => void, attrs: Record<string, string | undefined> = {}): HTMLButtonElement {
  const b = h('button', { type: 'button', 'data-key': key, ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
}

function send(msg: WebviewMessage): void {
  vscode.postMessage(msg);
}

interface Column {
  key: SortKey | null;
  title: string;
  tip: string;
  cell: (r: SweepRow, s: SweepSummary, v: ViewState) => string;
  numeric: boolean;
}

const COLUMNS: Column[] = [
  { key: 'policy', title: 'Policy', tip: 'Stopping policy', cell: (r) => r.label, numeric: false },
  { key: 'meanTokens', title: 'Mean tok', tip: 'Mean output tokens per case', cell: (r) => formatMeanTokens(r.meanTokens), numeric: true },
  { key: 'p95Tokens', title: 'p95 tok', tip: '95th percentile of output tokens', cell: (r) => formatCount(r.p95Tokens), numeric: true },
  { key: 'savings', title: 'Tokens', tip: 'Change in mean output tokens against full length', cell: (r) => formatSavings(r.savings), numeric: true },
  { key: 'em', title: 'EM', tip: 'Exact match, %', cell: (r) => formatEm(r.em), numeric: true },
  { key: 'deltaEm', title: 'ΔEM (95% CI)', tip: 'Change in EM points against full length, with the paired bootstrap 95% CI', cell: (r) => `${formatSignedPts(r.deltaEm)} (${formatCi(r.ci95)})`, numeric: true },
  { key: 'mcnemarP', title: 'p', tip: 'McNemar exact p-value (paired, against full length)', cell: (r) => formatP(r.mcnemarP), numeric: true },
  { key: 'cutBeforeAnswer', title: 'Cut', tip: 'Cases cut before any answer appeared', cell: (r) => String(r.cutBeforeAnswer), numeric: true },
  { key: null, title: '$/call', tip: 'Cost per call: prompt at the input price plus mean output tokens at the output price', cell: (r, s, v) => formatUsd(costPerCall(s.promptTokens ?? 0, r.meanTokens, v.prices)), numeric: true },
];

function renderToolbar(v: ViewState): HTMLElement {
  const bar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Sweep actions' });
  const run = button(v.running ? 'Running…' : 'Run sweep', 'run', () => send({ type: 'runSweep' }), { class: 'primary' });
  run.disabled = v.running !== null;
  bar.append(run);
  if (v.sweep) {
    bar.append(h('span', { class: 'spacer' }), h('span', { class: 'label' }, 'Export'));
    bar.append(button('Markdown', 'export-md', () => send({ type: 'export', format: 'markdown' }), { class: 'secondary' }));
    bar.append(button('CSV', 'export-csv', () => send({ type: 'export', format: 'csv' }), { class: 'secondary' }));
    bar.append(button('JSON', 'export-json', () => send({ type: 'export', format: 'json' }), { class: 'secondary' }));
  }
  return bar;
}

function renderLive(l: LiveRunView | null): HTMLElement | null {
  if (!l) return null;
  const p = h('progress', { max: String(Math.max(1, l.total)), value: String(l.done), 'aria-label': 'Live run progress' });
  return h('div', { class: `progress live ${l.state}`, 'data-testid': 'live-progress', role: 'status' }, p, h('span', {}, liveStatusLine(l)));
}

function renderProgress(v: ViewState): HTMLElement | null {
  if (!v.running) return null;
  const { done, total } = v.running;
  const p = h('progress', { max: String(Math.max(1, total)), value: String(done), 'aria-label': 'Sweep progress' });
  return h('div', { class: 'progress' }, p, h('span', {}, total ? `${done} / ${total} cases` : 'Starting…'));
}

function renderSummary(s: SweepSummary, v: ViewState): HTMLElement {
  const r = s.result;
  const box = h('section', { class: 'summary', 'aria-label': 'Sweep summary' });
  box.append(
    h('h2', {}, s.testSet),
    h(
      'p',
      { class: 'meta' },
      `${r.cases} cases${r.skipped ? ` (${r.skipped} skipped)` : ''} · ${r.encoding} · extract ${r.extract.preset} · match ${r.match.preset} · margin ${formatEm(r.margin)} pts · ${(s.durationMs / 1000).toFixed(1)} s`,
    ),
  );
  const rec = r.recommendation;
  const recRow = rec ? r.rows.find((x) => x.policy === rec.policy) : undefined;
  if (rec && recRow) {
    const base = r.rows[0];
    const costBase = costPerCall(s.promptTokens ?? 0, base?.meanTokens ?? 0, v.prices);
    const costRec = costPerCall(s.promptTokens ?? 0, rec.meanTokens, v.prices);
    const costChange = costBase > 0 ? formatSavings(1 - costRec / costBase) : '±0%';
    box.append(
      h(
        'div',
        { class: 'recommendation', 'data-testid': 'recommendation' },
        h('span', { class: 'badge' }, 'Recommended'),
        ' ',
        h('strong', {}, recRow.label),
        `: ${formatSavings(rec.savings)} tokens · EM ${formatEm(r.baseline.em)} → ${formatEm(rec.em)} (${formatDeltaPts(rec.deltaEm)}, 95% CI ${formatCi(rec.ci95)})`,
        h('br'),
        `Cost per call ${formatUsd(costBase)} → ${formatUsd(costRec)} (${costChange})${s.promptTokens !== null ? `, prompt ${formatCount(s.promptTokens)} tokens included` : ', output only'}`,
        exportButton(recRow, 'export-policy-rec'),
      ),
    );
  } else {
    box.append(h('div', { class: 'recommendation none' }, `No policy stays within −${formatEm(r.margin)} pts of full-length EM at this margin.`));
  }
  const cv = r.crossValidation;
  const notes = [...(cv ? [`Cross-validated (${cv.folds} folds): the chosen policy changes EM by ${formatDeltaPts(cv.heldOutDeltaEm)} and tokens by ${formatSavings(cv.heldOutSavings)} on held-out cases; ${Math.round(cv.agreement * 100)}% of folds picked the same policy.`] : []), ...r.warnings];
  if (notes.length) box.append(h('ul', { class: 'notes' }, ...notes.map((n) => h('li', {}, n))));
  return box;
}

/** "Export for production…" for a policy the streaming runtime can apply (not full, not probes). */
function exportButton(row: SweepRow, key: string): HTMLElement | null {
  if (row.policy === 'full') return null;
  const rule = policyExportRule(row.policy);
  if (!rule.exportable) return h('p', { class: 'muted', 'data-key': key }, `${rule.reason}.`);
  return h(
    'div',
    { class: 'toolbar' },
    button(`Export ${row.label} for production…`, key, () => send({ type: 'exportPolicy', policy: row.policy }), {
      class: 'secondary',
      title: `Write ${row.policy} as JSON for createStopper() in prompt-budget/runtime, or as a ready-to-paste snippet`,
    }),
  );
}

/** A collapsible section that remembers whether the user opened or closed it. */
function foldable(key: string, title: string, openByDefault: boolean, attrs: Record<string, string>, ...content: Child[]): HTMLElement {
  const details = h('details', { class: 'foldable', ...attrs }, h('summary', { 'data-key': `fold-${key}` }, h('h3', {}, title)), ...content);
  details.open = sectionOpen.get(key) ?? openByDefault;
  details.addEventListener('toggle', () => sectionOpen.set(key, details.open));
  return details;
}

function rowLabel(s: SweepSummary, policy: string): string {
  return s.result.rows.find((r) => r.policy === policy)?.label ?? policy;
}

function renderTagBudgets(s: SweepSummary, tb: TagBudgets): HTMLElement {
  const head = h('tr');
  for (const [title, tip, numeric] of [
    ['Tag', 'Cases grouped by their first tag', false],
    ['Cases', 'Cases in the group', true],
    ['Policy', 'The cheapest policy for the group that keeps the overall ΔEM within the margin', false],
    ['Tokens', 'Change in mean output tokens against full length on the group', true],
    ['EM', 'Exact match on the group, %', true],
    ['ΔEM', 'Change in EM points against full length on the group', true],
  ] as const) {
    head.append(h('th', { scope: 'col', class: numeric ? 'num' : undefined, title: tip }, title));
  }
  const body = h('tbody');
  for (const t of tb.perTag) {
    const policyCell = h('td', {}, button(rowLabel(s, t.policy), `tag-policy-${t.tag}`, () => send({ type: 'selectPolicy', policy: t.policy }), { class: 'link', title: `Select ${t.policy} in the table` }));
    if (t.fallback) policyCell.append(' ', h('span', { class: 'muted', title: `Fewer than ${tb.minCases} cases: takes the overall recommendation` }, '(too few cases)'));
    body.append(
      h(
        'tr',
        { 'data-tag': t.tag },
        h('td', {}, t.tag),
        h('td', { class: 'num' }, formatCount(t.cases)),
        policyCell,
        h('td', { class: 'num' }, formatSavings(t.savings)),
        h('td', { class: 'num' }, formatEm(t.em)),
        h('td', { class: 'num' }, formatSignedPts(t.deltaEm)),
      ),
    );
  }
  const cases = tb.perTag.reduce((n, t) => n + t.cases, 0);
  const foot = h(
    'tfoot',
    {},
    h(
      'tr',
      { 'data-tag': '(plan)' },
      h('th', { scope: 'row' }, 'Per-tag plan'),
      h('td', { class: 'num' }, formatCount(cases)),
      h('td', {}, `ΔEM 95% CI ${formatCi(tb.overall.ci95)}`),
      h('td', { class: 'num' }, formatSavings(tb.overall.savings)),
      h('td', { class: 'num' }, formatEm(tb.overall.em)),
      h('td', { class: 'num' }, formatSignedPts(tb.overall.deltaEm)),
    ),
  );
  if (tb.single) {
    foot.append(
      h(
        'tr',
        { 'data-tag': '(single)' },
        h('th', { scope: 'row' }, 'Best single policy'),
        h('td', {}),
        h('td', {}, rowLabel(s, tb.single.policy)),
        h('td', { class: 'num' }, formatSavings(tb.single.savings)),
        h('td', {}),
        h('td', {}),
      ),
    );
  }
  const headline = `Per-tag plan: ${formatSavings(tb.overall.savings)} tokens, ΔEM ${formatDeltaPts(tb.overall.deltaEm)} (95% CI ${formatCi(tb.overall.ci95)})${
    tb.single ? `; ${rowLabel(s, tb.single.policy)} alone: ${formatSavings(tb.single.savings)} tokens` : ''
  }.`;
  const table = h('table', { class: 'tags', 'aria-label': 'Per-tag budgets' }, h('thead', {}, head), body, foot);
  const exportPlan = tagPlanDiffers(tb)
    ? h(
        'div',
        { class: 'toolbar' },
        button('Export per-tag plan for production…', 'export-tag-plan', () => send({ type: 'exportPolicy', policy: PER_TAG_PLAN }), {
          class: 'secondary',
          title: `Write the plan for createTagStopper(plan, tags) in prompt-budget/runtime: each request takes its first tag’s policy, any other tag ${tagPlanFallback(tb)}`,
        }),
      )
    : null;
  return foldable(
    'tags',
    'Per-tag budgets',
    tb.perTag.length <= 8,
    { 'data-testid': 'tag-budgets', 'aria-label': 'Per-tag budgets' },
    h('p', { class: 'headline' }, headline),
    h('p', { class: 'muted' }, tb.message),
    h('div', { class: 'table-wrap' }, table),
    exportPlan,
  );
}

function renderCasesToAdd(s: SweepSummary, c: CasesToAdd): HTMLElement {
  const label = rowLabel(s, c.policy);
  const row = s.result.rows.find((r) => r.policy === c.policy);
  const headline =
    c.casesToAdd > 0
      ? `Add about ${formatCount(c.casesToAdd)} cases to judge ${label}: about ${formatCount(c.casesNeeded)} in all would show it non-inferior at 80% power, against the ${formatCount(c.cases)} you have.`
      : `${formatCount(c.casesNeeded)} cases should already be enough for ${label} at 80% power; its bound missed the margin by chance, so a few more cases or a check of its flips may settle it.`;
  const facts = `${row ? `${formatSavings(row.savings)} tokens · ` : ''}ΔEM ${formatDeltaPts(c.deltaEm)} (95% CI ${formatCi(c.ci95)}) against a ${formatEm(c.margin)}-point margin · the two disagree on ${(c.discordantRate * 100).toFixed(1)}% of cases`;
  return foldable(
    'add',
    'Cases to add',
    true,
    { 'data-testid': 'cases-to-add', 'aria-label': 'Cases to add to the test set' },
    h('p', { class: 'headline' }, headline),
    h('p', { class: 'muted' }, facts),
    h('p', {}, 'The decision hinges on these flipped cases; check them, and add more cases like them:'),
    caseList('Right → wrong', c.flipsToWrongIds, c.policy, 'add-wrong'),
    caseList('Wrong → right', c.flipsToRightIds, c.policy, 'add-right'),
  );
}

function renderTable(s: SweepSummary, v: ViewState): HTMLElement {
  const rows = sortRows(s.result.rows, v.sort);
  const rec = s.result.recommendation?.policy;
  const head = h('tr');
  for (const c of COLUMNS) {
    const sorted = c.key !== null && v.sort.key === c.key;
    const th = h('th', { scope: 'col', class: c.numeric ? 'num' : undefined, 'aria-sort': sorted ? (v.sort.descending ? 'descending' : 'ascending') : c.key ? 'none' : undefined, title: c.tip });
    if (c.key) {
      const key = c.key;
      th.append(button(`${c.title}${sorted ? (v.sort.descending ? ' ▼' : ' ▲') : ''}`, `sort-${key}`, () => send({ type: 'sort', sort: nextSort(v.sort, key) }), { class: 'sort' }));
    } else {
      th.append(c.title);
    }
    head.append(th);
  }
  const body = h('tbody');
  for (const r of rows) {
    const selected = r.policy === v.selectedPolicy;
    const classes = [selected ? 'selected' : '', r.policy === rec ? 'recommended' : '', r.policy === 'full' ? 'baseline' : ''].filter(Boolean).join(' ');
    const tr = h('tr', { tabindex: '0', 'data-key': `row-${r.policy}`, 'data-policy': r.policy, 'aria-selected': selected ? 'true' : 'false', class: classes || undefined });
    for (const c of COLUMNS) {
      const td = h('td', { class: c.numeric ? 'num' : undefined }, c.cell(r, s, v));
      if (c.key === 'policy') {
        td.title = r.policy;
        if (r.policy === rec) td.append(' ', h('span', { class: 'badge small', title: 'Recommended' }, '★'));
      }
      tr.append(td);
    }
    tr.addEventListener('click', () => send({ type: 'selectPolicy', policy: r.policy }));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        send({ type: 'selectPolicy', policy: r.policy });
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const next = (e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling) as HTMLElement | null;
        next?.focus();
      }
    });
    body.append(tr);
  }
  const table = h('table', { class: 'sweep', 'aria-label': 'Policies against full length (select a row for its flipped cases)' }, h('thead', {}, head), body);
  return h('div', { class: 'table-wrap' }, table);
}

function caseList(title: string, ids: readonly string[], policy: string, kind: string): HTMLElement {
  const wrap = h('div', { class: 'flips' }, h('h4', {}, `${title} (${ids.length})`));
  if (ids.length === 0) {
    wrap.append(h('p', { class: 'muted' }, 'None.'));
    return wrap;
  }
  const list = h('ul', { class: 'case-list', 'aria-label': title });
  for (const id of ids.slice(0, 200)) list.append(h('li', {}, button(id, `case-${kind}-${id}`, () => send({ type: 'openCase', policy, caseId: id }), { class: 'link' })));
  if (ids.length > 200) list.append(h('li', { class: 'muted' }, `… and ${ids.length - 200} more`));
  wrap.append(list);
  return wrap;
}

function renderDrilldown(s: SweepSummary, v: ViewState): HTMLElement | null {
  const row = s.result.rows.find((r) => r.policy === v.selectedPolicy);
  if (!row) return h('p', { class: 'muted hint' }, 'Select a row (click, or Enter) to see the cases it flipped.');
  if (v.detail) return renderCase(v.detail);
  const box = h('section', { class: 'drilldown', 'aria-label': `Flipped cases of ${row.label}` });
  box.append(h('h3', {}, `${row.label}: flipped cases`));
  const exportLine = exportButton(row, 'export-policy-selected');
  if (exportLine) box.append(exportLine);
  if (row.policy === 'full') {
    box.append(h('p', { class: 'muted' }, 'Full length is the baseline; nothing flips against itself.'));
    return box;
  }
  box.append(caseList('Right → wrong', row.flipsToWrongIds, row.policy, 'wrong'), caseList('Wrong → right', row.flipsToRightIds, row.policy, 'right'));
  return box;
}

function verdict(answer: string | null, correct: boolean): HTMLElement {
  return h('span', { class: correct ? 'ok' : 'bad' }, `${answer ?? '(no answer: cut before answer)'} ${correct ? '✓' : '✗'}`);
}

function renderCase(d: CaseDetail): HTMLElement {
  const box = h('section', { class: 'case', 'aria-label': `Case ${d.caseId}` });
  const back = button('← Back to flipped cases', 'case-back', () => send({ type: 'closeCase' }), { class: 'secondary' });
  const open = button(`Open line ${d.line} in the test set`, 'case-open', () => send({ type: 'revealCase', caseId: d.caseId }), { class: 'secondary' });
  box.append(h('div', { class: 'toolbar' }, back, open));
  box.append(h('h3', {}, `Case ${d.caseId} under ${d.policyLabel}: ${d.baselineCorrect && !d.correct ? 'right → wrong' : !d.baselineCorrect && d.correct ? 'wrong → right' : 'unchanged'}`));
  const dl = h('dl', { class: 'facts' });
  const fact = (k: string, val: Node | string): void => {
    dl.append(h('dt', {}, k), h('dd', {}, val));
  };
  fact('Question', d.question);
  fact('Gold', d.gold.join(' | '));
  fact('Full length', verdict(d.baselineAnswer, d.baselineCorrect));
  fact(d.policyLabel, verdict(d.answer, d.correct));
  fact('Stopped', d.reason);
  fact('Kept', `${d.stopToken} of ${d.totalTokens} tokens`);
  box.append(dl);
  const pre = h('pre', { class: 'trace', tabindex: '0', 'aria-label': 'Recorded trace with the cut point marked' });
  const kept = h('span', { class: 'kept' });
  kept.textContent = d.trace.slice(0, d.cutAt);
  const marker = h('mark', { class: 'cut', id: 'cut-marker' }, `✂ stop at token ${d.stopToken}`);
  const dropped = h('span', { class: 'dropped' });
  dropped.textContent = d.trace.slice(d.cutAt);
  pre.append(kept, marker, dropped);
  box.append(pre);
  return box;
}

function render(): void {
  const focusKey = (document.activeElement as HTMLElement | null)?.dataset?.key;
  const v = state;
  app.replaceChildren();
  if (!v) {
    app.append(h('p', { class: 'muted' }, 'Loading…'));
    return;
  }
  app.append(renderToolbar(v));
  const liveLine = renderLive(live);
  if (liveLine) app.append(liveLine);
  const progress = renderProgress(v);
  if (progress) app.append(progress);
  if (v.message) app.append(h('div', { class: `message ${v.message.kind}`, role: v.message.kind === 'error' ? 'alert' : 'status' }, v.message.text));
  if (!v.sweep) {
    app.append(
      h('section', { class: 'empty' }, h('h2', {}, 'No sweep yet'), h('p', {}, 'Run a sweep to compare early-stop cutoffs and stopping rules on your test set: tokens saved against exact-match accuracy, with paired confidence intervals.')),
    );
  } else {
    const s = v.sweep;
    app.append(renderSummary(s, v));
    if (s.result.detected) app.append(renderDetectedNotice(s.result.detected, send));
    if (s.result.casesToAdd) app.append(renderCasesToAdd(s, s.result.casesToAdd));
    if (s.result.tagBudgets) app.append(renderTagBudgets(s, s.result.tagBudgets));
    const chartBox = h('section', { class: 'chart', 'aria-label': 'EM against mean output tokens' });
    app.append(chartBox);
    renderChart(chartBox, s.result, v.selectedPolicy, (policy) => send({ type: 'selectPolicy', policy }));
    app.append(renderTable(s, v));
    const drill = renderDrilldown(s, v);
    if (drill) app.append(drill);
  }
  if (focusKey) (app.querySelector(`[data-key="${CSS.escape(focusKey)}"]`) as HTMLElement | null)?.focus();
  const caseKey = v.detail ? `${v.detail.policy}/${v.detail.caseId}` : null;
  if (caseKey && caseKey !== openedCase) document.getElementById('cut-marker')?.scrollIntoView({ block: 'center' });
  openedCase = caseKey;
}

window.addEventListener('message', (e: MessageEvent<ExtensionMessage>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'state':
      state = msg.state;
      vscode.setState(state);
      render();
      break;
    case 'progress':
      if (state) {
        state = { ...state, running: { done: msg.done, total: msg.total } };
        render();
      }
      break;
    case 'liveProgress':
      live = msg.live;
      render();
      break;
    default: {
      const never: never = msg;
      console.warn('unknown message', never);
    }
  }
});

let resizeTimer: ReturnType<typeof setTimeout> | undefined;
let lastWidth = 0;
new ResizeObserver(() => {
  const width = document.body.clientWidth;
  if (width === lastWidth) return;
  lastWidth = width;
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    const box = app.querySelector<HTMLElement>('section.chart');
    if (box && state?.sweep) renderChart(box, state.sweep.result, state.selectedPolicy, (policy) => send({ type: 'selectPolicy', policy }));
  }, 100);
}).observe(document.body);

render();
// After a window reload the extension host starts afresh; offer what this panel last showed.
send({
  type: 'ready',
  restore: state?.sweep
    ? { sweep: state.sweep.finishedAt, savedAt: state.uiSavedAt ?? 0, selectedPolicy: state.selectedPolicy, sort: state.sort, openCase: state.detail ? { policy: state.detail.policy, caseId: state.detail.caseId } : null }
    : undefined,
});
