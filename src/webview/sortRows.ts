import type { SweepRow } from '../core/types';
import type { SortKey, SortState } from '../shared/protocol';

const collator = new Intl.Collator('en', { numeric: true });

function value(row: SweepRow, key: Exclude<SortKey, 'policy'>): number {
  return row[key];
}

/** Rows sorted by a column; ties keep the sweep's order (`full` first, then as configured). */
export function sortRows(rows: readonly SweepRow[], sort: SortState): SweepRow[] {
  const dir = sort.descending ? -1 : 1;
  const key = sort.key;
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      const c = key === 'policy' ? collator.compare(a.row.policy, b.row.policy) : value(a.row, key) - value(b.row, key);
      return c !== 0 ? c * dir : a.index - b.index;
    })
    .map((x) => x.row);
}

/** The next sort state after a click on a column header: same column flips, a new one starts ascending. */
export function nextSort(current: SortState, key: SortKey): SortState {
  return current.key === key ? { key, descending: !current.descending } : { key, descending: key === 'em' || key === 'savings' };
}
