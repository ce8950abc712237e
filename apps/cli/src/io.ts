import type { Writable } from 'node:stream';

/** Where a command reads and writes. Tests pass their own. */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Exit codes of API.md: 0 success, 1 negative verdict, 2 bad usage / input / setup. */
export const ExitCode = { OK: 0, NEGATIVE: 1, USAGE: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad usage or missing setup: printed as one line, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function writeLine(stream: CliIo['stdout'], text = ''): void {
  stream.write(`${text}\n`);
}

/** `--json`: exactly one JSON document on stdout. */
export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain fixed-width table. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}

/**
 * Diagnostics on stderr, only when stderr is a terminal or the user asked (`--verbose`): API.md's
 * contract. What a report needs to say (failed agents, warnings) is in the report itself.
 */
export function createStderrLogger(io: CliIo, verbose: boolean) {
  const enabled = verbose || io.stderr.isTTY === true;
  const log =
    (level: string) =>
    (message: string, data?: Record<string, unknown>): void => {
      if (!enabled) return;
      const suffix = data === undefined ? '' : ` ${JSON.stringify(data)}`;
      io.stderr.write(`${level === 'info' ? '' : `${level}: `}${message}${suffix}\n`);
    };
  return {
    debug: verbose ? log('debug') : () => {},
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
}
