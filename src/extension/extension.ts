import * as vscode from 'vscode';
import type { SweepResult } from '../core/types';
import type { ViewState } from '../shared/protocol';
import { COMMANDS, VIEWS } from './commandIds';
import { parseCutoffList } from '../core/cutoffList';
import { writeCutoffs } from './configEdits';
import { createStarterConfig, type StarterDeps } from './starterConfig';
import { MissingFileFixes, missingFileDiagnostics, offerTestSetInConfig, removeConfigEntry } from './testSetChoice';
import { exportPolicy, policyExportArgs } from './policyExporter';
import { PromptFiles } from './promptFiles';
import { CutoffCodeLensProvider, RecommendationCodeLensProvider } from './resultCodeLens';
import { ResultsViewProvider } from './resultsView';
import { SettingsStore } from './settings';
import { SweepController } from './sweepController';
import { TokenCodeLensProvider } from './tokenCodeLens';
import { CODE_PROMPT_SELECTOR, CodePromptCodeLensProvider } from './codePromptCodeLens';
import { TokenService } from './tokenService';
import { TokenStatusBar } from './tokenStatusBar';
import { chooseTokenizer } from './tokenizerPicker';
import { WorkerClient } from './workerClient';
import { CONFIG_FILE, ConfigStore } from './workspaceConfig';
import { registerLiveCommands } from './live/liveRunController';

/** What `activate` returns; the editor tests use it to compare results with the core. */
export interface PromptBudgetApi {
  lastResult(): SweepResult | undefined;
  runSweep(testSet?: vscode.Uri): Promise<SweepResult | undefined>;
  cancelSweep(): void;
  viewState(): ViewState;
  /** `encoding` names what counted: the encoding, or the Hugging Face tokenizer's name. */
  countDocument(doc: vscode.TextDocument): Promise<{ count: number; approximate: boolean; encoding: string }>;
}

/** A feature that a setting turns on and off: built when on, disposed when off. */
class Toggle implements vscode.Disposable {
  private current: vscode.Disposable | undefined;

  constructor(private readonly create: () => vscode.Disposable) {}

  set(on: boolean): void {
    if (on && !this.current) this.current = this.create();
    else if (!on && this.current) {
      this.current.dispose();
      this.current = undefined;
    }
  }

  /** Disposes and builds again (e.g. a document selector changed). */
  rebuild(on: boolean): void {
    this.set(false);
    this.set(on);
  }

  dispose(): void {
    this.set(false);
  }
}

/** The long-lived parts of the extension, each owned by the context's subscriptions. */
interface Services {
  log: vscode.LogOutputChannel;
  settings: SettingsStore;
  config: ConfigStore;
  worker: WorkerClient;
  tokens: TokenService;
  prompts: PromptFiles;
  sweeps: SweepController;
  view: ResultsViewProvider;
}

async function createServices(context: vscode.ExtensionContext): Promise<Services> {
  const log = vscode.window.createOutputChannel('Prompt Budget', { log: true });
  log.debug(`activating in ${vscode.env.appHost}`);
  context.subscriptions.push(log);
  const settings = new SettingsStore();
  context.subscriptions.push(settings);
  const configDiagnostics = vscode.languages.createDiagnosticCollection('promptBudget.config');
  context.subscriptions.push(configDiagnostics);
  const testSetDiagnostics = vscode.languages.createDiagnosticCollection('promptBudget.testSet');
  context.subscriptions.push(testSetDiagnostics);
  const config = new ConfigStore(configDiagnostics, log);
  context.subscriptions.push(config);
  const worker = new WorkerClient(vscode.Uri.joinPath(context.extensionUri, 'dist', 'sweepWorker.js').fsPath, (m) => log.error(m));
  context.subscriptions.push(worker);
  const tokens = new TokenService(worker, settings, config);
  context.subscriptions.push(tokens);
  const prompts = new PromptFiles(settings, config);
  const sweeps = new SweepController(context, settings, config, tokens, log, testSetDiagnostics, worker);
  context.subscriptions.push(sweeps);
  await sweeps.load();
  const view = new ResultsViewProvider(context.extensionUri, sweeps, log, context.storageUri);
  context.subscriptions.push(view);
  await view.load();
  context.subscriptions.push(vscode.window.registerWebviewViewProvider(VIEWS.results, view));
  return { log, settings, config, worker, tokens, prompts, sweeps, view };
}

