import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Logger, noopLogger, throwIfAborted, ValidationError } from '@baton/core';
import { z } from 'zod';
import {
  type CoverageFormat,
  coverageFormatSchema,
  detectCoverageFormat,
  formatLineRanges,
  type ParsedCoverageReport,
  parseCoverageReport,
} from './coverage-reports.js';
import { isTestPath, languageOf, toPosix } from './paths.js';
import { listProjectFiles, type ProjectFiles } from './project-files.js';
import { runTestsWithCoverage, type TestRun, testRunSchema } from './run-tests.js';
import { listWorkspacePackages, type WorkspacePackage } from './workspace.js';

/** Where reports are looked for, in each package directory, in order of preference. */
export const COVERAGE_REPORT_LOCATIONS: readonly string[] = [
  'coverage/coverage-final.json',
  'coverage/lcov.info',
  'coverage/coverage-summary.json',
  'coverage/cobertura-coverage.xml',
  'coverage/coverage.xml',
  'coverage.xml',
  'coverage.json',
  'lcov.info',
];

const lineRangeSchema = z.object({ start: z.number().int(), end: z.number().int() });

/** Line coverage of one file. */
export const fileCoverageSchema = z.object({
  /** Project-relative path (as written in the report when it lies outside the project). */
  path: z.string(),
  linesTotal: z.number().int(),
  linesCovered: z.number().int(),
  /** Line coverage in percent, floored to two decimals (as istanbul does). */
  percent: z.number(),
  /** Uncovered lines as ranges (absent when the report has no line detail). */
  uncoveredRanges: z.array(lineRangeSchema).optional(),
  /** `12-15, 20` for display (absent when the report has no line detail). */
  uncoveredLines: z.string().optional(),
  /** The report the figures come from. */
  report: z.string(),
});
/** Line coverage of one file. */
export type FileCoverage = z.infer<typeof fileCoverageSchema>;

/** A report that was read. */
export const coverageReportSchema = z.object({
  /** Project-relative path of the report. */
  path: z.string(),
  format: coverageFormatSchema,
  /** The workspace package directory it belongs to (`.` for the root). */
  packageDirectory: z.string(),
  /** Last modification time (ISO 8601). */
  modifiedAt: z.string(),
  /** Files it contributed after de-duplication. */
  filesCounted: z.number().int(),
  linesTotal: z.number().int(),
  linesCovered: z.number().int(),
});
/** A report that was read. */
export type CoverageReport = z.infer<typeof coverageReportSchema>;

/** A report that exists but could not be used. */
export const rejectedReportSchema = z.object({ path: z.string(), reason: z.string() });

/** Coverage that was measured from at least one report. */
export const measuredCoverageSchema = z.object({
  status: z.literal('measured'),
  /** Line coverage of the whole project in percent (floored to two decimals). */
  lineCoverage: z.number(),
  linesTotal: z.number().int(),
  linesCovered: z.number().int(),
  /** Every report read, with what it contributed. */
  reports: z.array(coverageReportSchema),
  /**
   * Workspace packages with source files (not tests, not `*.config.*`) of which no report names
   * a file: their code is not in the figure. Empty for single-package projects.
   */
  unreportedPackages: z.array(z.string()),
  /** Line coverage per workspace package that has a report (`.` for the root's reports). */
  packages: z.array(
    z.object({
      directory: z.string(),
      linesTotal: z.number().int(),
      linesCovered: z.number().int(),
      percent: z.number(),
    }),
  ),
  /** Every file, as the reports state it, sorted by path. */
  files: z.array(fileCoverageSchema),
  /** Files with uncovered lines, least covered first (ties: most uncovered lines first). */
  leastCovered: z.array(fileCoverageSchema),
  /** Locations that were checked. */
  searched: z.array(z.string()),
  rejected: z.array(rejectedReportSchema),
  testRun: testRunSchema.optional(),
  warnings: z.array(z.string()),
  /** One line for reports, e.g. `Line coverage 84.21% (320/380 lines, 2 reports)`. */
  summary: z.string(),
});

/** Coverage that could not be measured: never reported as 0. */
export const unknownCoverageSchema = z.object({
  status: z.literal('unknown'),
  /** Why it is unknown. */
  reason: z.string(),
  /** Locations that were checked (project-relative). */
  searched: z.array(z.string()),
  /** How to provide coverage. */
  hint: z.string(),
  rejected: z.array(rejectedReportSchema),
  testRun: testRunSchema.optional(),
  warnings: z.array(z.string()),
  /** One line for reports: says coverage is unknown, where it looked and how to provide it. */
  summary: z.string(),
});

