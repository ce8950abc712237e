import type { ExecutorFactory } from '@baton/sdk';
import type { CliIo, ExitCode } from './io.js';
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

/** One `baton` command: the module `CommandEntry.load` imports. */
export interface Command {
  name: string;
  /** Full usage text for `baton <name> --help`. */
  usage: string;
  run(argv: string[], io: CliIo, options?: RunCliOptions): Promise<ExitCode>;
}

/**
 * A line of the command table: what `baton --help` shows without loading anything, and how to
 * load the command. A command's module (and what it needs, such as the AI SDK or the source
 * parser) is imported only when that command runs, so every other command starts fast.
 */
export interface CommandEntry {
  name: string;
  /** One line for `baton --help`. */
  summary: string;
  load(): Promise<Command>;
}
