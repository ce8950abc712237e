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

/** Terminal escape sequences (CSI, OSC, other ESC sequences) and the other control characters. */
const ESCAPE_SEQUENCES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is stripped
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is stripped
const CONTROL_CHARACTERS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * Text safe to print on a terminal: escape sequences (window title, clear screen, colours) and
 * control characters other than newline and tab are removed, so an agent's answer cannot drive
 * the terminal.
 */
export function stripControlCharacters(text: string): string {
  return text.replace(ESCAPE_SEQUENCES, '').replace(CONTROL_CHARACTERS, '');
}

export function writeLine(stream: CliIo['stdout'], text = ''): void {
  stream.write(`${stripControlCharacters(text)}\n`);
}

/** `--json`: exactly one JSON document on stdout (DEL and C1 controls written as `\u` escapes). */
export function writeJson(io: CliIo, value: unknown): void {
  const json = JSON.stringify(value, null, 2).replace(
    /[\x7f-\x9f]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  io.stdout.write(`${json}\n`);
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
      io.stderr.write(
        `${stripControlCharacters(`${level === 'info' ? '' : `${level}: `}${message}${suffix}`)}\n`,
      );
    };
  return {
    debug: verbose ? log('debug') : () => {},
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
}
