// `npm run bench`: figures and ratios against baselines measured in the same run. No thresholds.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { benchSweep, SWEEP_BENCH_REPEATS } from './sweepBench';
import { benchLongRuns, benchTokenizers } from './tokenBench';
import { benchKeystrokes } from './keystrokeBench';
import { benchLoad } from './loadBench';
import { benchDegenerate, benchHfThroughput, benchTokenizerDir } from './hfTokenizerBench';
import { loadHfTokenizer } from '../src/node/hfTokenizerFiles';
import { benchCodePromptKeystrokes } from './codePromptBench';
import { budgetCosts } from './budgetBench';
import { benchBatchVsStreamed } from './batchBench';

const data = resolve(__dirname, '../../shared/data');

async function mainBench(): Promise<void> {
  const files = [
    { path: join(data, 'gsm8k_faithfulcot_gpt4_cot.jsonl'), extract: { preset: 'last-number' as const } },
    { path: join(data, 'math_qwen25math_cot100x8.jsonl'), extract: { preset: 'boxed' as const } },
    { path: join(data, 'math_l5_zeroeval_qwen25_72b.jsonl'), extract: { preset: 'json-answer' as const } },
  ].filter((f) => existsSync(f.path));
  if (files.length === 0) throw new Error(`no data under ${data}`);
  console.log(`Prompt Budget benchmark · node ${process.version} · ${new Date().toISOString()}`);
  // Tokenizers first, so their load times are cold.
  console.log('\n## Tokenizer engines (same traces)');
  const texts = files.flatMap((f) => readFileSync(f.path, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { output: string }).output));
  for (const r of await benchTokenizers(texts)) console.log(JSON.stringify(r));
  console.log(`\n## Sweep vs one tokenization pass (o200k_base, gpt-tokenizer; CPU time, fastest of ${SWEEP_BENCH_REPEATS} interleaved runs after a warm-up)`);
  console.log('file | cases | policies | tokenize ms | sweep ms | ratio (goal ≤ 2)');
  let tok = 0;
  let sweep = 0;
  for (const f of benchSweep(files)) {
    tok += f.tokenizeMs;
    sweep += f.sweepMs;
    console.log(`${f.file} | ${f.cases} | ${f.policies} | ${f.tokenizeMs.toFixed(1)} | ${f.sweepMs.toFixed(1)} | ${f.ratio.toFixed(2)}`);
  }
  console.log(`all files | | | ${tok.toFixed(1)} | ${sweep.toFixed(1)} | ${(sweep / tok).toFixed(2)}`);

  console.log('\n## Budget sweep measured live (budget:512,1024,2048,4096; forced answers at 32 tokens, an upper bound) vs naive N×C generations');
  console.log('file | cases | calls | output tokens | forced-call input tokens | naive calls | naive output tokens | output tokens / naive');
  for (const name of ['math_thoughtanchors_r1distill_think.jsonl', 'gsm8k_thoughtology_deepseek_r1.jsonl'].filter((n) => existsSync(join(data, n)))) {
    const b = budgetCosts(join(data, name), [512, 1024, 2048, 4096]);
    console.log(`${b.file} | ${b.cases} | ${b.calls} | ${b.tokens} | ${b.forcedInputTokens} | ${b.naiveCalls} | ${b.naiveTokens} | ${(b.tokens / b.naiveTokens).toFixed(2)}`);
  }

  const r1 = join(data, 'math_thoughtanchors_r1distill_think.jsonl');
  if (existsSync(r1)) {
    const prices = { inputPer1M: 2.5, outputPer1M: 10 };
    console.log(`\n## Live run through the Batch API vs streamed (loopback servers; default + arm low; $${prices.inputPer1M}/$${prices.outputPer1M} per 1M in/out, batch at half price)`);
    console.log('file | cases | generations | streamed requests | batch requests (upload, create, polls, downloads) | polls | input tok | output tok | streamed $ | batch $ | batch / streamed');
    const b = await benchBatchVsStreamed(r1, prices);
    console.log(`${b.file} | ${b.cases} | ${b.generations} | ${b.streamedRequests} | ${b.batchRequests} | ${b.polls} | ${b.inputTokens} | ${b.outputTokens} | ${b.streamedUsd.toFixed(4)} | ${b.batchUsd.toFixed(4)} | ${(b.batchUsd / b.streamedUsd).toFixed(2)}`);
  }

  const dir = benchTokenizerDir();
  if (existsSync(r1) && dir) {
    const traces = readFileSync(r1, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { output: string }).output);
    console.log('\n## Hugging Face tokenizer (Qwen3 tokenizer.json) vs gpt-tokenizer, encode() on the 40 R1-distill traces (CPU time, fastest of 5)');
    console.log('tokenizer | implementation | load ms | MB/s | tokens');
    for (const r of benchHfThroughput(traces, dir)) console.log(`${r.tokenizer} | ${r.path} | ${r.loadMs} | ${r.mbPerSec} | ${r.tokens}`);
    console.log('\n## 100 KB degenerate traces vs a 100 KB normal one (the sweep\'s tokenizeWithOffsets, CPU time, fastest of 5; goal ratio ≤ 3)');
    console.log('tokenizer | trace | KB | ms | tokens | ratio to normal');
    for (const r of benchDegenerate(traces.join('\n'), loadHfTokenizer(dir))) console.log(`${r.tokenizer} | ${r.trace} | ${r.kb} | ${r.ms} | ${r.tokens} | ${r.ratio}`);
  }

  console.log('\n## Guard against huge unspaced runs (countTokens, gpt-tokenizer, o200k_base)');
  for (const r of benchLongRuns()) console.log(JSON.stringify(r));

  console.log('\n## Counting as you type (50 KB prompt)');
  for (const r of await benchKeystrokes()) console.log(JSON.stringify(r));

  console.log('\n## Prompts inside code as you type (2,000-line Python file, o200k_base; goal ≤ 2 ms median per keystroke)');
  const code = await benchCodePromptKeystrokes();
  console.log(JSON.stringify(code));
  console.log('keystrokes | count | median ms');
  console.log(`all | ${code.keystrokes} | ${code.incrementalMedianMs}`);
  console.log(`inside a prompt literal (no parser) | ${code.insideLiteral.keystrokes} | ${code.insideLiteral.medianMs}`);
  console.log(`inside a name or another literal (no parser) | ${code.insideToken.keystrokes} | ${code.insideToken.medianMs}`);
  console.log(`a line break inside a list (incremental re-parse) | ${code.reparsed.keystrokes} | ${code.reparsed.medianMs}`);
  console.log(`full re-parse, classification and count | ${code.keystrokes} | ${code.fullMedianMs}`);
  console.log(`incremental re-parse / full: ${(code.reparsed.medianMs / code.fullMedianMs).toFixed(3)}; every result equal to the full one: ${code.exact}`);

  console.log('\n## Loading the bundles (fresh Node each time, median of 5; the extension host loads only extension.js)');
  const dist = resolve(__dirname);
  const [ext, worker] = benchLoad([join(dist, 'extension.js'), join(dist, 'sweepWorker.js')]);
  for (const r of [ext, worker]) console.log(JSON.stringify(r));
  console.log(`extension.js / sweepWorker.js load time: ${(ext.medianMs / worker.medianMs).toFixed(2)}`);
}

mainBench().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
