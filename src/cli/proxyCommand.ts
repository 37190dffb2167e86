import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseExportedPolicy } from '../core/policyExport';
import type { HfTokenizer } from '../core/hfTokenizer';
import type { ExportedPolicy } from '../core/types';
import { loadHfTokenizer } from '../node/hfTokenizerFiles';
import { startProxy } from '../node/proxyServer';
import { UsageError, type CliIo } from './io';

export const PROXY_HELP = `Usage: prompt-budget proxy --upstream <base URL> --policy <policy.json> [--tokenizer <path>]
                           [--port P] [--port-file F]

An OpenAI-compatible server that applies an exported policy (prompt-budget export) to every Chat
Completions request for its model: it forwards the request upstream, stops the upstream stream where
the policy stops (aborting it), makes the forced-answer or probe calls the policy needs (upstream
/completions), and answers with a normal response (streamed or not) whose content is the answer;
a streamed response sends the thinking as the upstream generates it, the answer once decided.
Other requests (other models, embeddings, other paths) pass through unchanged.

Options:
  --upstream <url>    upstream base URL including /v1 (vLLM http://localhost:8000/v1, llama.cpp
                      server http://localhost:8080/v1, Ollama http://localhost:11434/v1)
  --policy <file>     the policy JSON from \`prompt-budget export --policy <name> … > policy.json\`
  --tokenizer <path>  for a policy measured in a model's own tokens (export --tokenizer): that
                      Hugging Face tokenizer.json or its folder (default: the path the policy
                      records); its fingerprint must equal the policy's
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
    options: {
      upstream: { type: 'string' },
      policy: { type: 'string' },
      tokenizer: { type: 'string' },
      port: { type: 'string' },
      'port-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
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
  if (values.tokenizer !== undefined && policy.encoding !== 'huggingface') {
    throw new UsageError(`--tokenizer: ${values.policy} (${policy.policy}) counts in ${policy.encoding}, not in a model's own tokens; drop --tokenizer`);
  }
  const tokenizer = policy.encoding === 'huggingface' ? policyTokenizer(policy, values.policy, values.tokenizer, io.cwd, dirname(policyPath)) : undefined;

  const keyVar = io.env.PROMPT_BUDGET_API_KEY ? 'PROMPT_BUDGET_API_KEY' : io.env.OPENAI_API_KEY ? 'OPENAI_API_KEY' : null;
  const apiKey = keyVar ? io.env[keyVar] : undefined;
  const proxy = await startProxy({ upstream: values.upstream, policy, port, ...(apiKey ? { apiKey } : {}), ...(tokenizer ? { tokenizer } : {}), log: (line) => io.stderr(`proxy: ${line}\n`) });
  if (values['port-file']) writeFileSync(resolve(io.cwd, values['port-file']), `${proxy.port}\n`);
  io.stdout(
    `prompt-budget proxy: ${proxy.url} → ${values.upstream}, applying ${policy.policy}${policy.model ? ` to model ${policy.model}` : ' to every model'}${tokenizer ? ` in ${tokenizer.name}'s tokens` : ''}; upstream key ${keyVar ? `from ${keyVar}` : 'none (neither PROMPT_BUDGET_API_KEY nor OPENAI_API_KEY is set)'}\n`,
  );
  await new Promise<void>((done) => {
    if (!io.signal || io.signal.aborted) return done();
    io.signal.addEventListener('abort', () => done(), { once: true });
  });
  await proxy.close();
  io.stdout('prompt-budget proxy: stopped\n');
  return 0;
}

/**
 * The model tokenizer of a policy measured in one: `--tokenizer` (relative to `cwd`), else the path the
 * policy records (relative to its folder). Usage errors say which was missing, or name both tokenizers
 * when the fingerprints differ.
 */
function policyTokenizer(policy: ExportedPolicy, policyFile: string, flag: string | undefined, cwd: string, policyDir: string): HfTokenizer {
  const want = policy.tokenizer as NonNullable<ExportedPolicy['tokenizer']>;
  const measured = `${policyFile} (${policy.policy}) was measured in ${want.name}'s tokens (fingerprint ${want.fingerprint})`;
  let source: string;
  let path: string;
  let base = cwd;
  if (flag !== undefined) {
    source = `--tokenizer ${flag}`;
    path = flag;
  } else if (want.path !== undefined) {
    base = policyDir;
    if (!existsSync(resolve(base, want.path))) throw new UsageError(`${measured}; the tokenizer path it records, ${want.path}, does not exist here: pass --tokenizer <that tokenizer.json or its folder>`);
    source = `the tokenizer ${want.path} that ${policyFile} records`;
    path = want.path;
  } else {
    throw new UsageError(`${measured} and records no tokenizer path: pass --tokenizer <that tokenizer.json or its folder>`);
  }
  let tokenizer: HfTokenizer;
  try {
    tokenizer = loadHfTokenizer(path, base);
  } catch (e) {
    // The loader's message starts with the path it was given.
    throw new UsageError(`${flag !== undefined ? '--tokenizer' : `${policyFile} records the tokenizer`} ${(e as Error).message}`);
  }
  if (tokenizer.fingerprint !== want.fingerprint) {
    throw new UsageError(`${source} is ${tokenizer.name} (fingerprint ${tokenizer.fingerprint}), but ${measured}: pass the tokenizer the policy was exported with`);
  }
  return tokenizer;
}
