import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RateLimits } from '../src/rate-limits.js';
import { TEST_REDIS_URL } from './redis.js';

const fixture = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'test-worker.mjs');

/** Options of one worker process (see `fixtures/test-worker.mjs`). */
export interface WorkerProcessOptions {
  prefix: string;
  name: string;
  concurrency?: number;
  delayMs?: number;
  /** Work time by agent id, ms. */
  slow?: Record<string, number>;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  rateLimits?: RateLimits;
}

/** A worker running in its own process. */
export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** Settles when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Starts a worker process and waits until it listens. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [fixture, JSON.stringify({ url: TEST_REDIS_URL, ...options })],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('ready\n')) resolve();
    });
    void exited.then(({ code, signal }) =>
      reject(
        new Error(
          `worker ${options.name} exited (${code ?? signal}) before it was ready: ${stderr}`,
        ),
      ),
    );
  });
  return { name: options.name, child, exited, stderr: () => stderr };
}

/** Stops worker processes (SIGTERM, then SIGKILL after 5 s) and waits for them to exit. */
export async function stopWorkerProcesses(workers: readonly WorkerProcess[]): Promise<void> {
  await Promise.all(
    workers.map(async (worker) => {
      if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
      worker.child.kill('SIGTERM');
      const timer = setTimeout(() => worker.child.kill('SIGKILL'), 5000);
      await worker.exited;
      clearTimeout(timer);
    }),
  );
}
