export {
  type AttackSurface,
  attackSurfaceSchema,
  type MapAttackSurfaceOptions,
  mapAttackSurface,
} from './attack-surface.js';
export {
  type AuditDependenciesOptions,
  type AuditResult,
  auditDependencies,
  auditErrorReason,
  auditResultSchema,
  type DependencyAdvisory,
  dependencyAdvisorySchema,
  parseAuditOutput,
  parseAuditReport,
} from './audit.js';
export { CODE_PATTERN_RULES, type CodePatternRule } from './code-patterns.js';
export { DECISION_POINTS, type FunctionMetrics } from './complexity.js';
export {
  type AnalyzeCoverageOptions,
  analyzeCoverage,
  COVERAGE_AFTER_RUN_HINT,
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
export {
  type AnalyzeDocumentationOptions,
  analyzeDocumentation,
  type DocumentationResult,
  documentationResultSchema,
  type PublicSymbol,
  packageDocumentationSchema,
  publicSymbolSchema,
} from './documentation.js';
export {
  DUPLICATION_WINDOW_LINES,
  type DuplicateBlock,
  type DuplicationReport,
  MIN_WINDOW_CHARACTERS,
  measureDuplication,
} from './duplication.js';
export {
  type EntryTarget,
  packageEntryTargets,
  resolveEntrySource,
  resolveRelativeImport,
} from './entry-points.js';
export {
  type LintResult,
  lintResultSchema,
  parseLinterOutput,
  type RunLintersOptions,
  runLinters,
} from './lint.js';
export {
  type DeclaredSymbol,
  type ExportItem,
  type ModuleSummary,
  summariseModule,
} from './module-summary.js';
export { isTestPath, languageOf, SKIPPED_DIRECTORIES, type SourceLanguage } from './paths.js';
export { type ProcessResult, type RunProcessOptions, runProcess } from './process.js';
export {
  ANALYZER_TOOLS,
  type AnalyzeProjectOptions,
  analyzeProject,
  type ProjectAnalysis,
  projectAnalysisSchema,
} from './project-analysis.js';
export {
  type ListProjectFilesOptions,
  listProjectFiles,
  type ProjectFiles,
  projectFilesSchema,
} from './project-files.js';
export {
  type CreateProjectIndexOptions,
  createProjectIndex,
  ProjectIndex,
  type SkippedFile,
} from './project-index.js';
export { type PythonDefinition, scanPythonDefinitions } from './python-docs.js';
export { scanPythonSurface } from './python-surface.js';
export {
  type AnalyzeQualityOptions,
  analyzeQuality,
  QUALITY_FORMULA,
  QUALITY_LIMITS,
  type QualityDeduction,
  type QualityResult,
  qualityDeductionSchema,
  qualityResultSchema,
} from './quality.js';
export { cweForRule, RULE_CWE } from './rule-cwe.js';
export {
  planTestCommand,
  type RunTestsOptions,
  runTestsWithCoverage,
  type TestCommandPlan,
  type TestRun,
  testRunSchema,
} from './run-tests.js';
export type { ScriptFacts } from './script-facts.js';
export { scanScriptSurface } from './script-surface.js';
export {
  looksLikeCredential,
  redactEvidence,
  redactSecret,
  redactSecrets,
  SECRET_RULES,
  type SecretRule,
  shannonEntropy,
} from './secrets.js';
export {
  type ScanSecurityOptions,
  type SecurityResult,
  scanSecurity,
  securityResultSchema,
} from './security.js';
export {
  type SecurityFinding,
  type Severity,
  type SeverityCounts,
  securityFindingSchema,
  severityCountsSchema,
  severitySchema,
} from './security-finding.js';
export {
  LineIndex,
  type ParsedSource,
  type ParseFailure,
  parseFailureSchema,
  parseSource,
  type SourceFile,
} from './source-file.js';
export {
  type AttackSurfaceItem,
  type AttackSurfaceKind,
  attackSurfaceItemSchema,
  attackSurfaceKindSchema,
  type FileSurface,
  type InputSource,
  inputSourceSchema,
  SURFACE_RULES,
  type SurfaceInput,
  type SurfaceRule,
  surfaceInputSchema,
} from './surface-items.js';
export {
  type ScanTlsAuthSettingsOptions,
  scanTlsAuthSettings,
  TLS_AUTH_RULES,
  type TlsAuthResult,
  type TlsAuthRule,
  tlsAuthResultSchema,
} from './tls-auth-settings.js';
export {
  detectPackageManager,
  listWorkspacePackages,
  type PackageManager,
  type WorkspacePackage,
  workspacePackageSchema,
} from './workspace.js';
