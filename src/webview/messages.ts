// Messages from the extension, applied to the panel's state. Each says which parts of the page it
// touched, so a progress tick redraws the progress line and nothing else.
import type { ExtensionMessage } from '../shared/protocol';
import type { PanelState } from './state';

/** Parts of the page a message can change: everything, the sweep's progress line, the live-run line, the folds. */
export type Part = 'all' | 'progress' | 'live' | 'sections';

/** The state after a message, and what of the page must follow. */
export interface Applied {
  state: PanelState;
  parts: Part[];
  /** True when the saved state (setState) must be written again. */
  save: boolean;
}

/** Applies one message; an unknown type throws (the switch is exhaustive over the protocol). */
export function applyMessage(s: PanelState, msg: ExtensionMessage): Applied {
  switch (msg.type) {
    case 'state':
      return { state: { ...s, view: msg.state }, parts: ['all'], save: true };
    case 'progress':
      if (!s.view) return { state: s, parts: [], save: false };
      return { state: { ...s, view: { ...s.view, running: { done: msg.done, total: msg.total } } }, parts: ['progress'], save: false };
    case 'liveProgress':
      return { state: { ...s, live: msg.live }, parts: ['live'], save: false };
    case 'stale':
      // Only the banner's key changes, so only the banner is rebuilt.
      if (!s.view) return { state: s, parts: [], save: false };
      return { state: { ...s, view: { ...s.view, stale: msg.stale } }, parts: ['all'], save: true };
    case 'sections':
      return { state: { ...s, sections: { ...s.sections, ...msg.sections } }, parts: ['sections'], save: true };
    default: {
      const never: never = msg;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
}
