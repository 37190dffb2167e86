// DOM helpers for the sections. Strings always become text nodes: test-set text never reaches
// innerHTML.
import type { WebviewMessage } from '../shared/protocol';

export type Child = Node | string | null | undefined | false;

/** Creates an element; strings become text nodes, undefined attributes are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** What every section needs from the page: a way to talk to the extension and the fold store. */
export interface SectionContext {
  send(msg: WebviewMessage): void;
  /** Whether section `key` is open (the user's last choice, else `openByDefault`). */
  isOpen(key: string, openByDefault: boolean): boolean;
  /** Remembers (and saves) that the user opened or closed section `key`. */
  setOpen(key: string, open: boolean): void;
}

export function button(label: string, key: string, onClick: () => void, attrs: Record<string, string | undefined> = {}): HTMLButtonElement {
  const b = h('button', { type: 'button', 'data-key': key, ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
}

/** A collapsible section that remembers, across reloads, whether the user opened or closed it. */
export function foldable(ctx: SectionContext, key: string, title: string, openByDefault: boolean, attrs: Record<string, string>, ...content: Child[]): HTMLDetailsElement {
  const details = h('details', { class: 'foldable', 'data-section': key, ...attrs }, h('summary', { 'data-key': `fold-${key}` }, h('h3', {}, title)), ...content);
  details.open = ctx.isOpen(key, openByDefault);
  details.addEventListener('toggle', () => {
    if (details.open !== ctx.isOpen(key, openByDefault)) ctx.setOpen(key, details.open);
  });
  return details;
}
