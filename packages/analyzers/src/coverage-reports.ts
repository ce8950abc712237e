import { z } from 'zod';

/** Coverage report formats the analyzer reads. */
export const coverageFormatSchema = z.enum([
  'istanbul-summary',
  'istanbul-final',
  'lcov',
  'cobertura',
  'coverage-py',
]);
/** A coverage report format. */
export type CoverageFormat = z.infer<typeof coverageFormatSchema>;

/** Line coverage of one file as a report states it (path as written in the report). */
export interface ReportedFileCoverage {
  /** The path as written in the report (absolute or relative to the report's base). */
  path: string;
  /** Executable lines. */
  linesTotal: number;
  /** Executable lines run at least once. */
  linesCovered: number;
  /** Executable lines never run, ascending; undefined when the format has no line detail. */
  uncoveredLines?: number[];
  /**
   * Uncovered lines as ranges; a range spans non-executable lines (blank lines, comments) but
   * never a covered line. Undefined when the format has no line detail.
   */
  uncoveredRanges?: LineRange[];
}

/** A parsed report. */
export interface ParsedCoverageReport {
  format: CoverageFormat;
  /** Base directory for relative paths, when the report names one (Cobertura `<source>`). */
  sourceRoots: string[];
  files: ReportedFileCoverage[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finite(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Which format a report's text is in, or undefined when it is none of the known ones. */
export function detectCoverageFormat(text: string): CoverageFormat | undefined {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch {
      return undefined;
    }
    if (!isRecord(data)) return undefined;
    if (isRecord(data.files) && isRecord(data.meta)) return 'coverage-py';
    if (isRecord(data.total) && isRecord(data.total.lines)) return 'istanbul-summary';
    const values = Object.values(data);
    if (values.length === 0) return 'istanbul-final';
    if (values.every((value) => isRecord(value) && isRecord(value.statementMap))) {
      return 'istanbul-final';
    }
    return undefined;
  }
  if (trimmed.startsWith('<')) return /<coverage[\s>]/.test(trimmed) ? 'cobertura' : undefined;
  if (/^(TN|SF):/m.test(trimmed) && /end_of_record/.test(trimmed)) return 'lcov';
  // An lcov report of no files (node's test runner writes `TN:` alone when no file was loaded).
  if (/^(TN:[^\n]*\s*)+$/.test(trimmed)) return 'lcov';
  return undefined;
}

/** Parses istanbul `coverage-summary.json` (per-file totals, no line detail). */
export function parseIstanbulSummary(text: string): ParsedCoverageReport {
  const data = JSON.parse(text) as unknown;
  if (!isRecord(data)) throw new Error('not a JSON object');
  const files: ReportedFileCoverage[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (key === 'total' || !isRecord(value) || !isRecord(value.lines)) continue;
    files.push({
      path: key,
      linesTotal: finite(value.lines.total),
      linesCovered: finite(value.lines.covered),
    });
  }
  // A summary without per-file entries still states the total.
  const total = data.total;
  if (files.length === 0 && isRecord(total) && isRecord(total.lines)) {
    files.push({
      path: '(total)',
      linesTotal: finite(total.lines.total),
      linesCovered: finite(total.lines.covered),
    });
  }
  return { format: 'istanbul-summary', sourceRoots: [], files };
}

/**
 * Parses istanbul `coverage-final.json`. Line coverage follows istanbul-lib-coverage: a line is
 * executable when a statement starts on it, and covered when any such statement ran.
 */
export function parseIstanbulFinal(text: string): ParsedCoverageReport {
  const data = JSON.parse(text) as unknown;
  if (!isRecord(data)) throw new Error('not a JSON object');
  const files: ReportedFileCoverage[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (!isRecord(value) || !isRecord(value.statementMap) || !isRecord(value.s)) continue;
    const lines = new Map<number, number>();
    for (const [id, count] of Object.entries(value.s)) {
      const statement = value.statementMap[id];
      if (!isRecord(statement) || !isRecord(statement.start)) continue;
      const line = finite(statement.start.line);
      const hits = finite(count);
      const previous = lines.get(line);
      if (previous === undefined || previous < hits) lines.set(line, hits);
    }
    files.push(fromLineHits(typeof value.path === 'string' ? value.path : key, lines));
  }
  return { format: 'istanbul-final', sourceRoots: [], files };
}

function fromLineHits(file: string, lines: Map<number, number>): ReportedFileCoverage {
  const uncoveredLines: number[] = [];
  let linesCovered = 0;
  for (const [line, hits] of lines) {
    if (hits > 0) linesCovered += 1;
    else uncoveredLines.push(line);
  }
  uncoveredLines.sort((a, b) => a - b);
  const coveredLines = [...lines].filter(([, hits]) => hits > 0).map(([line]) => line);
  return {
    path: file,
    linesTotal: lines.size,
    linesCovered,
    uncoveredLines,
    uncoveredRanges: uncoveredRanges(uncoveredLines, coveredLines),
  };
}

/**
 * Groups uncovered lines into ranges that never contain a covered line, so that blank lines and
 * comments between two uncovered lines do not split a range.
 */
export function uncoveredRanges(
  uncovered: readonly number[],
  covered: readonly number[],
): LineRange[] {
  const coveredSorted = [...covered].sort((a, b) => a - b);
  const ranges: LineRange[] = [];
  let coveredIndex = 0;
  for (const line of [...uncovered].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    // Advance past covered lines before this one; any covered line after `last.end` splits.
    let split = false;
    while (coveredIndex < coveredSorted.length && coveredSorted[coveredIndex]! < line) {
      if (last !== undefined && coveredSorted[coveredIndex]! > last.end) split = true;
      coveredIndex += 1;
    }
    if (last !== undefined && !split) last.end = line;
    else ranges.push({ start: line, end: line });
  }
  return ranges;
}

/** Parses an lcov tracefile (`lcov.info`). Records of the same file are merged (max hits per line). */
export function parseLcov(text: string): ParsedCoverageReport {
  const byFile = new Map<string, { lines: Map<number, number>; lf: number; lh: number }>();
  let current: { lines: Map<number, number>; lf: number; lh: number } | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('SF:')) {
      const file = line.slice(3);
      current = byFile.get(file);
      if (current === undefined) {
        current = { lines: new Map(), lf: 0, lh: 0 };
        byFile.set(file, current);
      }
    } else if (current === undefined) {
    } else if (line.startsWith('DA:')) {
      const [lineNumber, hits] = line.slice(3).split(',');
      const number = Number(lineNumber);
      const count = Number(hits);
      if (!Number.isInteger(number)) continue;
      const previous = current.lines.get(number);
      const value = Number.isFinite(count) ? count : 0;
      if (previous === undefined || previous < value) current.lines.set(number, value);
    } else if (line.startsWith('LF:')) {
      current.lf += Number(line.slice(3)) || 0;
    } else if (line.startsWith('LH:')) {
      current.lh += Number(line.slice(3)) || 0;
    } else if (line === 'end_of_record') {
      current = undefined;
    }
  }
  const files: ReportedFileCoverage[] = [];
  for (const [file, record] of byFile) {
    if (record.lines.size > 0) files.push(fromLineHits(file, record.lines));
    else files.push({ path: file, linesTotal: record.lf, linesCovered: record.lh });
  }
  return { format: 'lcov', sourceRoots: [], files };
}