/** The result of {@link analyzeCoverage}. */
export const coverageResultSchema = z.discriminatedUnion('status', [
  measuredCoverageSchema,
  unknownCoverageSchema,
]);
/** The result of {@link analyzeCoverage}. */
export type CoverageResult = z.infer<typeof coverageResultSchema>;

/** Options for {@link analyzeCoverage}. */
export interface AnalyzeCoverageOptions {
  /** Project root. */
  root: string;
  /** An explicit report (absolute or relative to `root`); the usual locations are then skipped. */
  coverageFile?: string;
  /** Run the project's own tests with coverage first (see `runTestsWithCoverage`). */
  runTests?: boolean;
  /** Time limit for `runTests`, in seconds (default 600). */
  testTimeoutSeconds?: number;
  /** How many files `leastCovered` lists (default 10). */
  leastCoveredLimit?: number;
  /** A file listing to reuse (see `listProjectFiles`). */
  projectFiles?: ProjectFiles;
  signal?: AbortSignal;
  logger?: Logger;
}

/** The hint given when coverage is unknown. */
export const COVERAGE_HINT =
  'Run your tests with coverage so that a report is written (vitest: `vitest run --coverage ' +
  '--coverage.reporter=json-summary --coverage.reporter=lcov`; jest: `jest --coverage`; ' +
  'coverage.py: `coverage run -m pytest && coverage json`), pass its path with --coverage-file, ' +
  'or use --run-tests to run the test script with coverage.';

/** The hint given when coverage is unknown after the tests were run (`runTests`). */
export const COVERAGE_AFTER_RUN_HINT =
  'Make the test script write a coverage report (vitest: `--coverage.enabled=true ' +
  '--coverage.reporter=json-summary --coverage.reporter=lcov`; jest: `--coverage`; node: ' +
  '`--experimental-test-coverage --test-reporter=lcov`; coverage.py: `coverage run -m pytest && ' +
  'coverage json`) or pass the path of the report it writes with --coverage-file.';

/** Percent floored to two decimals, as istanbul computes it. */
export function coveragePercent(covered: number, total: number): number {
  if (total === 0) return 100;
  return Math.floor((covered / total) * 10000) / 100;
}

interface Candidate {
  /** Project-relative path (posix) or absolute when outside the project. */
  display: string;
  absolute: string;
  packageDirectory: string;
  explicit: boolean;
}

/**
 * Measures line coverage from the reports a project's test runner wrote: istanbul
 * `coverage-final.json` / `coverage-summary.json`, `lcov.info`, Cobertura `coverage.xml` and
 * coverage.py `coverage.json`, looked for in the root and in every workspace package (see
 * {@link COVERAGE_REPORT_LOCATIONS}), or the one given as `coverageFile`.
 *
 * Reports are merged per file: a file reported twice counts once (the first report in search
 * order wins: the root before packages, then the order of {@link COVERAGE_REPORT_LOCATIONS}).
 * Project coverage is covered lines / executable lines over all files, so each package weighs by
 * its number of executable lines. With no usable report the result has `status: 'unknown'`,
 * the locations searched and a hint; coverage is never reported as 0 for lack of a report.
 *
 * @example
 * ```ts
 * const coverage = await analyzeCoverage({ root: '.' });
 * if (coverage.status === 'measured') console.log(coverage.lineCoverage);
 * else console.log(coverage.summary); // "Coverage unknown: no coverage report found. Looked in ..."
 * ```
 */
