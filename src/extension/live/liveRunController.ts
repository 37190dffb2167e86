import * as vscode from 'vscode';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { formatIssue } from '../../core/testSet/issueSink';
import { parseTestSet } from '../../core/testSet/parseTestSet';
import { resolveFields } from '../../core/testSet/resolveFields';
import type { Case, ExtractConfig, SweepResult } from '../../core/types';
import { displayUrl, LiveError, redactSecrets } from '../../core/live/liveError';
import { prepareLiveRun, type LiveRunIssue } from '../../core/live/prepareLiveRun';
import { missingLogprobsWarning } from '../../core/live/logprobs';
import { rawRowsByLine, tracedJsonl, tracesFileName } from '../../core/live/tracedRows';
import { FileCacheStore, writeAtomically } from '../../node/fileCacheStore';
import { describeSource } from './endpointTrust';
import { LiveTally, liveProgressText } from '../../shared/liveProgress';
import type { LiveRunView } from '../../shared/protocol';
import { COMMANDS } from '../commandIds';
import type { SettingsStore } from '../settings';
import type { SweepController } from '../sweepController';
import type { ConfigStore, LoadedConfig } from '../workspaceConfig';
import { WorkerCancelled, WorkerClient } from '../workerClient';
import type { LiveJob, LiveJobResult } from '../../worker/workerProtocol';
import { clearApiKey, getApiKey, setApiKey } from './apiKey';
import { confirmKeyTarget } from './endpointConsent';
import { liveRunOverrides, resolveLiveOptions, type LiveOptions } from './liveSettings';
import { LiveBatchRunner } from './liveBatch';

/** The cache folder inside a workspace folder; the CLI's default too, so both share responses. */
export const WORKSPACE_CACHE_DIR = '.prompt-budget-cache';
/** workspaceState: traces file → the test set it was generated from. */
const SOURCES_KEY = 'promptBudget.live.sources';
const PANEL_INTERVAL_MS = 200;

export interface LiveRunDeps {
  context: vscode.ExtensionContext;
  settings: SettingsStore;
  config: ConfigStore;
  sweeps: SweepController;
  log: vscode.LogOutputChannel;
  /** Shows the run above the results table (null hides it). */
  showLive(live: LiveRunView | null): void;
  /** Sweeps the traces, makes them the current test set and shows the result (panel, CodeLens). */
  sweepTraces(uri: vscode.Uri): Promise<SweepResult | undefined>;
}

/** What a run needs, gathered and checked before anything is sent. */
interface Plan {
  source: vscode.Uri;
  rel: string;
  out: vscode.Uri;
  cases: readonly Case[];
  rows: (Record<string, unknown> | undefined)[];
  loaded: LoadedConfig | undefined;
  options: LiveJob['options'];
  extract: ExtractConfig | undefined;
  cacheDir: string;
  apiKey: string | undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a test set against the live server (core `runLive`, disk cache under the workspace's
 * `.prompt-budget-cache`), writes the traces next to it as `<name>.traces.jsonl` and sweeps them.
 */
export class LiveRunController implements vscode.Disposable {
  private active: AbortController | undefined;
  /** The OpenAI Batch API path, offered for large runs; resumes a pending batch after a reload. */
  readonly batch: LiveBatchRunner;

  constructor(private readonly deps: LiveRunDeps) {
    this.batch = new LiveBatchRunner({
      context: deps.context,
      log: deps.log,
      workerScript: vscode.Uri.joinPath(deps.context.extensionUri, 'dist', 'sweepWorker.js').fsPath,
      batchSettings: () => deps.settings.settings.liveBatch,
      resume: (source) => this.run(source),
      imported: async (out, source) => {
        await this.rememberSource(out, source);
        return deps.sweepTraces(out);
      },
    });
  }

  get isRunning(): boolean {
    return this.active !== undefined;
  }

  /** Stops the running live run, as the notification's Cancel button does. */
  cancel(): void {
    this.active?.abort();
  }

  private workerScript(): string {
    return vscode.Uri.joinPath(this.deps.context.extensionUri, 'dist', 'sweepWorker.js').fsPath;
  }

  /** The cache of the workspace folder holding `uri` (the extension's storage for files outside any folder). */
  cacheDir(uri: vscode.Uri | undefined): string {
    const folder = uri ? vscode.workspace.getWorkspaceFolder(uri) : vscode.workspace.workspaceFolders?.[0];
    if (folder?.uri.scheme === 'file') return join(folder.uri.fsPath, WORKSPACE_CACHE_DIR);
    return join(this.deps.context.globalStorageUri.fsPath, 'live-cache');
  }

