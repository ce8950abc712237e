import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type CliIo, UsageError, writeLine } from './io.js';

/** The formats a report command writes. */
export const REPORT_FORMATS = ['console', 'json', 'markdown', 'sarif'] as const;
/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `--format F` and `--json` as one format; a conflict or an unknown format is a usage error. */
export function reportFormatFrom(format: string | undefined, json: boolean): ReportFormat {
  if (json) {
    if (format !== undefined && format !== 'json') {
      throw new UsageError(`--json conflicts with --format ${format}`);
    }
    return 'json';
  }
  const chosen = format ?? 'console';
  if (!(REPORT_FORMATS as readonly string[]).includes(chosen)) {
    throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, got "${chosen}"`);
  }
  return chosen as ReportFormat;
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

/**
 * Checks a file flag (`--output`, `--events-file`) before any work starts and returns its path:
 * its folder must exist (output goes where it was asked to, never into a folder made up from a
 * typo) and it must not be a folder.
 */
export function outputFile(io: CliIo, flag: string, file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  const target = resolve(io.cwd, file);
  if (!isDirectory(dirname(target))) {
    throw new UsageError(`${flag} ${file}: the folder ${dirname(target)} does not exist`);
  }
  if (isDirectory(target)) throw new UsageError(`${flag} ${file}: is a folder`);
  return target;
}

/** Writes a rendered report to stdout, or to `output` (relative to the working directory). */
export function writeReport(io: CliIo, text: string, output: string | undefined): void {
  if (output === undefined) {
    writeLine(io.stdout, text);
    return;
  }
  writeFileSync(outputFile(io, '--output', output)!, `${text}\n`);
}

/**
 * The repository holding `directory` (the nearest directory with `.git` at or above it), the
 * root code scanning resolves SARIF URIs against; undefined outside a repository.
 */
export function enclosingRepository(directory: string): string | undefined {
  let current = directory;
  while (!existsSync(join(current, '.git'))) {
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
  return current;
}
