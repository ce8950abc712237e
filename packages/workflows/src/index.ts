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
  type AuditAnswer,
  type AuditorFinding,
  auditAnswerSchema,
  auditorFindingSchema,
  type DebateAnswer,
  type DebateVote,
  debateAnswerSchema,
  debateVoteSchema,
  type RemediationAnswer,
  type RemediationEffort,
  remediationAnswerItemSchema,
  remediationAnswerSchema,
  remediationEffortSchema,
  SECURITY_ANSWER_SHAPES,
  SECURITY_DEEP_DIVE_ANSWER,
} from './security-answers.js';
export {
  BUILT_IN_COMPLIANCE_CHECKS,
  type ComplianceCheck,
  type ComplianceConfig,
  type ComplianceResult,
  complianceCheckSchema,
  complianceConfigSchema,
  complianceResultSchema,
  type EvaluateComplianceOptions,
  evaluateCompliance,
  parseSecurityDeepDiveConfig,
  resolveComplianceChecks,
  type SecurityDeepDiveConfig,
  securityDeepDiveConfigSchema,
} from './security-compliance.js';
export {
  type AuditorBallot,
  type DebatedFinding,
  debatedFindingSchema,
  decideFindings,
  type FindingVote,
  findingVoteSchema,
} from './security-debate.js';
export {
  type PhaseResults,
  readAuditSteps,
  readDebateSteps,
  SECURITY_DEEP_DIVE_ROLES,
  type SecurityAgentPhase,
  type SecurityPhaseInput,
  securityDeepDiveGraph,
  securityDeepDiveHooks,
  securityStepId,
} from './security-deep-dive-graph.js';
export {
  type SecurityDeepDiveExecuteOptions,
  type SecurityDeepDiveOptions,
  SecurityDeepDiveWorkflow,
} from './security-deep-dive-workflow.js';
export {
  type CollectSecurityEvidenceOptions,
  collectSecurityEvidence,
  type EvidenceFinding,
  evidenceFindingSchema,
  SECURITY_DEEP_DIVE_TASK_PATTERN,
  type SecurityEvidence,
  securityEvidenceDigest,
  securityEvidenceSchema,
} from './security-evidence.js';
export {
  type AuditorFindings,
  createLocationVerifier,
  type DeepDiveFinding,
  deepDiveFindingSchema,
  type LocationCheck,
  type LocationVerifier,
  type MergeFindingsOptions,
  mergeAuditorFindings,
  type RejectedFinding,
  rejectedFindingSchema,
  type VerifiedLocation,
  verifiedLocationSchema,
} from './security-findings.js';
export {
  judgeSecurityDeepDive,
  openCriticalFindings,
  type SecurityGate,
  type SecurityVerdict,
  type SecurityVerdictInput,
  securityGateSchema,
} from './security-gates.js';
export {
  AUDITOR_FOCUS_INSTRUCTIONS,
  AUDITOR_FOCUSES,
  type AuditorFocus,
  type AuditPhaseOutcome,
  answerOf,
  auditContext,
  auditorIdFor,
  type DebatePhaseOutcome,
  debateContext,
  findingsToVoteOn,
  type MissingAuditor,
  missingAuditorSchema,
  openFindings,
  readAuditPhase,
  readDebatePhase,
  readSynthesisPhase,
  resolveTeamSelection,
  SECURITY_DEEP_DIVE_TASK,
  SECURITY_REVIEWER_ID,
  type SecurityTeam,
  type SpawnSecurityTeamOptions,
  spawnSecurityTeam,
  synthesisContext,
} from './security-phases.js';
export {
  type BuildRemediationPlanOptions,
  buildRemediationPlan,
  type DisputedFindingEntry,
  disputedEntries,
  disputedFindingEntrySchema,
  type OpenFinding,
  type RemediationItem,
  type RemediationPlan,
  remediationItemSchema,
  remediationPlanSchema,
} from './security-remediation.js';
export {
  type SecurityAgentRun,
  SecurityDeepDiveReport,
  type SecurityDeepDiveReportData,
  type SecurityUsage,
  securityAgentRunSchema,
  securityDeepDiveReportSchema,
  securityUsageSchema,
} from './security-report.js';
export {
  formatSecurityConsole,
  formatSecurityMarkdown,
  formatSecuritySarif,
  SECURITY_LIST_LIMIT,
} from './security-report-formats.js';
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
export {
  gatesPassedScore,
  recordWorkflowComposition,
} from './workflow-composition.js';
export {
  runWorkflowGraph,
  stepResult,
  type WorkflowRun,
  type WorkflowRunOptions,
  type WorkflowRuntimeOption,
  workflowRuntime,
} from './workflow-run.js';
