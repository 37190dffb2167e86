// Writes the bundled sample workspace: seeded multi-step arithmetic questions with step-by-step
// traces. Answers appear before the traces end, many traces keep double-checking after it, and
// some revise an intermediate slip, so early cutoffs visibly trade tokens for exact match.
// Run: npx tsx scripts/genSample.ts   (deterministic; the output is committed under sample/)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { seededDraws } from './seededDraws';

const { int, pick, chance } = seededDraws(20261129);

const PEOPLE = ['Maya', 'Tom', 'Priya', 'Leo', 'Amara', 'Jonas', 'Sofia', 'Kenji', 'Nadia', 'Omar', 'Greta', 'Ravi'];
const ITEMS = [
  ['apples', 'bag'],
  ['pencils', 'box'],
  ['stickers', 'sheet'],
  ['cookies', 'tray'],
  ['marbles', 'jar'],
  ['cards', 'pack'],
] as const;

interface Step {
  text: string;
  value: number;
}

interface Problem {
  question: string;
  steps: Step[];
  answer: number;
}

function buyAndGive(): Problem {
  const who = pick(PEOPLE);
  const [item, unit] = pick(ITEMS);
  const start = int(5, 40);
  const packs = int(2, 9);
  const per = int(3, 15);
  const give = int(2, 12);
  const bought = packs * per;
  const total = start + bought;
  const left = total - give;
  return {
    question: `${who} has ${start} ${item}. ${who} buys ${packs} ${unit}s with ${per} ${item} in each ${unit}, then gives ${give} ${item} to a friend. How many ${item} does ${who} have now?`,
    steps: [
      { text: `${who} buys ${packs} ${unit}s of ${per}, which is ${packs} × ${per} = ${bought} ${item}.`, value: bought },
      { text: `Adding the ${start} ${item} ${who} already had gives ${start} + ${bought} = ${total}.`, value: total },
      { text: `After giving away ${give}, ${who} has ${total} − ${give} = ${left}.`, value: left },
    ],
    answer: left,
  };
}

function shareEvenly(): Problem {
  const who = pick(PEOPLE);
  const [item] = pick(ITEMS);
  const friends = int(2, 8);
  const each = int(3, 20);
  const extra = int(1, 9);
  const total = friends * each + extra;
  const kept = int(1, 3);
  const perFriend = each;
  const answer = perFriend * kept + extra;
  return {
    question: `${who} has ${total} ${item} and shares them equally among ${friends} friends, keeping the ${extra} left over. ${who} then takes back the shares of ${kept} friend(s). How many ${item} does ${who} have?`,
    steps: [
      { text: `${total} − ${extra} = ${total - extra} ${item} are shared.`, value: total - extra },
      { text: `Each friend gets ${total - extra} ÷ ${friends} = ${perFriend}.`, value: perFriend },
      { text: `Taking back ${kept} share(s) is ${kept} × ${perFriend} = ${kept * perFriend}.`, value: kept * perFriend },
      { text: `With the ${extra} left over, ${who} has ${kept * perFriend} + ${extra} = ${answer}.`, value: answer },
    ],
    answer,
  };
}

function weeklySavings(): Problem {
  const who = pick(PEOPLE);
  const weekly = int(4, 25);
  const weeks = int(3, 12);
  const price = int(20, 120);
  const saved = weekly * weeks;
  const bonus = int(5, 30);
  const total = saved + bonus;
  const answer = total - price;
  return {
    question: `${who} saves $${weekly} every week for ${weeks} weeks and gets a $${bonus} gift. ${who} then spends $${price} on a game. How many dollars are left?`,
    steps: [
      { text: `Savings: ${weekly} × ${weeks} = ${saved} dollars.`, value: saved },
      { text: `With the gift: ${saved} + ${bonus} = ${total} dollars.`, value: total },
      { text: `After the game: ${total} − ${price} = ${answer} dollars.`, value: answer },
    ],
    answer,
  };
}

function trip(): Problem {
  const speed = int(30, 90);
  const hours = int(2, 7);
  const back = int(1, 4);
  const first = speed * hours;
  const second = speed * back;
  const stops = int(2, 5);
  const detour = int(3, 18);
  const total = first + second + stops * detour;
  return {
    question: `A bus drives at ${speed} km per hour for ${hours} hours, then ${back} more hours at the same speed, and makes ${stops} detours of ${detour} km each. How many kilometres does it travel in total?`,
    steps: [
      { text: `First leg: ${speed} × ${hours} = ${first} km.`, value: first },
      { text: `Second leg: ${speed} × ${back} = ${second} km.`, value: second },
      { text: `Detours: ${stops} × ${detour} = ${stops * detour} km.`, value: stops * detour },
      { text: `Total: ${first} + ${second} + ${stops * detour} = ${total} km.`, value: total },
    ],
    answer: total,
  };
}

