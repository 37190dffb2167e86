// After a live run: the local prompt counts against the server's usage.prompt_tokens (mean, max and
// the cases that differ most, each opening its line in the test set).
import type { PromptDrift, PromptDriftCase } from '../core/live/promptDrift';
import type { LiveRunView } from '../shared/protocol';
import { button, h, type SectionContext } from './dom';

function signed(x: number, digits: number): string {
  return `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(digits)}`;
}

/** The summary line: equal everywhere, or how many differ with the mean, mean |drift| and max. */
export function promptDriftSummary(d: PromptDrift): string {
  const head = `Prompt tokens, server − local (${d.tokenizer})`;
  if (d.differing === 0 || !d.max) return `${head}: equal on all ${d.compared} case${d.compared === 1 ? '' : 's'}`;
  return `${head}: differ on ${d.differing} of ${d.compared} cases · mean ${signed(d.meanDrift, 1)} · mean |drift| ${d.meanAbsDrift.toFixed(1)} · max ${signed(d.max.drift, 0)} on ${d.max.id}`;
}

/** One case of the list: `gsm-7: +5 (local 120, server 125)`. */
export function promptDriftCaseText(c: PromptDriftCase): string {
  return `${c.id}: ${signed(c.drift, 0)} (local ${c.local}, server ${c.server})`;
}

/** The drift block under the live line; shown once a finished run reported it. */
export class PromptDriftSection {
  readonly el = h('div', { class: 'drift', 'data-testid': 'prompt-drift', role: 'status' });
  private shown: PromptDrift | null = null;

  constructor(private readonly ctx: SectionContext) {
    this.el.hidden = true;
  }

  update(live: LiveRunView | null): void {
    const d = live?.promptDrift ?? null;
    if (d === this.shown) return;
    this.shown = d;
    this.el.hidden = d === null;
    if (!d) {
      this.el.replaceChildren();
      return;
    }
    const list = h('ul', { class: 'case-list', 'aria-label': 'Cases whose prompt counts differ most' });
    for (const c of d.worst) list.append(h('li', {}, button(promptDriftCaseText(c), `drift-${c.id}`, () => this.ctx.send({ type: 'revealCase', caseId: c.id }), { class: 'link', title: 'Open the case in the test set' })));
    const more = d.differing - d.worst.length;
    if (more > 0) list.append(h('li', { class: 'muted' }, `… and ${more} more`));
    this.el.replaceChildren(h('p', { 'data-testid': 'prompt-drift-summary' }, promptDriftSummary(d)), ...(d.worst.length ? [list] : []));
  }
}
