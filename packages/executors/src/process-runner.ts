import { spawn } from 'node:child_process';
import type { WriteStream } from 'node:fs';

/** Options for {@link runProcess}. */
export interface RunProcessOptions {
  /** Absolute path (or name on PATH) of the executable. */
  command: string;
  /** Arguments, passed without a shell. */
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Written to the process's stdin, which is then closed. */
  stdin?: string | undefined;
  /** Kills the process group after this many milliseconds. */
  timeoutMs?: number | undefined;
  /** Kills the process group when aborted. */
  signal?: AbortSignal | undefined;
  /** Wait between SIGTERM and SIGKILL. Default 2000 ms. */
  killGraceMs?: number | undefined;
  /** Receives stdout and stderr as they arrive. */
  log?: WriteStream | undefined;
  /** Most bytes of stdout and of stderr kept in memory (the log keeps everything). Default 10 MiB. */
  maxCaptureBytes?: number | undefined;
  /**
   * Told the process id (also its process group's) once it started; what it returns is told when
   * the whole group has ended (see `AgentExecutionOptions.onProcess` of `@baton/core`).
   */
  onSpawn?: ((pid: number) => { exited(): void } | undefined) | undefined;
}

/** How a process ended. */
export interface ProcessOutcome {
  /** Exit code, or null when killed by a signal or never started. */
  exitCode: number | null;
  /** The signal that ended it, if any. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed because the time limit passed. */
  timedOut: boolean;
  /** Killed because the abort signal fired. */
  aborted: boolean;
  /** Set when the process could not be started (e.g. ENOENT). */
  spawnError?: NodeJS.ErrnoException;
  durationMs: number;
}

/**
 * Runs a program without a shell in its own process group, feeding `stdin`, capturing output,
 * and killing the whole group (SIGTERM, then SIGKILL) on timeout or abort.
 */
export function runProcess(options: RunProcessOptions): Promise<ProcessOutcome> {
  const { killGraceMs = 2000, maxCaptureBytes = 10 * 1024 * 1024 } = options;
  const started = performance.now();
  return new Promise((resolve) => {
    const stdout = new Capture(maxCaptureBytes);
    const stderr = new Capture(maxCaptureBytes);
    let timedOut = false;
    let aborted = false;
    let settled = false;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    let closeTimer: ReturnType<typeof setTimeout> | undefined;

    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env as NodeJS.ProcessEnv,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const tracked = child.pid === undefined ? undefined : options.onSpawn?.(child.pid);

    const killGroup = (): void => {
      if (child.pid === undefined) return;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => {
        if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      }, killGraceMs);
      killTimer.unref();
    };
    const timeout =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup();
          }, options.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      killGroup();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (
      exitCode: number | null,
      signal: NodeJS.Signals | null,
      spawnError?: Error,
    ): void => {
      if (settled) return;
      settled = true;
      if (timeout !== undefined) clearTimeout(timeout);
      if (closeTimer !== undefined) clearTimeout(closeTimer);
      // A group member that survived SIGTERM still gets SIGKILL; only then stop the timer.
      if (killTimer !== undefined && child.pid !== undefined) {
        clearTimeout(killTimer);
        signalGroup(child.pid, 'SIGKILL');
      }
      options.signal?.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      tracked?.exited();
      resolve({
        exitCode,
        signal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        timedOut,
        aborted,
        ...(spawnError === undefined ? {} : { spawnError: spawnError as NodeJS.ErrnoException }),
        durationMs: Math.round(performance.now() - started),
      });
    };

    child.stdout?.on('data', (chunk: Buffer) => {
      stdout.add(chunk);
      options.log?.write(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.add(chunk);
      options.log?.write(chunk);
    });
    child.on('error', (error) => finish(null, null, error));
    child.on('exit', (code, signal) => {
      // Wait briefly for the pipes to drain; a grandchild holding them open must not hang us.
      closeTimer = setTimeout(() => finish(code, signal), 200);
      child.once('close', () => finish(code, signal));
    });
    child.stdin?.on('error', () => {
      // The program exited without reading its input: its exit status tells the story.
    });
    child.stdin?.end(options.stdin ?? '');
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

class Capture {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    if (this.size >= this.limit) {
      this.dropped += chunk.length;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped === 0
      ? text
      : `${text}\n[${this.dropped} more bytes not captured; see the log]`;
  }
}
