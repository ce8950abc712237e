export {
  type AuditEntry,
  type AuditEntryType,
  AuditLog,
  type AuditLogOptions,
} from './audit-log.js';
export {
  type Budget,
  BudgetGuard,
  type BudgetLimit,
  type BudgetRefusal,
  budgetSchema,
  CostLedger,
  estimateAgentCost,
  type LedgerEntry,
  type SpendReport,
  type SpendTotals,
  type StepEstimate,
  type TierPrices,
} from './budget.js';
export { type CompilablePlan, type CompilePlanOptions, compilePlan } from './compile-plan.js';
export {
  type ApprovalRule,
  type ApprovalRuleInput,
  approvalRuleSchema,
  DEFAULT_APPROVAL_RULES,
  type Decision,
  type DecisionAction,
  type DecisionKind,
  DecisionStore,
  type DecisionStoreOptions,
  decisionSchema,
  matchApprovalRule,
  type NewDecision,
  parseApprovalRules,
} from './decisions.js';
export {
  type CancelResult,
  DEFAULT_STEP_TIMEOUT_SECONDS,
  type DecisionHandler,
  type EscalationOptions,
  type ExecuteOptions,
  type PlanningRecord,
  type RunHandle,
  type RunResult,
  Runtime,
  type RuntimeOptions,
  type StartOptions,
  type StartTaskOptions,
  type StepOutcome,
} from './engine.js';
export {
  type BudgetExceededEvent,
  type DecisionPendingEvent,
  type DecisionResolvedEvent,
  formatEventLine,
  JsonlEventWriter,
  RunEmitter,
  type RunEndEvent,
  type RunEvent,
  type RunEventBase,
  type RunEventMap,
  type RunStartEvent,
  type StateChangeEvent,
  type StepEndEvent,
  type StepFallbackEvent,
  type StepRetryEvent,
  type StepStartEvent,
  type StepUsageEvent,
} from './events.js';
export { type AtomicWriteOptions, isProcessAlive, writeFileAtomic } from './fs-utils.js';
export {
  type CriticalPath,
  criticalPath,
  executionLevels,
  findCycle,
  GraphCycleError,
  type GraphNode,
  topologicalOrder,
} from './graph-algorithms.js';
export {
  type LiveProgress,
  ProgressTracker,
  type RunningStep,
  renderProgress,
} from './live-progress.js';
export {
  buildPlannerPrompt,
  type PlannerModel,
  type PlannerSubtask,
  type PlanTaskOptions,
  type PlanTaskResult,
  parsePlannerOutput,
  plannerOutputSchema,
  planTask,
} from './planner.js';
export { killGroupOnAbort, killProcessGroup } from './process-group.js';
export {
  computeProgress,
  FINISHED_STEP_STATUSES,
  formatProgressBar,
  isFinishedStatus,
  type ProgressSnapshot,
  type StepStatus,
} from './progress.js';
export { type AttemptRecord, attemptRecordSchema } from './records.js';
export { type RenderGraphOptions, renderGraph } from './render-graph.js';
export { isRetryableError, RetryableError, retryAfterMsOf } from './retryable.js';
export { assertRunId, newRunId } from './run-paths.js';
export {
  DEFAULT_RETENTION,
  type PruneOptions,
  RESUMABLE_STATUSES,
  type RunDetails,
  type RunRecord,
  type RunStatus,
  RunStore,
  type RunStoreOptions,
  type RunSummary,
  runRecordSchema,
  runStatusSchema,
  type StepCheckpoint,
  type StepFailureKind,
  stepCheckpointSchema,
  stepFailureKindSchema,
} from './run-store.js';
export {
  IllegalTransitionError,
  RUN_STATES,
  RUN_TRANSITIONS,
  RunState,
  RunStateMachine,
  type RunStateMachineOptions,
  RunTrigger,
  type TransitionRecord,
  type TransitionRule,
} from './state-machine.js';
export {
  createTaskGraph,
  type GraphSummary,
  type RetryPolicy,
  type RetryPolicyInput,
  retryPolicySchema,
  type StepAgent,
  type StepCondition,
  type StepFallback,
  stepAgentSchema,
  stepConditionSchema,
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
} from './task-graph.js';
