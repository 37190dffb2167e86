/**
 * Messages between the extension host and `dist/sweepWorker.js`, which does all tokenizing:
 * counting prompts as the user types (a long-lived worker keeping per-document chunk caches),
 * sweeps and live runs (one worker per run). Plain data only; no `vscode` here.
 */
import type { Case, CaseIndex, DetectedPresets, EncodingName, EngineName, ExtractConfig, FieldMap, LineIssue, SweepResult } from '../core/types';
import type { LiveErrorKind } from '../core/live/liveError';
import type { PromptDrift } from '../core/live/promptDrift';
import type { LiveCaseResult, LiveProgress, LiveRunOptions, LiveRunResult } from '../core/live/liveRun';
import type { SweepOptions } from '../core/sweep';
import type { TokenCount } from '../core/incrementalCounter';
import type { CodeLanguage, CodePromptKind } from '../core/codePrompts';
import type { FlippedCase } from '../core/flippedCases';
import type { BatchJob } from '../core/live/batchApi';
import type { BatchFailure } from '../core/live/batchLines';

export interface SectionCount extends TokenCount {
  /** 0-based heading line. */
  line: number;
  level: number;
  title: string;
}

export interface DocumentCount extends TokenCount {
  /** What counted: the encoding, or the Hugging Face tokenizer's name. */
  tokenizer: string;
  /** Present when sections were asked for. */
  sections?: SectionCount[];
  /** Milliseconds spent in the worker. */
  ms: number;
}

/** Plain sweep options; `tokenizerPath` (absolute) names a Hugging Face tokenizer the worker loads. */
export type SweepJobOptions = Omit<SweepOptions, 'onProgress' | 'isCancelled' | 'includeCases' | 'tokenizer'> & { tokenizerPath?: string };

/** One prompt literal in a code file, counted. Offsets are UTF-16 offsets into the text sent. */
export interface CodePromptCount extends TokenCount {
  start: number;
  end: number;
  /** Offset of the opening quote. */
  quote: number;
  /** 1-based line and column of the opening quote. */
  line: number;
  column: number;
  kind: CodePromptKind;
  reason: string;
}

/** A prompt file counted as sent: its body as one message, rendered and counted (core/chatTemplate.ts). */
export interface AsSentCount {
  promptTokens: number;
  contentTokens: number;
  templateTokens: number;
  method: 'chat_template' | 'openai-per-message';
  /** What counted: the encoding, or the Hugging Face tokenizer's name. */
  tokenizer: string;
}

export interface CodePromptsResult {
  prompts: CodePromptCount[];
  /** What counted: the encoding, or the Hugging Face tokenizer's name. */
  tokenizer: string;
  /** Milliseconds spent in the worker. */
  ms: number;
}

export interface SweepJob {
  /** Raw bytes of the test-set file. */
  bytes: Uint8Array;
  fileName: string;
  fields?: Partial<FieldMap>;
  options: SweepJobOptions;
  /**
   * The config's linked prompt (text null when unreadable), its body counted into `result.prompt` as
   * the editor and the CLI count it: in `encoding`/`tokenizerPath` (the editor's choice for this
   * file, core/promptFileCount.ts), else in the sweep's tokenizer.
   */
  prompt?: { file: string; text: string | null; encoding?: EncodingName; tokenizerPath?: string };
  /** Int32 flag set to 1 by the extension to cancel; the worker polls it between cases. */
  cancelFlag?: SharedArrayBuffer;
}

export type { CaseOutcome, FlippedCase } from '../core/flippedCases';

export interface SweepJobResult {
  result: SweepResult;
  issues: LineIssue[];
  flipped: FlippedCase[];
  /** Every case in brief, for browsing beyond the flipped ones. */
  index: CaseIndex;
}

/** One case of a test set evaluated on its own under the sweep's options, to open it in the panel. */
export interface CaseTraceJob {
  bytes: Uint8Array;
  fileName: string;
  fields?: Partial<FieldMap>;
  options: SweepJobOptions;
  /** What the sweep resolved (its extraction, match and policy names), which the case is judged by. */
  sweep: Pick<SweepResult, 'extract' | 'match'> & { policies: string[] };
  caseId: string;
}

/** A live run: what `runLive` takes, minus what cannot cross a thread (callbacks, signal, cache object). */
export interface LiveJob {
  cases: Case[];
  options: Omit<LiveRunOptions, 'cache' | 'signal' | 'fetch' | 'onProgress' | 'onCaseDone' | 'onDelta' | 'onLog' | 'tokenizer'>;
  /** Absolute path of a Hugging Face tokenizer that places probe boundaries instead of the encoding. */
  tokenizerPath?: string;
  /** Folder of the response cache (the worker opens it); null runs without a cache. */
  cacheDir: string | null;
  /** The config's extraction, to tell truncated cases with an answer from those without. */
  extract?: ExtractConfig;
}

