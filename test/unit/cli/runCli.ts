import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../../src/cli/main';
import { runCommand } from '../../../src/cli/runCommand';
import type { CliIo } from '../../../src/cli/io';
import { startMockServer, type MockRow, type MockServer, type MockServerOptions } from '../../support/openaiMockServer';

/** The repository root, the CLI's working directory in these tests. */
export const repo = resolve(__dirname, '../../..');

export interface Ran {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs the CLI in-process with an empty environment, capturing its exit code and output. With
 * `direct`, `run` is called without main's catch, so an unexpected error fails the test with its stack; `signal` ends
 * long-running commands (`proxy`).
 */
export async function runCli(args: string[], cwd = repo, opts: { direct?: boolean; signal?: AbortSignal } = {}): Promise<Ran> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd, env: {}, ...(opts.signal ? { signal: opts.signal } : {}) };
  const code = await (opts.direct && args[0] === 'run' ? runCommand(args.slice(1), io) : main(args, io));
  return { code, out, err };
}

/** What {@link useLoopbackRun} sets up; read its fields inside tests and hooks, after its `before` ran. */
export interface LoopbackRun {
  /** A fresh temp dir holding questions.jsonl: the CLI's working directory. */
  readonly dir: string;
  /** The loopback servers, one per options object given, in that order; `server` is the first. */
  readonly servers: readonly MockServer[];
  readonly server: MockServer;
  /** `runCli` in `dir`, with the setup's `runDirect` unless `opts` says otherwise. */
  cli(args: string[], opts?: { direct?: boolean }): Promise<Ran>;
}

export interface LoopbackSetup {
  /** Temp dir name prefix, e.g. `pb-budgets-`. */
  prefix: string;
  /** Rows the servers replay; questions.jsonl holds them without their output. */
  rows: readonly MockRow[];
  servers: Omit<MockServerOptions, 'rows'>[];
  /** Call `run` directly by default (see {@link runCli}). */
  runDirect?: boolean;
}

/**
 * Mocha hooks for the live-run CLI tests: `before` starts one loopback server per `servers` entry
 * and writes questions.jsonl to a new temp dir; `after` stops the servers and removes the dir.
 */
export function useLoopbackRun(setup: LoopbackSetup): LoopbackRun {
  let dir = '';
  const started: MockServer[] = [];
  before(async () => {
    for (const opts of setup.servers) started.push(await startMockServer({ rows: setup.rows, ...opts }));
    dir = mkdtempSync(join(tmpdir(), setup.prefix));
    writeFileSync(join(dir, 'questions.jsonl'), `${setup.rows.map(({ output: _drop, ...row }) => JSON.stringify(row)).join('\n')}\n`);
  });
  after(async () => {
    for (const s of started.splice(0)) await s.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    servers: started,
    get server() {
      return started[0] as MockServer;
    },
    cli: (args, opts = { direct: setup.runDirect }) => runCli(args, dir, opts),
  };
}
