// The results panel: applies the extension's messages to the state and lets each section redraw
// its own part, only when what it shows changed. Every action is a message back to the extension.
import type { ExtensionMessage, ViewState, WebviewMessage } from '../shared/protocol';
import type { BrowseContext } from './browse';
import { renderCasesToAdd } from './casesToAdd';
import { renderChart } from './chart';
import { renderDetectedNotice } from './detectedNotice';
import { h, type SectionContext } from './dom';
import { drilldownKey, renderDrilldown } from './drilldown';
import { applyMessage } from './messages';
import { LiveProgressLine, SweepProgress } from './progress';
import { PromptDriftSection } from './promptDrift';
import { isSectionOpen, readyMessage, restorePanel, toSaved, withSection, type PanelState } from './state';
import { renderSummary } from './summary';
import { renderTable, tableKey } from './table';
import { renderTagBudgets } from './tagBudgets';
import { renderMessage, renderStale, renderToolbar } from './toolbar';

interface VsCodeApi {
  postMessage(msg: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;
let state: PanelState = restorePanel(vscode.getState());

const ctx: SectionContext & BrowseContext = {
  browse: () => state.browse,
  setBrowse: (browse) => {
    state = { ...state, browse };
    vscode.setState(toSaved(state));
  },
  send: (msg) => vscode.postMessage(msg),
  isOpen: (key, openByDefault) => isSectionOpen(state, key, openByDefault),
  setOpen: (key, open) => {
    state = withSection(state, key, open);
    vscode.setState(toSaved(state));
    vscode.postMessage({ type: 'foldSection', key, open });
  },
};

/** One part of the page: rebuilt when its key changes. */
interface Section {
  name: string;
  key(v: ViewState): string;
  render(v: ViewState): Node | null;
  /** Runs once the new content is in the page (to measure it). */
  mounted?(el: HTMLElement, v: ViewState): void;
}

const finished = (v: ViewState): string | undefined => v.sweep?.finishedAt;
const selectChart = (policy: string): void => ctx.send({ type: 'selectPolicy', policy });

const SECTIONS: Section[] = [
  { name: 'toolbar', key: (v) => JSON.stringify([v.running !== null, v.sweep !== null]), render: (v) => renderToolbar(v, ctx) },
  { name: 'stale', key: (v) => JSON.stringify([v.stale, v.sweep !== null, v.running !== null]), render: (v) => renderStale(v, ctx) },
  { name: 'message', key: (v) => JSON.stringify(v.message), render: renderMessage },
  {
    name: 'summary',
    key: (v) => JSON.stringify([finished(v), v.prices]),
    render: (v) =>
      v.sweep
        ? renderSummary(v.sweep, v, ctx)
        : h('section', { class: 'empty' }, h('h2', {}, 'No sweep yet'), h('p', {}, 'Run a sweep to compare early-stop cutoffs and stopping rules on your test set: tokens saved against exact-match accuracy, with paired confidence intervals.')),
  },
  { name: 'detected', key: (v) => JSON.stringify([finished(v), v.sweep?.result.detected ?? null]), render: (v) => (v.sweep?.result.detected ? renderDetectedNotice(v.sweep.result.detected, ctx.send) : null) },
  { name: 'add', key: (v) => String(finished(v)), render: (v) => (v.sweep?.result.casesToAdd ? renderCasesToAdd(v.sweep, v.sweep.result.casesToAdd, ctx) : null) },
  { name: 'tags', key: (v) => String(finished(v)), render: (v) => (v.sweep?.result.tagBudgets ? renderTagBudgets(v.sweep, v.sweep.result.tagBudgets, ctx) : null) },
  {
    name: 'chart',
    key: (v) => JSON.stringify([finished(v), v.selectedPolicy]),
    render: (v) => (v.sweep ? h('section', { class: 'chart', 'aria-label': 'EM against mean output tokens' }) : null),
    mounted: (el, v) => {
      const box = el.querySelector<HTMLElement>('section.chart');
      if (box && v.sweep) renderChart(box, v.sweep.result, v.selectedPolicy, selectChart);
    },
  },
  { name: 'table', key: tableKey, render: (v) => (v.sweep ? renderTable(v.sweep, v, ctx) : null) },
  { name: 'drilldown', key: drilldownKey, render: (v) => (v.sweep ? renderDrilldown(v.sweep, v, ctx) : null) },
];

const liveLine = new LiveProgressLine();
const driftBlock = new PromptDriftSection(ctx);
const sweepLine = new SweepProgress();
const slots = new Map<string, { el: HTMLElement; key: string | null }>();
for (const s of SECTIONS) slots.set(s.name, { el: h('div', { class: 'slot', 'data-slot': s.name }), key: null });
const loading = h('p', { class: 'muted' }, 'Loading…');
const [toolbarSlot, ...restSlots] = [...slots.values()].map((s) => s.el);
app.replaceChildren(loading, toolbarSlot, liveLine.el, driftBlock.el, sweepLine.el, ...restSlots);

let openedCase: string | null = null;

/** Rebuilds the sections whose key changed, keeping keyboard focus where it was. */
function renderAll(): void {
  const v = state.view;
  loading.hidden = v !== null;
  liveLine.update(state.live);
  driftBlock.update(state.live);
  sweepLine.update(v?.running ?? null);
  if (!v) return;
  for (const section of SECTIONS) {
    const slot = slots.get(section.name)!;
    const key = section.key(v);
    if (key === slot.key) continue;
    slot.key = key;
    const focused = slot.el.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.key : undefined;
    const node = section.render(v);
    slot.el.replaceChildren(...(node ? [node] : []));
    section.mounted?.(slot.el, v);
    if (focused) slot.el.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus();
  }
  const caseKey = v.detail ? `${v.detail.policy}/${v.detail.caseId}` : null;
  if (caseKey && caseKey !== openedCase) document.getElementById('cut-marker')?.scrollIntoView({ block: 'center' });
  openedCase = caseKey;
}

window.addEventListener('message', (e: MessageEvent<ExtensionMessage>) => {
  let applied;
  try {
    applied = applyMessage(state, e.data);
  } catch (err) {
    console.warn(err);
    return;
  }
  state = applied.state;
  if (applied.save) vscode.setState(toSaved(state));
  for (const part of applied.parts) {
    if (part === 'all') renderAll();
    else if (part === 'progress') sweepLine.update(state.view?.running ?? null);
    else if (part === 'live') {
      liveLine.update(state.live);
      driftBlock.update(state.live);
    }
    else app.querySelectorAll<HTMLDetailsElement>('details[data-section]').forEach((d) => (d.open = state.sections[d.dataset.section!] ?? d.open));
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
    const v = state.view;
    const chart = slots.get('chart')!.el;
    if (v) SECTIONS.find((s) => s.name === 'chart')!.mounted!(chart, v);
  }, 100);
}).observe(document.body);

renderAll();
ctx.send(readyMessage(state));
