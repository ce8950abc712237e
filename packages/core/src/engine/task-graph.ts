import { z } from 'zod';
import { MAX_TIMER_MS } from '../abort.js';
import { tierSchema } from '../constants.js';
import { ValidationError } from '../errors.js';
import { parseWith } from '../validate.js';
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
 * kept whole so the executor receives it as planned. A durable run stores it, so it must then be
 * JSON-serialisable.
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

/** The retry policy of a step that sets none and of an engine given none. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze(
  retryPolicySchema.parse({}),
);

/** Where a step goes when its agent fails for good: another agent (e.g. a higher tier) and/or another named executor (e.g. the next CLI in the chain). */
export const stepFallbackSchema = z
  .object({
    /** Shown in events and the audit log, e.g. `tier CAPABLE` or `executor codex`. */
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
 * One step of a task graph. Graphs are data (a durable run stores its graph): the rules that
 * decide whether a step runs, what it sees and what the run's verdict is are the hooks of the
 * strategy named by the graph (see `GraphHooks`), looked up by name.
 */
export const taskStepSchema = z.object({
  /** Unique in the graph; used as the checkpoint key. */
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
  /** The part the step plays in its strategy (e.g. `junior`, `synthesizer`); read by the hooks. */
  role: z.string().optional(),
  /** Whether the step's failure fails the run under the default verdict (default true). */
  critical: z.boolean().default(true),
  /**
   * Whether a person may be asked when the step fails for good. False when the strategy itself
   * recovers from the failure (a teaching junior, an adaptive classifier, a debate opinion).
   */
  escalate: z.boolean().default(true),
  /** Risky steps escalate to a person when their confidence is below the threshold. */
  risky: z.boolean().default(false),
  /** Estimated duration in seconds (critical path, progress weighting). */
  estimatedDurationSeconds: z.number().min(0, 'must be >= 0').default(0),
  /** The strategy this step belongs to (cost attribution). */
  strategy: z.string().optional(),
  /** The phase or group the step belongs to (`phase-start` events, correlation, cost roll-up). */
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
  /** The strategy whose hooks run it (one of the six), if any. */
  strategy: z.string().optional(),
  /** The strategy's parameters (thresholds), read by its hooks. */
  params: z.record(z.string(), z.unknown()).optional(),
  /** How the graph was made, e.g. `plan`, `planner-model`, `heuristic`. */
  source: z.string().optional(),
  steps: z.array(taskStepSchema).min(1, 'must contain at least one step'),
});
/** A directed acyclic graph of steps. */
export type TaskGraph = z.output<typeof taskGraphSchema>;
/** Task graph input (defaults not yet applied). */
export type TaskGraphInput = z.input<typeof taskGraphSchema>;

/**
 * Parses and validates a task graph from untrusted input (a file, a planner model, a request):
 * schema, then {@link checkTaskGraph}.
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
  checkTaskGraph(graph, { label });
  return graph;
}

/**
 * Checks the structure of a graph whose fields are already typed (e.g. built by a strategy):
 * unique ids, known dependencies, no self-dependency, agents on agent steps, and no cycles (the
 * error names the cycle). Cheap: no parsing, no copies.
 */
export function checkTaskGraph(graph: TaskGraph, options: { label?: string } = {}): void {
  const label = options.label ?? 'graph';
  if (!Array.isArray(graph?.steps) || graph.steps.length === 0) {
    throw new ValidationError(`${label}.steps`, 'must contain at least one step');
  }
  const ids = new Map<string, number>();
  graph.steps.forEach((step, index) => {
    if (ids.has(step.id)) {
      throw new ValidationError(`${label}.steps.${index}.id`, `duplicate step id "${step.id}"`);
    }
    ids.set(step.id, index);
  });
  let chained = true;
  graph.steps.forEach((step, index) => {
    const field = `${label}.steps.${index}`;
    if (step.kind === 'agent' && step.agent === undefined) {
      throw new ValidationError(`${field}.agent`, 'is required for an agent step');
    }
    step.dependsOn.forEach((dependency, position) => {
      const at = ids.get(dependency);
      if (at === undefined) {
        throw new ValidationError(`${field}.dependsOn.${position}`, `unknown step "${dependency}"`);
      }
      if (dependency === step.id) {
        throw new ValidationError(
          `${field}.dependsOn.${position}`,
          'a step cannot depend on itself',
        );
      }
      if (at >= index) chained = false;
    });
  });
  // Dependencies that only point backwards cannot form a cycle (the strategies build such graphs).
  if (chained) return;
  const cycle = findCycle(graph.steps);
  if (cycle !== undefined) throw new GraphCycleError(cycle, `${label}.steps`);
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
export function stepLabel(step: Pick<TaskStep, 'id' | 'label'>): string {
  return step.label ?? step.id;
}