function decodeXml(value: string): string {
  return value
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(tag);
  if (match === null) return undefined;
  return decodeXml(match[2] ?? match[3] ?? '');
}

/**
 * Parses a Cobertura `coverage.xml` (coverage.py `coverage xml`, istanbul `cobertura`, and others).
 * Every `<class>` element contributes its `<line number hits>` entries; classes of the same file
 * are merged (max hits per line).
 */
export function parseCobertura(text: string): ParsedCoverageReport {
  if (!/<coverage[\s>]/.test(text)) throw new Error('no <coverage> element');
  const sourceRoots = [...text.matchAll(/<source>([^<]*)<\/source>/g)].map((match) =>
    decodeXml(match[1]!.trim()),
  );
  const byFile = new Map<string, Map<number, number>>();
  const classPattern = /<class\b([^>]*?)(\/>|>([\s\S]*?)<\/class>)/g;
  for (const match of text.matchAll(classPattern)) {
    const file = attribute(match[1]!, 'filename');
    if (file === undefined) continue;
    let lines = byFile.get(file);
    if (lines === undefined) {
      lines = new Map();
      byFile.set(file, lines);
    }
    // `<methods>` repeat some lines (the declaration lines); only the class's own `<lines>` count.
    const body = (match[3] ?? '').replace(/<methods>[\s\S]*?<\/methods>/g, '');
    for (const line of body.matchAll(/<line\b[^>]*>/g)) {
      const number = Number(attribute(line[0], 'number'));
      const hits = Number(attribute(line[0], 'hits'));
      if (!Number.isInteger(number)) continue;
      const value = Number.isFinite(hits) ? hits : 0;
      const previous = lines.get(number);
      if (previous === undefined || previous < value) lines.set(number, value);
    }
  }
  const files = [...byFile].map(([file, lines]) => fromLineHits(file, lines));
  return { format: 'cobertura', sourceRoots, files };
}

