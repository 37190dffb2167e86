// Cases to add: how many more cases would settle a policy that missed the margin, and the flips it hinges on.
import type { CasesToAdd } from '../core/types';
import { formatCi, formatCount, formatDeltaPts, formatEm, formatSavings } from '../shared/format';
import type { SweepSummary } from '../shared/protocol';
import { renderCaseList } from './caseList';
import { foldable, h, type SectionContext } from './dom';

/** The headline (how many more cases), the facts it rests on, and what the flips say (null: no flip to list). */
export function casesToAddView(s: SweepSummary, c: CasesToAdd): { headline: string; facts: string; hinge: string; listFlips: boolean } {
  const row = s.result.rows.find((r) => r.policy === c.policy);
  const label = row?.label ?? c.policy;
  const headline =
    c.casesToAdd > 0
      ? `Add about ${formatCount(c.casesToAdd)} cases to judge ${label}: about ${formatCount(c.casesNeeded)} in all would show it non-inferior at 80% power, against the ${formatCount(c.cases)} you have.`
      : `${formatCount(c.casesNeeded)} cases should already be enough for ${label} at 80% power; its bound missed the margin by chance, so a few more cases or a check of its flips may settle it.`;
  // The flips seen, not discordantRate: that one is raised to 3 flips for planning.
  const flips = c.flipsToWrongIds.length + c.flipsToRightIds.length;
  const facts = `${row ? `${formatSavings(row.savings)} tokens · ` : ''}ΔEM ${formatDeltaPts(c.deltaEm)} (95% CI ${formatCi(c.ci95)}) against a ${formatEm(c.margin)}-point margin · the two disagree on ${formatCount(flips)} of ${formatCount(c.cases)} cases`;
  const hinge =
    flips === 0
      ? `No case flips under ${label}; the interval is wide only because the test set is small. Add cases like the ones you have.`
      : 'The decision hinges on these flipped cases; check them, and add more cases like them:';
  return { headline, facts, hinge, listFlips: flips > 0 };
}

/** The foldable section, with the flipped cases the decision hinges on. */
export function renderCasesToAdd(s: SweepSummary, c: CasesToAdd, ctx: SectionContext): HTMLElement {
  const view = casesToAddView(s, c);
  return foldable(
    ctx,
    'add',
    'Cases to add',
    true,
    { 'data-testid': 'cases-to-add', 'aria-label': 'Cases to add to the test set' },
    h('p', { class: 'headline' }, view.headline),
    h('p', { class: 'muted' }, view.facts),
    h('p', { 'data-testid': 'add-hinge' }, view.hinge),
    ...(view.listFlips
      ? [renderCaseList('Right → wrong', c.flipsToWrongIds, c.policy, 'add-wrong', ctx), renderCaseList('Wrong → right', c.flipsToRightIds, c.policy, 'add-right', ctx)]
      : []),
  );
}
