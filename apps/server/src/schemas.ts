import { decisionSchema, runStatusSchema } from '@baton/runtime';
import {
  TASK_STATUSES,
  TASK_TYPES,
  taskBudgetSchema,
  taskParametersSchemas,
  taskSubmissionSchema,
} from '@baton/sdk';
import { z } from 'zod';

/** The spec's ProcessRequest: a task in words, run in the background. */
export const processRequestSchema = z
  .object({
    description: z.string().trim().min(1, 'must be a non-empty string'),
    context: z.record(z.string(), z.unknown()).optional(),
    priority: taskSubmissionSchema.shape.priority,
    /** The run's limits. */
    constraints: taskBudgetSchema.optional(),
    /** How it runs: `agentCli`, `concurrency`, `fresh`, `decompose`, `escalate`. */
    preferences: taskParametersSchemas.run.omit({ context: true, budget: true }).optional(),
  })
  .strict();

/** The spec's TaskSubmission. */
export { taskSubmissionSchema };

/** `POST /v1/decisions/:id`. */
export const decisionRequestSchema = z
  .object({ action: z.enum(['approve', 'reject']), note: z.string().max(10_000).optional() })
  .strict();

/** `POST /v1/plans`: what `baton plan` takes. */
export const planRequestSchema = z
  .object({
    task: z.string().trim().min(1, 'must be a non-empty string'),
    context: z.record(z.string(), z.unknown()).optional(),
    graph: z.boolean().optional(),
    decompose: z.boolean().optional(),
  })
  .strict();

export const taskListQuerySchema = z
  .object({
    status: z.enum(TASK_STATUSES).optional(),
    type: z.enum(TASK_TYPES).optional(),
    workflowId: z.string().min(1).optional(),
  })
  .strict();

export const runListQuerySchema = z
  .object({
    status: runStatusSchema.optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const runEventsQuerySchema = z
  .object({ afterSeq: z.coerce.number().int().min(0).optional() })
  .strict();

export const decisionListQuerySchema = z
  .object({ status: decisionSchema.shape.status.optional(), runId: z.string().min(1).optional() })
  .strict();

export const compositionListQuerySchema = z
  .object({ taskPattern: z.string().min(1).optional() })
  .strict();

export const taskEventsQuerySchema = z
  .object({ lastEventId: z.coerce.number().int().min(0).optional() })
  .strict();

/** The body of every error answer. */
export const errorSchema = z.object({
  error: z.string(),
  code: z.string(),
  issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