/** CodeLens and the status bar, each built while its setting is on; recounts when the encoding changes. */
function registerDisplays(context: vscode.ExtensionContext, { settings, config, tokens, prompts, sweeps }: Services): void {
  const tokenLens = new TokenCodeLensProvider(tokens, prompts);
  context.subscriptions.push(tokenLens);
  const tokenLensToggle = new Toggle(() => vscode.languages.registerCodeLensProvider(prompts.selector(), tokenLens));
  context.subscriptions.push(tokenLensToggle);
  const codeLens = new CodePromptCodeLensProvider(tokens, () => sweeps.prices());
  context.subscriptions.push(codeLens);
  const codeLensToggle = new Toggle(() => vscode.languages.registerCodeLensProvider(CODE_PROMPT_SELECTOR, codeLens));
  context.subscriptions.push(codeLensToggle);
  const resultSelector = (): vscode.DocumentSelector => [{ scheme: 'file' }, { scheme: 'untitled' }];
  const recommendationToggle = new Toggle(() => vscode.languages.registerCodeLensProvider(resultSelector(), new RecommendationCodeLensProvider(sweeps, config)));
  context.subscriptions.push(recommendationToggle);
  const cutoffToggle = new Toggle(() => vscode.languages.registerCodeLensProvider({ pattern: `**/${CONFIG_FILE}` }, new CutoffCodeLensProvider(sweeps, config)));
  context.subscriptions.push(cutoffToggle);
  const statusToggle = new Toggle(() => new TokenStatusBar(tokens, prompts, settings, () => sweeps.recommendedOutput(), () => sweeps.prices(), [settings.onDidChange, config.onDidChange, sweeps.onDidChange, tokens.onDidReset]));
  context.subscriptions.push(statusToggle);
  const applySettings = (): void => {
    const s = settings.settings;
    tokenLensToggle.set(s.codeLens.tokenCounts);
    codeLensToggle.set(s.codePrompts.codeLens);
    recommendationToggle.set(s.codeLens.recommendation);
    cutoffToggle.set(s.codeLens.cutoffs);
    statusToggle.set(s.statusBar);
  };
  applySettings();

  const recount = (): void => {
    tokens.reset();
    tokenLens.refresh();
    codeLens.refresh();
  };
  context.subscriptions.push(
    settings.onDidChange(({ affects }) => {
      applySettings();
      if (affects('promptFiles')) tokenLensToggle.rebuild(settings.settings.codeLens.tokenCounts);
      if (affects('encoding') || affects('tokenizer') || affects('codePrompts.minProseChars')) recount();
      else if (affects('prices')) codeLens.refresh();
    }),
  );
  let lastPrompt = config.current?.config.prompt;
  let lastEncoding = `${config.current?.config.encoding}\u0000${config.current?.config.tokenizer}`;
  context.subscriptions.push(
    config.onDidChange((c) => {
      codeLens.refresh();
      // The config's tokenizer or live model can change what a prompt file's body counts in.
      tokenLens.refresh();
      if (c?.config.prompt !== lastPrompt) {
        lastPrompt = c?.config.prompt;
        tokenLensToggle.rebuild(settings.settings.codeLens.tokenCounts);
      }
      const encoding = `${c?.config.encoding}\u0000${c?.config.tokenizer}`;
      if (encoding !== lastEncoding) {
        lastEncoding = encoding;
        if (settings.settings.encoding === 'auto' && settings.settings.tokenizer === '') recount();
      }
    }),
  );
}

