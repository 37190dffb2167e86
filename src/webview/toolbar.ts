// Run and export buttons above everything else.
import { staleText, type ViewState } from '../shared/protocol';
import { button, h, type SectionContext } from './dom';

/** Run sweep (disabled while one runs) and, once there are results, the report exports. */
export function renderToolbar(v: ViewState, ctx: SectionContext): HTMLElement {
  const bar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Sweep actions' });
  const run = button(v.running ? 'Running…' : 'Run sweep', 'run', () => ctx.send({ type: 'runSweep' }), { class: 'primary' });
  run.disabled = v.running !== null;
  bar.append(run);
  if (v.sweep) {
    bar.append(h('span', { class: 'spacer' }), h('span', { class: 'label' }, 'Export'));
    bar.append(button('Markdown', 'export-md', () => ctx.send({ type: 'export', format: 'markdown' }), { class: 'secondary' }));
    bar.append(button('CSV', 'export-csv', () => ctx.send({ type: 'export', format: 'csv' }), { class: 'secondary' }));
    bar.append(button('JSON', 'export-json', () => ctx.send({ type: 'export', format: 'json' }), { class: 'secondary' }));
  }
  return bar;
}

/** A hint or error the extension sent, above the results. */
export function renderMessage(v: ViewState): HTMLElement | null {
  if (!v.message) return null;
  return h('div', { class: `message ${v.message.kind}`, role: v.message.kind === 'error' ? 'alert' : 'status' }, v.message.text);
}

/** The out-of-date banner with its re-run button; nothing while the figures are current or a sweep runs. */
export function renderStale(v: ViewState, ctx: SectionContext): HTMLElement | null {
  if (!v.stale || !v.sweep || v.running) return null;
  const rerun = button('Re-run sweep', 'stale-rerun', () => ctx.send({ type: 'runSweep' }), { class: 'primary' });
  return h('div', { class: 'stale', role: 'status', 'data-testid': 'stale' }, h('span', {}, staleText(v.stale)), rerun);
}
