import { type Logger, noopLogger, throwIfAborted } from '@baton/core';
import { z } from 'zod';
import { type FunctionMetrics, pythonFunctionMetrics } from './complexity.js';
import { measureDuplication } from './duplication.js';
import { LINT_SETUP_HINT, type LintResult, lintResultSchema, runLinters } from './lint.js';
import { isGeneratedPath } from './paths.js';
import { createProjectIndex, type ProjectIndex } from './project-index.js';
import { parseFailureSchema, type SourceFile } from './source-file.js';

/** Limits a function or file is measured against. */
export const QUALITY_LIMITS = {
  /** A function with a higher cyclomatic complexity is complex. */
  complexity: 10,
  /** A function with more lines is oversized. */
  functionLines: 80,
  /** A file with more lines is oversized. */
  fileLines: 500,
} as const;

/**
 * The score formula. Every deduction is capped; the score is 10 minus their sum, clamped to
 * 0..10 and rounded to one decimal.
 */
export const QUALITY_FORMULA =
  'score = clamp(10 - sum(deductions), 0, 10), one decimal. Deductions: ' +
  'lint errors min(3, 0.5 x errors per 1,000 lines); lint warnings min(1, 0.1 x warnings per 1,000 lines); ' +
  `complex functions (complexity > ${QUALITY_LIMITS.complexity}) min(2, 20 x share of functions); ` +
  `oversized functions (> ${QUALITY_LIMITS.functionLines} lines) min(1.5, 15 x share of functions); ` +
  `oversized files (> ${QUALITY_LIMITS.fileLines} lines) min(1, 5 x share of files); ` +
  'duplicated code min(2.5, 0.25 x duplicated-line percent). A signal that was not measured deducts nothing and is listed under notMeasured.';

const functionSchema = z.object({
  name: z.string(),
  file: z.string(),
  line: z.number().int(),
  lines: z.number().int(),
  complexity: z.number().int(),
});

/** One deduction from the score. */
export const qualityDeductionSchema = z.object({
  /** lint-errors, lint-warnings, complex-functions, oversized-functions, oversized-files, duplication */
  signal: z.string(),
  /** The measured value the deduction comes from. */
  measured: z.number(),
  /** How the measured value is expressed, e.g. `errors per 1,000 lines`. */
  unit: z.string(),
  /** Points taken off (0 when the signal is clean). */
  points: z.number(),
  /** The most points this signal can take. */
  maxPoints: z.number(),
  /** How the points were computed. */
  detail: z.string(),
});
/** One deduction from the score. */
export type QualityDeduction = z.infer<typeof qualityDeductionSchema>;

/** The result of {@link analyzeQuality}. */
export const qualityResultSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('measured'),
    /** 0..10. */
    score: z.number(),
    formula: z.string(),
    /** Every deduction, including those of 0 points. */
    deductions: z.array(qualityDeductionSchema),
    /** Signals that could not be measured, with the reason (they deduct nothing). */
    notMeasured: z.array(z.object({ signal: z.string(), reason: z.string() })),
    metrics: z.object({
      files: z.number().int(),
      /** Non-blank lines of the analysed files. */
      linesOfCode: z.number().int(),
      functions: z.number().int(),
      averageComplexity: z.number(),
      maxComplexity: z.number().int(),
      complexFunctions: z.number().int(),
      oversizedFunctions: z.number().int(),
      oversizedFiles: z.number().int(),
      duplicatedLines: z.number().int(),
      significantLines: z.number().int(),
      duplicationPercent: z.number(),
    }),
    lint: lintResultSchema,
    /** Functions above the complexity limit, most complex first (at most 25). */
    complexFunctions: z.array(functionSchema),
    /** Functions above the size limit, longest first (at most 25). */
    oversizedFunctions: z.array(functionSchema),
    /** Files above the size limit, longest first. */
    oversizedFiles: z.array(z.object({ file: z.string(), lines: z.number().int() })),
    /** The longest duplicated blocks. */
    duplicateBlocks: z.array(
      z.object({
        file: z.string(),
        startLine: z.number().int(),
        endLine: z.number().int(),
        duplicateOf: z.object({
          file: z.string(),
          startLine: z.number().int(),
          endLine: z.number().int(),
        }),
      }),
    ),
    parseFailures: z.array(parseFailureSchema),
    /** Measurements that failed (a configured linter that crashed, files that did not parse). */
    warnings: z.array(z.string()),
    /**
     * Signals left out for a reason that is no fault of the measurement (no linter configured,
     * linting not requested), with how to include them.
     */
    notes: z.array(z.string()),
    summary: z.string(),
  }),
  z.object({
    status: z.literal('unknown'),
    reason: z.string(),
    lint: lintResultSchema,
    warnings: z.array(z.string()),
    notes: z.array(z.string()),
    summary: z.string(),
  }),
]);
/** The result of {@link analyzeQuality}. */
export type QualityResult = z.infer<typeof qualityResultSchema>;

