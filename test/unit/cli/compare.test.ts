// `prompt-budget compare` end to end: the gates' exit codes on count and sweep reports, and bad input.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repo, runCli as run } from './runCli';
import { junitSchemaErrors } from '../../support/junitSchema';
import { getTokenizer } from '../../../src/core/tokens';

const sampleDir = join(repo, 'sample');

describe('cli compare', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-compare-'));

  it('count reports: a grown prompt fails --max-token-increase (exit 1) and passes a wider limit', async () => {
    const prompt = join(dir, 'system.prompt.md');
    writeFileSync(prompt, 'You are a careful math tutor. Answer with the number only.\n');
    const before = await run(['count', 'system.prompt.md', '--format', 'json'], dir);
    // The pull request's version of the prompt: the same text with a longer instruction.
    writeFileSync(prompt, 'You are a careful math tutor. Think step by step, check each step twice, then answer with the number only.\n');
    const after = await run(['count', 'system.prompt.md', '--format', 'json'], dir);
    writeFileSync(join(dir, 'before.json'), before.out);
    writeFileSync(join(dir, 'after.json'), after.out);
    const b = JSON.parse(before.out).total as number;
    const a = JSON.parse(after.out).total as number;
    assert.ok(a > b);
    // The prompt grows by well over 10%, so this gate must fail with exit 1.
    const fail = await run(['compare', 'before.json', 'after.json', '--max-token-increase', '10'], dir);
    assert.equal(fail.code, 1);
    const grew = `+${(((a - b) / b) * 100).toFixed(1)}%`;
    assert.match(fail.out, new RegExp(`^prompt tokens \\(total\\): ${b} → ${a} \\(\\+${a - b}, \\${grew}\\)$`, 'm'));
    assert.equal(fail.err, `gate --max-token-increase: prompt tokens (total) ${b} → ${a} (${grew}), allowed +10.0%\n`);
    // A limit far above the growth passes, and the JUnit report must still be valid.
    const pass = await run(['compare', 'before.json', 'after.json', '--max-token-increase', '500', '--format', 'junit'], dir);
    assert.equal(pass.code, 0, pass.err);
    assert.deepEqual(await junitSchemaErrors(pass.out), []);
    assert.match(pass.out, /<testcase name="--max-token-increase 500" classname="prompt-budget.compare" time="0">/);
  });

  it('count reports of code files: per prompt literal, matched in order when lines move', async () => {
    const code = join(dir, 'bot.py');
    const literal = 'SYSTEM_PROMPT = "You are a careful math tutor. Answer with the number only."\n';
    writeFileSync(code, literal);
    const before = await run(['count', 'bot.py', '--format', 'json'], dir);
    writeFileSync(code, `import os\n\n${literal.replace('only.', 'only, and show each step on its own line first.')}`);
    const after = await run(['count', 'bot.py', '--format', 'json'], dir);
    writeFileSync(join(dir, 'code-before.json'), before.out);
    writeFileSync(join(dir, 'code-after.json'), after.out);
    const [b] = JSON.parse(before.out).files[0].prompts;
    const [a] = JSON.parse(after.out).files[0].prompts;
    assert.ok(a.tokens > b.tokens && a.line === b.line + 2);
    const r = await run(['compare', 'code-before.json', 'code-after.json', '--format', 'json'], dir);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out).prompts, [{ file: 'bot.py', at: `${a.line}:${a.column}`, kind: a.kind, before: b.tokens, after: a.tokens, delta: a.tokens - b.tokens }]);
  });

  it('sweep reports with --cases are paired by id; identical runs change nothing and pass every gate', async () => {
    const args = ['sweep', join(sampleDir, 'testset.jsonl'), '--config', join(sampleDir, 'promptbudget.json'), '--folds', '0', '--format', 'json', '--cases'];
    const sweep = await run(args);
    assert.equal(sweep.code, 0, sweep.err);
    writeFileSync(join(dir, 'sweep.json'), sweep.out);
    const r = await run(['compare', 'sweep.json', 'sweep.json', '--max-token-increase', '0', '--max-em-drop', '0', '--format', 'json'], dir);
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.equal(json.paired.matched, 600);
    assert.equal(json.paired.em.delta, 0);
    assert.equal(json.paired.meanTokens.delta, 0);
    assert.equal(json.recommendation.after.policy, 'marker:0');
    // The sweep carries the config's linked prompt, counted as `count` counts it.
    const count = await run(['count', join(sampleDir, 'prompts', 'solve.prompt.md'), '--format', 'json']);
    assert.deepEqual(JSON.parse(sweep.out).prompt, { file: 'prompts/solve.prompt.md', tokens: JSON.parse(count.out).total });
    assert.deepEqual(json.promptTokens, { before: 118, after: 118, delta: 0, relative: 0 });
    assert.deepEqual(json.gates.map((g: { pass: boolean }) => g.pass), [true, true, true]);
  });

  it('a sweep report made before prompt counts excluded front matter, compared with one made after: the prompt line says it was counted differently', async () => {
    const fm = '---\nmodel: gpt-4o\nrole: system\n---\n';
    const body = 'You are a careful math tutor. Answer with the number only.\n';
    writeFileSync(join(dir, 'fm.prompt.md'), fm + body);
    writeFileSync(join(dir, 'fm.json'), JSON.stringify({ prompt: 'fm.prompt.md', extract: 'last-number', match: 'numeric', policies: ['marker:0'], folds: 0 }));
    writeFileSync(join(dir, 'cases.jsonl'), ['6', '12'].map((a, i) => JSON.stringify({ id: `c${i}`, question: `q${i}`, answer: a, output: `The answer is ${a}.` })).join('\n') + '\n');
    const now = await run(['sweep', 'cases.jsonl', '--config', 'fm.json', '--format', 'json'], dir);
    const after = JSON.parse(now.out) as { prompt: { tokens: number; countedFrom: string; frontMatterTokens: number } };
    assert.equal(after.prompt.countedFrom, 'body');
    // What an older version wrote for the same prompt: the whole file, in the sweep's encoding.
    const o200k = getTokenizer('o200k_base');
    const whole = o200k.count(fm + body);
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ ...after, prompt: { file: 'fm.prompt.md', tokens: whole } }));
    writeFileSync(join(dir, 'new.json'), now.out);
    const r = await run(['compare', 'old.json', 'new.json', '--max-token-increase', '5'], dir);
    assert.equal(r.code, 0, r.err);
    const { tokens, frontMatterTokens } = after.prompt;
    assert.deepEqual([tokens, frontMatterTokens], [o200k.count(body), o200k.count(fm)]);
    assert.ok(tokens < whole * 0.9, 'as reported, the prompt looks over 10% smaller');
    assert.ok(r.out.includes(`\nprompt tokens: ${whole} → ${tokens} (counted differently, not a prompt change: the before report counted the whole file, the after report the body only (${frontMatterTokens} tokens of front matter excluded))\n  the whole file on both sides: ≈${whole} → ${tokens + frontMatterTokens} (`), r.out);
    // Counted apart, front matter and body are the whole file within a token.
    assert.ok(Math.abs(tokens + frontMatterTokens - whole) <= 1);
    assert.match(r.out, /^pass {2}gate --max-token-increase: prompt tokens \(the whole file on both sides: the reports counted it differently\) /m);
  });

  it('exits 2 with file: reason on bad input', async () => {
    writeFileSync(join(dir, 'broken.json'), '{"rows": [');
    const missing = await run(['compare', 'nope.json', 'broken.json'], dir);
    assert.equal(missing.code, 2);
    assert.equal(missing.err, 'prompt-budget: nope.json: cannot read (ENOENT)\n');
    writeFileSync(join(dir, 'ok.json'), '{"files":[{"file":"a","tokens":1}],"total":1}');
    const broken = await run(['compare', 'ok.json', 'broken.json'], dir);
    assert.equal(broken.code, 2);
    assert.match(broken.err, /^prompt-budget: broken\.json: not JSON \(/);
    const emOnCount = await run(['compare', 'ok.json', 'ok.json', '--max-em-drop', '1'], dir);
    assert.equal(emOnCount.code, 2);
    assert.match(emOnCount.err, /--max-em-drop: count reports carry no EM/);
    const one = await run(['compare', 'ok.json'], dir);
    assert.equal(one.code, 2);
    const badFormat = await run(['compare', 'ok.json', 'ok.json', '--format', 'csv'], dir);
    assert.equal(badFormat.code, 2);
  });
});
