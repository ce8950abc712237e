export {
  type AnalyzeCoverageOptions,
  analyzeCoverage,
  COVERAGE_HINT,
  COVERAGE_REPORT_LOCATIONS,
  type CoverageReport,
  type CoverageResult,
  coveragePercent,
  coverageReportSchema,
  coverageResultSchema,
  type FileCoverage,
  fileCoverageSchema,
  measuredCoverageSchema,
  unknownCoverageSchema,
} from './coverage.js';
export {
  type CoverageFormat,
  coverageFormatSchema,
  detectCoverageFormat,
  type LineRange,
  type ParsedCoverageReport,
  parseCoverageReport,
  type ReportedFileCoverage,
} from './coverage-reports.js';
export { isTestPath, languageOf, SKIPPED_DIRECTORIES, type SourceLanguage } from './paths.js';
export { type ProcessResult, type RunProcessOptions, runProcess } from './process.js';
export {
  type ListProjectFilesOptions,
  listProjectFiles,
  type ProjectFiles,
  projectFilesSchema,
} from './project-files.js';
export {
  type RunTestsOptions,
  runTestsWithCoverage,
  type TestRun,
  testRunSchema,
} from './run-tests.js';
export {
  detectPackageManager,
  listWorkspacePackages,
  type PackageManager,
  type WorkspacePackage,
  workspacePackageSchema,
} from './workspace.js';
