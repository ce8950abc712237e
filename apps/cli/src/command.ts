import type { CliIo, ExitCode } from './io.js';

/** One `baton` command. */
export interface Command {
  name: string;
  /** One line for `baton --help`. */
  summary: string;
  /** Full usage text for `baton <name> --help`. */
  usage: string;
  run(argv: string[], io: CliIo): Promise<ExitCode>;
}
