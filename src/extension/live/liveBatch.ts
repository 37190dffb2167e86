import * as vscode from 'vscode';
import type { Case, FieldMap, SweepResult } from '../../core/types';
import { batchStatusLine, FINAL_STATUSES, OpenAiBatchClient, type BatchJob } from '../../core/live/batchApi';
import { batchOffer, livePath, type PendingBatch } from '../../core/live/batchChoice';
import { displayUrl, redactSecrets } from '../../core/live/liveError';
import { tracedJsonl } from '../../core/live/tracedRows';
import { writeAtomically } from '../../node/fileCacheStore';
import type { Prices } from '../../shared/protocol';
import type { BatchJobArgs, LiveJob, WorkerCalls } from '../../worker/workerProtocol';
import { WorkerClient } from '../workerClient';
import { getApiKey } from './apiKey';

/** workspaceState: the batch submitted and not imported yet, so a reload resumes it. */
export const PENDING_BATCH_KEY = 'promptBudget.live.pendingBatch';

/** What the batch path needs of a prepared live run. */
export interface BatchRunPlan {
  source: vscode.Uri;
  rel: string;
  out: vscode.Uri;
  cases: readonly Case[];
  rows: readonly (Record<string, unknown> | undefined)[];
  options: LiveJob['options'];
  cacheDir: string;
  apiKey: string | undefined;
  fields: FieldMap;
}

export interface LiveBatchDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  /** dist/sweepWorker.js: request lines are built and output read there (the host never loads a tokenizer). */
  workerScript: string;
  /** `promptBudget.live.batchThreshold` and `batchPollSeconds`, read when needed. */
  batchSettings(): { threshold: number; pollSeconds: number };
  /** Runs Run Live Sweep again on the pending batch's test set (it resumes that batch). */
  resume(source: vscode.Uri): Promise<unknown>;
  /** Records the traces file as generated from the test set, and sweeps it. */
  imported(out: vscode.Uri, source: vscode.Uri): Promise<SweepResult | undefined>;
}

/** The OpenAI Batch API path of Run Live Sweep: offer, submit (or resume), poll, import. */
export class LiveBatchRunner implements vscode.Disposable {
  private timer: ReturnType<typeof setInterval> | undefined;
  private polling = false;

  constructor(private readonly deps: LiveBatchDeps) {}

  pending(): PendingBatch | undefined {
    return this.deps.context.workspaceState.get<PendingBatch>(PENDING_BATCH_KEY);
  }

  private async setPending(p: PendingBatch | undefined): Promise<void> {
    await this.deps.context.workspaceState.update(PENDING_BATCH_KEY, p);
    if (!p) this.stopWatching();
  }

