import { resolve } from 'node:path';
import { main } from '../../../src/cli/main';
import type { CliIo } from '../../../src/cli/io';

/** The repository root, the CLI's working directory in these tests. */
export const repo = resolve(__dirname, '../../..');

/** Runs the CLI in-process with an empty environment, capturing its exit code and output. */
export async function runCli(args: string[], cwd = repo): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd, env: {} };
  const code = await main(args, io);
  return { code, out, err };
}
