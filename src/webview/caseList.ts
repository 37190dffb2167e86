// A list of case ids, each opening the case under a policy (flipped cases, cases to add).
import { button, h, type SectionContext } from './dom';

/** How many ids a list shows before "… and N more". */
export const CASE_LIST_LIMIT = 200;

/** The ids shown and how many are left out. */
export function caseListItems(ids: readonly string[], limit = CASE_LIST_LIMIT): { shown: string[]; more: number } {
  return { shown: ids.slice(0, limit), more: Math.max(0, ids.length - limit) };
}

/** A titled list of case buttons; each opens that case under `policy`. */
export function renderCaseList(title: string, ids: readonly string[], policy: string, kind: string, ctx: SectionContext): HTMLElement {
  const wrap = h('div', { class: 'flips' }, h('h4', {}, `${title} (${ids.length})`));
  if (ids.length === 0) {
    wrap.append(h('p', { class: 'muted' }, 'None.'));
    return wrap;
  }
  const { shown, more } = caseListItems(ids);
  const list = h('ul', { class: 'case-list', 'aria-label': title });
  for (const id of shown) list.append(h('li', {}, button(id, `case-${kind}-${id}`, () => ctx.send({ type: 'openCase', policy, caseId: id }), { class: 'link' })));
  if (more > 0) list.append(h('li', { class: 'muted' }, `… and ${more} more`));
  wrap.append(list);
  return wrap;
}