  /** Run Live Sweep on the current test set, or on `source` (a pending batch's). */
  async run(source?: vscode.Uri): Promise<SweepResult | undefined> {
    const { sweeps } = this.deps;
    if (!vscode.workspace.isTrusted) {
      const manage = 'Manage Workspace Trust';
      const pick = await vscode.window.showWarningMessage(
        'Prompt Budget makes no network requests in Restricted Mode. Trust this workspace to run live sweeps; counting tokens works without it.',
        manage,
      );
      if (pick === manage) await vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    if (this.active || sweeps.isRunning) {
      void vscode.window.showInformationMessage('Prompt Budget: a run is already in progress.');
      return undefined;
    }
    const signal = new AbortController();
    this.active = signal;
    try {
      const plan = await this.prepare(source);
      if (!plan) return undefined;
      const batchPlan = { ...plan, fields: plan.loaded?.config.fields ?? resolveFields() };
      const path = await this.batch.choose(batchPlan, sweeps.prices());
      if (path === undefined) return undefined;
      if (path === 'stream') return await this.execute(plan, signal);
      try {
        return await this.batch.run(batchPlan);
      } catch (e) {
        return await this.runFailed(e, plan, new LiveTally({ testSet: plan.rel, endpoint: displayUrl(plan.options.baseUrl), model: plan.options.model }, plan.cases.length, sweeps.prices()), (t) => redactSecrets(t, [plan.apiKey]));
      }
    } finally {
      this.active = undefined;
    }
  }

  private fail(text: string, ...actions: string[]): Thenable<string | undefined> {
    this.deps.log.error(text);
    return vscode.window.showErrorMessage(`Prompt Budget: ${text}`, ...actions);
  }

  /** The test set to trace: the current one, or the source of a traces file this command wrote. */
  private async liveSource(): Promise<vscode.Uri | undefined> {
    const current = this.deps.sweeps.currentTestSet() ?? (await this.deps.sweeps.pickTestSet());
    if (!current) return undefined;
    const sources = this.deps.context.workspaceState.get<Record<string, string>>(SOURCES_KEY) ?? {};
    const origin = sources[current.toString()];
    if (origin && (await exists(vscode.Uri.parse(origin).fsPath))) return vscode.Uri.parse(origin);
    return current;
  }

  private async readText(uri: vscode.Uri): Promise<string> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open?.isDirty) return open.getText();
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  }

  private async prepare(from?: vscode.Uri): Promise<Plan | undefined> {
    const loaded = await this.checkedConfig();
    if (loaded === null) return undefined;
    const source = from ?? (await this.liveSource());
    if (!source) return undefined;
    if (source.scheme !== 'file') {
      void this.fail(`live runs need a test set on disk; ${source.toString()} is not a file.`);
      return undefined;
    }
    const rel = vscode.workspace.asRelativePath(source);
    const testSet = await this.readCases(source, rel, loaded);
    if (!testSet) return undefined;
    const linkedPrompt = await this.readLinkedPrompt(loaded);
    if (linkedPrompt === null) return undefined;
    const live = resolveLiveOptions(this.deps.settings.settings.live, loaded);
    const prepared = prepareLiveRun({ config: loaded?.config, linkedPrompt, cases: testSet.cases, rows: testSet.rows, overrides: liveRunOverrides(live) });
    if (!(await this.acceptIssues(prepared.issues, rel))) return undefined;
    const { plan } = prepared;
    if (!plan) return undefined;

    // A pending batch of this test set writes where it was meant to when it was submitted.
    const pending = this.batch.pending();
    const out = pending?.source === source.toString() ? vscode.Uri.parse(pending.out) : await this.outputFor(source);
    if (!out) return undefined;
    const apiKey = await this.keyToSend(live);
    if (apiKey === null) return undefined;
    const options: LiveJob['options'] = { ...plan.options };
    if (apiKey) options.apiKey = apiKey;
    const cacheDir = this.cacheDir(source);
    await this.prepareCache(cacheDir);
    this.deps.log.info(
      `live run ${rel}: ${plan.cases.length} case(s) → ${displayUrl(options.baseUrl)} (from ${describeSource(live.baseUrl.source)}), model ${options.model}, ${options.maxTokensParam} ${options.maxTokens}, temperature ${options.temperature}, concurrency ${options.concurrency}${options.probe ? `, probes every ${options.probe.every} tokens` : ''}; cache ${cacheDir}`,
    );
    return { source, rel, out, cases: plan.cases, rows: testSet.rows, loaded, options, extract: plan.extract, cacheDir, apiKey };
  }

