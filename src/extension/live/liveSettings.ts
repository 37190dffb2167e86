import type * as vscode from 'vscode';
import { findNodeAtLocation, getNodeValue, parseTree } from 'jsonc-parser';
import { DEFAULT_CONFIG, type LiveConfig } from '../../core/config/promptBudgetConfig';
import type { LiveRunOverrides } from '../../core/live/prepareLiveRun';
import { resolveSetting, type SettingLayers, type SettingSource } from './endpointTrust';
import type { LoadedConfig } from '../workspaceConfig';

export type MaxTokensParam = 'max_tokens' | 'max_completion_tokens';

/** The `promptBudget.live.*` settings per level (user, workspace, folder), validated. */
export interface LiveSettingLayers {
  baseUrl: SettingLayers<string>;
  model: SettingLayers<string>;
  maxTokens: SettingLayers<number>;
  maxTokensParam: SettingLayers<MaxTokensParam>;
  temperature: SettingLayers<number>;
  concurrency: SettingLayers<number>;
  timeoutSeconds: SettingLayers<number>;
  probeEvery: SettingLayers<number>;
}

type Check<T> = (v: unknown) => v is T;

const isUrl: Check<string> = (v): v is string => typeof v === 'string' && /^https?:\/\/\S+$/i.test(v.trim());
const isText: Check<string> = (v): v is string => typeof v === 'string';
const intAtLeast =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check<number> =>
  (v): v is number =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const numberIn =
  (min: number, max: number, exclusiveMin = false): Check<number> =>
  (v): v is number =>
    typeof v === 'number' && Number.isFinite(v) && (exclusiveMin ? v > min : v >= min) && v <= max;
const isParam: Check<MaxTokensParam> = (v): v is MaxTokensParam => v === 'max_tokens' || v === 'max_completion_tokens';

function layers<T>(c: vscode.WorkspaceConfiguration, key: string, ok: Check<T>): SettingLayers<T> {
  const i = c.inspect<unknown>(key);
  const out: SettingLayers<T> = {};
  if (!i) return out;
  if (ok(i.defaultValue)) out.defaultValue = i.defaultValue;
  if (ok(i.globalValue)) out.user = i.globalValue;
  if (ok(i.workspaceValue)) out.workspace = i.workspaceValue;
  if (ok(i.workspaceFolderValue)) out.workspaceFolder = i.workspaceFolderValue;
  return out;
}

/** Reads the live settings of `promptBudget` (bad values at a level are ignored at that level). */
export function readLiveLayers(c: vscode.WorkspaceConfiguration): LiveSettingLayers {
  return {
    baseUrl: layers(c, 'live.baseUrl', isUrl),
    model: layers(c, 'live.model', isText),
    maxTokens: layers(c, 'live.maxTokens', intAtLeast(1)),
    maxTokensParam: layers(c, 'live.maxTokensParam', isParam),
    temperature: layers(c, 'live.temperature', numberIn(0, 2)),
    concurrency: layers(c, 'live.concurrency', intAtLeast(1, 64)),
    timeoutSeconds: layers(c, 'live.timeoutSeconds', numberIn(0, 86_400, true)),
    probeEvery: layers(c, 'live.probeEvery', intAtLeast(0)),
  };
}

export interface Resolved<T> {
  value: T;
  source: SettingSource;
}

/** The live options in effect, each with where it came from. */
export interface LiveOptions {
  baseUrl: Resolved<string>;
  model: Resolved<string>;
  maxTokens: Resolved<number>;
  maxTokensParam: Resolved<MaxTokensParam>;
  temperature: Resolved<number>;
  concurrency: Resolved<number>;
  timeoutMs: Resolved<number>;
  probeEvery: Resolved<number>;
  /** From promptbudget.json only. */
  extraBody: Record<string, unknown>;
}

/**
 * Settings merged with the `live` section of promptbudget.json: a key the file sets wins (as with
 * `prices`), otherwise the most specific settings level.
 */
export function resolveLiveOptions(s: LiveSettingLayers, loaded: LoadedConfig | undefined): LiveOptions {
  const tree = loaded ? parseTree(loaded.text) : undefined;
  const live = loaded?.config.live;
  // A key counts as the file's only when the config reader took its value (a bad one is reported there).
  const fromFile = <K extends 'baseUrl' | 'model' | 'maxTokens' | 'temperature' | 'concurrency' | 'timeoutMs' | 'probeEvery'>(key: K): LiveConfig[K] | undefined => {
    const node = tree && live ? findNodeAtLocation(tree, ['live', key]) : undefined;
    return node && live && getNodeValue(node) === live[key] ? live[key] : undefined;
  };
  const d = DEFAULT_CONFIG.live;
  const timeoutSeconds = resolveSetting(s.timeoutSeconds, undefined, d.timeoutMs / 1000);
  const fileTimeout = fromFile('timeoutMs');
  return {
    baseUrl: resolveSetting(s.baseUrl, fromFile('baseUrl'), d.baseUrl),
    model: resolveSetting(s.model, fromFile('model'), d.model),
    maxTokens: resolveSetting(s.maxTokens, fromFile('maxTokens'), d.maxTokens),
    maxTokensParam: resolveSetting<MaxTokensParam>(s.maxTokensParam, undefined, 'max_tokens'),
    temperature: resolveSetting(s.temperature, fromFile('temperature'), d.temperature),
    concurrency: resolveSetting(s.concurrency, fromFile('concurrency'), d.concurrency),
    timeoutMs: fileTimeout !== undefined ? { value: fileTimeout, source: 'config' } : { value: Math.round(timeoutSeconds.value * 1000), source: timeoutSeconds.source },
    probeEvery: resolveSetting(s.probeEvery, fromFile('probeEvery'), d.probeEvery),
    extraBody: live ? { ...live.extraBody } : {},
  };
}

/** The editor's overrides for core's prepareLiveRun: the settings in effect (the config's keys already merged). */
export function liveRunOverrides(o: LiveOptions): LiveRunOverrides {
  return {
    baseUrl: o.baseUrl.value,
    model: o.model.value,
    maxTokens: o.maxTokens.value,
    maxTokensParam: o.maxTokensParam.value,
    temperature: o.temperature.value,
    concurrency: o.concurrency.value,
    timeoutMs: o.timeoutMs.value,
    probeEvery: o.probeEvery.value,
    extraBody: o.extraBody,
  };
}
