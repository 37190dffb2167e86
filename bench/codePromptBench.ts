// Prompts inside code as you type: the incremental scanner (tree-sitter edit; re-parse with the old
// tree unless the edit stays inside one token; re-classify and recount only the changed statement's
// literals) against a full parse, classification and count of the whole file after every keystroke,
// on a generated 2,000-line Python file.
import { CodePromptCounter, CodePromptScanner } from '../src/node/codePromptScanner';
import { countTokens, getTokenizer } from '../src/core/tokens';
import { DEFAULT_MIN_PROSE_CHARS } from '../src/core/codePrompts';

export interface CodePromptKeystrokeFigures {
  lines: number;
  prompts: number;
  keystrokes: number;
  incrementalMedianMs: number;
  incrementalP95Ms: number;
  /** Keystrokes inside a prompt literal: only that literal is re-read, no parser. */
  insideLiteral: { keystrokes: number; medianMs: number };
  /** Keystrokes inside a name or another literal: the tree keeps its shape, its statement is re-classified, no parser. */
  insideToken: { keystrokes: number; medianMs: number };
  /** Keystrokes that change the structure (a line break inside a list): tree-sitter edit + incremental re-parse + changed ranges. */
  reparsed: { keystrokes: number; medianMs: number; minMs: number };
  fullMedianMs: number;
  /** full median / incremental median. */
  speedup: number;
  /** Every incremental result (positions, kinds, counts) equalled the full one. */
  exact: boolean;
}

/** A deterministic Python module of `lines` lines: prompt constants, chat calls, paths, SQL, helpers. */
export function makePythonModule(lines: number): string {
  const out: string[] = ['import os', 'from openai import OpenAI', ''];
  for (let i = 0; out.length + 13 <= lines; i++) {
    out.push(
      `SYSTEM_PROMPT_${i} = """You are assistant number ${i}. Read the question twice,`,
      `extract the numbers and explain every intermediate value before the final line."""`,
      `DATA_PATH_${i} = "/var/data/set_${i}.jsonl"`,
      `QUERY_${i} = "SELECT id, question FROM problems WHERE batch = ${i}"`,
      '',
      `def ask_${i}(client: OpenAI, question: str) -> str:`,
      `    messages = [`,
      `        {"role": "system", "content": SYSTEM_PROMPT_${i}},`,
      `        {"role": "user", "content": f"Question {question}: answer in one line."},`,
      `    ]`,
      `    reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages)`,
      `    return reply.choices[0].message.content`,
      '',
    );
  }
  // Whole blocks only, so the file parses without errors; comment lines make up the count.
  while (out.length < lines) out.push(`# end of module, line ${out.length + 1}`);
  return out.join('\n') + '\n';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? 0;
}

export async function benchCodePromptKeystrokes(keystrokes = 400): Promise<CodePromptKeystrokeFigures> {
  const tok = getTokenizer('o200k_base');
  const count = (t: string): { count: number; approximate: boolean } => countTokens(tok, t);
  const options = { minProseChars: DEFAULT_MIN_PROSE_CHARS };
  let text = makePythonModule(2000);
  const counter = new CodePromptCounter(await CodePromptScanner.create('python', options), count);
  const first = counter.update(text);
  const incremental: number[] = [];
  const inside: number[] = [];
  const token: number[] = [];
  const reparsed: number[] = [];
  const full: number[] = [];
  const texts: string[] = [];
  const results: string[] = [];
  let exact = true;
  let seed = 5;
  const rand = (): number => (seed = (Math.imul(seed, 48271) >>> 0) % 2147483647) / 2147483647;
  const typed = 'abcdefghijklmnopqrstuvwxyz   ,.';
  // Most keystrokes land inside a prompt literal (typing a prompt); the rest go into a constant's
  // name, a path literal (neither needs the parser), or a line break inside a list (which does),
  // so the file stays valid.
  const after = (re: RegExp): number[] => [...text.matchAll(re)].map((m) => (m.index ?? 0) + m[0].length);
  const kinds = [after(/assistant number \d+\. /g), after(/DATA_PATH_/g), after(/\/var\/data\//g), after(/messages = \[/g)];
  for (let k = 0; k < keystrokes; k++) {
    const r = rand();
    const kind = r < 0.7 ? 0 : r < 0.8 ? 1 : r < 0.9 ? 2 : 3;
    const list = kinds[kind];
    const at = list[Math.floor(rand() * list.length)];
    const ch = kind === 0 ? typed[Math.floor(rand() * typed.length)] : kind === 3 ? '\n' : 'x';
    text = text.slice(0, at) + ch + text.slice(at);
    for (const positions of kinds) for (let a = 0; a < positions.length; a++) if (positions[a] >= at) positions[a]++;
    const t0 = performance.now();
    const inc = counter.update(text);
    const ms = performance.now() - t0;
    incremental.push(ms);
    (inc.parsed ? reparsed : kind === 0 ? inside : token).push(ms);
    texts.push(text);
    results.push(JSON.stringify(inc.prompts));
  }
  // The full re-parses run in a second pass over the same texts, so their garbage does not land in
  // the incremental timings: no previous tree, no cached literal counts.
  for (let k = 0; k < texts.length; k++) {
    const fresh = new CodePromptCounter(await CodePromptScanner.create('python', options), count);
    const t0 = performance.now();
    const all = fresh.update(texts[k]);
    full.push(performance.now() - t0);
    fresh.dispose();
    if (JSON.stringify(all.prompts) !== results[k]) exact = false;
  }
  counter.dispose();
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  const incMedian = median(incremental);
  const fullMedian = median(full);
  const p95 = [...incremental].sort((a, b) => a - b)[Math.floor(incremental.length * 0.95)];
  return {
    lines: 2000,
    prompts: first.prompts.length,
    keystrokes,
    incrementalMedianMs: round(incMedian),
    incrementalP95Ms: round(p95),
    insideLiteral: { keystrokes: inside.length, medianMs: round(median(inside)) },
    insideToken: { keystrokes: token.length, medianMs: round(median(token)) },
    reparsed: { keystrokes: reparsed.length, medianMs: round(median(reparsed)), minMs: round(Math.min(...reparsed)) },
    fullMedianMs: round(fullMedian),
    speedup: Math.round((fullMedian / Math.max(incMedian, 1e-6)) * 10) / 10,
    exact,
  };
}
