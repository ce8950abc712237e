import { MAX_TIMER_MS, parseWith, tierSchema, ValidationError } from '@baton/core';
import { z } from 'zod';
import {
  type CriticalPath,
  criticalPath,
  executionLevels,
  findCycle,
  GraphCycleError,
  topologicalOrder,
} from './graph-algorithms.js';

const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9._@+-]*$/;

/** A step id: letters, digits and `._@+-`, starting with a letter or digit (safe as a file name). */
export const stepIdSchema = z
  .string()
  .min(1, 'must be a non-empty string')
  .max(200, 'must be at most 200 characters')
  .regex(
    STEP_ID,
    'must contain only letters, digits and . _ @ + - and start with a letter or digit',
  );

/**
 * The agent a step runs: anything with an `id` (Baton's `Agent` and other frameworks' agents),
 * kept whole so the executor receives it as planned. Must be JSON-serialisable (it is checkpointed).
 */
export const stepAgentSchema = z.looseObject({
  id: z.string().min(1, 'must be a non-empty string'),
  tier: tierSchema.optional(),
  resourceRequirements: z
    .looseObject({
      timeoutSeconds: z.number().positive('must be > 0').optional(),
      maxTokens: z.number().int().min(0, 'must be >= 0').optional(),
    })
    .optional(),
});
/** The agent a step runs. */
export type StepAgent = z.output<typeof stepAgentSchema>;

/** Per-step retry policy: exponential backoff with jitter, capped, for retryable errors only. */
export const retryPolicySchema = z.object({
  /** Retries after the first attempt. */
  maxRetries: z.number().int().min(0, 'must be >= 0').default(2),
  /** Delay before the first retry, milliseconds. */
  initialDelayMs: z
    .number()
    .min(0, 'must be >= 0')
    .max(MAX_TIMER_MS, `must be <= ${MAX_TIMER_MS} (the longest a timer can wait)`)
    .default(500),
  /** Cap of any delay, milliseconds (also caps `Retry-After`); at most what a timer can wait. */
  maxDelayMs: z
    .number()
    .min(0, 'must be >= 0')
    .max(MAX_TIMER_MS, `must be <= ${MAX_TIMER_MS} (the longest a timer can wait)`)
    .default(30_000),
  /** Growth per retry. */
  factor: z.number().min(1, 'must be >= 1').default(2),
  /** Randomised share of each delay, 0..1. */
  jitter: z.number().min(0, 'must be >= 0').max(1, 'must be <= 1').default(0.5),
});
/** Per-step retry policy. */
export type RetryPolicy = z.output<typeof retryPolicySchema>;
/** Retry policy input (defaults not yet applied). */
export type RetryPolicyInput = z.input<typeof retryPolicySchema>;

/** Where a step goes when its agent fails for good: another agent (e.g. a higher tier) and/or another named executor (e.g. the next CLI in the chain). */
export const stepFallbackSchema = z
  .object({
    /** Shown in events and the audit log, e.g. `tier CAPABLE` or `cli codex`. */
    label: z.string().min(1, 'must be a non-empty string'),
    /** The agent to run instead; the step's own agent when omitted. */
    agent: stepAgentSchema.optional(),
    /** A key of the engine's `executors` map; the default executor when omitted. */
    executor: z.string().min(1, 'must be a non-empty string').optional(),
  })
  .refine((value) => value.agent !== undefined || value.executor !== undefined, {
    message: 'must name an agent or an executor',
  });
/** A fallback of a step. */
export type StepFallback = z.output<typeof stepFallbackSchema>;

/**
 * When a conditional step runs. Conditions are data (they are checkpointed with the run):
 * - `below-confidence`: run when step `stepId` failed, was skipped or reported a confidence
 *   below `threshold` (teaching: the expert takes over from the junior).
 * - `adaptive-select`: run when this step is the specialist the classifier step selects:
 *   classifier failed -> the first candidate; confidence > `threshold` -> the cheapest
 *   candidate; otherwise the most expensive (ties: the first).
 */
export const stepConditionSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('below-confidence'),
    stepId: stepIdSchema,
    threshold: z.number().min(0, 'must be >= 0').max(1, 'must be <= 1'),
  }),
  z.object({
    type: z.literal('adaptive-select'),
    classifierStepId: stepIdSchema,
    candidates: z.array(stepIdSchema).min(1, 'must list at least one candidate'),
    threshold: z.number().min(0, 'must be >= 0').max(1, 'must be <= 1').default(0.8),
  }),
]);
/** When a conditional step runs. */
export type StepCondition = z.output<typeof stepConditionSchema>;