/** Parses coverage.py's `coverage json` output. */
export function parseCoveragePy(text: string): ParsedCoverageReport {
  const data = JSON.parse(text) as unknown;
  if (!isRecord(data) || !isRecord(data.files)) throw new Error('no "files" object');
  const files: ReportedFileCoverage[] = [];
  for (const [file, value] of Object.entries(data.files)) {
    if (!isRecord(value)) continue;
    const summary = isRecord(value.summary) ? value.summary : {};
    const missing = Array.isArray(value.missing_lines)
      ? value.missing_lines.filter((line): line is number => typeof line === 'number')
      : undefined;
    const executed = Array.isArray(value.executed_lines) ? value.executed_lines.length : undefined;
    const linesTotal =
      typeof summary.num_statements === 'number'
        ? summary.num_statements
        : (executed ?? 0) + (missing?.length ?? 0);
    const linesCovered =
      typeof summary.covered_lines === 'number' ? summary.covered_lines : (executed ?? 0);
    const executedLines = Array.isArray(value.executed_lines)
      ? value.executed_lines.filter((line): line is number => typeof line === 'number')
      : [];
    const sortedMissing = missing === undefined ? undefined : [...missing].sort((a, b) => a - b);
    files.push({
      path: file,
      linesTotal,
      linesCovered,
      ...(sortedMissing === undefined
        ? {}
        : {
            uncoveredLines: sortedMissing,
            uncoveredRanges: uncoveredRanges(sortedMissing, executedLines),
          }),
    });
  }
  return { format: 'coverage-py', sourceRoots: [], files };
}

/** Parses a report of the given format. Throws on malformed input. */
export function parseCoverageReport(text: string, format: CoverageFormat): ParsedCoverageReport {
  switch (format) {
    case 'istanbul-summary':
      return parseIstanbulSummary(text);
    case 'istanbul-final':
      return parseIstanbulFinal(text);
    case 'lcov':
      return parseLcov(text);
    case 'cobertura':
      return parseCobertura(text);
    case 'coverage-py':
      return parseCoveragePy(text);
  }
}

/** A run of consecutive line numbers. */
export interface LineRange {
  start: number;
  end: number;
}

/** `1-3, 7` for display. */
export function formatLineRanges(ranges: readonly LineRange[]): string {
  return ranges
    .map((range) => (range.start === range.end ? `${range.start}` : `${range.start}-${range.end}`))
    .join(', ');
}
