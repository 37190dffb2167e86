import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LiveSettingLayers } from '../../../../src/extension/live/liveSettings';

interface Manifest {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } | { properties: Record<string, { default?: unknown }> }[] };
}

/** The `promptBudget.live.*` settings with only the defaults package.json declares, as VS Code layers them before any user value. */
export function liveSettingDefaults(): LiveSettingLayers {
  const manifest = JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as Manifest;
  const properties = Object.assign({}, ...[manifest.contributes.configuration].flat().map((c) => c.properties)) as Record<string, { default?: unknown }>;
  const layer = (key: keyof LiveSettingLayers) => ({ defaultValue: properties[`promptBudget.live.${key}`]?.default });
  return {
    baseUrl: layer('baseUrl'),
    model: layer('model'),
    maxTokens: layer('maxTokens'),
    maxTokensParam: layer('maxTokensParam'),
    temperature: layer('temperature'),
    concurrency: layer('concurrency'),
    timeoutSeconds: layer('timeoutSeconds'),
    probeEvery: layer('probeEvery'),
  } as LiveSettingLayers;
}