  /** The workspace config, undefined without one, null when it has errors (the user was told). */
  private async checkedConfig(): Promise<LoadedConfig | undefined | null> {
    const { config } = this.deps;
    const loaded = config.current ?? (await config.reload());
    const errors = loaded?.issues.filter((i) => i.severity === 'error') ?? [];
    if (loaded && errors.length) {
      void this.fail(`${vscode.workspace.asRelativePath(loaded.uri)} has ${errors.length} error(s); fix them first (see the Problems panel).`);
      return null;
    }
    return loaded;
  }

  /** The test set's cases and their original rows; undefined when it cannot be read or has no case. */
  private async readCases(source: vscode.Uri, rel: string, loaded: LoadedConfig | undefined): Promise<{ cases: Case[]; rows: (Record<string, unknown> | undefined)[] } | undefined> {
    let text: string;
    try {
      text = await this.readText(source);
    } catch (e) {
      void this.fail(`cannot read ${rel}: ${(e as Error).message}`);
      return undefined;
    }
    const parsed = parseTestSet(text, { fileName: source.path, fields: loaded?.config.fields ?? resolveFields() });
    for (const issue of parsed.issues.slice(0, 20)) this.deps.log.warn(formatIssue(rel, issue));
    if (parsed.cases.length === 0) {
      void this.fail(`${rel} has no usable cases (${parsed.skipped} line(s) skipped; see the log).`);
      return undefined;
    }
    const byLine = rawRowsByLine(text, source.path);
    return { cases: parsed.cases, rows: parsed.cases.map((c) => byLine.get(c.line)) };
  }

  /** The text of the config's linked prompt: undefined without one, null when it cannot be read. */
  private async readLinkedPrompt(loaded: LoadedConfig | undefined): Promise<string | undefined | null> {
    if (!loaded?.config.prompt) return undefined;
    try {
      return await this.readText(vscode.Uri.joinPath(loaded.dir, loaded.config.prompt));
    } catch (e) {
      void this.fail(`cannot read the linked prompt ${loaded.config.prompt}: ${(e as Error).message}`);
      return null;
    }
  }

  /** Logs warnings; shows the first error (a missing model offers the settings). False on an error. */
  private async acceptIssues(issues: readonly LiveRunIssue[], rel: string): Promise<boolean> {
    for (const w of issues.filter((i) => i.severity === 'warning')) this.deps.log.warn(`live run ${rel}: ${w.message}`);
    const error = issues.find((i) => i.severity === 'error');
    if (!error) return true;
    const open = 'Open Settings';
    if (error.field === 'model') {
      if ((await this.fail('set the model for live runs: the promptBudget.live.model setting, or "live.model" in promptbudget.json.', open)) === open) {
        await vscode.commands.executeCommand('workbench.action.openSettings', 'promptBudget.live');
      }
    } else {
      void this.fail(error.field === 'template' ? `${error.message} (${rel}).` : `${error.message}.`);
    }
    return false;
  }

  /** The stored key when the user lets it go to this endpoint; undefined to send none, null to stop. */
  private async keyToSend(live: LiveOptions): Promise<string | undefined | null> {
    const { context, log, settings } = this.deps;
    const apiKey = await getApiKey(context.secrets);
    const baseUrl = live.baseUrl.value;
    const may = await confirmKeyTarget(
      context.globalState,
      { baseUrl, source: live.baseUrl.source, userBaseUrl: settings.settings.live.baseUrl.user, defaultBaseUrl: settings.settings.live.baseUrl.defaultValue, hasKey: apiKey !== undefined },
      log,
    );
    if (may === 'cancel') return null;
    if (may === 'noKey') log.info('live run: no API key stored, so requests go without Authorization (fine for most local servers)');
    return may === 'send' ? apiKey : undefined;
  }

  /** `<name>.traces.jsonl` next to the test set; asks before replacing a file that exists. */
  private async outputFor(source: vscode.Uri): Promise<vscode.Uri | undefined> {
    const out = vscode.Uri.joinPath(source, '..', tracesFileName(basename(source.fsPath)));
    if (!(await exists(out.fsPath))) return out;
    const replace = 'Replace';
    const saveAs = 'Save As…';
    const pick = await vscode.window.showWarningMessage(
      `${vscode.workspace.asRelativePath(out)} already exists. Replace it with the traces of this run?`,
      { modal: true, detail: 'The live run writes the test set with each case’s generated output there, then sweeps it.' },
      replace,
      saveAs,
    );
    if (pick === replace) return out;
    if (pick !== saveAs) return undefined;
    const chosen = await vscode.window.showSaveDialog({ defaultUri: out, filters: { 'JSON Lines': ['jsonl'] }, title: 'Prompt Budget: save the traces as' });
    if (chosen && chosen.toString() === source.toString()) {
      void this.fail('the traces cannot replace the test set they come from; choose another file.');
      return undefined;
    }
    return chosen;
  }

