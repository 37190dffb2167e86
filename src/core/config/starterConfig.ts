/** A starter `promptbudget.json`; `$schema` is left out because the extension contributes the schema. */
export const STARTER_CONFIG_TEXT = `{
  "testSets": ["sample/testset.jsonl"],
  "prompt": "sample/prompt.prompt.md",
  "encoding": "o200k_base",
  "cutoffs": [32, 64, 96, 128, 160, 192, 256, 320, 384, 512, 768, 1024],
  "policies": ["stability:16x2", "stability:32x2", "stability:32x3", "marker:0", "marker:16", "marker:48"],
  "extract": "last-number",
  "match": "numeric",
  "margin": 1,
  "prices": { "inputPer1M": 2.5, "outputPer1M": 10 },
  "live": {
    "baseUrl": "http://localhost:11434/v1",
    "model": "llama3",
    "maxTokens": 1024,
    "temperature": 0,
    "concurrency": 4
  }
}
`;
