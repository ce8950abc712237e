export {
  abortReason,
  delay,
  MAX_TIMER_MS,
  mergeAbortSignals,
  throwIfAborted,
  type WithTimeoutOptions,
  withTimeout,
} from './abort.js';
export { BATON_LAYOUT } from './baton-layout.js';
export { mapWithConcurrency } from './concurrency.js';
export {
  CompositionPattern,
  compositionPatternSchema,
  DEFAULT_TIER,
  TaskComplexity,
  TaskDomain,
  TIER_COST_UNITS,
  TIERS,
  Tier,
  taskComplexitySchema,
  taskDomainSchema,
  tierRank,
  tierSchema,
} from './constants.js';
export {
  type Budget,
  type BudgetAdmission,
  BudgetGuard,
  type BudgetLimit,
  type BudgetRefusal,
  type BudgetTicket,
  budgetSchema,
  CostLedger,
  estimateAgentCost,
  type LedgerEntry,
  type SpendReport,
  type SpendTotals,
  type StepEstimate,
  type TierPrices,
} from './engine/budget.js';
export type {
  Checkpointer,
  Listed,
  ListRunsOptions,
  RunOwner,
  StepUsageRecord,
  StoredSteps,
} from './engine/checkpointer.js';
export {
  type ApprovalRule,
  type ApprovalRuleInput,
  approvalRuleSchema,
  DECISION_ID,
  DEFAULT_APPROVAL_RULES,
  type Decision,
  type DecisionAction,
  type DecisionKind,
  decisionSchema,
  matchApprovalRule,
  type NewDecision,
  newDecisionId,
  parseApprovalRules,
} from './engine/decisions.js';
export {
  Engine,
  type EngineOptions,
  validateRunOptions,
} from './engine/engine.js';
export {
  type AuditInput,
  DEFAULT_CONCURRENCY,
  DEFAULT_STEP_TIMEOUT_SECONDS,
  DEFAULT_STOP_GRACE_MS,
  type EngineRunOptions,
  type RunHandle,
  type RunResult,
  type StartRunOptions,
  type StepOutcome,
} from './engine/engine-types.js';
export {
  applyDeadlines,
  DEFAULT_ESCALATION_CONFIDENCE,
  type DecisionEffect,
  type DecisionHandler,
  type EscalationOptions,
  effectOf,
  resolveDecision,
} from './engine/escalation.js';
export {
  BatonEmitter,
  type BatonEventMap,
  type BudgetExceededEvent,
  type DecisionPendingEvent,
  type DecisionResolvedEvent,
  formatConfidence,
  formatEventLine,
  type PhaseStartEvent,
  RunEmitter,
  type RunEndEvent,
  type RunEvent,
  type RunEventBase,
  type RunEventMap,
  type RunEventType,
  type RunNoticeEvent,
  type RunStartEvent,
  type StateChangeEvent,
  type StepEndEvent,
  type StepFallbackEvent,
  type StepRetryEvent,
  type StepStartEvent,
  type StepUsageEvent,
  spendCost,
  spendTokens,
} from './engine/events.js';
export {
  failedResult,
  readExecutorAnswer,
  thrownFailureText,
} from './engine/executor-answer.js';
export {
  candidatesOf,
  type FallbackOptions,
  type StepCandidate,
  withFallbacks,
} from './engine/fallbacks.js';
export {
  type CriticalPath,
  criticalPath,
  executionLevels,
  findCycle,
  GraphCycleError,
  type GraphNode,
  topologicalOrder,
} from './engine/graph-algorithms.js';
export {
  agentResults,
  aggregateResults,
  averageConfidence,
  defaultOutcome,
  dependencyContext,
  errorsOf,
  type GraphHooks,
  type RunOutcome,
  type RunView,
  type StepTiming,
  sumDurations,
  wallSeconds,
} from './engine/graph-hooks.js';
export { toJsonSafe } from './engine/graph-run.js';
export {
  MemoryCheckpointer,
  type MemoryCheckpointerOptions,
} from './engine/memory-checkpointer.js';
export {
  computeProgress,
  FINISHED_STEP_STATUSES,
  formatProgressBar,
  isFinishedStatus,
  type ProgressSnapshot,
  type StepStatus,
} from './engine/progress.js';
export {
  type AgentProcess,
  type AttemptRecord,
  agentProcessSchema,
  attemptRecordSchema,
  parseStoredRunRecord,
  RESUMABLE_STATUSES,
  RUN_RECORD_VERSION,
  type RunRecord,
  type RunStatus,
  runRecordSchema,
  runStatusSchema,
  type StateProblem,
  type StepCheckpoint,
  type StepFailureKind,
  stepCheckpointSchema,
  stepFailureKindSchema,
} from './engine/records.js';
export { isRetryableError, RetryableError, retryAfterMsOf } from './engine/retryable.js';
export { assertRunId, newRunId } from './engine/run-id.js';
export {
  IllegalTransitionError,
  RUN_STATES,
  RUN_TRANSITIONS,
  RUN_TRIGGERS,
  RunState,
  RunStateMachine,
  type RunStateMachineOptions,
  RunTrigger,
  type TransitionRecord,
  type TransitionRule,
} from './engine/state-machine.js';
export { checkpointOf, foldStoredEvents } from './engine/stored-events.js';
export {
  checkTaskGraph,
  createTaskGraph,
  DEFAULT_RETRY_POLICY,
  type GraphSummary,
  type RetryPolicy,
  type RetryPolicyInput,
  retryPolicySchema,
  type StepAgent,
  type StepFallback,
  stepAgentSchema,
  stepFallbackSchema,
  stepIdSchema,
  stepLabel,
  summarizeGraph,
  type TaskGraph,
  type TaskGraphInput,
  type TaskStep,
  type TaskStepInput,
  taskGraphSchema,
  taskStepSchema,
} from './engine/task-graph.js';
export {
  AbortedError,
  BatonError,
  BatonErrorCode,
  type BatonErrorOptions,
  describeError,
  TimeoutError,
  toBatonError,
  ValidationError,
  type ValidationIssue,
} from './errors.js';
export type {
  AgentExecutionOptions,
  AgentExecutionOutput,
  AgentExecutor,
  ExecutableAgent,
} from './executor.js';
export { formatUsd } from './format.js';
export { jsonDepthExceeds, MAX_JSON_DEPTH } from './json-depth.js';
export { type Logger, noopLogger } from './logger.js';
export {
  DEFAULT_MODEL_PRICES,
  DEFAULT_TIER_MODELS,
  findModelPrice,
  type ModelPrice,
  type ModelPriceTable,
  modelPriceSchema,
  priceUsage,
  type TierModels,
  unpricedModelNote,
} from './model-prices.js';
export { backoffDelay, parseRetryAfter, type RetryOptions, retry } from './retry.js';
export {
  type Agent,
  type AgentCapability,
  type AgentResult,
  type AgentTemplate,
  type AgentTemplateInput,
  agentCapabilitySchema,
  agentResultSchema,
  agentSchema,
  agentTeamSchema,
  agentTemplateSchema,
  checkUniqueAgentIds,
  DEFAULT_RESOURCE_REQUIREMENTS,
  type ExecutionPlan,
  executionPlanSchema,
  type QualityGates,
  qualityGatesSchema,
  type ResourceRequirements,
  resourceRequirementsSchema,
  type StrategyResult,
  strategyResultSchema,
  type TaskRequirements,
  taskRequirementsSchema,
  type Usage,
  usageSchema,
} from './schemas.js';
export {
  GENERIC_SECRET_RULE,
  looksLikeCredential,
  redactDeep,
  redactSecret,
  redactSecrets,
  SECRET_RULES,
  type SecretRule,
  type SecretSeverity,
  shannonEntropy,
} from './secret-masking.js';
export { type ParseOptions, parseWith, zodIssues } from './validate.js';