  /** Creates the cache folder with a .gitignore, so responses are not committed by accident. */
  private async prepareCache(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, '.gitignore'), '# Prompt Budget live-mode response cache\n*\n', { flag: 'wx' }).catch(() => undefined);
  }

  private async execute(plan: Plan, signal: AbortController): Promise<SweepResult | undefined> {
    const { log, showLive, sweeps } = this.deps;
    const safe = (text: string): string => redactSecrets(text, [plan.apiKey]);
    const tally = new LiveTally({ testSet: plan.rel, endpoint: displayUrl(plan.options.baseUrl), model: plan.options.model }, plan.cases.length, sweeps.prices());
    showLive(tally.view());
    let pending: ReturnType<typeof setTimeout> | undefined;
    let run: LiveJobResult;
    try {
      run = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Prompt Budget: live run of ${plan.rel}`, cancellable: true },
        async (progress, token) => {
          const onCancel = token.onCancellationRequested(() => signal.abort());
          let reported = 0;
          let posted = 0;
          // Throttled, but the last update always reaches the panel.
          const post = (): void => {
            clearTimeout(pending);
            pending = undefined;
            posted = Date.now();
            showLive(tally.view());
          };
          progress.report({ message: `0/${plan.cases.length} cases · starting…` });
          // The run (requests, tokenizing, cache) happens in a worker, so the extension host stays free.
          const worker = new WorkerClient(this.workerScript(), (m) => log.error(m));
          const stop = (): void => void worker.call('cancelLive', {}).catch(() => undefined);
          signal.signal.addEventListener('abort', stop);
          const onCaseDone = (r: LiveJobResult['results'][number]): void => {
            tally.caseDone(r);
            const v = tally.view();
            const pct = (v.done / Math.max(1, v.total)) * 100;
            progress.report({ increment: pct - reported, message: liveProgressText(v) });
            reported = pct;
            const wait = posted + PANEL_INTERVAL_MS - Date.now();
            if (wait <= 0 || v.done === v.total) post();
            else pending ??= setTimeout(post, wait);
            if (r.error) log.warn(safe(`case ${r.id}: ${r.error}`));
          };
          try {
            if (signal.signal.aborted) throw new LiveError('cancelled', 'cancelled');
            const job: LiveJob = { cases: [...plan.cases], options: plan.options, cacheDir: plan.cacheDir, extract: plan.extract };
            // The config's tokenizer (relative to its folder) places the probe boundaries, as in its sweeps.
            if (plan.loaded?.config.tokenizer) job.tokenizerPath = resolve(dirname(plan.loaded.uri.fsPath), plan.loaded.config.tokenizer);
            return await worker.call('live', job, undefined, (event) => {
              if (event.kind === 'progress') tally.progress(event.progress);
              else if (event.kind === 'caseDone') onCaseDone(event.result);
              else log.warn(safe(event.message));
            });
          } catch (e) {
            throw e instanceof WorkerCancelled ? new LiveError('cancelled', 'cancelled') : e;
          } finally {
            clearTimeout(pending);
            onCancel.dispose();
            signal.signal.removeEventListener('abort', stop);
            worker.dispose();
          }
        },
      );
    } catch (e) {
      return this.runFailed(e, plan, tally, safe);
    }

    const { results, progress, truncation: trunc } = run;
    const failed = results.filter((r) => r.error !== undefined).length;
    const traced = results.length - failed;
    const final = tally.view('done');
    showLive({ ...final, promptDrift: run.promptDrift?.drift ?? null });
    await writeAtomically(plan.out.fsPath, tracedJsonl(plan.cases, plan.rows, results, plan.loaded?.config.fields ?? resolveFields()));
    await this.rememberSource(plan.out, plan.source);
    const outRel = vscode.workspace.asRelativePath(plan.out);
    log.info(`live run ${plan.rel}: wrote ${outRel}: ${traced} trace(s), ${failed} failed; ${progress.sentRequests} request(s) sent, ${progress.cachedRequests} from cache; ${liveProgressText(final)}`);
    if (run.promptDrift) log.info(`live run: ${run.promptDrift.line}`);
    const noLogprobs = plan.options.logprobs ? missingLogprobsWarning(progress) : null;
    if (noLogprobs) log.warn(`live run: ${noLogprobs}`);
    if (trunc.length) log.info(`live run: ${trunc.length} case(s) hit the budget of ${plan.options.maxTokens} tokens (finish_reason length); ${trunc.noAnswer} of them have no answer and count as cut before answer`);
    if (failed) {
      void vscode.window.showWarningMessage(`Prompt Budget: ${failed} of ${results.length} case(s) failed and have no trace (see the log). Run Live Sweep again to retry only those.`);
    }
    if (traced === 0) return undefined;
    return this.deps.sweepTraces(plan.out);
  }

  private async runFailed(e: unknown, plan: Plan, tally: LiveTally, safe: (t: string) => string): Promise<undefined> {
    const cancelled = e instanceof LiveError && e.kind === 'cancelled';
    this.deps.showLive(tally.view(cancelled ? 'cancelled' : 'failed'));
    if (cancelled) {
      const v = tally.view('cancelled');
      this.deps.log.info(`live run ${plan.rel}: cancelled after ${v.done} of ${v.total} case(s)`);
      void vscode.window.showInformationMessage(`Prompt Budget: live run cancelled after ${v.done} of ${v.total} cases. Finished responses are cached, so running it again sends only the rest.`);
      return undefined;
    }
    const message = safe(e instanceof Error ? e.message : String(e));
    if (e instanceof LiveError && e.kind === 'auth') {
      const set = 'Set API Key';
      const hint = plan.apiKey ? 'check the stored API key' : 'no API key was sent; set one';
      if ((await this.fail(`${message} (${hint}).`, set)) === set) await vscode.commands.executeCommand(COMMANDS.setApiKey);
      return undefined;
    }
    if (e instanceof LiveError && e.kind === 'unreachable') {
      const open = 'Open Settings';
      if ((await this.fail(`${message}. Is the server running? The base URL is promptBudget.live.baseUrl (or "live.baseUrl" in promptbudget.json).`, open)) === open) {
        await vscode.commands.executeCommand('workbench.action.openSettings', 'promptBudget.live');
      }
      return undefined;
    }
    void this.fail(`live run failed: ${message}`);
    return undefined;
  }

  private async rememberSource(traces: vscode.Uri, source: vscode.Uri): Promise<void> {
    if (traces.toString() === source.toString()) return;
    const state = this.deps.context.workspaceState;
    const sources = { ...(state.get<Record<string, string>>(SOURCES_KEY) ?? {}), [traces.toString()]: source.toString() };
    await state.update(SOURCES_KEY, sources);
  }

  /** Deletes the cached responses of every workspace folder (and of files outside them). */
  async clearCache(): Promise<void> {
    const dirs = new Set<string>([join(this.deps.context.globalStorageUri.fsPath, 'live-cache')]);
    for (const f of vscode.workspace.workspaceFolders ?? []) if (f.uri.scheme === 'file') dirs.add(join(f.uri.fsPath, WORKSPACE_CACHE_DIR));
    const clear = 'Clear Cache';
    const pick = await vscode.window.showWarningMessage('Delete the cached live responses? Running again will send (and pay for) every request anew.', { modal: true }, clear);
    if (pick !== clear) return;
    let removed = 0;
    for (const dir of dirs) removed += await new FileCacheStore(dir).clear();
    this.deps.log.info(`live cache: removed ${removed} cached response(s)`);
    void vscode.window.showInformationMessage(`Prompt Budget: removed ${removed} cached response(s).`);
  }

  dispose(): void {
    this.active?.abort();
    this.batch.dispose();
  }
}

/** Registers the live-mode commands; the controller is disposed with the extension. */
export function registerLiveCommands(deps: LiveRunDeps): LiveRunController {
  const { context, log } = deps;
  const live = new LiveRunController(deps);
  context.subscriptions.push(live);
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.setApiKey, () => setApiKey(context.secrets, log)),
    vscode.commands.registerCommand(COMMANDS.clearApiKey, () => clearApiKey(context.secrets, log)),
    vscode.commands.registerCommand(COMMANDS.runLiveSweep, () => live.run()),
    vscode.commands.registerCommand(COMMANDS.clearLiveCache, () => live.clearCache()),
  );
  // A batch submitted before a reload is checked again; its import is offered once it is done.
  if (vscode.workspace.isTrusted) live.batch.watch();
  return live;
}
