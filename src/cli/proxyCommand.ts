import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseExportedPolicy } from '../core/policyExport';
import { startProxy } from '../node/proxyServer';
import { UsageError, type CliIo } from './io';

export const PROXY_HELP = `Usage: prompt-budget proxy --upstream <base URL> --policy <policy.json> [--port P] [--port-file F]

An OpenAI-compatible server that applies an exported policy (prompt-budget export) to every Chat
Completions request for its model: it forwards the request upstream, stops the upstream stream where
the policy stops (aborting it), makes the forced-answer or probe calls the policy needs (upstream
/completions), and answers with a normal response (streamed or not) whose content is the answer.
Other requests (other models, embeddings, other paths) pass through unchanged.

Options:
  --upstream <url>    upstream base URL including /v1 (vLLM http://localhost:8000/v1, llama.cpp
                      server http://localhost:8080/v1, Ollama http://localhost:11434/v1)
  --policy <file>     the policy JSON from \`prompt-budget export --policy <name> … > policy.json\`
  --port <n>          port to listen on, on 127.0.0.1 (default 8788; 0 picks a free port)
  --port-file <file>  write the port it listens on to this file
Upstream key: PROMPT_BUDGET_API_KEY, else OPENAI_API_KEY (sent upstream, never logged).
Stops on Ctrl+C or SIGTERM.
`;

const DEFAULT_PORT = 8788;

/** `prompt-budget proxy`: parses the flags, reads the policy, serves until the process is told to stop. */
export async function proxyCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { upstream: { type: 'string' }, policy: { type: 'string' }, port: { type: 'string' }, 'port-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout(PROXY_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`proxy takes no positional arguments (got ${positionals.join(' ')})`);
  if (!values.upstream) throw new UsageError('proxy needs --upstream <base URL>, e.g. --upstream http://localhost:8000/v1');
  if (!/^https?:\/\/[^/]/.test(values.upstream)) throw new UsageError(`--upstream ${values.upstream}: expected an http:// or https:// base URL`);
  if (!values.policy) throw new UsageError('proxy needs --policy <policy.json> (write one with prompt-budget export --policy <name> <test-set> > policy.json)');
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535) throw new UsageError(`--port ${values.port}: expected 0…65535`);

  const policyPath = resolve(io.cwd, values.policy);
  let text: string;
  try {
    text = readFileSync(policyPath, 'utf8');
  } catch (e) {
    throw new UsageError(`--policy ${values.policy}: ${(e as Error).message}`);
  }
  const parsed = parseExportedPolicy(text);
  if (!parsed.policy) throw new UsageError(`${values.policy}: ${parsed.error}`);
  const policy = parsed.policy;
  if (policy.encoding === 'huggingface') {
    throw new UsageError(`${values.policy}: ${policy.policy} counts in ${policy.tokenizer?.name}'s tokens; the proxy serves policies measured with o200k_base or cl100k_base (use the runtime's createPolicyRun with createHfTokenizer)`);
  }

  const keyVar = io.env.PROMPT_BUDGET_API_KEY ? 'PROMPT_BUDGET_API_KEY' : io.env.OPENAI_API_KEY ? 'OPENAI_API_KEY' : null;
  const apiKey = keyVar ? io.env[keyVar] : undefined;
  const proxy = await startProxy({ upstream: values.upstream, policy, port, ...(apiKey ? { apiKey } : {}), log: (line) => io.stderr(`proxy: ${line}\n`) });
  if (values['port-file']) writeFileSync(resolve(io.cwd, values['port-file']), `${proxy.port}\n`);
  io.stdout(
    `prompt-budget proxy: ${proxy.url} → ${values.upstream}, applying ${policy.policy}${policy.model ? ` to model ${policy.model}` : ' to every model'}; upstream key ${keyVar ? `from ${keyVar}` : 'none (neither PROMPT_BUDGET_API_KEY nor OPENAI_API_KEY is set)'}\n`,
  );
  await new Promise<void>((done) => {
    if (!io.signal || io.signal.aborted) return done();
    io.signal.addEventListener('abort', () => done(), { once: true });
  });
  await proxy.close();
  io.stdout('prompt-budget proxy: stopped\n');
  return 0;
}