export async function analyzeCoverage(options: AnalyzeCoverageOptions): Promise<CoverageResult> {
  const { signal, logger = noopLogger } = options;
  throwIfAborted(signal);
  const root = path.resolve(options.root);
  const warnings: string[] = [];
  const listing = options.projectFiles ?? (await listProjectFiles(root, { signal }));

  let testRun: TestRun | undefined;
  let runStarted: number | undefined;
  if (options.runTests === true) {
    runStarted = Date.now();
    testRun = await runTestsWithCoverage({
      root,
      ...(options.testTimeoutSeconds === undefined
        ? {}
        : { timeoutSeconds: options.testTimeoutSeconds }),
      ...(signal === undefined ? {} : { signal }),
      logger,
    });
    if (testRun.error !== undefined) warnings.push(`Test run: ${testRun.error}`);
    else if (!testRun.passed) {
      warnings.push(`Test run failed (exit code ${testRun.exitCode}): ${testRun.command}`);
    }
  }
  throwIfAborted(signal);

  const workspace = await listWorkspacePackages(root, listing.files);
  const candidates = await reportCandidates(root, options.coverageFile, workspace);
  const searched = candidates.map((candidate) => candidate.display);
  const read = await readReports(candidates, {
    root,
    known: new Set(listing.files),
    runStarted,
    warnings,
    logger,
    signal,
  });
  const usable = read.reports.filter((report) => report.linesTotal > 0);
  if (usable.length === 0) {
    return unknownCoverage({
      ...read,
      searched,
      testRun,
      warnings,
      coverageFile: options.coverageFile,
    });
  }

  const files = [...read.byFile.values()].sort((a, b) => a.path.localeCompare(b.path));
  const linesTotal = files.reduce((sum, file) => sum + file.linesTotal, 0);
  const linesCovered = files.reduce((sum, file) => sum + file.linesCovered, 0);
  const lineCoverage = coveragePercent(linesCovered, linesTotal);
  const unreportedPackages = packagesWithoutCoverage(workspace, listing.files, files);
  if (unreportedPackages.length > 0) {
    warnings.push(
      `No coverage report covers ${unreportedPackages.length} workspace package(s) with source files (${listSome(unreportedPackages, 8)}); the figure is for the others only`,
    );
  }
  return {
    status: 'measured',
    lineCoverage,
    linesTotal,
    linesCovered,
    reports: read.reports,
    packages: coverageByPackage(usable),
    unreportedPackages,
    files,
    leastCovered: leastCoveredFiles(files, options.leastCoveredLimit ?? 10),
    searched,
    rejected: read.rejected,
    ...(testRun === undefined ? {} : { testRun }),
    warnings,
    summary: `Line coverage ${lineCoverage}% (${linesCovered}/${linesTotal} lines, ${files.length} files, ${usable.length} report${usable.length === 1 ? '' : 's'})`,
  };
}

/** `a, b, c and 4 more`. */
function listSome(items: readonly string[], limit: number): string {
  return items.length > limit
    ? `${items.slice(0, limit).join(', ')} and ${items.length - limit} more`
    : items.join(', ');
}

/** The explicit report, or every usual location in the root and each workspace package. */
async function reportCandidates(
  root: string,
  coverageFile: string | undefined,
  workspace: readonly WorkspacePackage[],
): Promise<Candidate[]> {
  if (coverageFile !== undefined) {
    const absolute = path.resolve(root, coverageFile);
    const info = await stat(absolute).catch(() => undefined);
    if (info === undefined || !info.isFile()) {
      throw new ValidationError('coverageFile', `file not found: ${absolute}`);
    }
    const relative = toPosix(path.relative(root, absolute));
    return [
      {
        display: relative.startsWith('..') ? absolute : relative,
        absolute,
        packageDirectory: '.',
        explicit: true,
      },
    ];
  }
  return workspace.flatMap((workspacePackage) =>
    COVERAGE_REPORT_LOCATIONS.map((location) => {
      const display =
        workspacePackage.directory === '.' ? location : `${workspacePackage.directory}/${location}`;
      return {
        display,
        absolute: path.join(root, display),
        packageDirectory: workspacePackage.directory,
        explicit: false,
      };
    }),
  );
}

interface ReadReports {
  reports: CoverageReport[];
  rejected: Array<{ path: string; reason: string }>;
  byFile: Map<string, FileCoverage>;
}

/** Reads every candidate that exists, merging files (first report wins); warns about stale ones. */
async function readReports(
  candidates: readonly Candidate[],
  context: {
    root: string;
    known: ReadonlySet<string>;
    runStarted: number | undefined;
    warnings: string[];
    logger: Logger;
    signal: AbortSignal | undefined;
  },
): Promise<ReadReports> {
  const { root, known, runStarted, warnings, logger, signal } = context;
  const rejected: Array<{ path: string; reason: string }> = [];
  const byFile = new Map<string, FileCoverage>();
  const reports: CoverageReport[] = [];
  for (const candidate of candidates) {
    throwIfAborted(signal);
    const info = await stat(candidate.absolute).catch(() => undefined);
    if (info === undefined || !info.isFile()) continue;
    const text = await readFile(candidate.absolute, 'utf8');
    const format = detectCoverageFormat(text);
    if (format === undefined) {
      if (candidate.explicit) {
        throw new ValidationError(
          'coverageFile',
          `${candidate.display} is not a recognised coverage report (istanbul json, lcov, Cobertura xml, coverage.py json)`,
        );
      }
      rejected.push({ path: candidate.display, reason: 'not a recognised coverage report format' });
      continue;
    }
    let parsed: ParsedCoverageReport;
    try {
      parsed = parseCoverageReport(text, format);
    } catch (error) {
      rejected.push({
        path: candidate.display,
        reason: `malformed ${format} report: ${(error as Error).message}`,
      });
      continue;
    }
    if (runStarted !== undefined && info.mtimeMs < runStarted - 1000) {
      warnings.push(`${candidate.display} was not rewritten by the test run; it may be stale`);
    }
    const before = new Set(byFile.keys());
    reports.push(addReport(parsed, candidate, format, info.mtime, { root, known, byFile }));
    const added = [...byFile.keys()].filter((file) => !before.has(file) && known.has(file));
    const newer = await filesNewerThan(root, added, info.mtimeMs);
    if (newer.length > 0) {
      warnings.push(
        `${candidate.display} is older than ${newer.length} of the files it reports (e.g. ${newer[0]}); re-run the tests with coverage for current figures`,
      );
    }
    logger.debug('coverage report read', { report: candidate.display, format });
  }
  return { reports, rejected, byFile };
}

