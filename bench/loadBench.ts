// How long the extension host spends loading the extension's bundle, against the worker bundle
// (which carries the tokenizer rank tables) loaded the same way. Each load runs in a fresh Node.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';

export interface LoadFigures {
  bundle: string;
  bytes: number;
  /** Median over the runs of the time `require` took, in ms. */
  medianMs: number;
}

// `vscode` only exists inside the editor: a stub that answers every property lets the bundle load.
const LOADER = `
const Module = require('module');
const load = Module._load;
const answer = (_t, k) => (k === Symbol.toPrimitive ? () => '' : stub);
// The bundler copies a module's own names into a new object made from its prototype, so the
// prototype answers too (a class field reading vscode.CodeActionKind runs at load time).
const proto = new Proxy({}, { get: answer });
const stub = new Proxy(function () {}, { get: answer, apply: () => stub, construct: () => stub, getPrototypeOf: () => proto });
Module._load = function (request, ...rest) { return request === 'vscode' ? stub : load.call(this, request, ...rest); };
const t0 = process.hrtime.bigint();
require(process.argv[1]);
process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));
`;

function loadOnce(file: string): number {
  return Number(execFileSync(process.execPath, ['-e', LOADER, file], { encoding: 'utf8' }));
}

export function benchLoad(files: string[], runs = 5): LoadFigures[] {
  const times = new Map<string, number[]>(files.map((f) => [f, []]));
  for (let i = 0; i < runs; i++) for (const f of files) times.get(f)!.push(loadOnce(f));
  return files.map((f) => {
    const sorted = times.get(f)!.sort((a, b) => a - b);
    return { bundle: f, bytes: statSync(f).size, medianMs: Math.round(sorted[sorted.length >> 1] * 10) / 10 };
  });
}
