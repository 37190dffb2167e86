/**
 * Which live endpoint settings a repository could have planted, and when the stored API key may
 * be sent. A base URL from workspace or folder settings or from promptbudget.json needs the
 * user's consent for that exact URL first; user settings and the built-in default do not.
 */

/** Where the value of a live setting came from. */
export type SettingSource = 'default' | 'user' | 'workspace' | 'workspaceFolder' | 'config';

/** One setting's values per level, as `WorkspaceConfiguration.inspect` reports them. */
export interface SettingLayers<T> {
  defaultValue?: T;
  user?: T;
  workspace?: T;
  workspaceFolder?: T;
}

/**
 * The value in effect: promptbudget.json's when the file sets the key (as with `prices`), else the
 * most specific settings level (folder, workspace, user), else the default, else `fallback`.
 */
export function resolveSetting<T>(layers: SettingLayers<T>, fromConfig: T | undefined, fallback: T): { value: T; source: SettingSource } {
  if (fromConfig !== undefined) return { value: fromConfig, source: 'config' };
  if (layers.workspaceFolder !== undefined) return { value: layers.workspaceFolder, source: 'workspaceFolder' };
  if (layers.workspace !== undefined) return { value: layers.workspace, source: 'workspace' };
  if (layers.user !== undefined) return { value: layers.user, source: 'user' };
  if (layers.defaultValue !== undefined) return { value: layers.defaultValue, source: 'default' };
  return { value: fallback, source: 'default' };
}

/** True when the value comes from files inside the workspace, which a repository controls. */
export function isWorkspaceSource(source: SettingSource): boolean {
  return source === 'workspace' || source === 'workspaceFolder' || source === 'config';
}

/** Words for a source in messages. */
export function describeSource(source: SettingSource): string {
  switch (source) {
    case 'config':
      return 'promptbudget.json';
    case 'workspace':
      return 'the workspace settings';
    case 'workspaceFolder':
      return 'the folder settings';
    case 'user':
      return 'your user settings';
    case 'default':
      return 'the default';
    default: {
      const never: never = source;
      return String(never);
    }
  }
}

/**
 * The identity of an endpoint for consent: scheme, host, port, path without trailing slashes and
 * query; credentials and fragment dropped. Undefined for anything but an http(s) URL.
 */
export function endpointKey(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}${u.search}`;
}

/** True for http(s) URLs on this machine (localhost, 127.0.0.0/8, ::1). */
export function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '[::1]';
  } catch {
    return false;
  }
}

export interface KeyDecisionInput {
  /** The base URL in effect and where it came from. */
  baseUrl: string;
  source: SettingSource;
  /** The user-level and default values of the setting; a workspace value equal to one of them is trusted. */
  userBaseUrl?: string;
  defaultBaseUrl?: string;
  /** Whether an API key is stored. */
  hasKey: boolean;
  /** Endpoint keys ({@link endpointKey}) the user has consented to. */
  consented: readonly string[];
}

/**
 * - `invalid`: not an http(s) URL; nothing is sent.
 * - `noKey`: no key stored, so none can leak; requests go out without `Authorization`.
 * - `send`: the key may be sent.
 * - `ask`: a workspace-controlled URL the user has not approved; ask before sending the key.
 */
export type KeyDecision = 'invalid' | 'noKey' | 'send' | 'ask';

/** Decides whether the stored key may go to the base URL in effect. */
export function keyDecision(input: KeyDecisionInput): KeyDecision {
  const key = endpointKey(input.baseUrl);
  if (key === undefined) return 'invalid';
  if (!input.hasKey) return 'noKey';
  if (!isWorkspaceSource(input.source)) return 'send';
  const own = [input.userBaseUrl, input.defaultBaseUrl].map((u) => (u === undefined ? undefined : endpointKey(u)));
  if (own.includes(key)) return 'send';
  return input.consented.includes(key) ? 'send' : 'ask';
}

/** At most this many approved endpoints are remembered (the oldest are forgotten first). */
export const MAX_CONSENTED = 50;

/** The consent list with `baseUrl` approved (most recent last, no duplicates). */
export function withConsent(consented: readonly string[], baseUrl: string): string[] {
  const key = endpointKey(baseUrl);
  if (key === undefined) return [...consented];
  const next = consented.filter((k) => k !== key);
  next.push(key);
  return next.slice(-MAX_CONSENTED);
}
