/** A live run's progress for the notification and the panel; cached answers cost nothing. */
import { costPerCall, formatCount, formatUsd } from './format';
import type { LiveRunView, Prices } from './protocol';

/** The counters of the core's `LiveProgress` this needs. */
export interface RunCounters {
  total: number;
  done: number;
  failed: number;
  completionTokens: number;
  probeTokens: number;
}

/** The parts of one finished case's result this needs. */
export interface CaseOutcome {
  usage?: { promptTokens?: number };
  fromCache?: boolean;
}

/** Adds up a live run: {@link progress} per snapshot, then {@link caseDone} for the case that finished (the core's order). */
export class LiveTally {
  private counters: RunCounters;
  private accounted = 0;
  private cached = 0;
  private cost = 0;

  constructor(
    private readonly base: Pick<LiveRunView, 'testSet' | 'endpoint' | 'model'>,
    total: number,
    private readonly prices: Prices,
  ) {
    this.counters = { total, done: 0, failed: 0, completionTokens: 0, probeTokens: 0 };
  }

  progress(p: RunCounters): void {
    this.counters = { total: p.total, done: p.done, failed: p.failed, completionTokens: p.completionTokens, probeTokens: p.probeTokens };
  }

  caseDone(r: CaseOutcome): void {
    const tokens = this.counters.completionTokens + this.counters.probeTokens;
    const added = tokens - this.accounted;
    this.accounted = tokens;
    if (r.fromCache) this.cached++;
    else this.cost += costPerCall(r.usage?.promptTokens ?? 0, added, this.prices);
  }

  view(state: LiveRunView['state'] = 'running'): LiveRunView {
    const c = this.counters;
    return { state, ...this.base, done: c.done, total: c.total, failed: c.failed, tokens: c.completionTokens + c.probeTokens, cached: this.cached, costUsd: this.cost };
  }
}

/** `5/12 cases · 1,234 tokens · est. $0.0123 · 3 from cache · 1 failed` */
export function liveProgressText(v: LiveRunView): string {
  const parts = [`${v.done}/${v.total} cases`, `${formatCount(v.tokens)} tokens`, `est. ${formatUsd(v.costUsd)}`];
  if (v.cached) parts.push(`${v.cached} from cache`);
  if (v.failed) parts.push(`${v.failed} failed`);
  return parts.join(' · ');
}

/** One line for the panel, e.g. `Live run (llama3 at http://localhost:11434/v1): 5/12 cases · …`. */
export function liveStatusLine(v: LiveRunView): string {
  const what = { running: 'Live run', done: 'Live run finished', cancelled: 'Live run cancelled', failed: 'Live run failed' }[v.state];
  return `${what} (${v.model} at ${v.endpoint}): ${liveProgressText(v)}`;
}
