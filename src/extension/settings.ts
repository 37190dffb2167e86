import * as vscode from 'vscode';
import type { EncodingName } from '../core/types';
import type { Prices } from '../shared/protocol';
import { DEFAULT_MIN_PROSE_CHARS } from '../core/codePrompts';
import { readLiveLayers, type LiveSettingLayers } from './live/liveSettings';

export const SETTINGS_SECTION = 'promptBudget';

export const DEFAULT_PROMPT_GLOBS: readonly string[] = ['**/*.prompt', '**/*.prompt.md', '**/*.prompty', '**/prompts/**/*.{md,txt}'];

/** Every setting the extension reads, typed. */
export interface Settings {
  promptFiles: string[];
  /** `auto`: the encoding in promptbudget.json, else o200k_base. */
  encoding: 'auto' | EncodingName;
  /** An encoding name or a Hugging Face tokenizer (tokenizer.json or its folder); '' when unset. Wins over `encoding`. */
  tokenizer: string;
  prices: Prices;
  debounceMs: number;
  statusBar: boolean;
  codeLens: { tokenCounts: boolean; recommendation: boolean; cutoffs: boolean };
  /** Prompt literals in Python, TypeScript and JavaScript files. */
  codePrompts: { codeLens: boolean; statusBar: boolean; minProseChars: number };
  /** `live.*` per level: where the base URL comes from decides whether the API key may go there. */
  live: LiveSettingLayers;
  /** Run Live Sweep offers the OpenAI Batch API from `threshold` requests on (0: never); a pending batch is checked every `pollSeconds`. */
  liveBatch: { threshold: number; pollSeconds: number };
}

function num(v: unknown, fallback: number, min = 0): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : fallback;
}

function bool(v: unknown, fallback: boolean): boolean {
  return typeof v === 'boolean' ? v : fallback;
}

/** Reads and validates the `promptBudget.*` settings (bad values fall back to the defaults). */
export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const globs = c.get<unknown>('promptFiles');
  const encoding = c.get<unknown>('encoding');
  return {
    promptFiles: Array.isArray(globs) ? globs.filter((g): g is string => typeof g === 'string' && g.length > 0) : [...DEFAULT_PROMPT_GLOBS],
    encoding: encoding === 'o200k_base' || encoding === 'cl100k_base' ? encoding : 'auto',
    tokenizer: typeof c.get<unknown>('tokenizer') === 'string' ? (c.get<string>('tokenizer') ?? '').trim() : '',
    prices: { inputPer1M: num(c.get('prices.inputPer1M'), 2.5), outputPer1M: num(c.get('prices.outputPer1M'), 10) },
    debounceMs: Math.min(2000, num(c.get('count.debounceMs'), 100)),
    statusBar: bool(c.get('statusBar.enabled'), true),
    codeLens: {
      tokenCounts: bool(c.get('codeLens.tokenCounts'), true),
      recommendation: bool(c.get('codeLens.recommendation'), true),
      cutoffs: bool(c.get('codeLens.cutoffs'), true),
    },
    codePrompts: {
      codeLens: bool(c.get('codePrompts.codeLens'), true),
      statusBar: bool(c.get('codePrompts.statusBar'), true),
      minProseChars: Math.max(1, Math.round(num(c.get('codePrompts.minProseChars'), DEFAULT_MIN_PROSE_CHARS, 1))),
    },
    live: readLiveLayers(c),
    liveBatch: { threshold: Math.round(num(c.get('live.batchThreshold'), 500)), pollSeconds: num(c.get('live.batchPollSeconds'), 60, 5) },
  };
}

/** Holds the current settings and tells listeners when a `promptBudget.*` setting changed. */
export class SettingsStore implements vscode.Disposable {
  private current = readSettings();
  private readonly emitter = new vscode.EventEmitter<{ settings: Settings; affects: (key: string) => boolean }>();
  readonly onDidChange = this.emitter.event;
  private readonly listener: vscode.Disposable;

  constructor() {
    this.listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SETTINGS_SECTION)) return;
      this.current = readSettings();
      this.emitter.fire({ settings: this.current, affects: (key) => e.affectsConfiguration(`${SETTINGS_SECTION}.${key}`) });
    });
  }

  get settings(): Settings {
    return this.current;
  }

  dispose(): void {
    this.listener.dispose();
    this.emitter.dispose();
  }
}
