// Browse every case of the sweep, not only the flipped ones: search by id, sort by length or by
// tokens saved under the selected policy; a click opens the case with its cut point.
import type { CaseIndex } from '../core/types';
import { formatCount } from '../shared/format';
import { button, h, type SectionContext } from './dom';

export type BrowseOrder = 'longest' | 'shortest' | 'mostSaved' | 'leastSaved';

/** The browse list's own state (the panel keeps it across reloads). */
export interface BrowseState {
  query: string;
  order: BrowseOrder;
}

export const DEFAULT_BROWSE: BrowseState = { query: '', order: 'longest' };

export const BROWSE_ORDERS: readonly { order: BrowseOrder; label: string }[] = [
  { order: 'longest', label: 'Longest first (full tokens)' },
  { order: 'shortest', label: 'Shortest first (full tokens)' },
  { order: 'mostSaved', label: 'Most tokens saved' },
  { order: 'leastSaved', label: 'Fewest tokens saved' },
];

/** How many cases the list shows; the search narrows it down. */
export const BROWSE_LIMIT = 50;

export interface BrowseItem {
  id: string;
  /** Tokens of the full trace, kept under the policy, and saved. */
  tokens: number;
  kept: number;
  saved: number;
  /** `91 of 312 tok kept (−221) · ✓ → ✗` */
  text: string;
}

export interface BrowseView {
  items: BrowseItem[];
  /** Cases that match the search, of all cases. */
  matches: number;
  total: number;
  summary: string;
}

export function isBrowseOrder(v: unknown): v is BrowseOrder {
  return BROWSE_ORDERS.some((o) => o.order === v);
}

const mark = (c: string | undefined): string => (c === '1' ? '✓' : '✗');

/** The cases to list under `policy`: those whose id contains the query (any case), in the chosen order, at most `limit`. */
export function browseView(index: CaseIndex, policy: string, state: BrowseState, limit = BROWSE_LIMIT): BrowseView {
  const query = state.query.trim().toLowerCase();
  const full = index.stops.full ?? index.tokens;
  const stops = index.stops[policy] ?? full;
  const matching: number[] = [];
  for (let i = 0; i < index.ids.length; i++) if (!query || index.ids[i].toLowerCase().includes(query)) matching.push(i);
  const saved = (i: number): number => full[i] - stops[i];
  const key: Record<BrowseOrder, (i: number) => number> = {
    longest: (i) => -index.tokens[i],
    shortest: (i) => index.tokens[i],
    mostSaved: (i) => -saved(i),
    leastSaved: (i) => saved(i),
  };
  const by = key[state.order];
  matching.sort((a, b) => by(a) - by(b) || a - b);
  const items = matching.slice(0, limit).map((i) => ({
    id: index.ids[i],
    tokens: index.tokens[i],
    kept: stops[i],
    saved: saved(i),
    text: `${formatCount(stops[i])} of ${formatCount(index.tokens[i])} tok kept${saved(i) > 0 ? ` (−${formatCount(saved(i))})` : ''} · ${mark(index.correct.full?.[i])} → ${mark(index.correct[policy]?.[i])}`,
  }));
  const total = index.ids.length;
  const shown = items.length < matching.length ? `the first ${items.length} of ` : '';
  const summary = query ? `${shown}${formatCount(matching.length)} of ${formatCount(total)} cases match “${state.query.trim()}”` : `${shown}${formatCount(total)} cases`;
  return { items, matches: matching.length, total, summary: summary.charAt(0).toUpperCase() + summary.slice(1) };
}

/** Reads and remembers the browse state (the page owns it; see main.ts). */
export interface BrowseContext {
  browse(): BrowseState;
  setBrowse(b: BrowseState): void;
}

/** The search box, the order and the list; typing redraws only the list, so the box keeps its focus. */
export function renderBrowse(index: CaseIndex, policy: string, policyLabel: string, ctx: SectionContext & BrowseContext): HTMLElement {
  const state = ctx.browse();
  const input = h('input', { type: 'search', class: 'browse-query', 'data-key': 'browse-query', placeholder: 'Search by id', 'aria-label': 'Search cases by id' });
  input.value = state.query;
  const select = h('select', { 'data-key': 'browse-order', 'aria-label': 'Order of the cases' });
  for (const o of BROWSE_ORDERS) select.append(h('option', { value: o.order }, o.label));
  select.value = state.order;
  const caption = h('p', { class: 'muted browse-summary', role: 'status' });
  const list = h('ul', { class: 'browse-list', 'aria-label': `Cases under ${policyLabel}` });
  const draw = (): void => {
    const view = browseView(index, policy, ctx.browse());
    caption.textContent = view.summary;
    list.replaceChildren(
      ...view.items.map((it) =>
        h('li', { 'data-case': it.id }, button(it.id, `browse-${it.id}`, () => ctx.send({ type: 'openCase', policy, caseId: it.id }), { class: 'link' }), ' ', h('span', { class: 'muted' }, it.text)),
      ),
    );
  };
  input.addEventListener('input', () => {
    ctx.setBrowse({ ...ctx.browse(), query: input.value });
    draw();
  });
  select.addEventListener('change', () => {
    if (isBrowseOrder(select.value)) ctx.setBrowse({ ...ctx.browse(), order: select.value });
    draw();
  });
  draw();
  return h('div', { class: 'browse', 'data-testid': 'browse' }, h('h4', {}, `All cases under ${policyLabel}`), h('div', { class: 'toolbar' }, input, select), caption, list);
}
