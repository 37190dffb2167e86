// The sweep's heading, its settings, and the recommendation with its cost per call.
import type { SweepRow } from '../core/types';
import { costPerCall, formatCi, formatCount, formatDeltaPts, formatEm, formatEmCount, formatSavings, formatUsd } from '../shared/format';
import { policyExportRule, type SweepSummary, type ViewState } from '../shared/protocol';
import { button, h, type SectionContext } from './dom';

/** The summary's texts; the recommendation's label is set in bold apart from its effect. */
export interface SummaryView {
  title: string;
  meta: string;
  recommendation: { policy: string; label: string; effect: string; cost: string } | null;
  /** Shown when nothing is recommended. */
  none: string | null;
  notes: string[];
}

/** What the summary says about a sweep, at the given prices. */
export function summaryView(s: SweepSummary, prices: ViewState['prices']): SummaryView {
  const r = s.result;
  const meta = `${r.cases} cases${r.skipped ? ` (${r.skipped} skipped)` : ''} · ${r.tokenizer ?? r.encoding} · extract ${[r.extract.preset, ...(r.extract.then ?? []).map((c) => c.preset)].join(' → ')} · match ${r.match.preset} · margin ${formatEm(r.margin)} pts · ${(s.durationMs / 1000).toFixed(1)} s`;
  const rec = r.recommendation;
  const recRow = rec ? r.rows.find((x) => x.policy === rec.policy) : undefined;
  let recommendation: SummaryView['recommendation'] = null;
  if (rec && recRow) {
    const prompt = s.promptTokens ?? 0;
    const costBase = costPerCall(prompt, r.rows[0]?.meanTokens ?? 0, prices);
    const costRec = costPerCall(prompt, rec.meanTokens, prices);
    const costChange = costBase > 0 ? formatSavings(1 - costRec / costBase) : '±0%';
    recommendation = {
      policy: rec.policy,
      label: recRow.label,
      effect: `: ${formatSavings(rec.savings)} tokens · EM ${formatEmCount(r.baseline.em, r.baseline.correct, r.cases)} → ${formatEmCount(rec.em, recRow.correct, r.cases)} (${formatDeltaPts(rec.deltaEm)}, 95% CI ${formatCi(rec.ci95)})`,
      cost: `Cost per call ${formatUsd(costBase)} → ${formatUsd(costRec)} (${costChange})${s.promptTokens !== null ? `, prompt ${formatCount(s.promptTokens)} tokens included` : ', output only'}`,
    };
  }
  const cv = r.crossValidation;
  const notes = [
    ...(cv
      ? [`Cross-validated (${cv.folds} folds): the chosen policy changes EM by ${formatDeltaPts(cv.heldOutDeltaEm)} and tokens by ${formatSavings(cv.heldOutSavings)} on held-out cases; ${Math.round(cv.agreement * 100)}% of folds picked the same policy.`]
      : []),
    ...r.warnings,
  ];
  return { title: s.testSet, meta, recommendation, none: recommendation ? null : `No policy stays within −${formatEm(r.margin)} pts of full-length EM at this margin.`, notes };
}

/** "Export for production…" for a policy the streaming runtime can apply (not full, not probes). */
export function exportButton(row: SweepRow, key: string, ctx: SectionContext): HTMLElement | null {
  if (row.policy === 'full') return null;
  const rule = policyExportRule(row.policy);
  if (!rule.exportable) return h('p', { class: 'muted', 'data-key': key }, `${rule.reason}.`);
  return h(
    'div',
    { class: 'toolbar' },
    button(`Export ${row.label} for production…`, key, () => ctx.send({ type: 'exportPolicy', policy: row.policy }), {
      class: 'secondary',
      title: `Write ${row.policy} as JSON for ${rule.needsCalls ? 'createPolicyRun() or prompt-budget proxy' : 'createStopper()'} in prompt-budget/runtime, or as a ready-to-paste snippet`,
    }),
  );
}

/** The heading, settings, recommendation (with its export button) and notes. */
export function renderSummary(s: SweepSummary, v: ViewState, ctx: SectionContext): HTMLElement {
  const view = summaryView(s, v.prices);
  const box = h('section', { class: 'summary', 'aria-label': 'Sweep summary' }, h('h2', {}, view.title), h('p', { class: 'meta' }, view.meta));
  const rec = view.recommendation;
  const recRow = rec ? s.result.rows.find((r) => r.policy === rec.policy) : undefined;
  if (rec && recRow) {
    box.append(
      h('div', { class: 'recommendation', 'data-testid': 'recommendation' }, h('span', { class: 'badge' }, 'Recommended'), ' ', h('strong', {}, rec.label), rec.effect, h('br'), rec.cost, exportButton(recRow, 'export-policy-rec', ctx)),
    );
  } else if (view.none) {
    box.append(h('div', { class: 'recommendation none' }, view.none));
  }
  if (view.notes.length) box.append(h('ul', { class: 'notes' }, ...view.notes.map((n) => h('li', {}, n))));
  return box;
}
