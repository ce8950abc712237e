import type { CliIo, ExitCode } from './io.js';
import type { ExecutorFactory } from './run/executor-setup.js';
import type { PromptInput } from './run/live.js';

/**
 * What the entry point hands to commands besides their I/O. Internal: tests use
 * `executorFactory` to replace the real executors; it is not part of the user-facing CLI.
 */
export interface RunCliOptions {
  /** Aborted on Ctrl-C (SIGINT): long-running commands stop and save their state. */
  signal?: AbortSignal | undefined;
  /** The terminal a person answers decisions on (`process.stdin`). */
  stdin?: PromptInput | undefined;
  /** Replaces the model / CLI executors (tests). */
  executorFactory?: ExecutorFactory | undefined;
}

/** One `baton` command. */
export interface Command {
  name: string;
  /** One line for `baton --help`. */
  summary: string;
  /** Full usage text for `baton <name> --help`. */
  usage: string;
  run(argv: string[], io: CliIo, options?: RunCliOptions): Promise<ExitCode>;
}
