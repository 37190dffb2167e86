// The notice for presets detected from the test set, with the one click that keeps them in the config.
import type { DetectedPresets } from '../core/types';
import type { WebviewMessage } from '../shared/protocol';

function presetName(d: DetectedPresets['extract']): string {
  return d.preset === 'regex' ? `regex ${d.pattern ?? ''}` : d.preset;
}

/** "Detected from your test set: extract X, match Y" with the reason and a Keep button (text only, never HTML). */
export function renderDetectedNotice(detected: DetectedPresets, send: (msg: WebviewMessage) => void): HTMLElement {
  const box = document.createElement('section');
  box.className = 'message info detected';
  box.setAttribute('role', 'status');
  box.dataset.testid = 'detected';
  const head = document.createElement('p');
  const strong = document.createElement('strong');
  strong.textContent = `Detected from your test set: extract ${presetName(detected.extract)}, match ${detected.match.preset}.`;
  head.append(strong, document.createTextNode(' Nothing in promptbudget.json names them.'));
  const why = document.createElement('p');
  why.className = 'muted';
  why.textContent = detected.reason;
  const keep = document.createElement('button');
  keep.type = 'button';
  keep.dataset.key = 'keep-detected';
  keep.textContent = 'Keep this in promptbudget.json';
  keep.addEventListener('click', () => send({ type: 'keepDetected' }));
  box.append(head, why, keep);
  return box;
}