/** Options for {@link analyzeQuality}. */
export interface AnalyzeQualityOptions {
  root: string;
  /** A project index to share with other analyses. */
  index?: ProjectIndex;
  /** Run the project's configured linters (default true). */
  runLint?: boolean;
  /** Time limit per linter in seconds (default 300). */
  lintTimeoutSeconds?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

const round = (value: number, digits = 2): number =>
  Math.round(value * 10 ** digits) / 10 ** digits;

/** True for a file the quality measures judge: JS/TS/Python source, not tests, not generated. */
export function isQualitySource(file: SourceFile): boolean {
  return file.language !== undefined && !file.isTest && !isGeneratedPath(file.path);
}

/**
 * Scores code quality 0..10 from measured signals: lint errors and warnings (the project's ESLint,
 * Biome or ruff when configured), cyclomatic complexity per function, oversized functions and
 * files, and duplicated code. Test code, fixtures and generated files are not judged. The formula
 * is {@link QUALITY_FORMULA}; the result lists every deduction.
 *
 * @example
 * ```ts
 * const quality = await analyzeQuality({ root: '.' });
 * if (quality.status === 'measured') {
 *   console.log(quality.score);
 *   for (const d of quality.deductions) console.log(d.signal, d.points, d.detail);
 * }
 * ```
 */
export async function analyzeQuality(options: AnalyzeQualityOptions): Promise<QualityResult> {
  const { signal, logger = noopLogger, runLint = true } = options;
  throwIfAborted(signal);
  const index = options.index ?? (await createProjectIndex({ root: options.root, signal, logger }));
  const lintPromise: Promise<LintResult> = runLint
    ? runLinters({
        root: index.root,
        ...(options.lintTimeoutSeconds === undefined
          ? {}
          : { timeoutSeconds: options.lintTimeoutSeconds }),
        ...(signal === undefined ? {} : { signal }),
      })
    : Promise.resolve({
        status: 'not-measured',
        cause: 'not-requested',
        reason: 'linting was not requested',
      });
  lintPromise.catch(() => {});

  const sources = index.files.filter(isQualitySource);
  const functions: FunctionMetrics[] = [];
  const fileSizes: Array<{ file: string; lines: number }> = [];
  let linesOfCode = 0;
  for (const [position, file] of sources.entries()) {
    if (position % 256 === 0) throwIfAborted(signal);
    let nonBlank = 0;
    let total = 1;
    for (let cursor = 0; cursor < file.text.length; ) {
      const next = file.text.indexOf('\n', cursor);
      const end = next === -1 ? file.text.length : next;
      if (file.text.slice(cursor, end).trim() !== '') nonBlank += 1;
      if (next === -1) break;
      total += 1;
      cursor = next + 1;
    }
    linesOfCode += nonBlank;
    fileSizes.push({ file: file.path, lines: total });
    if (file.language === 'python') functions.push(...pythonFunctionMetrics(file));
    else {
      const facts = index.scriptFacts(file);
      if (facts !== undefined) functions.push(...facts.functions);
    }
  }
  const parseFailures = index.parseFailures.filter((failure) =>
    sources.some((file) => file.path === failure.path),
  );
  const duplication = measureDuplication(sources);
  const lint = await lintPromise;
  const warnings: string[] = [];
  if (parseFailures.length > 0)
    warnings.push(
      `${parseFailures.length} file(s) could not be parsed; their functions were not measured`,
    );

  if (sources.length === 0) {
    const reason = 'no JavaScript, TypeScript or Python source files outside tests';
    return {
      status: 'unknown',
      reason,
      lint,
      warnings,
      notes: [],
      summary: `Code quality unknown: ${reason}`,
    };
  }

  const complex = functions.filter((item) => item.complexity > QUALITY_LIMITS.complexity);
  const oversized = functions.filter((item) => item.lines > QUALITY_LIMITS.functionLines);
  const bigFiles = fileSizes.filter((item) => item.lines > QUALITY_LIMITS.fileLines);
  const kloc = linesOfCode / 1000;
  const deductions: QualityDeduction[] = [];
  const notMeasured: Array<{ signal: string; reason: string }> = [];
  const notes: string[] = [];
  const deduct = (
    signalName: string,
    measured: number,
    unit: string,
    factor: number,
    maxPoints: number,
    detail: string,
  ): void => {
    const points = round(Math.min(maxPoints, factor * measured));
    deductions.push({
      signal: signalName,
      measured: round(measured, 4),
      unit,
      points,
      maxPoints,
      detail: `${detail}: min(${maxPoints}, ${factor} x ${round(measured, 4)}) = ${points}`,
    });
  };
  if (lint.status === 'measured') {
    deduct(
      'lint-errors',
      kloc === 0 ? 0 : lint.errors / kloc,
      'errors per 1,000 lines',
      0.5,
      3,
      `${lint.errors} lint errors in ${linesOfCode} lines`,
    );
    deduct(
      'lint-warnings',
      kloc === 0 ? 0 : lint.warnings / kloc,
      'warnings per 1,000 lines',
      0.1,
      1,
      `${lint.warnings} lint warnings in ${linesOfCode} lines`,
    );
  } else {
    notMeasured.push({ signal: 'lint', reason: lint.reason });
    if (lint.cause === 'failed') warnings.push(`Lint not measured: ${lint.reason}`);
    else {
      const hint = lint.cause === 'not-configured' ? `. ${LINT_SETUP_HINT}` : '';
      notes.push(`No linter ran: ${lint.reason}${hint}`);
    }
  }
  const share = (count: number, of: number): number => (of === 0 ? 0 : count / of);
  deduct(
    'complex-functions',
    share(complex.length, functions.length),
    'share of functions',
    20,
    2,
    `${complex.length} of ${functions.length} functions have complexity > ${QUALITY_LIMITS.complexity}`,
  );
  deduct(
    'oversized-functions',
    share(oversized.length, functions.length),
    'share of functions',
    15,
    1.5,
    `${oversized.length} of ${functions.length} functions have > ${QUALITY_LIMITS.functionLines} lines`,
  );
  deduct(
    'oversized-files',
    share(bigFiles.length, fileSizes.length),
    'share of files',
    5,
    1,
    `${bigFiles.length} of ${fileSizes.length} files have > ${QUALITY_LIMITS.fileLines} lines`,
  );
  deduct(
    'duplication',
    duplication.percent,
    'percent of significant lines',
    0.25,
    2.5,
    `${duplication.duplicatedLines} of ${duplication.significantLines} significant lines are duplicated (${duplication.percent}%)`,
  );
  const total = deductions.reduce((sum, item) => sum + item.points, 0);
  const score = round(Math.min(10, Math.max(0, 10 - total)), 1);
  const complexities = functions.map((item) => item.complexity);
  const maxComplexity = complexities.length === 0 ? 0 : Math.max(...complexities);
  const averageComplexity =
    complexities.length === 0
      ? 0
      : round(complexities.reduce((a, b) => a + b, 0) / complexities.length);
  const lintText = lint.status === 'measured' ? `${lint.errors} lint errors` : 'lint not measured';
  return {
    status: 'measured',
    score,
    formula: QUALITY_FORMULA,
    deductions,
    notMeasured,
    metrics: {
      files: sources.length,
      linesOfCode,
      functions: functions.length,
      averageComplexity,
      maxComplexity,
      complexFunctions: complex.length,
      oversizedFunctions: oversized.length,
      oversizedFiles: bigFiles.length,
      duplicatedLines: duplication.duplicatedLines,
      significantLines: duplication.significantLines,
      duplicationPercent: duplication.percent,
    },
    lint,
    complexFunctions: [...complex]
      .sort((a, b) => b.complexity - a.complexity || a.file.localeCompare(b.file))
      .slice(0, 25),
    oversizedFunctions: [...oversized]
      .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file))
      .slice(0, 25),
    oversizedFiles: bigFiles.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file)),
    duplicateBlocks: duplication.blocks,
    parseFailures,
    warnings,
    notes,
    summary: `Quality score ${score}/10 (${sources.length} files, ${functions.length} functions, ${complex.length} complex, ${duplication.percent}% duplicated, ${lintText})`,
  };
}
