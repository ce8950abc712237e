/**
 * Scale-out dispatch for Baton on BullMQ: `createQueueExecutor` is an executor for the engine
 * that sends each agent call as a job to a Redis queue (one per limit group), and
 * `startWorker` runs those jobs on any machine with that machine's executors. The engine keeps
 * all scheduling (dependencies, conditions, retries, budgets, escalations); run state stays in
 * the coordinator's checkpointer (e.g. `@baton/checkpointer-postgres`).
 *
 * @packageDocumentation
 */

export {
  AGENT_JOB_VERSION,
  type AgentJobData,
  type AgentJobResult,
  agentJobDataSchema,
  agentJobResultSchema,
  type ThrownError,
} from './job-protocol.js';
export {
  createQueueExecutor,
  type LimitGroupOf,
  type QueueDelivery,
  type QueueExecutor,
  type QueueExecutorOptions,
  type QueueRun,
} from './queue-executor.js';
export {
  DEFAULT_GROUP,
  DEFAULT_PREFIX,
  DEFAULT_QUEUE_NAME,
  type RedisConnection,
} from './queue-names.js';
export { type QueueWorker, startWorker, type WorkerOptions } from './queue-worker.js';
export {
  parseRateLimits,
  type RateLimit,
  type RateLimits,
  rateLimitSchema,
  rateLimitsSchema,
} from './rate-limits.js';