/** The result when no report gave a figure: why, where it looked, how to provide one. */
function unknownCoverage(input: {
  reports: CoverageReport[];
  rejected: Array<{ path: string; reason: string }>;
  searched: string[];
  testRun: TestRun | undefined;
  warnings: string[];
  coverageFile: string | undefined;
}): CoverageResult {
  const { reports, rejected, searched, testRun, warnings, coverageFile } = input;
  let reason = 'no coverage report found';
  if (reports.length > 0) {
    reason = `coverage reports were found (${reports.map((report) => report.path).join(', ')}) but they contain no executable lines`;
  } else if (rejected.length > 0) {
    reason = `no usable coverage report: ${rejected.map((item) => `${item.path} (${item.reason})`).join('; ')}`;
  } else if (coverageFile !== undefined) {
    reason = `${coverageFile} contains no coverage data`;
  }
  if (testRun !== undefined && !testRun.passed) {
    const how = testRun.timedOut
      ? 'timed out'
      : testRun.exitCode === null
        ? 'did not start'
        : `failed (exit code ${testRun.exitCode})`;
    reason += `; the test run ${how}${lastLine(testRun.error ?? testRun.outputTail)}`;
  }
  // After a test run, "use --run-tests" is no advice: the run itself wrote no readable report.
  const hint = testRun === undefined ? COVERAGE_HINT : COVERAGE_AFTER_RUN_HINT;
  return {
    status: 'unknown',
    reason,
    searched,
    hint,
    rejected,
    ...(testRun === undefined ? {} : { testRun }),
    warnings,
    summary: `Coverage unknown: ${reason}. Looked in ${listSome(searched, 6)}. ${hint}`,
  };
}

/** Files with uncovered lines, least covered first (ties: most uncovered lines, then path). */
function leastCoveredFiles(files: readonly FileCoverage[], limit: number): FileCoverage[] {
  return files
    .filter((file) => file.linesCovered < file.linesTotal)
    .sort(
      (a, b) =>
        a.percent - b.percent ||
        b.linesTotal - b.linesCovered - (a.linesTotal - a.linesCovered) ||
        a.path.localeCompare(b.path),
    )
    .slice(0, limit);
}

/** Executable and covered lines per package directory, from the reports that contributed. */
function coverageByPackage(
  reports: readonly CoverageReport[],
): Array<{ directory: string; linesTotal: number; linesCovered: number; percent: number }> {
  const perPackage = new Map<string, { linesTotal: number; linesCovered: number }>();
  for (const report of reports) {
    const entry = perPackage.get(report.packageDirectory) ?? { linesTotal: 0, linesCovered: 0 };
    entry.linesTotal += report.linesTotal;
    entry.linesCovered += report.linesCovered;
    perPackage.set(report.packageDirectory, entry);
  }
  return [...perPackage].map(([directory, entry]) => ({
    directory,
    ...entry,
    percent: coveragePercent(entry.linesCovered, entry.linesTotal),
  }));
}

/**
 * Workspace packages (not the root) that own source files, none of which a report names. A file
 * belongs to its innermost package; tests and `*.config.*` files do not count as sources.
 */
function packagesWithoutCoverage(
  workspace: readonly WorkspacePackage[],
  projectFiles: readonly string[],
  covered: readonly FileCoverage[],
): string[] {
  if (workspace.length <= 1) return [];
  const directories = workspace
    .map((item) => item.directory)
    .filter((directory) => directory !== '.')
    .sort((a, b) => b.length - a.length);
  const ownerOf = (file: string): string | undefined =>
    directories.find((directory) => file.startsWith(`${directory}/`));
  const reported = new Set(covered.map((file) => ownerOf(file.path)));
  const withSources = new Set<string>();
  for (const file of projectFiles) {
    if (languageOf(file) === undefined || isTestPath(file) || /\.config\.[cm]?[jt]s$/.test(file)) {
      continue;
    }
    if (/\.d\.[cm]?ts$/.test(file)) continue;
    const owner = ownerOf(file);
    if (owner !== undefined) withSources.add(owner);
  }
  return [...withSources].filter((directory) => !reported.has(directory)).sort();
}

