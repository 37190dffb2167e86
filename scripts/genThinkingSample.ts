// Writes the bundled reasoning sample: seeded ten-option (A–J) questions answered by a made-up
// reasoning model. Each trace thinks in <think>…</think> (intermediate answers, hesitations, changes
// of mind, long double-checking, and in most an R1-style "**Final Answer** \boxed{X}" inside
// the thinking), then gives its final answer after </think> in one of the common
// forms. A few traces are cut off inside the thinking (a length limit), so they have no final answer.
// Run: npx tsx scripts/genThinkingSample.ts   (deterministic; the output is committed under sample/)
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { seededDraws } from './seededDraws';

const { int, pick, chance } = seededDraws(20261207);

const LETTERS = 'ABCDEFGHIJ';
const PEOPLE = ['Maya', 'Tom', 'Priya', 'Leo', 'Amara', 'Jonas', 'Sofia', 'Kenji', 'Nadia', 'Omar'];
const THINGS = ['crates', 'tickets', 'seedlings', 'bottles', 'folders', 'tiles'];

interface Problem {
  question: string;
  steps: { text: string; value: number }[];
  value: number;
}

function problem(): Problem {
  const who = pick(PEOPLE);
  const thing = pick(THINGS);
  const rows = int(3, 12);
  const per = int(4, 15);
  const broken = int(2, Math.max(3, Math.floor((rows * per) / 3)));
  const days = int(2, 5);
  const each = rows * per - broken;
  const value = each * days;
  return {
    question: `${who} stacks ${rows} rows of ${per} ${thing} a day and throws away ${broken} damaged ones each day. How many ${thing} are kept after ${days} days?`,
    steps: [
      { text: `Each day ${who} stacks ${rows} × ${per} = ${rows * per} ${thing}.`, value: rows * per },
      { text: `Without the damaged ones that is ${rows * per} − ${broken} = ${each} per day.`, value: each },
      { text: `Over ${days} days: ${each} × ${days} = ${value}.`, value },
    ],
    value,
  };
}

/** Ten distinct option values with the right one at `at`. */
function options(value: number, at: number): number[] {
  const out = new Set<number>([value]);
  while (out.size < 10) out.add(Math.max(1, value + pick([-1, 1]) * int(1, Math.max(12, Math.round(value * 0.4)))));
  const others = [...out].filter((v) => v !== value);
  others.splice(at, 0, value);
  return others;
}

const OPENERS = ['Okay, let me work through this.', 'Alright, so the question asks for a count after several days.', 'Let me think about what is being asked.'];
const HESITATIONS = ['Wait, let me double-check that.', 'Hmm, but maybe I misread the damaged count.', 'Hold on, let me verify the multiplication.', 'Actually, let me re-examine the first step.', 'Alternatively, I could count it per row.'];
const CONFIDENT = ['That matches.', 'Yes, that is consistent.', 'The numbers agree.', 'Good, the same result.'];
const CALM = ['Let me go over it once more.', 'Going through the steps again.', 'One more pass over the numbers.'];

function finalForm(letter: string, value: number, opts: number[]): string {
  const other = LETTERS[(LETTERS.indexOf(letter) + int(1, 9)) % 10];
  const summary = `The total is ${value}. Option (${other}) is ${opts[LETTERS.indexOf(other)]}, which does not match.`;
  switch (int(0, 5)) {
    case 0:
      return `${summary}\n\n**Answer:** (${letter})`;
    case 1:
      return `${summary}\n\nThe answer is (${letter}).`;
    case 2:
      return `${summary}\n\nFinal answer: \\boxed{${letter}}`;
    case 3:
      return `${summary}\n\nAnswer: ${letter}`;
    case 4:
      return `${summary}\n\n${letter}`;
    default:
      return `**Answer:** ${letter}`;
  }
}

interface Row {
  id: string;
  question: string;
  answer: string;
  output: string;
  tags: string[];
  /** `commit`: where the thinking boxes a letter (`slip`: a wrong one it then corrects), if it does. */
  meta: { final: string | null; truncated: boolean; commit: string };
}