/** Diagnostics on config entries that name no file, with quick fixes; returns the re-check. */
function watchConfigFiles(context: vscode.ExtensionContext, { config, settings, log }: Services): () => void {
  const fileDiagnostics = vscode.languages.createDiagnosticCollection('promptBudget.configFiles');
  context.subscriptions.push(fileDiagnostics);
  let fileCheck = 0;
  const checkConfigFiles = async (): Promise<void> => {
    const run = ++fileCheck;
    const loaded = config.current;
    const found = loaded ? await missingFileDiagnostics(loaded) : [];
    if (run !== fileCheck) return;
    fileDiagnostics.clear();
    if (loaded) fileDiagnostics.set(loaded.uri, found);
  };
  const recheck = (): void => void checkConfigFiles().catch((e: Error) => log.warn(`checking the config's files: ${e.message}`));
  context.subscriptions.push(
    config.onDidChange(recheck),
    vscode.workspace.onDidCreateFiles(recheck),
    vscode.workspace.onDidDeleteFiles(recheck),
    vscode.workspace.onDidRenameFiles(recheck),
    vscode.languages.registerCodeActionsProvider({ pattern: `**/${CONFIG_FILE}` }, new MissingFileFixes(() => settings.settings.promptFiles), { providedCodeActionKinds: MissingFileFixes.kinds }),
    vscode.commands.registerCommand(COMMANDS.removeConfigEntry, (uri: vscode.Uri, path: (string | number)[]) => removeConfigEntry(uri, path)),
  );
  return recheck;
}

/** Checks a test set when it is opened or saved (trusted workspaces only); returns the check. */
function watchTestSets(context: vscode.ExtensionContext, { config, sweeps, worker, log }: Services): (doc: vscode.TextDocument) => void {
  const isTestSet = (uri: vscode.Uri): boolean => [...config.testSetUris(), sweeps.currentTestSet()].some((u) => u?.toString() === uri.toString());
  const check = (doc: vscode.TextDocument): void => {
    if (isTestSet(doc.uri) && vscode.workspace.isTrusted) void sweeps.checkTestSet(doc.uri, worker).catch((e: Error) => log.warn(`checking ${doc.uri.fsPath}: ${e.message}`));
  };
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(check), vscode.workspace.onDidSaveTextDocument(check));
  return check;
}

function registerCommands(context: vscode.ExtensionContext, { config, tokens, sweeps, view, log, settings, worker }: Services): void {
  const starterDeps: StarterDeps = { worker, log, get promptGlobs() { return settings.settings.promptFiles; } };
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.runSweep, async () => {
      const result = await sweeps.run();
      if (result) {
        await view.reveal(result.recommendation?.policy);
        // The editor drops a pending CodeLens refresh when it loses focus (as it just did to the panel).
        sweeps.refreshLenses();
      }
      return result;
    }),
    vscode.commands.registerCommand(COMMANDS.pickTestSet, async () => {
      const uri = await sweeps.pickTestSet();
      if (uri) await offerTestSetInConfig(uri, config, starterDeps);
      return uri;
    }),
    vscode.commands.registerCommand(COMMANDS.editCutoffs, () => editCutoffs(config, starterDeps)),
    vscode.commands.registerCommand(COMMANDS.chooseEncoding, () =>
      chooseTokenizer({ label: tokens.counting.tokenizerPath ? '' : settings.settings.encoding === 'auto' && settings.settings.tokenizer === '' ? 'auto' : tokens.encoding, tokenizerSetting: tokens.counting.tokenizerPath ?? '' }),
    ),
    vscode.commands.registerCommand(COMMANDS.exportReport, (format?: unknown, target?: unknown) =>
      sweeps.exportReport(format === 'markdown' || format === 'csv' || format === 'json' ? format : undefined, target instanceof vscode.Uri ? target : undefined),
    ),
    vscode.commands.registerCommand(COMMANDS.exportPolicy, (policy?: unknown, format?: unknown, target?: unknown) =>
      exportPolicy(sweeps.result as SweepResult | undefined, log, policyExportArgs(policy, format, target), sweeps.exportSettings),
    ),
    vscode.commands.registerCommand(COMMANDS.openLog, () => log.show()),
    vscode.commands.registerCommand(COMMANDS.createStarterConfig, () => createStarterConfig(starterDeps)),
    vscode.commands.registerCommand(COMMANDS.keepDetected, () => sweeps.keepDetected((testSet) => createStarterConfig(starterDeps, testSet))),
    vscode.commands.registerCommand(COMMANDS.showPanel, () => view.reveal()),
    vscode.commands.registerCommand(COMMANDS.revealPolicy, (policy?: unknown) => view.reveal(typeof policy === 'string' ? policy : undefined)),
    vscode.commands.registerCommand(COMMANDS.openSample, () => openSample(context)),
  );
  registerLiveCommands({
    context,
    settings,
    config,
    sweeps,
    log,
    showLive: (live) => view.showLive(live),
    sweepTraces: async (uri) => {
      await sweeps.useTestSet(uri);
      return vscode.commands.executeCommand<SweepResult | undefined>(COMMANDS.runSweep);
    },
  });
}

