import process from 'node:process';
import type { RunCliOptions } from './command.js';

/** Resolves on Ctrl-C, SIGTERM or the caller's abort signal: how a long-running command ends. */
export function untilStopped(cli: RunCliOptions): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    if (cli.signal?.aborted === true) return stop();
    cli.signal?.addEventListener('abort', stop, { once: true });
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