/** One step of a task graph. */
export const taskStepSchema = z.object({
  /** Unique in the graph; used as the checkpoint file name. */
  id: stepIdSchema,
  /** Human-readable name; defaults to the id. */
  label: z.string().optional(),
  /** `agent` runs an agent through the executor; `join` only gathers its dependencies. */
  kind: z.enum(['agent', 'join']).default('agent'),
  /** The agent to run (required for `agent` steps). */
  agent: stepAgentSchema.optional(),
  /** Ids of the steps that must finish first. */
  dependsOn: z.array(stepIdSchema).default([]),
  /** What to do when a dependency failed: `skip` this step (default) or `run` it anyway. */
  onDependencyFailure: z.enum(['skip', 'run']).default('skip'),
  /** Runs only when the condition holds; otherwise the step is skipped (and counts as done). */
  condition: stepConditionSchema.optional(),
  /** Whether the step's failure fails the run (default true). */
  critical: z.boolean().default(true),
  /** Risky steps escalate to a person when their confidence is below the threshold. */
  risky: z.boolean().default(false),
  /** Estimated duration in seconds (critical path, progress weighting). */
  estimatedDurationSeconds: z.number().min(0, 'must be >= 0').default(0),
  /** The strategy this step belongs to (cost attribution). */
  strategy: z.string().optional(),
  /** The phase or group the step belongs to (correlation `parentId`, cost roll-up). */
  parentId: z.string().optional(),
  /** Fallbacks tried in order when retries are exhausted. */
  fallbacks: z.array(stepFallbackSchema).default([]),
  /** Retry policy; the engine's default when omitted. */
  retry: retryPolicySchema.optional(),
  /** Extra context given to this step's agent. */
  input: z.record(z.string(), z.unknown()).optional(),
});
/** One step of a task graph. */
export type TaskStep = z.output<typeof taskStepSchema>;
/** Step input (defaults not yet applied). */
export type TaskStepInput = z.input<typeof taskStepSchema>;

/** A directed acyclic graph of steps. */
export const taskGraphSchema = z.object({
  /** The task the graph carries out. */
  task: z.string().optional(),
  /** The strategy it was compiled from, if any. */
  strategy: z.string().optional(),
  /** How the graph was made, e.g. `plan`, `planner-model`, `heuristic`. */
  source: z.string().optional(),
  steps: z.array(taskStepSchema).min(1, 'must contain at least one step'),
});
/** A directed acyclic graph of steps. */
export type TaskGraph = z.output<typeof taskGraphSchema>;
/** Task graph input (defaults not yet applied). */
export type TaskGraphInput = z.input<typeof taskGraphSchema>;

/**
 * Validates a task graph: schema, unique ids, known dependencies, agents on agent steps,
 * conditions that refer to dependencies, and no cycles (the error names the cycle).
 *
 * @example
 * ```ts
 * const graph = createTaskGraph({
 *   steps: [
 *     { id: 'draft', agent: { id: 'writer' } },
 *     { id: 'review', agent: { id: 'reviewer' }, dependsOn: ['draft'] },
 *   ],
 * });
 * ```
 */
export function createTaskGraph(input: unknown, options: { label?: string } = {}): TaskGraph {
  const label = options.label ?? 'graph';
  const graph = parseWith(taskGraphSchema, input, { label });
  const ids = new Map<string, number>();
  graph.steps.forEach((step, index) => {
    if (ids.has(step.id)) {
      throw new ValidationError(`${label}.steps.${index}.id`, `duplicate step id "${step.id}"`);
    }
    ids.set(step.id, index);
  });
  graph.steps.forEach((step, index) => {
    const field = `${label}.steps.${index}`;
    if (step.kind === 'agent' && step.agent === undefined) {
      throw new ValidationError(`${field}.agent`, 'is required for an agent step');
    }
    step.dependsOn.forEach((dependency, position) => {
      if (!ids.has(dependency)) {
        throw new ValidationError(`${field}.dependsOn.${position}`, `unknown step "${dependency}"`);
      }
      if (dependency === step.id) {
        throw new ValidationError(
          `${field}.dependsOn.${position}`,
          'a step cannot depend on itself',
        );
      }
    });
    const condition = step.condition;
    const needed =
      condition === undefined
        ? []
        : condition.type === 'below-confidence'
          ? [condition.stepId]
          : [condition.classifierStepId];
    for (const dependency of needed) {
      if (!step.dependsOn.includes(dependency)) {
        throw new ValidationError(
          `${field}.condition`,
          `refers to "${dependency}", which must also be in dependsOn`,
        );
      }
    }
    if (condition?.type === 'adaptive-select' && !condition.candidates.includes(step.id)) {
      throw new ValidationError(`${field}.condition.candidates`, `must include "${step.id}"`);
    }
  });
  const cycle = findCycle(graph.steps);
  if (cycle !== undefined) throw new GraphCycleError(cycle, `${label}.steps`);
  return graph;
}

/** A summary of a graph's shape for display and progress. */
export interface GraphSummary {
  order: string[];
  levels: string[][];
  criticalPath: CriticalPath;
}

/** Topological order, execution levels and critical path of a validated graph. */
export function summarizeGraph(graph: TaskGraph): GraphSummary {
  return {
    order: topologicalOrder(graph.steps),
    levels: executionLevels(graph.steps),
    criticalPath: criticalPath(graph.steps, { duration: (step) => step.estimatedDurationSeconds }),
  };
}

/** The step's display name. */
export function stepLabel(step: TaskStep): string {
  return step.label ?? step.id;
}
