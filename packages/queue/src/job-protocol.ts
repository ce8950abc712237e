import {
  type AgentExecutionOutput,
  describeError,
  isRetryableError,
  RetryableError,
  retryAfterMsOf,
  stepAgentSchema,
  usageSchema,
} from '@baton/core';
import { z } from 'zod';

/** The format of {@link AgentJobData}; a worker refuses jobs of another. */
export const AGENT_JOB_VERSION = 1;

/** What one agent call carries to a worker: the BullMQ job's data. */
export const agentJobDataSchema = z.object({
  version: z.literal(AGENT_JOB_VERSION),
  /** The agent as the engine passed it (id, tier, instructions, ...). */
  agent: stepAgentSchema,
  /** The context the engine built for the step (dependencies' outputs included). */
  context: z.record(z.string(), z.unknown()),
  /** The run, when the executor was bound to one (`forRun`). */
  runId: z.string().optional(),
  /** The step whose agent this is, when the bound graph says so unambiguously. */
  stepId: z.string().optional(),
  /** Which of the worker's executors runs it; the worker's default executor when absent. */
  executorName: z.string().optional(),
  /** The limit group (the BullMQ queue) it was sent to. */
  group: z.string(),
  /** When it was enqueued (ms since the epoch), for the queue time of the report. */
  enqueuedAt: z.number(),
});
/** What one agent call carries to a worker. */
export type AgentJobData = z.output<typeof agentJobDataSchema>;

/** An error the worker's executor threw, as it travels back (the engine decides on retries). */
export const thrownErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  retryAfterMs: z.number().optional(),
  status: z.number().optional(),
  code: z.string().optional(),
});
/** An error the worker's executor threw. */
export type ThrownError = z.output<typeof thrownErrorSchema>;

/** What a worker answers for one job: the BullMQ job's return value. */
export const agentJobResultSchema = z.object({
  /** The executor's answer `{ output, confidence?, success?, error?, usage? }`, when it answered. */
  answer: z
    .looseObject({
      output: z.unknown().optional(),
      confidence: z.number().nullable().optional(),
      success: z.boolean().optional(),
      error: z.string().optional(),
      usage: usageSchema.optional(),
    })
    .optional(),
  /** What it threw, when it did not answer. */
  thrown: thrownErrorSchema.optional(),
  /** The worker that ran it (`name` of `startWorker`, default `host:pid`). */
  worker: z.string(),
  /**
   * How many times a worker started the job, this time included (a worker that died with it, or
   * a provider's 429 that put it back, make it more than 1).
   */
  attemptsStarted: z.number().int(),
  /** How many times the job was found stalled (its worker gone) and put back in the queue. */
  stalledCounter: z.number().int(),
  /** Seconds the executor took on the worker. */
  durationSeconds: z.number(),
});
/** What a worker answers for one job. */
export type AgentJobResult = z.output<typeof agentJobResultSchema>;

/** An executor's throw as it can travel in a job result. */
export function describeThrown(error: unknown): ThrownError {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<
    string,
    unknown
  >;
  const thrown: ThrownError = {
    name: typeof fields.name === 'string' ? fields.name : 'Error',
    message: describeError(error),
    retryable: isRetryableError(error),
  };
  const retryAfterMs = retryAfterMsOf(error);
  if (retryAfterMs !== undefined) thrown.retryAfterMs = retryAfterMs;
  const status = typeof fields.status === 'number' ? fields.status : fields.statusCode;
  if (typeof status === 'number') thrown.status = status;
  if (typeof fields.code === 'string') thrown.code = fields.code;
  return thrown;
}

/** The error to throw on the coordinator for a worker's {@link ThrownError}: retryable stays retryable. */
export function rethrown(thrown: ThrownError, where: string): Error {
  const message = `${thrown.message} (on worker ${where})`;
  const error: Error & { status?: number; code?: string } = thrown.retryable
    ? new RetryableError(message, { retryAfterMs: thrown.retryAfterMs })
    : new Error(message);
  if (!thrown.retryable) error.name = thrown.name;
  if (thrown.status !== undefined) error.status = thrown.status;
  if (thrown.code !== undefined && !thrown.retryable) error.code = thrown.code;
  return error;
}

/** The executor answer of a job result (validated again by the engine, as any answer is). */
export function answerOf(result: AgentJobResult): AgentExecutionOutput {
  return result.answer as AgentExecutionOutput;
}
