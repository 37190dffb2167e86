// The panel's state: what the extension last sent, the live run, and what is the panel's own (which
// sections are open). Pure, so it is tested in Node; main.ts saves it with the webview's setState.
import type { LiveRunView, UiRestore, ViewState, WebviewMessage } from '../shared/protocol';
import { DEFAULT_BROWSE, isBrowseOrder, type BrowseState } from './browse';

export interface PanelState {
  /** The extension's state (it is the source of truth); null until it answers `ready`. */
  view: ViewState | null;
  /** The last live run; not saved (a reload starts without it). */
  live: LiveRunView | null;
  /** Sections the user opened or closed, by key; the rest use their default. */
  sections: Record<string, boolean>;
  /** The search and order of the list of all cases. */
  browse: BrowseState;
}

/** What the panel keeps across a reload (vscode.getState / setState). */
export interface SavedPanel {
  version: 2;
  view: ViewState | null;
  sections: Record<string, boolean>;
  browse: BrowseState;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function looksLikeViewState(v: unknown): v is ViewState {
  return isObject(v) && 'sweep' in v && isObject(v.sort) && isObject(v.prices);
}

/** The state to start from: what setState saved (this version's shape, or the older bare ViewState), else empty. */
export function restorePanel(saved: unknown): PanelState {
  if (isObject(saved) && saved.version === 2) {
    const sections: Record<string, boolean> = {};
    if (isObject(saved.sections)) for (const [k, v] of Object.entries(saved.sections)) if (typeof v === 'boolean') sections[k] = v;
    const b = isObject(saved.browse) ? saved.browse : {};
    const browse = { query: typeof b.query === 'string' ? b.query : DEFAULT_BROWSE.query, order: isBrowseOrder(b.order) ? b.order : DEFAULT_BROWSE.order };
    return { view: looksLikeViewState(saved.view) ? saved.view : null, live: null, sections, browse };
  }
  return { view: looksLikeViewState(saved) ? saved : null, live: null, sections: {}, browse: DEFAULT_BROWSE };
}

/** The part of the state setState keeps (the live run is left out). */
export function toSaved(s: PanelState): SavedPanel {
  return { version: 2, view: s.view, sections: s.sections, browse: s.browse };
}

/** Whether section `key` is open: the user's last choice, else its default. */
export function isSectionOpen(s: PanelState, key: string, openByDefault: boolean): boolean {
  return s.sections[key] ?? openByDefault;
}

/** The state with section `key` opened or closed by the user. */
export function withSection(s: PanelState, key: string, open: boolean): PanelState {
  return { ...s, sections: { ...s.sections, [key]: open } };
}

/** The `ready` message: after a window reload the extension host starts afresh, so offer what this panel last showed. */
export function readyMessage(s: PanelState): WebviewMessage {
  const v = s.view;
  if (!v?.sweep) return { type: 'ready' };
  const restore: UiRestore = {
    sweep: v.sweep.finishedAt,
    savedAt: v.uiSavedAt ?? 0,
    selectedPolicy: v.selectedPolicy,
    sort: v.sort,
    openCase: v.detail ? { policy: v.detail.policy, caseId: v.detail.caseId } : null,
  };
  return { type: 'ready', restore };
}