/** Lines a package manager prints around any script (config warnings, notices, log paths). */
const PACKAGE_MANAGER_NOISE =
  /^(npm (warn|WARN|notice)\b|npm error (A complete log|Lifecycle script|command |path |workspace |location |code \d))/;

/** `: <last non-empty line>` of a text (package manager noise aside), or nothing. */
function lastLine(text: string): string {
  const line = text
    .split('\n')
    .map((item) => item.trim())
    .filter((item) => item !== '' && !PACKAGE_MANAGER_NOISE.test(item))
    .at(-1);
  return line === undefined ? '' : `: ${line.slice(0, 200)}`;
}

/** Files (project-relative) modified more than 2 s after `time` (ms since the epoch). */
async function filesNewerThan(
  root: string,
  files: readonly string[],
  time: number,
): Promise<string[]> {
  const newer: string[] = [];
  for (const file of files) {
    const info = await stat(path.join(root, file)).catch(() => undefined);
    if (info !== undefined && info.mtimeMs > time + 2000) newer.push(file);
  }
  return newer.sort();
}

function addReport(
  parsed: ParsedCoverageReport,
  candidate: Candidate,
  format: CoverageFormat,
  modified: Date,
  context: { root: string; known: ReadonlySet<string>; byFile: Map<string, FileCoverage> },
): CoverageReport {
  const { root, known, byFile } = context;
  const reportDirectory = path.dirname(candidate.absolute);
  const packageDirectory = path.join(root, candidate.packageDirectory);
  const bases = [
    ...parsed.sourceRoots.map((source) => path.resolve(reportDirectory, source)),
    packageDirectory,
    reportDirectory,
    root,
  ];
  let filesCounted = 0;
  let linesTotal = 0;
  let linesCovered = 0;
  for (const file of parsed.files) {
    const key = resolveReportedPath(file.path, { root, bases, known });
    if (byFile.has(key)) continue;
    byFile.set(key, {
      path: key,
      linesTotal: file.linesTotal,
      linesCovered: file.linesCovered,
      percent: coveragePercent(file.linesCovered, file.linesTotal),
      ...(file.uncoveredRanges === undefined
        ? {}
        : {
            uncoveredRanges: file.uncoveredRanges,
            uncoveredLines: formatLineRanges(file.uncoveredRanges),
          }),
      report: candidate.display,
    });
    filesCounted += 1;
    linesTotal += file.linesTotal;
    linesCovered += file.linesCovered;
  }
  return {
    path: candidate.display,
    format,
    packageDirectory: candidate.packageDirectory,
    modifiedAt: modified.toISOString(),
    filesCounted,
    linesTotal,
    linesCovered,
  };
}

/**
 * Maps a path written in a report to a project-relative path: relative paths against the report's
 * source roots, package, own directory and the project root; absolute paths inside the project
 * directly; absolute paths from another machine by the longest suffix that names a project file.
 */
export function resolveReportedPath(
  reported: string,
  context: { root: string; bases: readonly string[]; known: ReadonlySet<string> },
): string {
  const { root, bases, known } = context;
  const normalised = reported.replace(/\\/g, '/');
  const inside = (absolute: string): string | undefined => {
    const relative = toPosix(path.relative(root, absolute));
    return relative.startsWith('..') || path.isAbsolute(relative) ? undefined : relative;
  };
  if (path.isAbsolute(normalised) || /^[A-Za-z]:\//.test(normalised)) {
    const relative = inside(normalised);
    if (relative !== undefined) return relative;
    const parts = normalised.split('/').filter((part) => part !== '');
    for (let index = 1; index < parts.length; index++) {
      const suffix = parts.slice(index).join('/');
      for (const base of bases) {
        const candidate = inside(path.join(base, suffix));
        if (candidate !== undefined && known.has(candidate)) return candidate;
      }
    }
    return normalised;
  }
  let fallback: string | undefined;
  for (const base of bases) {
    const candidate = inside(path.resolve(base, normalised));
    if (candidate === undefined) continue;
    if (known.has(candidate)) return candidate;
    fallback ??= candidate;
  }
  return fallback ?? normalised;
}
