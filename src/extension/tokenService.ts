import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EncodingName } from '../core/types';
import { isEncodingName } from '../core/encodingNames';
import type { ConfigStore } from './workspaceConfig';
import type { SettingsStore } from './settings';
import type { WorkerClient } from './workerClient';
import type { AsSentCount, CodePromptCount, DocumentCount } from '../worker/workerProtocol';
import { promptPlan, type AsSentTarget, type PromptFrontMatter } from '../core/promptFrontMatter';
import { languageForId } from '../core/codePrompts';

export interface CountedDocument extends DocumentCount {
  /** What counted (the encoding, or the Hugging Face tokenizer's name): every figure shows it. */
  encoding: string;
  version: number;
}

/** A prompt file's body count (front matter excluded), as the status bar and its CodeLens show it. */
export interface CountedPrompt extends CountedDocument {
  /** 0-based line where the body starts (0 without front matter). */
  bodyLine: number;
  /** What named the tokenizer (`front matter tokenizer`…), when the "as sent" target chose it. */
  source?: string;
}

/**
 * One worker request per document, version and what it counts in: callers asking the same share its promise, and a
 * request that covers theirs (`covers`) serves them too. A failed request is dropped so the next call retries.
 */
class SharedRequests<T> {
  private readonly byKey = new Map<string, { version: number; id: string; promise: Promise<T> }>();

  get(key: string, version: number, id: string, start: () => Promise<T>, covers: (id: string) => boolean = (have) => have === id): Promise<T> {
    const have = this.byKey.get(key);
    if (have && have.version === version && covers(have.id)) return have.promise;
    const promise = start();
    this.byKey.set(key, { version, id, promise });
    promise.catch(() => {
      if (this.byKey.get(key)?.promise === promise) this.byKey.delete(key);
    });
    return promise;
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }

  clear(): void {
    this.byKey.clear();
  }
}

/** What counts: an encoding, or a Hugging Face tokenizer at an absolute path (loaded in the worker). */
export interface Counting {
  encoding: EncodingName;
  tokenizerPath?: string;
  /** One string per distinct choice, to tell stale counts apart. */
  key: string;
}

/** The counted prompt literals of one version of a code document. */
export interface CountedCode {
  prompts: CodePromptCount[];
  /** What counted: the encoding, or the Hugging Face tokenizer's name. */
  encoding: string;
  version: number;
}

/** A prompt file's tokens as sent (its front matter or the config named the model), for one document version. */
export interface CountedAsSent extends AsSentCount {
  /** Where the model came from (`front matter tokenizer`, `promptbudget.json tokenizer`…). */
  source: string;
  role: 'system' | 'user';
}

/**
 * Token counts of open documents, computed in the counting worker. Calls for the same document
 * version and encoding share one request, so the status bar and the CodeLens never count twice.
 */