export interface LiveJobResult extends LiveRunResult {
  /** Cases that hit the token budget (`finish_reason` length), and those of them without an answer. */
  truncation: { length: number; noAnswer: number };
  /** Local prompt counts against the server's usage.prompt_tokens (null when the server reported none), and its summary line. */
  promptDrift: { drift: PromptDrift; line: string } | null;
}

/** A live run's generations through the OpenAI Batch API; built and read in the worker, whose bundle holds runLive's module. */
export interface BatchJobArgs {
  cases: Case[];
  options: LiveJob['options'];
  /** Folder of the cache that keeps the batch id (the same as the live run's). */
  cacheDir: string;
}

export interface BatchSubmitResult {
  job: BatchJob;
  resumed: boolean;
  replacedFailed?: string;
  /** Request lines in the batch. */
  lines: number;
  /** HTTP requests sent. */
  sent: number;
  /** A template field a row lacks, when the lines could not be built. */
  missing?: string;
}

export interface BatchImportResult {
  job: BatchJob;
  results: LiveCaseResult[];
  failures: BatchFailure[];
  sent: number;
}

/** What a live run reports while it runs. */
export type LiveEvent =
  | { kind: 'progress'; progress: LiveProgress }
  | { kind: 'caseDone'; index: number; result: LiveCaseResult }
  | { kind: 'log'; message: string };

export interface TestSetCheck {
  cases: number;
  skipped: number;
  issues: LineIssue[];
}

/** What a starter config needs from a test set: the detected presets and cutoffs for its traces' lengths. */
export interface TestSetInspection {
  cases: number;
  /** Cases with a recorded output. */
  traced: number;
  detected: DetectedPresets | null;
  /** Fixed cutoffs up to about the p95 of the complete traces' lengths (empty without traces). */
  cutoffs: number[];
  /** 95th percentile of complete traces' lengths in output tokens (0 without traces). */
  p95Tokens: number;
  /** Most traces have a thinking block (the cutoffs are then the thinking ladder). */
  thinking?: boolean;
}

/** Request payloads by kind, and what each answers. */
export interface WorkerCalls {
  /**
   * Counts with `tokenizerPath` (an absolute tokenizer.json or folder) when given, else `encoding`.
   * `firstLine` is the document line `text` starts on (a prompt body after its front matter): section lines are document lines.
   */
  count: { args: { key: string; text: string; encoding: EncodingName; tokenizerPath?: string; sections: boolean; firstLine?: number }; result: DocumentCount };
  /** The prompt literals of a Python, TypeScript or JavaScript document, re-parsed incrementally per key. */
  codePrompts: { args: { key: string; text: string; language: CodeLanguage; encoding: EncodingName; tokenizerPath?: string; minProseChars: number }; result: CodePromptsResult };
  /** A prompt body as one `role` message through the tokenizer's chat template (`tokenizerPath`), or with OpenAI's per-message overhead (`encoding`). */
  asSent: { args: { body: string; role: 'system' | 'user'; encoding: EncodingName; tokenizerPath?: string }; result: AsSentCount };
  forget: { args: { key: string }; result: null };
  sweep: { args: SweepJob; result: SweepJobResult };
  checkTestSet: { args: { bytes: Uint8Array; fileName: string; fields?: Partial<FieldMap> }; result: TestSetCheck };
  inspectTestSet: { args: { bytes: Uint8Array; fileName: string; fields?: Partial<FieldMap>; encoding: EncodingName; engine: EngineName }; result: TestSetInspection };
  /** The case with its trace and every policy's outcome; null when the test set has no traced case with that id. */
  caseTrace: { args: CaseTraceJob; result: FlippedCase | null };
  live: { args: LiveJob; result: LiveJobResult };
  /** Prompt tokens of the run's generation requests (o200k_base, OpenAI's per-message overhead), for the batch offer's price. */
  batchPromptTokens: { args: Pick<BatchJobArgs, 'cases' | 'options'>; result: number };
  /** Submits the run's generations as one batch, or finds the batch already submitted for the same requests. */
  batchSubmit: { args: BatchJobArgs; result: BatchSubmitResult };
  /** Downloads a finished batch's output and error files into one result per case. */
  batchImport: { args: BatchJobArgs & { batchId: string }; result: BatchImportResult };
  /** Stops every live run of this worker; answers how many it stopped. */
  cancelLive: { args: Record<string, never>; result: number };
}

export type WorkerKind = keyof WorkerCalls;

export type WorkerRequest = { [K in WorkerKind]: { id: number; kind: K; args: WorkerCalls[K]['args'] } }[WorkerKind];

export type WorkerResponse =
  | { id: number; type: 'result'; result: unknown }
  | { id: number; type: 'error'; message: string; cancelled: boolean; live?: { kind: LiveErrorKind; status?: number } }
  | { id: number; type: 'progress'; done: number; total: number }
  | { id: number; type: 'event'; event: LiveEvent };
