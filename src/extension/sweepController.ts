import * as vscode from 'vscode';
import type { SweepResult } from '../core/types';
import { exportRecords, type PolicySettings } from '../core/policyExport';
import { DEFAULT_SORT, emptyViewState, type CaseDetail, type ExportFormat, type SortState, type StaleInfo, type SweepSummary, type UiRestore, type ViewState } from '../shared/protocol';
import { CONFIG_FILE, issueToDiagnostic, type ConfigStore, type LoadedConfig } from './workspaceConfig';
import { writeConfigValues } from './configEdits';
import type { SettingsStore } from './settings';
import type { TokenService } from './tokenService';
import { resolveSweepOptions, type ResolvedSweepOptions } from '../core/sweepOptions';
import { WorkerCancelled, WorkerClient } from './workerClient';
import type { FlippedCase, SweepJob, SweepJobOptions, SweepJobResult } from '../worker/workerProtocol';
import type { ResultSource } from './resultCodeLens';
import { COMMANDS } from './commandIds';
import type { SweepInputs as Fingerprints } from './staleness';
import { SweepStaleness } from './sweepStaleness';
import { exportSweepReport } from './reportExport';
import { configTokenizerPath } from '../node/hfCache';

const SWEEP_FILE = 'lastSweep.json';
const UI_FILE = 'panel.json';
const TEST_SET_KEY = 'promptBudget.testSet';
const TEST_SET_GLOB = '**/*.{jsonl,ndjson,csv,tsv,json}';

/** What one sweep reads before it starts. */
interface SweepInputs {
  loaded: LoadedConfig | undefined;
  testSet: vscode.Uri;
  bytes: Uint8Array;
  sweepOptions: ResolvedSweepOptions;
  prompt: SweepJob['prompt'];
}

interface StoredSweep {
  summary: SweepSummary;
  testSetUri: string;
  flipped: FlippedCase[];
  selectedPolicy: string | null;
  sort: SortState;
  /** When the selection, sort or open case last changed (ms since 1970). */
  uiSavedAt: number;
  /** Fingerprints of what the figures depend on (absent in sweeps saved by older versions). */
  inputs?: Fingerprints;
  /** The options the sweep ran with, to evaluate one case again when it is opened. */
  options?: SweepJobOptions;
  /** The config's live.model and live.extraBody when the sweep ran: an exported policy records them, as the CLI's export does. */
  model?: string;
  extraBody?: Record<string, unknown>;
}

/**
 * Runs sweeps in a worker thread and owns their results: the panel's state (the extension is its
 * source of truth), the result CodeLens, exports and the test set's diagnostics.
 */
