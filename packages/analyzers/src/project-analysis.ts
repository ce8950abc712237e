import path from 'node:path';
import { type Logger, noopLogger } from '@baton/core';
import { z } from 'zod';
import { type AnalyzeCoverageOptions, analyzeCoverage, coverageResultSchema } from './coverage.js';
import {
  type AnalyzeDocumentationOptions,
  analyzeDocumentation,
  documentationResultSchema,
} from './documentation.js';
import { createProjectIndex } from './project-index.js';
import { type AnalyzeQualityOptions, analyzeQuality, qualityResultSchema } from './quality.js';
import { type ScanSecurityOptions, scanSecurity, securityResultSchema } from './security.js';

/** Everything {@link analyzeProject} measured. */
export const projectAnalysisSchema = z.object({
  /** Absolute project root. */
  root: z.string(),
  coverage: coverageResultSchema,
  security: securityResultSchema,
  quality: qualityResultSchema,
  documentation: documentationResultSchema,
  /** Wall time of the whole analysis in seconds. */
  durationSeconds: z.number(),
});
/** Everything {@link analyzeProject} measured. */
export type ProjectAnalysis = z.infer<typeof projectAnalysisSchema>;

type Shared = 'root' | 'signal' | 'logger' | 'index' | 'projectFiles';

/** Options for {@link analyzeProject}: one options object per analysis, without the shared parts. */
export interface AnalyzeProjectOptions {
  root: string;
  coverage?: Omit<AnalyzeCoverageOptions, Shared>;
  security?: Omit<ScanSecurityOptions, Shared>;
  quality?: Omit<AnalyzeQualityOptions, Shared>;
  documentation?: Omit<AnalyzeDocumentationOptions, Shared>;
  signal?: AbortSignal;
  logger?: Logger;
}

/**
 * Runs the four release-readiness analyses on one shared project index (files listed and read
 * once, each JS/TS file parsed once): coverage, security, quality and documentation.
 *
 * @example
 * ```ts
 * const analysis = await analyzeProject({ root: '.', security: { runAudit: true } });
 * console.log(analysis.coverage.summary, analysis.security.criticalCount);
 * ```
 */
export async function analyzeProject(options: AnalyzeProjectOptions): Promise<ProjectAnalysis> {
  const { signal, logger = noopLogger } = options;
  const started = performance.now();
  const root = path.resolve(options.root);
  const index = await createProjectIndex({ root, signal, logger });
  const shared = { root, signal, logger };
  // Test runs, audits and linters are child processes; they overlap with the static analyses.
  const coverage = analyzeCoverage({ ...options.coverage, ...shared, projectFiles: index.listing });
  coverage.catch(() => {});
  const security = scanSecurity({ ...options.security, ...shared, index });
  security.catch(() => {});
  const quality = await analyzeQuality({ ...options.quality, ...shared, index });
  const documentation = await analyzeDocumentation({ ...options.documentation, ...shared, index });
  return {
    root,
    coverage: await coverage,
    security: await security,
    quality,
    documentation,
    durationSeconds: (performance.now() - started) / 1000,
  };
}

/**
 * The analyzers under the tool names Baton's agent templates list: `coverage_analyzer`,
 * `security_scanner`, `code_quality_analyzer` (the code reviewer's linter/complexity tool),
 * `doc_generator` (documentation coverage) and `ast_parser` (the shared project index).
 */
export const ANALYZER_TOOLS = {
  coverage_analyzer: analyzeCoverage,
  security_scanner: scanSecurity,
  code_quality_analyzer: analyzeQuality,
  doc_generator: analyzeDocumentation,
  ast_parser: createProjectIndex,
} as const;