export async function activate(context: vscode.ExtensionContext): Promise<PromptBudgetApi> {
  const services = await createServices(context);
  const { config, worker, tokens, sweeps, log } = services;
  registerDisplays(context, services);
  const check = watchTestSets(context, services);
  const recheck = watchConfigFiles(context, services);
  registerCommands(context, services);

  await config.reload();
  recheck();
  // A sweep restored from the last session may describe files that changed since.
  void sweeps.checkStale();
  // Load the tokenizer ranks in the worker now, so the first count does not wait for them.
  void worker.call('count', { key: 'warm-up', text: 'warm up', encoding: tokens.encoding, tokenizerPath: tokens.counting.tokenizerPath, sections: false }).then(
    () => worker.call('forget', { key: 'warm-up' }),
    (e: Error) => log.error(`tokenizer worker: ${e.message}`),
  );
  for (const doc of vscode.workspace.textDocuments) check(doc);
  log.info(`activated (${vscode.workspace.isTrusted ? 'trusted' : 'Restricted Mode: counting only'})`);

  return {
    lastResult: () => sweeps.result as SweepResult | undefined,
    runSweep: (testSet) => sweeps.run({ testSet }),
    cancelSweep: () => sweeps.cancel(),
    viewState: () => sweeps.viewState(),
    countDocument: async (doc) => {
      const c = await tokens.count(doc, false);
      return { count: c.count, approximate: c.approximate, encoding: c.encoding };
    },
  };
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}

async function editCutoffs(config: ConfigStore, starterDeps: StarterDeps): Promise<void> {
  const loaded = config.current ?? (await config.reload());
  if (!loaded) {
    const create = 'Create Starter Config';
    if ((await vscode.window.showInformationMessage(`Prompt Budget: cutoffs live in ${CONFIG_FILE}, which this workspace does not have yet.`, create)) === create) {
      await createStarterConfig(starterDeps);
    }
    return;
  }
  const value = await vscode.window.showInputBox({
    title: 'Prompt Budget: early-stop cutoffs (output tokens)',
    prompt: `Comma-separated token cutoffs to sweep; saved to ${vscode.workspace.asRelativePath(loaded.uri)}`,
    value: (loaded.config.cutoffs ?? []).join(', '),
    validateInput: (text) => parseCutoffList(text).error ?? null,
  });
  if (value === undefined) return;
  const { cutoffs } = parseCutoffList(value);
  if (cutoffs && !(await writeCutoffs(loaded.uri, cutoffs))) void vscode.window.showErrorMessage(`Prompt Budget: could not edit ${CONFIG_FILE}.`);
}

async function openSample(context: vscode.ExtensionContext): Promise<void> {
  const source = vscode.Uri.joinPath(context.extensionUri, 'sample');
  const target = vscode.Uri.joinPath(context.globalStorageUri, 'sample-workspace');
  try {
    await vscode.workspace.fs.stat(target);
  } catch {
    await vscode.workspace.fs.createDirectory(context.globalStorageUri);
    await vscode.workspace.fs.copy(source, target, { overwrite: false });
  }
  // Never replace the folder the user has open: the sample gets a window of its own.
  const replace = !vscode.workspace.workspaceFolders?.length;
  await vscode.commands.executeCommand('vscode.openFolder', target, { forceNewWindow: !replace });
}
