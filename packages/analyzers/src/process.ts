import { spawn } from 'node:child_process';
import { abortReason, throwIfAborted } from '@baton/core';

/** Options for {@link runProcess}. */
export interface RunProcessOptions {
  /** Working directory. */
  cwd: string;
  /** Time limit in seconds; the whole process group is killed when it passes. */
  timeoutSeconds?: number;
  /** Extra environment variables (merged over `process.env`). */
  env?: Record<string, string | undefined>;
  /** Cancels the run; the process group is killed. */
  signal?: AbortSignal;
  /** Keep at most this many characters of each stream (the tail is kept). Default 4 MB. */
  maxOutputChars?: number;
}

/** What a finished (or killed) process left behind. */
export interface ProcessResult {
  /** The command line that ran, for reports. */
  command: string;
  /** Exit code; null when killed or not started. */
  exitCode: number | null;
  /** True when the time limit killed the process group. */
  timedOut: boolean;
  /** Set when the process could not be started (e.g. ENOENT). */
  spawnError?: string;
  stdout: string;
  stderr: string;
  /** Wall time in seconds. */
  durationSeconds: number;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Runs a command in its own process group (so that a time limit or an abort kills every child it
 * started), collecting its output. Never throws for a failing command: the exit code, a timeout or
 * a spawn error are reported in the result. Throws only when `signal` aborts.
 */
export async function runProcess(
  file: string,
  args: readonly string[],
  options: RunProcessOptions,
): Promise<ProcessResult> {
  const { cwd, timeoutSeconds, env, signal, maxOutputChars = 4_000_000 } = options;
  throwIfAborted(signal);
  const command = [file, ...args].join(' ');
  const started = performance.now();
  return new Promise<ProcessResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(file, args, {
      cwd,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const append = (current: string, chunk: Buffer): string => {
      const next = current + chunk.toString('utf8');
      return next.length > maxOutputChars ? next.slice(next.length - maxOutputChars) : next;
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout = append(stdout, chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = append(stderr, chunk);
    });
    const timer =
      timeoutSeconds === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup(child.pid);
          }, timeoutSeconds * 1000);
    const onAbort = (): void => {
      killGroup(child.pid);
      finish(() => reject(abortReason(signal!)));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const durationSeconds = (): number => (performance.now() - started) / 1000;
    child.on('error', (error) => {
      finish(() =>
        resolve({
          command,
          exitCode: null,
          timedOut,
          spawnError: error.message,
          stdout,
          stderr,
          durationSeconds: durationSeconds(),
        }),
      );
    });
    child.on('close', (code) => {
      // Children of the group may outlive the leader; make sure none survive a timeout.
      if (timedOut) killGroup(child.pid);
      finish(() =>
        resolve({
          command,
          exitCode: timedOut ? null : code,
          timedOut,
          stdout,
          stderr,
          durationSeconds: durationSeconds(),
        }),
      );
    });
  });
}

/** The last `lines` lines of a text, for reports. */
export function tail(text: string, lines = 20): string {
  const parts = text.trimEnd().split('\n');
  return parts.slice(-lines).join('\n');
}
