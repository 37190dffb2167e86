// The config reader as a whole: every setting, every problem at its line and column with defaults kept,
// syntax errors, garbage that must never throw, and the JSON schema agreeing with the reader.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { parseConfig } from '../../../../src/core/config/parseConfig';
import { DEFAULT_CONFIG } from '../../../../src/core/config/promptBudgetConfig';
import { STARTER_CONFIG_TEXT } from '../../../../src/core/config/starterConfig';
import { ENCODING_NAMES, ENGINE_NAMES } from '../../../../src/core/encodingNames';
import { EXTRACT_PRESETS } from '../../../../src/core/extract';
import { MATCH_PRESETS } from '../../../../src/core/match';
import { parsePolicy } from '../../../../src/core/policies';
import { DEFAULT_FIELDS } from '../../../../src/core/testSet/resolveFields';
import type { LineIssue } from '../../../../src/core/types';

const validatePolicy = (name: string): string | null => parsePolicy(name).error ?? null;
const brief = (issues: LineIssue[]): string[] =>
  issues.map((i) => `${i.severity} ${i.line}:${i.column} ${i.message}`);
const schemaPath = path.resolve(__dirname, '../../../../schemas/promptbudget.schema.json');
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as {
  properties: Record<string, { default?: unknown; properties?: Record<string, { default?: unknown; enum?: string[] }>; enum?: string[] }>;
  definitions: Record<string, { enum?: string[] }>;
};

