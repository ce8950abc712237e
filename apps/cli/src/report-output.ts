import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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

/** Writes a rendered report to stdout, or to `output` (relative to the working directory). */
export function writeReport(io: CliIo, text: string, output: string | undefined): void {
  if (output === undefined) {
    writeLine(io.stdout, text);
    return;
  }
  const target = resolve(io.cwd, output);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, `${text}\n`);
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