export class TokenService implements vscode.Disposable {
  private readonly inFlight = new SharedRequests<CountedDocument>();
  private readonly latest = new Map<string, CountedDocument>();
  private readonly promptInFlight = new SharedRequests<CountedDocument>();
  private readonly latestPrompt = new Map<string, CountedDocument>();
  private readonly asSentInFlight = new SharedRequests<CountedAsSent>();
  private readonly codeInFlight = new SharedRequests<CountedCode>();
  private readonly latestCode = new Map<string, CountedCode>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  /** Fires when a new count of a document is known. */
  readonly onDidCount = this.emitter.event;
  private readonly resetEmitter = new vscode.EventEmitter<void>();
  /** Fires when cached counts were dropped (the encoding changed). */
  readonly onDidReset = this.resetEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly worker: WorkerClient,
    private readonly settings: SettingsStore,
    private readonly config: ConfigStore,
  ) {
    this.disposables.push(
      vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)),
      this.emitter,
      this.resetEmitter,
    );
  }

  /** The encoding used for counting: the setting, else the config's, else o200k_base. */
  get encoding(): EncodingName {
    const t = this.settings.settings.tokenizer;
    if (isEncodingName(t)) return t;
    const s = this.settings.settings.encoding;
    if (s !== 'auto') return s;
    return this.config.current?.config.encoding ?? 'o200k_base';
  }

  /**
   * What counts: `promptBudget.tokenizer` (an encoding or a tokenizer path, relative to the first
   * workspace folder), else `promptBudget.encoding`, else the config's `tokenizer` (relative to its
   * folder) or `encoding`, else o200k_base.
   */
  get counting(): Counting {
    const encoding = this.encoding;
    const t = this.settings.settings.tokenizer;
    let tokenizerPath: string | undefined;
    if (t !== '' && !isEncodingName(t)) {
      const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      tokenizerPath = root ? path.resolve(root, t) : path.resolve(t);
    } else if (t === '' && this.settings.settings.encoding === 'auto') {
      const loaded = this.config.current;
      if (loaded?.config.tokenizer) tokenizerPath = path.resolve(path.dirname(loaded.uri.fsPath), loaded.config.tokenizer);
    }
    return { encoding, tokenizerPath, key: tokenizerPath ?? encoding };
  }

  /** The last count of a document, if any (may belong to an older version). */
  latestFor(uri: vscode.Uri): CountedDocument | undefined {
    return this.latest.get(uri.toString());
  }

  /** Counts a whole document (with its markdown sections when asked), in `counting`. */
  count(doc: vscode.TextDocument, sections: boolean): Promise<CountedDocument> {
    return this.countIn(doc, sections, { text: doc.getText(), firstLine: 0, counting: this.counting }, this.inFlight, this.latest);
  }

  /**
   * Counts a prompt file as the status bar and its CodeLens show it: the body only (front matter
   * excluded), in the tokenizer its "as sent" count uses when something names the model, else in
   * `counting`. Section lines are the file's lines.
   */
  async countPrompt(doc: vscode.TextDocument, sections: boolean): Promise<CountedPrompt> {
    const plan = this.promptPlan(doc);
    const counted = await this.countIn(doc, sections, { text: plan.fm.body, firstLine: plan.fm.bodyLine, counting: plan.counting }, this.promptInFlight, this.latestPrompt);
    return { ...counted, bodyLine: plan.fm.bodyLine, ...(plan.target ? { source: plan.target.source } : {}) };
  }

  private countIn(doc: vscode.TextDocument, sections: boolean, what: { text: string; firstLine: number; counting: Counting }, inFlight: SharedRequests<CountedDocument>, latest: Map<string, CountedDocument>): Promise<CountedDocument> {
    const key = doc.uri.toString();
    const { text, firstLine, counting } = what;
    const version = doc.version;
    // A count with sections serves a caller that needs none.
    const id = `${counting.key}\u0000${sections}`;
    const withSections = `${counting.key}\u0000true`;
    const start = (): Promise<CountedDocument> =>
      this.worker.call('count', { key, text, encoding: counting.encoding, tokenizerPath: counting.tokenizerPath, sections, firstLine }).then((c) => {
        return this.keepLatest(latest, doc.uri, { ...c, encoding: c.tokenizer, version });
      });
    return inFlight.get(key, version, id, start, (have) => have === id || have === withSections);
  }

  /** Keeps a finished count unless a newer version's is already there, and tells the views. */
  private keepLatest<T extends { version: number }>(latest: Map<string, T>, uri: vscode.Uri, counted: T): T {
    const prev = latest.get(uri.toString());
    if (!prev || prev.version <= counted.version) {
      latest.set(uri.toString(), counted);
      this.emitter.fire(uri);
    }
    return counted;
  }

  /** A prompt file's front matter, its "as sent" target and what its body counts in. */
  private promptPlan(doc: vscode.TextDocument): { fm: PromptFrontMatter; target?: AsSentTarget; counting: Counting } {
    return this.promptPlanOf(doc.getText(), doc.uri.fsPath);
  }

  /** `promptPlan` for a prompt file's text and path (the linked prompt a sweep reports, open or not). */
  promptPlanOf(text: string, fsPath: string): { fm: PromptFrontMatter; target?: AsSentTarget; counting: Counting } {
    const loaded = this.config.current;
    const { fm, target } = promptPlan(text, loaded ? { tokenizer: loaded.config.tokenizer, model: loaded.config.live.model } : undefined);
    if (!target) return { fm, counting: this.counting };
    if (target.kind === 'openai') return { fm, target, counting: { encoding: target.encoding, key: target.encoding } };
    const base = target.relativeTo === 'config' && loaded ? path.dirname(loaded.uri.fsPath) : path.dirname(fsPath);
    const tokenizerPath = path.resolve(base, target.path);
    return { fm, target, counting: { encoding: this.encoding, tokenizerPath, key: tokenizerPath } };
  }

  /** True for the languages whose prompt literals are counted (Python, TypeScript, JavaScript, JSX/TSX). */
  isCode(doc: vscode.TextDocument): boolean {
    return languageForId(doc.languageId) !== undefined;
  }

  /** The last counted prompt literals of a code document, if any (may belong to an older version). */
  latestCodeFor(uri: vscode.Uri): CountedCode | undefined {
    return this.latestCode.get(uri.toString());
  }

  /** Finds and counts the prompt literals of a code document in the worker (re-parsed incrementally there), in the counting tokenizer. */
  countCode(doc: vscode.TextDocument): Promise<CountedCode> {
    const language = languageForId(doc.languageId);
    const counting = this.counting;
    if (!language) return Promise.resolve({ prompts: [], encoding: counting.key, version: doc.version });
    const key = doc.uri.toString();
    const version = doc.version;
    const minProseChars = this.settings.settings.codePrompts.minProseChars;
    return this.codeInFlight.get(key, version, counting.key, () =>
      this.worker.call('codePrompts', { key, text: doc.getText(), language, encoding: counting.encoding, tokenizerPath: counting.tokenizerPath, minProseChars }).then((r) => {
        return this.keepLatest(this.latestCode, doc.uri, { prompts: r.prompts, encoding: r.tokenizer, version });
      }),
    );
  }

  /**
   * A prompt file's tokens as sent, when its front matter (`tokenizer:`, `model:`) or the config
   * (`tokenizer`, an OpenAI `live.model`) names the model; undefined otherwise. Counted in the worker,
   * once per document version and tokenizer (the status bar and the CodeLens share it).
   */
  countAsSent(doc: vscode.TextDocument): Promise<CountedAsSent | undefined> {
    const { fm, target, counting } = this.promptPlan(doc);
    if (fm.error) return Promise.reject(new Error(`${path.basename(doc.uri.fsPath)} front matter, ${fm.error}`));
    if (!target) return Promise.resolve(undefined);
    return this.asSentInFlight.get(doc.uri.toString(), doc.version, `${target.source}\u0000${counting.key}`, () =>
      this.worker.call('asSent', { body: fm.body, role: fm.role, encoding: counting.encoding, tokenizerPath: counting.tokenizerPath }).then((r): CountedAsSent => ({ ...r, source: target.source, role: fm.role })),
    );
  }

  /** Counts a piece of text (a selection) with its own chunk cache. */
  async countText(key: string, text: string): Promise<DocumentCount & { encoding: string }> {
    const counting = this.counting;
    const c = await this.worker.call('count', { key: `${key}#selection`, text, encoding: counting.encoding, tokenizerPath: counting.tokenizerPath, sections: false });
    return { ...c, encoding: c.tokenizer };
  }

  /** Drops cached counts (after the encoding changed). */
  reset(): void {
    this.inFlight.clear();
    this.latest.clear();
    this.promptInFlight.clear();
    this.latestPrompt.clear();
    this.asSentInFlight.clear();
    this.codeInFlight.clear();
    this.latestCode.clear();
    this.resetEmitter.fire();
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.inFlight.delete(key);
    this.latest.delete(key);
    this.promptInFlight.delete(key);
    this.latestPrompt.delete(key);
    this.asSentInFlight.delete(key);
    this.codeInFlight.delete(key);
    this.latestCode.delete(key);
    void this.worker.call('forget', { key }).catch(() => undefined);
    void this.worker.call('forget', { key: `${key}#selection` }).catch(() => undefined);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
