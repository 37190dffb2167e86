import * as vscode from 'vscode';
import { resolveSweepOptions } from '../core/sweepOptions';
import type { StaleInfo } from '../shared/protocol';
import type { SettingsStore } from './settings';
import { bytesFingerprint, configFingerprint, staleness, type SweepInputs } from './staleness';
import { CONFIG_FILE, type ConfigStore } from './workspaceConfig';

/** What the check needs of the last sweep: its fingerprints and its test set. */
export interface SweptFiles {
  inputs?: SweepInputs;
  testSetUri: string;
}

/**
 * Whether the last sweep is out of date: re-checked when the config changes (as edited), the
 * encoding setting changes, or the swept test set is saved or changes on disk.
 */
export class SweepStaleness implements vscode.Disposable {
  private info: StaleInfo | null = null;
  private chain: Promise<void> = Promise.resolve();
  private watcher: vscode.Disposable | undefined;
  private readonly emitter = new vscode.EventEmitter<StaleInfo | null>();
  private readonly disposables: vscode.Disposable[];
  /** Fires when the sweep becomes out of date, or current again. */
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly settings: SettingsStore,
    private readonly config: ConfigStore,
    private readonly log: vscode.LogOutputChannel,
    private readonly swept: () => SweptFiles | undefined,
    private readonly busy: () => boolean,
    private readonly read: (uri: vscode.Uri) => Promise<Uint8Array>,
  ) {
    this.disposables = [
      this.emitter,
      settings.onDidChange(({ affects }) => affects('encoding') && void this.check()),
      config.onDidChange(() => void this.check()),
      vscode.workspace.onDidSaveTextDocument((doc) => doc.uri.toString() === this.swept()?.testSetUri && void this.check()),
    ];
  }

  get current(): StaleInfo | null {
    return this.info;
  }

  /** The fingerprints to keep with a sweep of these options, fields and test-set bytes. */
  fingerprints(options: unknown, fields: Parameters<typeof configFingerprint>[1], bytes: Uint8Array): SweepInputs {
    return { config: configFingerprint(options, fields), testSet: bytesFingerprint(bytes), encoding: this.settings.settings.encoding };
  }

  /** A new sweep of `testSet`: current again, and that file is watched. */
  reset(testSet: vscode.Uri): void {
    this.watch(testSet);
    this.set(null);
  }

  watch(uri: vscode.Uri): void {
    this.watcher?.dispose();
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), uri.path.slice(uri.path.lastIndexOf('/') + 1)));
    const changed = (): void => void this.check();
    this.watcher = vscode.Disposable.from(w, w.onDidChange(changed), w.onDidCreate(changed), w.onDidDelete(changed));
  }

  /** Compares what the last sweep used with the workspace now (checks run one after another). */
  check(): Promise<void> {
    this.chain = this.chain.then(async () => {
      const s = this.swept();
      if (!s?.inputs || this.busy()) return;
      const loaded = this.config.current;
      const uri = vscode.Uri.parse(s.testSetUri);
      const bytes = await this.read(uri).catch(() => null);
      if (this.swept() !== s) return;
      const now = { config: configFingerprint(resolveSweepOptions(loaded?.config, {}).options, loaded?.config.fields), testSet: bytes ? bytesFingerprint(bytes) : null, encoding: this.settings.settings.encoding };
      this.set(staleness(s.inputs, now, { config: CONFIG_FILE, testSet: vscode.workspace.asRelativePath(uri) }));
    });
    return this.chain.catch((e: Error) => this.log.warn(`checking whether the sweep is current: ${e.message}`));
  }

  private set(next: StaleInfo | null): void {
    if (JSON.stringify(next) === JSON.stringify(this.info)) return;
    this.info = next;
    if (next) this.log.info(`the last sweep is out of date: ${next.reasons.join('; ')}`);
    this.emitter.fire(next);
  }

  dispose(): void {
    this.watcher?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
