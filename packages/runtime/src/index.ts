/**
 * Durable runs for Baton: a file checkpointer under `.baton/runs/`, the `Runtime` that runs any
 * task graph on the one engine of `@baton/core` with checkpoints, resume, cancellation from other
 * processes, budgets, decisions and an audit log, plans compiled into their strategy's graph,
 * planner-model decomposition, and what the CLI shows of runs.
 *
 * @packageDocumentation
 */

// The engine's names a runtime user needs, from the one place they live.
export {
  assertRunId,
  type Budget,
  BudgetGuard,
  type BudgetRefusal,
  budgetSchema,
  CostLedger,
  computeProgress,
  createTaskGraph,
  criticalPath,
  DEFAULT_APPROVAL_RULES,
  type Decision,
  type DecisionAction,
  type DecisionHandler,
  type DecisionKind,
  decisionSchema,
  type EscalationOptions,
  executionLevels,
  findCycle,
  formatEventLine,
  formatProgressBar,
  GraphCycleError,
  isRetryableError,
  newRunId,
  type ProgressSnapshot,
  RetryableError,
  RunEmitter,
  type RunEvent,
  type RunHandle,
  type RunRecord,
  type RunResult,
  RunState,
  RunStateMachine,
  type RunStatus,
  runStatusSchema,
  type SpendReport,
  type SpendTotals,
  type StepAgent,
  type StepCheckpoint,
  type StepEstimate,
  type StepStatus,
  summarizeGraph,
  type TaskGraph,
  type TaskStep,
  type TierPrices,
  topologicalOrder,
} from '@baton/core';
export {
  type AuditEntry,
  type AuditEntryType,
  AuditLog,
  type AuditLogOptions,
} from './audit-log.js';
export { type CompilablePlan, type CompilePlanOptions, compilePlan } from './compile-plan.js';
export { JsonlEventWriter } from './events.js';
export { FileCheckpointer, type FileCheckpointerOptions } from './file-checkpointer.js';
export {
  type AtomicWriteOptions,
  FILE_MODE,
  FOLDER_MODE,
  isProcessAlive,
  writeFileAtomic,
} from './fs-utils.js';
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
export {
  describeAgentProcess,
  endLeftoverAgent,
  endProcessGroup,
  killGroupOnAbort,
  killProcessGroup,
  processStartTime,
} from './process-group.js';
export { type RenderGraphOptions, renderGraph } from './render-graph.js';
export { type ProjectLayout, projectLayout, RUN_FILES, runDirectory } from './run-paths.js';
export {
  DEFAULT_RETENTION,
  type PruneOptions,
  type RunDetails,
  RunStore,
  type RunStoreOptions,
  type RunSummary,
} from './run-store.js';
export {
  type CancelResult,
  type ExecuteOptions,
  type PlanningRecord,
  Runtime,
  type RuntimeOptions,
  type StartOptions,
  type StartTaskOptions,
} from './runtime.js';