  /** Streams or batches: resumes a pending batch of this test set, offers the batch for a large run, else streams. Undefined: cancelled. */
  async choose(plan: BatchRunPlan, prices: Prices): Promise<'stream' | 'batch' | undefined> {
    const requests = plan.cases.length * (1 + (plan.options.arms?.length ?? 0));
    const needsTraces = plan.options.probe !== undefined || plan.options.force !== undefined;
    const input = { requests, threshold: this.deps.batchSettings().threshold, maxTokens: plan.options.maxTokens, prices, needsTraces };
    const path = livePath(this.pending(), plan.source.toString(), plan.options.baseUrl, batchOffer(input));
    if (path !== 'ask') return path === 'resume' ? 'batch' : 'stream';
    // Counted only when the offer is shown: the prices then include the prompts, so "up to" is a bound.
    const offer = batchOffer({ ...input, promptTokens: await this.inWorker('batchPromptTokens', { cases: [...plan.cases], options: plan.options }) });
    const items: (vscode.QuickPickItem & { path: 'stream' | 'batch' })[] = [
      { label: 'Stream now', description: `up to $${offer.streamedUsd.toFixed(2)}`, detail: 'Results as they arrive; every request at the full price.', path: 'stream' },
      {
        label: 'OpenAI Batch API',
        description: `up to $${offer.batchUsd.toFixed(2)} (half price)`,
        detail: `Results within 24 h; ${displayUrl(plan.options.baseUrl)} must offer /v1/files and /v1/batches. Checked every ${this.deps.batchSettings().pollSeconds} s while VS Code is open, also after a reload.`,
        path: 'batch',
      },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: `Prompt Budget: ${offer.text}`, placeHolder: 'Stream the live run, or send it as one batch at half price?' });
    return pick?.path;
  }

  private client(baseUrl: string, apiKey: string | undefined): OpenAiBatchClient {
    return new OpenAiBatchClient({ baseUrl, ...(apiKey ? { apiKey } : {}) });
  }

  /** One call in a worker of its own, disposed after. */
  private async inWorker<K extends 'batchPromptTokens' | 'batchSubmit' | 'batchImport'>(kind: K, args: WorkerCalls[K]['args']): Promise<WorkerCalls[K]['result']> {
    const worker = new WorkerClient(this.deps.workerScript, (m) => this.deps.log.error(m));
    try {
      return await worker.call(kind, args);
    } finally {
      worker.dispose();
    }
  }

  /** Submits the run's generations (or finds the batch already submitted) and imports it when it is done. */
  async run(plan: BatchRunPlan): Promise<SweepResult | undefined> {
    const { log } = this.deps;
    const args: BatchJobArgs = { cases: [...plan.cases], options: { ...plan.options, ...(plan.apiKey ? { apiKey: plan.apiKey } : {}) }, cacheDir: plan.cacheDir };
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Prompt Budget: sending ${plan.rel} to the Batch API` }, () => this.inWorker('batchSubmit', args));
    if (r.missing) {
      void vscode.window.showErrorMessage(`Prompt Budget: ${r.missing}.`);
      return undefined;
    }
    const safe = (t: string): string => redactSecrets(t, [plan.apiKey]);
    log.info(safe(`live batch ${plan.rel}: ${r.resumed ? 'resumed' : `submitted ${r.lines} request(s) as`} ${batchStatusLine(r.job)}${r.replacedFailed ? ` (the earlier batch ${r.replacedFailed})` : ''}; ${r.sent} request(s) sent`));
    await this.setPending({ batchId: r.job.id, source: plan.source.toString(), out: plan.out.toString(), baseUrl: plan.options.baseUrl, requests: r.lines, submittedAt: new Date().toISOString(), withKey: plan.apiKey !== undefined });
    if (!FINAL_STATUSES.has(r.job.status)) {
      void vscode.window.showInformationMessage(`Prompt Budget: ${plan.rel} is in the Batch API as ${batchStatusLine(r.job)}. Results come within 24 h; Prompt Budget checks every ${this.deps.batchSettings().pollSeconds} s and offers to import them.`);
      this.watch();
      return undefined;
    }
    return this.importJob(plan, args, r.job);
  }

  private async importJob(plan: BatchRunPlan, args: BatchJobArgs, job: BatchJob): Promise<SweepResult | undefined> {
    if (job.status === 'failed') {
      await this.setPending(undefined);
      void vscode.window.showErrorMessage(`Prompt Budget: the batch for ${plan.rel} failed: ${batchStatusLine(job)}. Run Live Sweep again to submit it anew.`);
      return undefined;
    }
    const { results, failures, sent } = await this.inWorker('batchImport', { ...args, batchId: job.id });
    await writeAtomically(plan.out.fsPath, tracedJsonl(plan.cases, plan.rows, results, plan.fields));
    await this.setPending(undefined);
    const failed = results.filter((x) => x.error !== undefined).length;
    this.deps.log.info(`live batch ${plan.rel}: ${batchStatusLine(job)}; wrote ${vscode.workspace.asRelativePath(plan.out)}: ${results.length - failed} trace(s), ${failed} failed; ${sent} request(s) sent`);
    for (const f of failures.slice(0, 20)) this.deps.log.warn(`live batch: ${f.customId ?? `line ${f.line}`}: ${f.message}`);
    if (failed) void vscode.window.showWarningMessage(`Prompt Budget: ${failed} of ${results.length} case(s) have no trace from the batch (${job.status}; see the log). The CLI's batch submit --only-failed sends just those.`);
    if (failed === results.length) return undefined;
    return this.deps.imported(plan.out, plan.source);
  }

  /** Polls the pending batch (after a submit, or on activation after a reload) and offers the import once it is done. */
  watch(): void {
    if (this.timer || !this.pending()) return;
    const tick = (): void => void this.poll();
    this.timer = setInterval(tick, this.deps.batchSettings().pollSeconds * 1000);
    tick();
  }

  private stopWatching(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    const pending = this.pending();
    if (!pending || this.polling) return;
    this.polling = true;
    try {
      const key = pending.withKey ? await getApiKey(this.deps.context.secrets) : undefined;
      const job = await this.client(pending.baseUrl, key).getBatch(pending.batchId);
      if (!FINAL_STATUSES.has(job.status)) return;
      this.stopWatching();
      const rel = vscode.workspace.asRelativePath(vscode.Uri.parse(pending.source));
      const go = 'Import and Sweep';
      const pick = await vscode.window.showInformationMessage(`Prompt Budget: the Batch API run of ${rel} is ${batchStatusLine(job)}.`, go);
      if (pick === go) await this.deps.resume(vscode.Uri.parse(pending.source));
    } catch (e) {
      this.deps.log.warn(`live batch: checking ${pending.batchId} failed: ${(e as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  dispose(): void {
    this.stopWatching();
  }
}
