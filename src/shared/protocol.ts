/**
 * The message protocol of the results panel, imported by the extension and by the webview. The
 * webview says `ready`; the extension answers with the whole {@link ViewState} and stays the
 * source of truth: every user action goes to the extension, which sends the new state back.
 */
import type { SweepResult } from '../core/types';

/** Sortable table columns. */
export type SortKey = 'policy' | 'meanTokens' | 'p95Tokens' | 'savings' | 'em' | 'deltaEm' | 'mcnemarP' | 'cutBeforeAnswer';

export const SORT_KEYS: readonly SortKey[] = ['policy', 'meanTokens', 'p95Tokens', 'savings', 'em', 'deltaEm', 'mcnemarP', 'cutBeforeAnswer'];

export interface SortState {
  key: SortKey;
  descending: boolean;
}

export type ExportFormat = 'markdown' | 'csv' | 'json';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['markdown', 'csv', 'json'];

/** Prices in US dollars per million tokens. */
export interface Prices {
  inputPer1M: number;
  outputPer1M: number;
}

/** A finished sweep as the panel shows it (per-case results stay in the extension). */
export interface SweepSummary {
  result: Omit<SweepResult, 'caseResults'>;
  /** Workspace-relative path of the test set. */
  testSet: string;
  /** Workspace-relative path of the linked prompt, when the config names one. */
  prompt: string | null;
  /** Tokens of the linked prompt (input side of the cost per call), when known. */
  promptTokens: number | null;
  finishedAt: string;
  durationMs: number;
}

/** One flipped case opened in the drill-down. */
export interface CaseDetail {
  policy: string;
  policyLabel: string;
  caseId: string;
  /** 1-based line of the case in the test set. */
  line: number;
  question: string;
  gold: string[];
  /** The recorded trace; untrusted text, always rendered with `textContent`. */
  trace: string;
  /** UTF-16 offset in `trace` where the policy stopped. */
  cutAt: number;
  stopToken: number;
  totalTokens: number;
  baselineAnswer: string | null;
  baselineCorrect: boolean;
  answer: string | null;
  correct: boolean;
  reason: string;
}

export interface ViewState {
  sweep: SweepSummary | null;
  selectedPolicy: string | null;
  sort: SortState;
  detail: CaseDetail | null;
  /** Progress of a running sweep. */
  running: { done: number; total: number } | null;
  prices: Prices;
  /** A hint or error shown above the table. */
  message: { kind: 'info' | 'error'; text: string } | null;
}

export const DEFAULT_SORT: SortState = { key: 'meanTokens', descending: false };

export function emptyViewState(prices: Prices): ViewState {
  return { sweep: null, selectedPolicy: null, sort: DEFAULT_SORT, detail: null, running: null, prices, message: null };
}

/** Extension → webview. */
export type ExtensionMessage = { type: 'state'; state: ViewState } | { type: 'progress'; done: number; total: number };

/** Webview → extension. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'selectPolicy'; policy: string | null }
  | { type: 'sort'; sort: SortState }
  | { type: 'openCase'; policy: string; caseId: string }
  | { type: 'closeCase' }
  | { type: 'revealCase'; caseId: string }
  | { type: 'export'; format: ExportFormat }
  | { type: 'runSweep' };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Validates a message from the webview (its content is not trusted blindly). */
export function parseWebviewMessage(v: unknown): WebviewMessage | null {
  if (!isObject(v) || typeof v.type !== 'string') return null;
  switch (v.type) {
    case 'ready':
    case 'closeCase':
    case 'runSweep':
      return { type: v.type };
    case 'selectPolicy':
      return v.policy === null || typeof v.policy === 'string' ? { type: 'selectPolicy', policy: v.policy } : null;
    case 'sort': {
      const s = v.sort;
      if (!isObject(s) || typeof s.descending !== 'boolean' || !SORT_KEYS.includes(s.key as SortKey)) return null;
      return { type: 'sort', sort: { key: s.key as SortKey, descending: s.descending } };
    }
    case 'openCase':
      return typeof v.policy === 'string' && typeof v.caseId === 'string' ? { type: 'openCase', policy: v.policy, caseId: v.caseId } : null;
    case 'revealCase':
      return typeof v.caseId === 'string' ? { type: 'revealCase', caseId: v.caseId } : null;
    case 'export':
      return EXPORT_FORMATS.includes(v.format as ExportFormat) ? { type: 'export', format: v.format as ExportFormat } : null;
    default:
      return null;
  }
}