describe('core/config/parseConfig', () => {
  it('reads every setting of a valid file', () => {
    const text = `{
"$schema": "./promptbudget.schema.json",
"testSets": ["data/a.jsonl", "data/b.csv"],
"prompt": "prompts/main.prompt.md",
"encoding": "cl100k_base",
"engine": "js-tiktoken",
"tokenizer": "tokenizers/qwen3",
"cutoffs": [512, 64, 128],
"policies": ["stability:32x3", "probe:64x2", "full"],
"extract": { "preset": "regex", "pattern": "ANSWER:\\\\s*(\\\\w+)", "flags": "i" },
"thinking": { "open": "<reasoning>", "close": "</reasoning>" },
"hesitations": ["wait", "on second thought"],
"match": { "preset": "squad", "ignoreCase": true, "ignorePunctuation": false, "regexesToIgnore": [","] },
"fields": { "question": "input", "answer": ["gold", "target"] },
"margin": 2.5,
"seed": 7, "resamples": 500, "folds": 0,
"prices": { "inputPer1M": 0.15 },
// The file ends with a trailing comma, which JSONC allows.
"live": { "baseUrl": "https://api.example.test/v1", "model": "m", "maxTokens": 4096, "temperature": 0.6,
          "concurrency": 8, "timeoutMs": 120000, "probeEvery": 64, "extraBody": { "top_p": 0.95 } },
  "casesToAdd": { "minSavings": 2.5 },
}`;
    const r = parseConfig(text, { validatePolicy });
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.config, {
      testSets: ['data/a.jsonl', 'data/b.csv'],
      prompt: 'prompts/main.prompt.md',
      encoding: 'cl100k_base',
      engine: 'js-tiktoken',
      tokenizer: 'tokenizers/qwen3',
      // Sorted on the way in, so every surface lists cutoffs the same way.
      cutoffs: [64, 128, 512],
      policies: ['stability:32x3', 'probe:64x2', 'full'],
      extract: { preset: 'regex', pattern: 'ANSWER:\\s*(\\w+)', flags: 'i' },
      thinking: [{ open: '<reasoning>', close: '</reasoning>' }],
      hesitations: ['wait', 'on second thought'],
      match: { preset: 'squad', ignoreCase: true, ignorePunctuation: false, regexesToIgnore: [','] },
      fields: { id: ['id'], question: ['input'], answer: ['gold', 'target'], answers: ['answers'], output: ['output'], tags: ['tags'] },
      margin: 2.5,
      seed: 7,
      resamples: 500,
      folds: 0,
      prices: { inputPer1M: 0.15, outputPer1M: 10 },
      live: {
        baseUrl: 'https://api.example.test/v1',
        model: 'm',
        maxTokens: 4096,
        temperature: 0.6,
        concurrency: 8,
        timeoutMs: 120000,
        probeEvery: 64,
        extraBody: { top_p: 0.95 },
        arms: [],
      },
      casesToAdd: { minSavings: 2.5 },
      named: ['extract', 'match'],
    });
  });

  it('reports every problem at the line and column of the offending value, and falls back to defaults', () => {
    const text = readFileSync(path.resolve(__dirname, '../../../fixtures/promptbudget-bad.json'), 'utf8');
    const r = parseConfig(text, { validatePolicy });
    assert.deepEqual(brief(r.issues), [
      'warning 2:3 unknown setting "cutofs" (did you mean "cutoffs"?); ignored',
      'error 3:15 unknown encoding "p50k_base" (expected "o200k_base" or "cl100k_base")',
      'error 4:19 cutoff must be a positive integer (tokens), got 0',
      'error 4:22 cutoff must be a positive integer (tokens), got 32.5',
      'error 4:28 cutoff must be a positive integer (tokens), got "x"',
      'warning 4:33 duplicate cutoff 64',
      'error 5:34 unknown policy "bogus": use full, cutoff:<K>, stability:<N>x<k>, marker:<G>, settled:<N>x<k>, committed, probe:<N>x<k>, probe-settled:<N>x<k>, probe-confident:<N>@<p> or budget:<K>',
      'error 6:46 invalid regular expression: Unterminated group',
      'error 7:24 unknown match preset "squid" (expected "squad", "numeric", "math" or "strict")',
      'error 7:47 "match.ignoreCase" must be true or false, got "yes"',
      'error 7:79 invalid regular expression: Unterminated group',
      'warning 8:36 unknown field "gold" (fields are "id", "question", "answer", "answers", "output" or "tags"); ignored',
      'error 8:59 "fields.answer" must be a column name or a non-empty list of names, got a list; default used',
      'error 9:13 "margin" must be a number from 0 to 100, got -1',
      'error 10:12 "folds" must be 0 (off) or an integer from 2 to 20, got 1',
      'error 11:13 "live.apiKey" looks like a secret: promptbudget.json is usually committed, so the key is ignored here; use the "Set API Key" command, which keeps it in the editor\'s secret storage',
      'error 11:44 "live.baseUrl" must be an http:// or https:// URL, got "ftp://x"',
      'error 11:70 "live.concurrency" must be an integer from 1 to 64, got 0',
      'error 12:13 "prices" must be an object, got 3; default used',
    ]);
    // The issue spans the whole offending value ("p50k_base" with its quotes), for the editor's squiggle.
    assert.equal(r.issues[1].length, 11);
    const c = r.config;
    assert.equal(c.encoding, 'o200k_base');
    // The valid cutoffs of a partly bad list are kept; the bad ones were reported above.
    assert.deepEqual(c.cutoffs, [16, 64]);
    assert.deepEqual(c.policies, ['stability:16x2', 'marker:8']);
    assert.deepEqual(c.extract, DEFAULT_CONFIG.extract);
    assert.deepEqual(c.match, { preset: 'numeric', regexesToIgnore: [','] });
    assert.deepEqual(c.fields.question, ['input']);
    assert.deepEqual(c.fields.answer, ['answer']);
    assert.equal(c.margin, 1);
    assert.equal(c.folds, 5);
    assert.deepEqual(c.live, DEFAULT_CONFIG.live);
    assert.deepEqual(c.prices, DEFAULT_CONFIG.prices);
  });

  it('reports syntax errors with line and column and still reads the rest', () => {
    const r = parseConfig('{\n  "margin": 2,\n  "seed": 3 "folds": 4,\n  "encoding": cl100k\n}');
    assert.deepEqual(brief(r.issues), [
      "error 3:13 invalid JSON: expected ','",
      'error 4:15 invalid JSON: unexpected "cl100k"',
    ]);
    // jsonc-parser recovers after a syntax error, so the settings around it still apply.
    assert.deepEqual([r.config.margin, r.config.seed, r.config.folds, r.config.encoding], [2, 3, 4, 'o200k_base']);
  });

  it('reports a file that is not an object, and an unterminated one', () => {
    assert.deepEqual(brief(parseConfig('\n[1, 2]').issues), ['error 2:1 promptbudget.json must hold an object, got a list']);
    const r = parseConfig('{ "margin": 3,\n');
    assert.deepEqual(brief(r.issues), ['error 2:1 invalid JSON: unexpected end of file']);
    assert.equal(r.config.margin, 3);
  });

  it('warns about duplicate keys and keeps the last value', () => {
    const r = parseConfig('{"margin": 2,\n "margin": 3}');
    assert.deepEqual(brief(r.issues), ['warning 2:2 duplicate key "margin"; the last one wins']);
    assert.equal(r.config.margin, 3);
  });

  it('checks number ranges and types', () => {
    const r = parseConfig('{"seed": 1.5, "resamples": 50, "margin": "1", "live": {"maxTokens": 0, "temperature": 3, "timeoutMs": -1, "probeEvery": 2.5, "model": 4, "extraBody": []}}');
    assert.deepEqual(r.issues.map((i) => i.message), [
      '"seed" must be an integer from 0 to 4294967295, got 1.5',
      '"resamples" must be an integer from 100 to 100000, got 50',
      '"margin" must be a number from 0 to 100, got "1"',
      '"live.maxTokens" must be a positive integer, got 0',
      '"live.temperature" must be a number from 0 to 2, got 3',
      '"live.timeoutMs" must be a positive integer, got -1',
      '"live.probeEvery" must be an integer ≥ 0, got 2.5',
      '"live.model" must be a string, got 4',
      '"live.extraBody" must be an object, got a list; default used',
    ]);
    assert.deepEqual(r.config.live, DEFAULT_CONFIG.live);
    assert.deepEqual([r.config.seed, r.config.resamples, r.config.margin], [1, 2000, 1]);
  });

  it('never throws on garbage', () => {
    // Half-typed files are the normal case in an editor: every one must give issues with valid positions.
    for (const text of ['{', '}', '{"a":', '\u0000\u0001', '{"cutoffs": [1,,2]}', '/*', '{"live": {"extraBody": {"a": [}}}', '"\\u12']) {
      const r = parseConfig(text, { validatePolicy });
      assert.ok(r.issues.length > 0, text);
      assert.ok(r.issues.every((i) => i.line >= 1 && (i.column ?? 1) >= 1), text);
    }
  });

  describe('schemas/promptbudget.schema.json', () => {
    const ajv = new Ajv({ allErrors: true });
    // A VS Code extension to JSON Schema; Ajv must be told it is not a typo.
    ajv.addKeyword('enumDescriptions');
    const validate = ajv.compile(schema);

    it('is a valid draft-07 schema whose top-level keys are exactly the config keys', () => {
      assert.equal((schema as { $schema?: string }).$schema, 'http://json-schema.org/draft-07/schema#');
      assert.deepEqual(Object.keys(schema.properties).sort(), ['$schema', ...Object.keys(DEFAULT_CONFIG)].sort());
      // budgets, forceMode, assistantPrefix and logprobs are optional (absent from the defaults: off).
      assert.deepEqual(Object.keys(schema.properties.live.properties ?? {}).sort(), [...Object.keys(DEFAULT_CONFIG.live), 'budgets', 'forceMode', 'assistantPrefix', 'logprobs'].sort());
      assert.deepEqual(Object.keys(schema.properties.prices.properties ?? {}).sort(), Object.keys(DEFAULT_CONFIG.prices).sort());
      assert.deepEqual(Object.keys(schema.properties.fields.properties ?? {}).sort(), Object.keys(DEFAULT_FIELDS).sort());
    });

    it('states the same defaults and enums as the reader', () => {
      const p = schema.properties;
      for (const key of ['testSets', 'prompt', 'encoding', 'engine', 'cutoffs', 'policies', 'margin', 'seed', 'resamples', 'folds', 'prices'] as const) {
        assert.deepEqual(p[key].default, DEFAULT_CONFIG[key], key);
      }
      assert.equal(p.extract.default, DEFAULT_CONFIG.extract.preset);
      assert.equal(p.match.default, DEFAULT_CONFIG.match.preset);
      for (const [k, v] of Object.entries(DEFAULT_CONFIG.live)) assert.deepEqual(p.live.properties?.[k].default, v, k);
      for (const [k, v] of Object.entries(DEFAULT_CONFIG.prices)) assert.deepEqual(p.prices.properties?.[k].default, v, k);
      for (const [k, v] of Object.entries(DEFAULT_FIELDS)) assert.deepEqual(p.fields.properties?.[k].default, v, k);
      assert.deepEqual(p.encoding.enum, ENCODING_NAMES);
      assert.deepEqual(p.engine.enum, ENGINE_NAMES);
      assert.deepEqual(schema.definitions.extractPreset.enum, EXTRACT_PRESETS);
      assert.deepEqual(schema.definitions.matchPreset.enum, MATCH_PRESETS);
    });

    it('accepts exactly what the reader accepts without issues', () => {
      // Borderline values on both sides of each range: the schema (editor squiggles) and the reader (sweep) must agree.
      const samples = [
        STARTER_CONFIG_TEXT,
        '{}',
        '{"$schema": "x"}',
        '{"testSets": "a.jsonl", "prompt": null}',
        '{"prompt": ""}',
        '{"cutofs": [1]}',
        '{"cutoffs": [64, 64]}',
        '{"cutoffs": [0]}',
        '{"cutoffs": [1.5]}',
        '{"policies": ["stability:16x2", "marker:0", "probe:8x3", "cutoff:9", "full"]}',
        '{"policies": ["stability:0x2"]}',
        '{"policies": ["marker"]}',
        '{"policies": ["committed", "settled:64x3"]}',
        '{"policies": ["committed:4"]}',
        '{"encoding": "p50k_base"}',
        '{"extract": "regex"}',
        '{"extract": {"preset": "regex"}}',
        '{"extract": {"preset": "regex", "pattern": "(x)", "flags": "im"}}',
        '{"extract": {"pattern": "(x)", "flags": "y"}}',
        '{"match": {"preset": "strict", "ignoreCase": true, "regexesToIgnore": [","]}}',
        '{"match": {"preset": "fuzzy"}}',
        '{"fields": {"question": ["input", "prompt"], "id": "key"}}',
        '{"fields": {"answer": []}}',
        '{"fields": {"gold": "x"}}',
        '{"margin": 0}',
        '{"margin": 101}',
        '{"folds": 0}',
        '{"folds": 1}',
        '{"folds": 21}',
        '{"resamples": 99}',
        '{"seed": -1}',
        '{"prices": {"inputPer1M": -1}}',
        '{"live": {"apiKey": "x"}}',
        '{"live": {"baseUrl": "ws://x"}}',
        '{"live": {"concurrency": 65, "temperature": 2}}',
        '{"live": {"extraBody": {"anything": [1, {"goes": true}]}}}',
      ];
      for (const text of samples) {
        const clean = parseConfig(text, { validatePolicy }).issues.length === 0;
        assert.equal(validate(JSON.parse(text)), clean, `${text}: schema ${clean ? 'rejects' : 'accepts'} it, the reader ${clean ? 'does not' : 'does'} complain`);
      }
    });
  });
});
