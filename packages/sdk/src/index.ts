/**
 * `@baton/sdk`: Baton in one call. `createBaton()` plans, runs, resumes and reports a task with a
 * team of agents, the way `baton run` does; the CLI and the server are thin layers over it.
 */

export type { OutcomeRecord, RunChoice } from './composition.js';
export {
  type Baton,
  type BatonOptions,
  budgetOf,
  createBaton,
  type PlanReport,
} from './create-baton.js';
export type { PlanChoice } from './decompose.js';
export type { EventStream } from './event-stream.js';
export type { ExecutorFactory } from './executor-factory.js';
export {
  type BatonWorkerOptions,
  DATABASE_URL_VARIABLE,
  limitGroupOf,
  QUEUE_PREFIX_VARIABLE,
  REDIS_URL_VARIABLE,
  startBatonWorker,
} from './queue-dispatch.js';
export type { RunQualityRecord } from './run-quality.js';
export {
  type AgentReport,
  buildRunReport,
  measuredCostUsd,
  type RunReport,
  type TotalsReport,
  usd,
} from './run-report.js';
export type { PreparedRun, RunComposition, TaskRunHandle, TaskRunOptions } from './task-run.js';
export {
  needsApproval,
  TASK_PRIORITIES,
  TASK_STATUSES,
  TASK_TYPES,
  type TaskEvent,
  type TaskInfo,
  type TaskPriority,
  TaskQueueFullError,
  TaskService,
  type TaskServiceOptions,
  type TaskStatus,
  type TaskSubmission,
  type TaskType,
  taskBudgetSchema,
  taskParametersSchemas,
  taskSubmissionSchema,
} from './task-service.js';
export type { TestCoverageOptions, TestCoverageReport } from './test-coverage.js';
export type { ReleasePrepOptions, SecurityDeepDiveOptions } from './workflows.js';
export { describeTestWriter, type WriterInfo } from './writer-info.js';