const KINDS = [buyAndGive, shareEvenly, weeklySavings, trip];

const OPENERS = ["Let's solve this step by step.", 'We work through it one step at a time.', 'Step by step:'];
const CHECKS = [
  'Let me double-check each step.',
  'Before finishing, I will verify the arithmetic.',
  'Wait, let me re-check that carefully to be sure.',
];

function padThinking(): string {
  const notes = [
    'It helps to restate what is being asked.',
    'I should be careful with the order of operations here.',
    'Let me keep track of the units as I go.',
    'I will write each intermediate result explicitly.',
    'Reading the question again to make sure nothing is missed.',
  ];
  const out: string[] = [];
  const n = int(0, 3);
  for (let i = 0; i < n; i++) out.push(pick(notes));
  return out.join(' ');
}

interface Row {
  id: string;
  question: string;
  answer: string;
  output: string;
  tags: string[];
}

function makeRow(index: number): Row {
  const p = pick(KINDS)();
  const difficulty = p.steps.length >= 4 ? (chance(0.5) ? 'hard' : 'medium') : chance(0.7) ? 'easy' : 'medium';
  const lines: string[] = [pick(OPENERS)];
  const pad = padThinking();
  if (pad) lines.push(pad);
  // Some traces slip on an intermediate step and correct it afterwards (a late answer).
  const slipAt = chance(difficulty === 'hard' ? 0.35 : 0.12) ? int(0, p.steps.length - 1) : -1;
  // A share of traces get the last step wrong and state that wrong answer (the model is not perfect).
  const finalWrong = chance(difficulty === 'hard' ? 0.14 : difficulty === 'medium' ? 0.08 : 0.04);
  const stated = finalWrong ? p.answer + pick([-3, -1, 1, 4, 10]) : p.answer;
  for (let i = 0; i < p.steps.length; i++) {
    const s = p.steps[i];
    if (i === p.steps.length - 1 && finalWrong) {
      lines.push(s.text.replace(new RegExp(`${s.value}(?![0-9])`, 'g'), String(stated)));
    } else if (i === slipAt) {
      const wrong = s.value + pick([-10, -2, -1, 1, 2, 10]);
      lines.push(s.text.replace(new RegExp(`${s.value}(?![0-9])`, 'g'), String(wrong)));
      lines.push(`Hmm, that does not look right. Recomputing: ${s.text}`);
    } else {
      lines.push(s.text);
    }
  }
  lines.push(`The answer is ${stated}.`);
  // Many traces keep talking after the answer: double-checking, sometimes revising it.
  if (chance(0.7)) {
    lines.push(pick(CHECKS));
    for (const s of p.steps) if (chance(0.8)) lines.push(`Checking: ${s.text}`);
    if (finalWrong && chance(0.15)) {
      lines.push(`I see my mistake at the end. Correcting it, the final answer is ${p.answer}.`);
    } else if (!finalWrong && chance(0.01)) {
      lines.push(`Actually, I think I misread the question; the final answer is ${p.answer + 1}.`);
    } else {
      lines.push(`Everything checks out, so the final answer is ${stated}.`);
    }
  }
  return { id: `s${String(index + 1).padStart(3, '0')}`, question: p.question, answer: String(p.answer), output: lines.join('\n'), tags: [difficulty] };
}

const N = 600;
const rows = Array.from({ length: N }, (_, i) => makeRow(i));
const dir = resolve(process.argv[2] ?? 'sample');
mkdirSync(join(dir, 'prompts'), { recursive: true });
writeFileSync(join(dir, 'testset.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
writeFileSync(
  join(dir, 'prompts', 'solve.prompt.md'),
  `# System

You are a careful math tutor. Solve grade-school word problems step by step.
Show each intermediate result, then finish with a line of the form "The answer is N."
Do not repeat the question. Do not double-check once you have the answer.

# Examples

Q: Ana has 3 boxes of 4 pens and gives 5 away. How many pens does she have?
A: 3 × 4 = 12 pens. 12 − 5 = 7. The answer is 7.

# Task

Q: {{question}}
A:
`,
);
writeFileSync(
  join(dir, 'promptbudget.json'),
  JSON.stringify(
    {
      testSets: ['testset.jsonl'],
      prompt: 'prompts/solve.prompt.md',
      encoding: 'o200k_base',
      cutoffs: [16, 24, 32, 48, 64, 80, 96, 112, 128, 160, 192, 256],
      policies: ['stability:8x2', 'stability:16x2', 'marker:0', 'marker:4', 'marker:16'],
      extract: 'last-number',
      match: 'numeric',
      margin: 2,
      seed: 1,
      resamples: 2000,
      prices: { inputPer1M: 2.5, outputPer1M: 10 },
    },
    null,
    2,
  ) + '\n',
);
console.log(`wrote ${N} cases to ${join(dir, 'testset.jsonl')}`);
