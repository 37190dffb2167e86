// The sweep's progress line and the live run's line. Built once and updated in place: progress
// arrives every 50 ms, and nothing else on the page is touched.
import { liveStatusLine } from '../shared/liveProgress';
import type { LiveRunView, ViewState } from '../shared/protocol';
import { h } from './dom';

/** Text of the sweep's progress line, or null when no sweep runs. */
export function sweepProgressText(running: ViewState['running']): string | null {
  if (!running) return null;
  return running.total ? `${running.done} / ${running.total} cases` : 'Starting…';
}

/** A `<progress>` with a caption whose value and text change in place. */
class Line {
  readonly el: HTMLElement;
  private readonly bar: HTMLProgressElement;
  private readonly caption: HTMLSpanElement;

  constructor(label: string, attrs: Record<string, string>) {
    this.bar = h('progress', { 'aria-label': label });
    this.caption = h('span');
    this.el = h('div', attrs, this.bar, this.caption);
    this.el.hidden = true;
  }

  set(done: number, total: number, text: string | null): void {
    this.el.hidden = text === null;
    if (text === null) return;
    this.bar.max = Math.max(1, total);
    this.bar.value = done;
    if (this.caption.textContent !== text) this.caption.textContent = text;
  }
}

/** The running sweep's line: shown while `running` is set. */
export class SweepProgress {
  private readonly line = new Line('Sweep progress', { class: 'progress', 'data-testid': 'sweep-progress' });
  readonly el = this.line.el;

  update(running: ViewState['running']): void {
    this.line.set(running?.done ?? 0, running?.total ?? 0, sweepProgressText(running));
  }
}

/** The live run's line: cases, tokens and estimated cost so far. */
export class LiveProgressLine {
  private readonly line = new Line('Live run progress', { class: 'progress live', 'data-testid': 'live-progress', role: 'status' });
  readonly el = this.line.el;

  update(live: LiveRunView | null): void {
    this.el.className = `progress live${live ? ` ${live.state}` : ''}`;
    this.line.set(live?.done ?? 0, live?.total ?? 0, live ? liveStatusLine(live) : null);
  }
}
