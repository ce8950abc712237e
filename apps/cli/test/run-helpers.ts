import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { AgentExecutionOutput } from '@baton/core';
import type { ExecutorSetup } from '@baton/executors';
import type { ExecutorFactory } from '@baton/sdk';
import { runCli } from '../src/cli.js';
import type { CliIo } from '../src/io.js';
import type { PromptInput } from '../src/run/live.js';
import { tempDir } from './helpers.js';

export const cliPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

/** A model provider setting that resolves without a real service (the executor is replaced). */
export const SCRIPTED_ENV = {
  BATON_PROVIDER: 'openai-compatible',
  BATON_BASE_URL: 'http://127.0.0.1:9/v1',
  BATON_MODEL: 'scripted-model',
};

class Capture extends Writable {
  text = '';
  isTTY: boolean;
  constructor(isTTY = false) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** One call a scripted executor received. */
export interface ScriptedCall {
  agentId: string;
  tier: string | undefined;
  context: Record<string, unknown>;
}

/**
 * An executor factory whose agents answer from a script: `reply(agentId, tier, call number)`
 * returns the executor's answer (or throws). Records every call and the setup it was built for.
 */
export function scriptedExecutors(
  reply: (
    call: ScriptedCall & { index: number; signal: AbortSignal },
  ) => Promise<AgentExecutionOutput> | AgentExecutionOutput = ({ agentId }) => answer(agentId),
): { factory: ExecutorFactory; calls: ScriptedCall[]; setups: ExecutorSetup[] } {
  const calls: ScriptedCall[] = [];
  const setups: ExecutorSetup[] = [];
  const factory: ExecutorFactory = (setup) => {
    setups.push(setup);
    return async (agent, context, { signal }) => {
      const call = { agentId: agent.id, tier: agent.tier, context };
      calls.push(call);
      return reply({ ...call, index: calls.length - 1, signal });
    };
  };
  return { factory, calls, setups };
}

/** A successful structured answer with measured usage. */
export function answer(
  agentId: string,
  options: {
    confidence?: number;
    inputTokens?: number;
    outputTokens?: number;
    costUsd?: number;
  } = {},
): AgentExecutionOutput {
  const confidence = options.confidence ?? 0.9;
  return {
    output: { summary: `${agentId} checked the project`, findings: [], recommendations: [] },
    confidence,
    success: true,
    usage: {
      inputTokens: options.inputTokens ?? 100,
      outputTokens: options.outputTokens ?? 40,
      costUsd: options.costUsd ?? 0.002,
      model: 'scripted-model',
    },
  };
}

/** Runs the CLI in-process with the internal seams (executors, signal, terminal input). */
export async function batonRun(
  argv: string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    factory?: ExecutorFactory;
    signal?: AbortSignal;
    stdin?: PromptInput;
    tty?: boolean;
  } = {},
) {
  const stdout = new Capture();
  const stderr = new Capture(options.tty === true);
  const io: CliIo = {
    stdout,
    stderr,
    cwd: options.cwd ?? tempDir(),
    env: options.env ?? { ...SCRIPTED_ENV },
  };
  const code = await runCli(argv, io, {
    executorFactory: options.factory,
    signal: options.signal,
    stdin: options.stdin,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A fake terminal input on which the person has typed `text`. */
export function typedInput(text: string): PromptInput {
  const stream = new Readable({ read() {} }) as Readable & { isTTY?: boolean };
  stream.isTTY = true;
  stream.push(text);
  return stream;
}

/** Spawns the built CLI and collects its output. */
export function spawnBaton(
  argv: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void },
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...argv], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The audit log of a project, parsed. */
export function readAudit(
  project: string,
): Array<{ type: string; message: string; runId?: string }> {
  return readFileSync(join(project, '.baton', 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

/** PATH for spawned CLIs: this Node and the system tools, nothing from the developer's shell. */
export const SYSTEM_PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;

/** A project whose baton.config.json prices the local model: $1 in, $2 out per million tokens. */
export function pricedProject(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'README.md'), '# demo\n');
  writeFileSync(
    join(dir, 'baton.config.json'),
    JSON.stringify({
      model: { prices: { 'local-model': { inputPerMillion: 1, outputPerMillion: 2 } } },
    }),
  );
  return dir;
}

/** The environment that points `baton run` at a local OpenAI-compatible model server. */
export function modelServerEnv(target: { baseURL: string }): NodeJS.ProcessEnv {
  return {
    PATH: SYSTEM_PATH,
    HOME: tempDir(),
    BATON_PROVIDER: 'openai-compatible',
    BATON_BASE_URL: target.baseURL,
    BATON_MODEL: 'local-model',
  };
}
