/**
 * Baton's workflows: the release readiness check CI users run. Four agents measure the project
 * in parallel (security, test coverage, code quality, documentation), quality gates judge the
 * measured figures, and the report comes as console text, JSON, Markdown or SARIF.
 * The learning loop (`chooseComposition`, `recordCompositionOutcome`) reuses teams that proved
 * themselves; it is also available alone as `@baton/workflows/composition-learning`.
 *
 * @example
 * ```ts
 * import { OrchestratedReleasePrepWorkflow, exitCodeFor } from '@baton/workflows';
 *
 * const report = await new OrchestratedReleasePrepWorkflow().execute({ path: '.' });
 * console.log(report.formatConsoleOutput());
 * process.exitCode = exitCodeFor(report);
 * ```
 *
 * @packageDocumentation
 */
export {
  type ChooseCompositionOptions,
  type ChosenComposition,
  type CompositionChoiceBasis,
  type CompositionOutcomeRecord,
  type CompositionStanding,
  type CompositionToRecord,
  chooseComposition,
  compositionIdFor,
  isProvenComposition,
  qualityScoreFromConfidences,
  REUSE_SUCCESS_RATE,
  type RecordCompositionOutcomeOptions,
  recordCompositionOutcome,
  taskPatternOf,
} from './composition-learning.js';
export {
  DEFAULT_RELEASE_GATES,
  evaluateGate,
  type GateMeasurement,
  type QualityGate,
  qualityGateSchema,
  RELEASE_GATES,
  type ReleaseCheck,
  type ReleaseGateDefinition,
  type ReleaseGateInput,
  type ReleaseGateKey,
  type ReleaseGateThresholds,
  resolveReleaseGates,
} from './quality-gates.js';
export {
  type CoverageAgentOutput,
  collectEvidence,
  DEFAULT_RELEASE_AGENT_IDS,
  type DocumentationAgentOutput,
  isReleaseAgentOutput,
  type ModelReview,
  modelReviewAnswerSchema,
  type QualityAgentOutput,
  RELEASE_AGENT_CHECKS,
  RELEASE_TASK_PATTERN,
  type ReleaseAgentOutput,
  type ReleaseEvidence,
  type ReviewFinding,
  reviewFindingSchema,
  type SecurityAgentOutput,
} from './release-evidence.js';
export {
  createReleaseExecutor,
  DEFAULT_RELEASE_ANALYZERS,
  evidenceDigest,
  MODEL_REVIEW_TASK,
  type ReleaseAnalyzers,
  type ReleaseExecutorOptions,
  type ReleaseMeasureOptions,
} from './release-executor.js';
export {
  OrchestratedReleasePrepWorkflow,
  RELEASE_TASK,
  type ReleasePrepExecuteOptions,
  type ReleasePrepWorkflowOptions,
} from './release-prep-workflow.js';
export {
  type CompositionRecord,
  compositionRecordSchema,
  confidenceFor,
  type ReleaseConfidence,
  ReleaseReadinessReport,
  type ReleaseReadinessReportData,
  releaseConfidenceSchema,
  releaseReadinessReportSchema,
} from './release-readiness-report.js';
export {
  exitCodeFor,
  formatConsoleOutput,
  formatFigure,
  formatMarkdown,
  formatSarif,
  SARIF_SCHEMA,
  type SarifLog,
  type SarifOptions,
  TOP_FINDINGS_LIMIT,
} from './report-formats.js';
export {
  formatTestCoverageBoost,
  rejectedTestSchema,
  TEST_COVERAGE_BOOST_TASK_PATTERN,
  TEST_WRITER_TASK,
  type TestCoverageBoostOptions,
  type TestCoverageBoostResult,
  TestCoverageBoostWorkflow,
  type TestWriterAnswer,
  testCoverageBoostResultSchema,
  testWriterAnswerSchema,
} from './test-coverage-boost-workflow.js';