export class SweepController implements ResultSource, vscode.Disposable {
  private stored: StoredSweep | undefined;
  private detail: CaseDetail | null = null;
  private running: { done: number; total: number } | null = null;
  private message: ViewState['message'] = null;
  private active: { cancelled: boolean; cancel: () => void } | undefined;
  private readonly resultEmitter = new vscode.EventEmitter<void>();
  private readonly stateEmitter = new vscode.EventEmitter<ViewState>();
  private readonly progressEmitter = new vscode.EventEmitter<{ done: number; total: number }>();
  private readonly disposables: vscode.Disposable[] = [this.resultEmitter, this.stateEmitter, this.progressEmitter];
  private readonly freshness: SweepStaleness;
  /** Fires when the sweep result changed (CodeLens listen). */
  readonly onDidChange = this.resultEmitter.event;
  /** Fires with the whole panel state whenever it changed. */
  readonly onDidChangeState = this.stateEmitter.event;
  /** Fires as a running sweep advances (cheaper than the whole state). */
  readonly onDidProgress = this.progressEmitter.event;
  /** Fires when the last sweep becomes out of date, or current again. */
  readonly onDidChangeStale: vscode.Event<StaleInfo | null>;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly settings: SettingsStore,
    private readonly config: ConfigStore,
    private readonly tokens: TokenService,
    private readonly log: vscode.LogOutputChannel,
    private readonly testSetDiagnostics: vscode.DiagnosticCollection,
    /** The long-lived worker, for one-case evaluations when a case is opened. */
    private readonly worker: WorkerClient,
  ) {
    this.freshness = new SweepStaleness(settings, config, log, () => this.stored, () => this.active !== undefined, (uri) => this.readTestSet(uri));
    this.onDidChangeStale = this.freshness.onDidChange;
    this.disposables.push(
      this.freshness,
      this.freshness.onDidChange(() => this.resultEmitter.fire()),
      settings.onDidChange(({ affects }) => affects('prices') && this.emitState()),
    );
  }

  /** Why the last sweep's figures are out of date; null while they are current. */
  get stale(): StaleInfo | null {
    return this.freshness.current;
  }

  /** Compares what the last sweep used with the workspace now. */
  checkStale(): Promise<void> {
    return this.freshness.check();
  }

  get result(): SweepSummary['result'] | undefined {
    return this.stored?.summary.result;
  }

  /** What an exported policy records besides the figures, as `export --config` does: live.model, the tokenizer's path, live.extraBody. */
  get exportSettings(): Pick<PolicySettings, 'calls' | 'model' | 'tokenizerPath'> {
    return exportRecords(this.stored?.model, this.stored?.options?.tokenizerPath, this.stored?.extraBody);
  }

  get testSetUri(): vscode.Uri | undefined {
    return this.stored ? vscode.Uri.parse(this.stored.testSetUri) : undefined;
  }

  get isRunning(): boolean {
    return this.active !== undefined;
  }

  /** Cancels the running sweep, as the progress notification's Cancel button does. */
  cancel(): void {
    this.active?.cancel();
  }

  /** Mean output tokens of the recommended policy (for the cost estimate in the status bar). */
  recommendedOutput(): { tokens: number; label: string } | undefined {
    const r = this.result;
    const rec = r?.recommendation;
    if (!r || !rec) return undefined;
    return { tokens: rec.meanTokens, label: `mean of ${rec.policy} in the last sweep` };
  }

  /** Asks the result CodeLens to render again. */
  refreshLenses(): void {
    this.resultEmitter.fire();
  }

  viewState(): ViewState {
    const base = emptyViewState(this.prices());
    if (!this.stored) return { ...base, running: this.running, message: this.message };
    return {
      ...base,
      sweep: this.stored.summary,
      selectedPolicy: this.stored.selectedPolicy,
      sort: this.stored.sort,
      detail: this.detail,
      running: this.running,
      message: this.message,
      uiSavedAt: this.stored.uiSavedAt,
      stale: this.freshness.current,
    };
  }

  /** Prices for cost estimates: promptbudget.json's when it sets them, else the settings. */
  prices(): ViewState['prices'] {
    return this.config.explicitPrices() ?? this.settings.settings.prices;
  }

  private emitState(): void {
    this.stateEmitter.fire(this.viewState());
  }

  private writes: Promise<void> = Promise.resolve();

  /** Saves the last sweep (or only the panel's selection and sort) to workspace storage at once: a reload right after a click keeps it. */
  private persist(what: 'sweep' | 'ui' = 'ui'): void {
    const dir = this.context.storageUri;
    const s = this.stored;
    if (!dir || !s) return;
    const { selectedPolicy, sort, uiSavedAt, ...sweep } = s;
    const files: [string, unknown][] = [[UI_FILE, { finishedAt: s.summary.finishedAt, selectedPolicy, sort, uiSavedAt }]];
    if (what === 'sweep') files.unshift([SWEEP_FILE, sweep]);
    this.writes = this.writes
      .then(async () => {
        await vscode.workspace.fs.createDirectory(dir);
        for (const [name, value] of files) await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, name), new TextEncoder().encode(JSON.stringify(value)));
      })
      .catch((e: Error) => this.log.warn(`could not save the sweep state: ${e.message}`));
  }

  /** Reads the state saved by {@link persist} (call once after construction). */
  async load(): Promise<void> {
    const dir = this.context.storageUri;
    if (!dir) return;
    const read = async <T>(name: string): Promise<T | undefined> => {
      try {
        return JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, name)))) as T;
      } catch {
        return undefined;
      }
    };
    const sweep = await read<Omit<StoredSweep, 'selectedPolicy' | 'sort' | 'uiSavedAt'>>(SWEEP_FILE);
    if (!sweep?.summary?.result || !Array.isArray(sweep.flipped) || this.stored) return;
    const ui = await read<{ finishedAt: string; selectedPolicy: string | null; sort: SortState; uiSavedAt: number }>(UI_FILE);
    const same = ui?.finishedAt === sweep.summary.finishedAt;
    this.stored = {
      ...sweep,
      selectedPolicy: same ? ui.selectedPolicy : (sweep.summary.result.recommendation?.policy ?? null),
      sort: same && ui.sort ? ui.sort : DEFAULT_SORT,
      uiSavedAt: same && typeof ui.uiSavedAt === 'number' ? ui.uiSavedAt : 0,
    };
    this.freshness.watch(vscode.Uri.parse(sweep.testSetUri));
    this.log.debug(`restored the sweep of ${sweep.summary.finishedAt} (panel state ${same ? 'restored' : 'reset'})`);
    this.emitState();
    this.resultEmitter.fire();
  }

  // ---- test set --------------------------------------------------------------------------

  /** The test set a sweep uses: the one picked, else the first in the config. */
  currentTestSet(): vscode.Uri | undefined {
    const picked = this.context.workspaceState.get<string>(TEST_SET_KEY);
    if (picked) return vscode.Uri.parse(picked);
    return this.config.testSetUris()[0];
  }

  /** Makes `uri` the test set sweeps use, as picking it would (e.g. the traces a live run wrote). */
  async useTestSet(uri: vscode.Uri): Promise<void> {
    await this.context.workspaceState.update(TEST_SET_KEY, uri.toString());
  }

  async pickTestSet(): Promise<vscode.Uri | undefined> {
    const fromConfig = this.config.testSetUris();
    const found = await vscode.workspace.findFiles(TEST_SET_GLOB, '**/{node_modules,.git,dist,out}/**', 500);
    const seen = new Set<string>();
    const items: (vscode.QuickPickItem & { uri: vscode.Uri })[] = [];
    for (const uri of [...fromConfig, ...found]) {
      const key = uri.toString();
      if (seen.has(key) || /(^|\/)(package(-lock)?|tsconfig|promptbudget)\.json$/.test(uri.path)) continue;
      seen.add(key);
      items.push({ label: vscode.workspace.asRelativePath(uri), description: fromConfig.some((u) => u.toString() === key) ? 'in promptbudget.json' : undefined, uri });
    }
    const current = this.currentTestSet()?.toString();
    for (const item of items) if (item.uri.toString() === current) item.picked = true;
    const choice = await vscode.window.showQuickPick(items, { title: 'Prompt Budget: test set to sweep', placeHolder: items.length ? 'JSONL, JSON array or CSV with recorded outputs' : 'No JSONL, JSON or CSV files in this workspace' });
    if (!choice) return undefined;
    await this.context.workspaceState.update(TEST_SET_KEY, choice.uri.toString());
    this.log.info(`test set: ${choice.label}`);
    return choice.uri;
  }

  private async readTestSet(uri: vscode.Uri): Promise<Uint8Array> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open?.isDirty) return new TextEncoder().encode(open.getText());
    return vscode.workspace.fs.readFile(uri);
  }

  /** Checks a test set in the worker and shows its bad lines in the Problems panel. */
  async checkTestSet(uri: vscode.Uri, worker: WorkerClient): Promise<void> {
    const bytes = await this.readTestSet(uri);
    const check = await worker.call('checkTestSet', { bytes, fileName: uri.path, fields: this.config.current?.config.fields });
    this.setTestSetDiagnostics(uri, bytes, check.issues);
  }

  private setTestSetDiagnostics(uri: vscode.Uri, bytes: Uint8Array, issues: SweepJobResult['issues']): void {
    if (issues.length === 0) {
      this.testSetDiagnostics.delete(uri);
      return;
    }
    const lines = new TextDecoder().decode(bytes).split(/\r?\n/);
    this.testSetDiagnostics.set(uri, issues.map((i) => issueToDiagnostic(i, lines)));
  }

  // ---- running ---------------------------------------------------------------------------

  /** Runs a sweep of the current test set; resolves with the result, or undefined when cancelled or failed. */
  async run(options: { testSet?: vscode.Uri } = {}): Promise<SweepResult | undefined> {
    if (this.active) {
      void vscode.window.showInformationMessage('Prompt Budget: a sweep is already running.');
      return undefined;
    }
    const flag = new SharedArrayBuffer(4);
    let worker: WorkerClient | undefined;
    const active = {
      cancelled: false,
      cancel: (): void => {
        active.cancelled = true;
        Atomics.store(new Int32Array(flag), 0, 1);
        const w = worker;
        if (w) setTimeout(() => w.terminate('cancelled'), 1000).unref();
      },
    };
    this.active = active;
    try {
      return await this.sweepOnce(options.testSet, flag, () => active.cancelled, (w) => (worker = w));
    } finally {
      this.active = undefined;
      worker?.dispose();
      if (this.running) {
        this.running = null;
        this.emitState();
      }
    }
  }

  private async sweepOnce(
    chosen: vscode.Uri | undefined,
    flag: SharedArrayBuffer,
    isCancelled: () => boolean,
    setWorker: (w: WorkerClient) => void,
  ): Promise<SweepResult | undefined> {
    const inputs = await this.sweepInputs(chosen);
    if (!inputs) return undefined;
    const { testSet, sweepOptions } = inputs;
    const rel = vscode.workspace.asRelativePath(testSet);
    const worker = new WorkerClient(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'sweepWorker.js').fsPath, (m) => this.log.error(m));
    setWorker(worker);
    const started = Date.now();
    this.running = { done: 0, total: 0 };
    this.message = null;
    this.emitState();
    this.log.info(`sweep ${rel}: ${sweepOptions.policies.length} policies, ${sweepOptions.encoding}/${sweepOptions.engine}, extract ${sweepOptions.extract.preset}, match ${sweepOptions.match.preset}`);
    try {
      const out = await this.sweepInWorker(worker, inputs, rel, flag, isCancelled);
      await this.keepResult(out, inputs, rel, Date.now() - started);
      return out.result;
    } catch (e) {
      this.running = null;
      if (e instanceof WorkerCancelled) {
        this.log.info(`sweep ${rel}: cancelled`);
        this.message = { kind: 'info', text: 'Sweep cancelled.' };
        this.emitState();
      } else {
        this.fail(e instanceof Error ? e.message : String(e));
      }
      return undefined;
    }
  }

  /** The test set, its bytes and the sweep options, or undefined when something stops the sweep (the user was told). */
  private async sweepInputs(chosen: vscode.Uri | undefined): Promise<SweepInputs | undefined> {
    if (!vscode.workspace.isTrusted) {
      const manage = 'Manage Workspace Trust';
      const pick = await vscode.window.showWarningMessage('Prompt Budget runs sweeps of workspace files only in a trusted workspace. Counting tokens works in Restricted Mode.', manage);
      if (pick === manage) await vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    const loaded = this.config.current ?? (await this.config.reload());
    const testSet = chosen ?? this.currentTestSet() ?? (await this.pickTestSet());
    if (!testSet) return undefined;
    const configErrors = loaded?.issues.filter((i) => i.severity === 'error') ?? [];
    if (loaded && configErrors.length) {
      this.fail(`${vscode.workspace.asRelativePath(loaded.uri)} has ${configErrors.length} error(s); fix them first (see the Problems panel).`);
      return undefined;
    }
    const { options: sweepOptions, issues } = resolveSweepOptions(loaded?.config, {}); // no sweep settings: the config alone decides, as for the CLI without flags
    if (sweepOptions.tokenizerPath !== undefined && loaded) sweepOptions.tokenizerPath = configTokenizerPath(loaded.uri.fsPath, sweepOptions.tokenizerPath);
    const errors = issues.filter((i) => i.severity === 'error');
    if (errors.length) {
      this.fail(errors.map((i) => i.message).join('; '));
      return undefined;
    }
    try {
      return { loaded, testSet, sweepOptions, bytes: await this.readTestSet(testSet), prompt: await this.linkedPrompt(loaded) };
    } catch (e) {
      const missing = e instanceof vscode.FileSystemError && e.code === 'FileNotFound';
      this.fail(`cannot read the test set ${vscode.workspace.asRelativePath(testSet)}: ${missing ? 'no such file' : e instanceof Error ? e.message : String(e)}. Pick another test set, or fix its path in promptbudget.json.`, 'Pick Test Set');
      return undefined;
    }
  }

  /** The config's linked prompt for the report, with what the status bar counts its body in; null text when it cannot be read. */
  private async linkedPrompt(loaded: LoadedConfig | undefined): Promise<SweepJob['prompt']> {
    const file = loaded?.config.prompt;
    if (!loaded || !file) return undefined;
    try {
      const uri = vscode.Uri.joinPath(loaded.dir, file);
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      const { counting } = this.tokens.promptPlanOf(text, uri.fsPath);
      return { file, text, encoding: counting.encoding, ...(counting.tokenizerPath ? { tokenizerPath: counting.tokenizerPath } : {}) };
    } catch {
      return { file, text: null };
    }
  }

  /** Runs the sweep in the worker under a cancellable notification that shows the progress. */
  private sweepInWorker(worker: WorkerClient, inputs: SweepInputs, rel: string, flag: SharedArrayBuffer, isCancelled: () => boolean): Thenable<SweepJobResult> {
    const { bytes, testSet, loaded, sweepOptions } = inputs;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Prompt Budget: sweeping ${rel}`, cancellable: true }, async (progress, token) => {
      const onCancel = token.onCancellationRequested(() => this.cancel());
      let reported = 0;
      if (isCancelled()) throw new WorkerCancelled();
      return worker
        .call('sweep', { bytes, fileName: testSet.path, fields: loaded?.config.fields, options: sweepOptions, prompt: inputs.prompt, cancelFlag: flag }, (done, total) => {
          const pct = total ? (done / total) * 100 : 0;
          progress.report({ increment: pct - reported, message: `${done}/${total} cases` });
          reported = pct;
          this.running = { done, total };
          this.progressEmitter.fire({ done, total });
        })
        .finally(() => onCancel.dispose());
    });
  }

  /** Stores a finished sweep (keeping the selected policy when it is still a row) and shows it. */
  private async keepResult(out: SweepJobResult, inputs: SweepInputs, rel: string, durationMs: number): Promise<void> {
    const { testSet, bytes, loaded, sweepOptions } = inputs;
    this.setTestSetDiagnostics(testSet, bytes, out.issues);
    const promptUri = this.config.promptUri();
    const summary: SweepSummary = {
      result: out.result,
      testSet: rel,
      prompt: promptUri ? vscode.workspace.asRelativePath(promptUri) : null,
      promptTokens: promptUri ? await this.promptTokens(promptUri) : null,
      finishedAt: new Date().toISOString(),
      durationMs,
      cases: out.index,
    };
    const keep = this.stored?.selectedPolicy;
    this.stored = {
      summary,
      testSetUri: testSet.toString(),
      flipped: out.flipped,
      selectedPolicy: keep && out.result.rows.some((r) => r.policy === keep) ? keep : (out.result.recommendation?.policy ?? null),
      sort: this.stored?.sort ?? DEFAULT_SORT,
      uiSavedAt: Date.now(),
      inputs: this.freshness.fingerprints(sweepOptions, loaded?.config.fields, bytes),
      options: sweepOptions,
      ...(loaded?.config.live.model ? { model: loaded.config.live.model } : {}),
      ...(loaded?.config.live.extraBody && Object.keys(loaded.config.live.extraBody).length > 0 ? { extraBody: { ...loaded.config.live.extraBody } } : {}),
    };
    this.freshness.reset(testSet);
    this.detail = null;
    this.running = null;
    this.persist('sweep');
    const rec = out.result.recommendation;
    this.log.info(`sweep ${rel}: ${out.result.cases} cases in ${durationMs} ms; recommended ${rec ? rec.policy : 'none'}`);
    for (const w of out.result.warnings) this.log.warn(w);
    this.emitState();
    this.resultEmitter.fire();
  }

  private async promptTokens(uri: vscode.Uri): Promise<number | null> {
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      // The status bar's figure: the body, front matter excluded, in its tokenizer.
      return (await this.tokens.countPrompt(doc, false)).count;
    } catch {
      return null;
    }
  }

  private fail(text: string, pick?: 'Pick Test Set'): void {
    this.log.error(text);
    this.message = { kind: 'error', text };
    this.emitState();
    const shown = pick ? vscode.window.showErrorMessage(`Prompt Budget: ${text}`, pick) : vscode.window.showErrorMessage(`Prompt Budget: ${text}`);
    void shown.then((a) => {
      if (a === pick) void vscode.commands.executeCommand(COMMANDS.pickTestSet);
    });
  }

  /**
   * Writes the extraction and match the last sweep detected into promptbudget.json (creating a
   * starter config for the swept test set when there is none); the panel's notice then goes.
   */
  async keepDetected(createConfig: (testSet: vscode.Uri) => Promise<vscode.Uri | undefined>): Promise<boolean> {
    const s = this.stored;
    const detected = s?.summary.result.detected;
    if (!s || !detected) {
      void vscode.window.showInformationMessage('Prompt Budget: the last sweep used the extraction and match named in the config; nothing to keep.');
      return false;
    }
    const loaded = this.config.current ?? (await this.config.reload());
    const extract = detected.extract.preset === 'regex' ? detected.extract : detected.extract.preset;
    const ok = loaded ? await writeConfigValues(loaded.uri, [[['extract'], extract], [['match'], detected.match.preset]]) : (await createConfig(vscode.Uri.parse(s.testSetUri))) !== undefined;
    if (!ok) {
      this.fail(`could not write the detected settings into ${CONFIG_FILE}.`);
      return false;
    }
    const { detected: _kept, ...result } = s.summary.result;
    s.summary = { ...s.summary, result };
    this.message = { kind: 'info', text: `Kept extract ${detected.extract.preset} and match ${detected.match.preset} in ${CONFIG_FILE}.` };
    this.persist('sweep');
    this.emitState();
    return true;
  }

  // ---- panel actions ---------------------------------------------------------------------

  /**
   * Takes the panel's own saved selection, sort and open case after a window reload when newer than
   * what the extension saved (a write just before a reload can be lost, and so can the webview's).
   */
  restoreUi(r: UiRestore): void {
    const s = this.stored;
    if (!s || s.summary.finishedAt !== r.sweep || r.savedAt <= s.uiSavedAt) return;
    this.select(r.selectedPolicy);
    this.setSort(r.sort);
    if (r.openCase) void this.openCase(r.openCase.policy, r.openCase.caseId);
    s.uiSavedAt = r.savedAt;
  }

  private touch(): void {
    if (this.stored) this.stored.uiSavedAt = Date.now();
  }

  select(policy: string | null): void {
    this.touch();
    if (!this.stored) return;
    this.stored.selectedPolicy = policy && this.stored.summary.result.rows.some((r) => r.policy === policy) ? policy : null;
    if (this.detail && this.detail.policy !== this.stored.selectedPolicy) this.detail = null;
    this.persist();
    this.emitState();
  }

  setSort(sort: SortState): void {
    this.touch();
    if (!this.stored) return;
    this.stored.sort = sort;
    this.persist();
    this.emitState();
  }

  /**
   * Opens a case under a policy with its trace and cut point: a flipped case from what the sweep kept,
   * any other case by evaluating it alone in the worker (its outcomes do not depend on the others).
   */
  async openCase(policy: string, caseId: string): Promise<void> {
    this.touch();
    const s = this.stored;
    const row = s?.summary.result.rows.find((r) => r.policy === policy);
    let c = s?.flipped.find((f) => f.id === caseId && f.outcomes[policy] && f.outcomes.full);
    if (s && row && !c) c = (await this.traceCase(s, caseId)) ?? undefined;
    if (this.stored !== s) return;
    const outcome = c?.outcomes[policy];
    const base = c?.outcomes.full;
    if (!s || !c || !row || !outcome || !base) {
      this.detail = null;
      this.message = this.message?.kind === 'error' ? this.message : { kind: 'error', text: `Case ${caseId} is not among the cases of the last sweep under ${policy}.` };
      this.emitState();
      return;
    }
    s.selectedPolicy = policy;
    this.detail = {
      policy,
      policyLabel: row.label,
      caseId,
      line: c.line,
      question: c.question,
      gold: c.gold,
      trace: c.trace,
      cutAt: outcome.cutAt,
      stopToken: outcome.stopToken,
      totalTokens: c.totalTokens,
      baselineAnswer: base.answer,
      baselineCorrect: base.correct,
      answer: outcome.answer,
      correct: outcome.correct,
      reason: outcome.reason,
    };
    this.message = null;
    this.emitState();
  }

  private async traceCase(s: StoredSweep, caseId: string): Promise<FlippedCase | null> {
    const uri = vscode.Uri.parse(s.testSetUri);
    if (!s.options) {
      this.message = { kind: 'error', text: 'This sweep was saved by an older version; run it again to open any case.' };
      return null;
    }
    try {
      const bytes = await this.readTestSet(uri);
      const found = await this.worker.call('caseTrace', { bytes, fileName: uri.path, fields: this.config.current?.config.fields, options: s.options, sweep: { extract: s.summary.result.extract, match: s.summary.result.match, policies: s.summary.result.rows.map((r) => r.policy) }, caseId });
      if (!found) this.message = { kind: 'error', text: `Case ${caseId} is no longer in ${vscode.workspace.asRelativePath(uri)}; run the sweep again.` };
      else this.message = null;
      return found;
    } catch (e) {
      this.message = { kind: 'error', text: `Cannot open case ${caseId}: ${e instanceof Error ? e.message : String(e)}` };
      return null;
    }
  }

  closeCase(): void {
    this.touch();
    this.detail = null;
    this.emitState();
  }

  /** Opens the test set at a case's line. */
  async revealCase(caseId: string): Promise<void> {
    const s = this.stored;
    const flipped = s?.flipped.find((f) => f.id === caseId)?.line;
    const at = s?.summary.cases?.ids.indexOf(caseId) ?? -1;
    const line = flipped ?? (at >= 0 ? s?.summary.cases?.lines[at] : undefined);
    if (!s || line === undefined) return;
    const pos = new vscode.Position(Math.max(0, line - 1), 0);
    await vscode.window.showTextDocument(vscode.Uri.parse(s.testSetUri), { selection: new vscode.Range(pos, pos), preview: true });
  }

  /** Writes the last sweep as Markdown, CSV or JSON (asks for the format and file when not given). */
  exportReport(format?: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    return exportSweepReport(this.result as SweepResult | undefined, this.context.globalStorageUri, this.log, format, target);
  }

  dispose(): void {
    this.active?.cancel();
    for (const d of this.disposables) d.dispose();
  }
}
