// The drill-down under the table: the selected policy's flipped cases, and one case's trace with
// the point where the policy stopped. Trace, question and gold are untrusted: text nodes only.
import type { CaseDetail, SweepSummary, ViewState } from '../shared/protocol';
import { renderBrowse, type BrowseContext } from './browse';
import { renderCaseList } from './caseList';
import { button, h, type SectionContext } from './dom';
import { exportButton } from './summary';

/** `right → wrong`, `wrong → right` or `unchanged`: what the policy did to the case. */
export function flipText(baselineCorrect: boolean, correct: boolean): string {
  if (baselineCorrect && !correct) return 'right → wrong';
  if (!baselineCorrect && correct) return 'wrong → right';
  return 'unchanged';
}

/** An answer and its verdict: `42 ✓`, or why there is none. */
export function verdictText(answer: string | null, correct: boolean): string {
  return `${answer ?? '(no answer: cut before answer)'} ${correct ? '✓' : '✗'}`;
}

/** One opened case as shown: facts as term and text, and the trace split at the cut. */
export interface CaseView {
  heading: string;
  facts: { term: string; text: string; verdict?: boolean }[];
  /** The trace before the cut, the marker's text, the trace after it. */
  kept: string;
  marker: string;
  dropped: string;
}

/** What the case view shows for one case under one policy. */
export function caseView(d: CaseDetail): CaseView {
  return {
    heading: `Case ${d.caseId} under ${d.policyLabel}: ${flipText(d.baselineCorrect, d.correct)}`,
    facts: [
      { term: 'Question', text: d.question },
      { term: 'Gold', text: d.gold.join(' | ') },
      { term: 'Full length', text: verdictText(d.baselineAnswer, d.baselineCorrect), verdict: d.baselineCorrect },
      { term: d.policyLabel, text: verdictText(d.answer, d.correct), verdict: d.correct },
      { term: 'Stopped', text: d.reason },
      { term: 'Kept', text: `${d.stopToken} of ${d.totalTokens} tokens` },
    ],
    kept: d.trace.slice(0, d.cutAt),
    marker: `✂ stop at token ${d.stopToken}`,
    dropped: d.trace.slice(d.cutAt),
  };
}

/** What the drill-down depends on; it is rebuilt only when this changes. */
export function drilldownKey(v: ViewState): string {
  const d = v.detail;
  return JSON.stringify([v.sweep?.finishedAt, v.selectedPolicy, d ? [d.policy, d.caseId] : null]);
}

function renderCase(d: CaseDetail, ctx: SectionContext): HTMLElement {
  const view = caseView(d);
  const box = h('section', { class: 'case', 'aria-label': `Case ${d.caseId}` });
  const back = button('← Back to the cases', 'case-back', () => ctx.send({ type: 'closeCase' }), { class: 'secondary' });
  const open = button(`Open line ${d.line} in the test set`, 'case-open', () => ctx.send({ type: 'revealCase', caseId: d.caseId }), { class: 'secondary' });
  box.append(h('div', { class: 'toolbar' }, back, open), h('h3', {}, view.heading));
  const dl = h('dl', { class: 'facts' });
  for (const f of view.facts) dl.append(h('dt', {}, f.term), h('dd', {}, f.verdict === undefined ? f.text : h('span', { class: f.verdict ? 'ok' : 'bad' }, f.text)));
  box.append(dl);
  const pre = h('pre', { class: 'trace', tabindex: '0', 'aria-label': 'Recorded trace with the cut point marked' });
  const kept = h('span', { class: 'kept' });
  kept.textContent = view.kept;
  const dropped = h('span', { class: 'dropped' });
  dropped.textContent = view.dropped;
  pre.append(kept, h('mark', { class: 'cut', id: 'cut-marker' }, view.marker), dropped);
  box.append(pre);
  return box;
}

/** A hint, the selected policy's flipped cases, or the opened case. */
export function renderDrilldown(s: SweepSummary, v: ViewState, ctx: SectionContext & BrowseContext): HTMLElement {
  const row = s.result.rows.find((r) => r.policy === v.selectedPolicy);
  if (!row) return h('p', { class: 'muted hint' }, 'Select a row (click, or Enter) to see the cases it flipped and browse all cases.');
  if (v.detail) return renderCase(v.detail, ctx);
  const box = h('section', { class: 'drilldown', 'aria-label': `Cases of ${row.label}` }, h('h3', {}, `${row.label}: flipped cases`));
  const exportLine = exportButton(row, 'export-policy-selected', ctx);
  if (exportLine) box.append(exportLine);
  if (row.policy === 'full') box.append(h('p', { class: 'muted' }, 'Full length is the baseline; nothing flips against itself.'));
  else box.append(renderCaseList('Right → wrong', row.flipsToWrongIds, row.policy, 'wrong', ctx), renderCaseList('Wrong → right', row.flipsToRightIds, row.policy, 'right', ctx));
  if (s.cases) box.append(renderBrowse(s.cases, row.policy, row.label, ctx));
  else box.append(h('p', { class: 'muted' }, 'Run the sweep again to browse every case (this one was saved by an older version).'));
  return box;
}