function makeRow(index: number): Row {
  const p = problem();
  const at = int(0, 9);
  const opts = options(p.value, at);
  const gold = LETTERS[at];
  const hard = chance(0.4);
  const lines: string[] = [pick(OPENERS)];
  // Changes of mind: a slip in one step, an intermediate answer from it, then a correction.
  const slip = chance(hard ? 0.5 : 0.15);
  for (const s of p.steps) lines.push(s.text);
  // R1-style commitments, chosen by index so that no other draw moves: most traces box their letter at the end of the
  // thinking, some box it as soon as they have it and keep checking, and a few box a slip before correcting it.
  const commit = index % 10 < 5 ? 'end' : index % 10 === 5 ? 'early' : index % 20 === 6 ? 'slip' : 'none';
  if (slip) {
    const wrongValue = p.value + pick([-1, 1]) * p.steps[1].value;
    const wrongAt = opts.indexOf(wrongValue);
    const wrong = wrongAt >= 0 ? LETTERS[wrongAt] : LETTERS[(at + 3) % 10];
    lines[lines.length - 1] = `Over the days I get ${wrongValue}, so the answer is (${wrong}).`;
    if (commit === 'slip') lines.push(`**Final Answer**\n\\boxed{${wrong}}`);
    lines.push(pick(HESITATIONS), `Recomputing: ${p.steps[2].text}`);
  }
  // The model is not always right: some traces settle on a wrong letter.
  const wrongFinal = chance(hard ? 0.18 : 0.06);
  const stated = wrongFinal ? LETTERS[(at + int(1, 9)) % 10] : gold;
  lines.push(`So the value is ${wrongFinal ? opts[LETTERS.indexOf(stated)] : p.value}, which is option (${stated}).`);
  if (commit === 'early') lines.push(`**Final Answer**\n\\boxed{${stated}}`);
  // Double-checking after the answer is reached: rounds of hesitation, each restating the same letter.
  const rounds = int(hard ? 3 : 1, hard ? 12 : 6);
  for (let r = 0; r < rounds; r++) {
    // Hard traces hesitate on most rounds; easy ones mostly just repeat themselves calmly.
    lines.push(chance(hard ? 0.7 : 0.3) ? pick(HESITATIONS) : pick(CALM));
    for (const s of p.steps) if (chance(0.7)) lines.push(`Checking: ${s.text}`);
    lines.push(`${pick(CONFIDENT)} So the answer is (${stated}).`);
  }
  const truncated = chance(0.04);
  if (commit === 'end' && !truncated) lines.push(`**Final Answer**\n\\boxed{${stated}}`);
  if (truncated) {
    lines.push('Wait, let me go over the whole problem once more from the start, line by line, to be completely sure about');
    return { id: `t${String(index + 1).padStart(3, '0')}`, question: questionText(p, opts), answer: gold, output: `<think>\n${lines.join('\n')}`, tags: [hard ? 'hard' : 'easy'], meta: { final: null, truncated, commit: commit === 'end' ? 'none' : commit } };
  }
  const output = `<think>\n${lines.join('\n')}\n</think>\n\n${finalForm(stated, wrongFinal ? opts[LETTERS.indexOf(stated)] : p.value, opts)}`;
  return { id: `t${String(index + 1).padStart(3, '0')}`, question: questionText(p, opts), answer: gold, output, tags: [hard ? 'hard' : 'easy'], meta: { final: stated, truncated, commit: commit === 'slip' && !slip ? 'none' : commit } };
}

function questionText(p: Problem, opts: number[]): string {
  return `${p.question}\n${opts.map((v, i) => `(${LETTERS[i]}) ${v}`).join('  ')}`;
}

const N = 200;
const rows = Array.from({ length: N }, (_, i) => makeRow(i));
const dir = resolve(process.argv[2] ?? 'sample');
writeFileSync(join(dir, 'thinking.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
writeFileSync(
  join(dir, 'thinking.promptbudget.json'),
  JSON.stringify(
    {
      testSets: ['thinking.jsonl'],
      encoding: 'o200k_base',
      extract: { preset: 'after-think', then: ['choice-letter'] },
      match: 'strict',
      // 3, not 2: at 200 cases even a policy with no flip has a ΔEM CI of ±2.1 points (Tango, ¼ correction).
      margin: 3,
      seed: 1,
      resamples: 2000,
      prices: { inputPer1M: 2.5, outputPer1M: 10 },
    },
    null,
    2,
  ) + '\n',
);
console.log(`wrote ${N} cases to ${join(dir, 'thinking.jsonl')}`);
