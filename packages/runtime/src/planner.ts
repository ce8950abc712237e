import {
  createTaskGraph,
  DEFAULT_TIER,
  describeError,
  type Logger,
  noopLogger,
  parseWith,
  type StepAgent,
  stepIdSchema,
  type TaskGraph,
  tierSchema,
  ValidationError,
  withTimeout,
} from '@baton/core';
import { z } from 'zod';
import type { AuditLog } from './audit-log.js';

/** The JSON a planner model must return. */
export const plannerOutputSchema = z.object({
  subtasks: z
    .array(
      z.object({
        /** Short id: letters, digits, `._@+-`. */
        id: stepIdSchema,
        /** What to do, as instructions for the agent. */
        description: z.string().trim().min(1, 'must be a non-empty string'),
        /** Ids of subtasks that must finish first. */
        dependsOn: z.array(stepIdSchema).default([]),
        /** A role such as `Code Quality Reviewer`. */
        role: z.string().optional(),
        /** A built-in template id, when one fits. */
        templateId: z.string().optional(),
        tier: tierSchema.optional(),
        estimatedDurationSeconds: z.number().min(0, 'must be >= 0').optional(),
      }),
    )
    .min(1, 'must contain at least one subtask'),
});
/** One subtask proposed by a planner model. */
export type PlannerSubtask = z.output<typeof plannerOutputSchema>['subtasks'][number];

/** A model that answers a prompt with text (the planner's seam to any provider). */
export type PlannerModel = (prompt: string, options: { signal: AbortSignal }) => Promise<string>;

/** Options of {@link planTask}. */
export interface PlanTaskOptions {
  /** The planner model; without one the heuristic plan is used. */
  model?: PlannerModel | undefined;
  /** The heuristic plan (e.g. `compilePlan(new MetaOrchestrator().analyzeAndCompose(task))`). */
  heuristic: () => TaskGraph;
  /** Turns a subtask into the agent its step runs. Default: a CAPABLE generalist with the description as instructions. */
  toAgent?: (subtask: PlannerSubtask) => StepAgent;
  /** Most subtasks accepted. Default 20. */
  maxSubtasks?: number;
  /** Time limit of the model call in seconds. Default 120. */
  timeoutSeconds?: number;
  logger?: Logger;
  audit?: AuditLog | undefined;
  runId?: string;
  signal?: AbortSignal;
}

/** The graph chosen and why. */
export interface PlanTaskResult {
  graph: TaskGraph;
  source: 'planner-model' | 'heuristic';
  /** Why the heuristic plan was used, when it was. */
  reason?: string;
}

/** The prompt sent to a planner model. */
export function buildPlannerPrompt(task: string, options: { maxSubtasks?: number } = {}): string {
  const max = options.maxSubtasks ?? 20;
  return [
    `Decompose the task below into at most ${max} subtasks for a team of AI agents.`,
    'Answer with JSON only, no prose, in exactly this shape:',
    '{"subtasks":[{"id":"short-id","description":"what to do","dependsOn":["ids that must finish first"],"role":"optional role","tier":"CHEAP|CAPABLE|PREMIUM","estimatedDurationSeconds":60}]}',
    'Rules: ids use letters, digits, dot, dash or underscore; dependencies must name earlier subtasks; no cycles; subtasks without dependencies run in parallel.',
    '',
    `Task: ${task}`,
  ].join('\n');
}

function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  const body = fenced?.[1] ?? text;
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  if (start < 0 || end <= start)
    throw new ValidationError('planner', 'the answer contains no JSON object');
  try {
    return JSON.parse(body.slice(start, end + 1)) as unknown;
  } catch (error) {
    throw new ValidationError('planner', `the answer is not valid JSON (${describeError(error)})`);
  }
}

function defaultAgent(subtask: PlannerSubtask): StepAgent {
  return {
    id: subtask.id,
    templateId: subtask.templateId ?? 'planner_subtask',
    role: subtask.role ?? 'Generalist',
    tier: subtask.tier ?? DEFAULT_TIER,
    instructions: subtask.description,
    capabilities: [],
    tools: [],
    qualityGates: {},
    resourceRequirements: { minTokens: 0, maxTokens: 10000, timeoutSeconds: 300, memoryMb: 512 },
  };
}

/**
 * Validates a planner model's answer and turns it into a task graph: JSON (fences allowed),
 * the schema, the subtask limit, known dependencies and no cycles. Throws `ValidationError`
 * naming the problem (e.g. `planner.steps: dependency cycle: a -> b -> a`).
 */
export function parsePlannerOutput(
  text: string,
  options: {
    task?: string;
    toAgent?: (subtask: PlannerSubtask) => StepAgent;
    maxSubtasks?: number;
  } = {},
): TaskGraph {
  const output = parseWith(plannerOutputSchema, extractJson(text), { label: 'planner' });
  const max = options.maxSubtasks ?? 20;
  if (output.subtasks.length > max) {
    throw new ValidationError(
      'planner.subtasks',
      `has ${output.subtasks.length} subtasks, more than ${max}`,
    );
  }
  const toAgent = options.toAgent ?? defaultAgent;
  return createTaskGraph(
    {
      ...(options.task === undefined ? {} : { task: options.task }),
      source: 'planner-model',
      steps: output.subtasks.map((subtask) => {
        const agent = toAgent(subtask);
        return {
          id: subtask.id,
          label:
            subtask.description.length > 60
              ? `${subtask.description.slice(0, 57)}...`
              : subtask.description,
          agent,
          dependsOn: subtask.dependsOn,
          estimatedDurationSeconds:
            subtask.estimatedDurationSeconds ?? agent.resourceRequirements?.timeoutSeconds ?? 0,
          input: { subtask: subtask.description },
        };
      }),
    },
    { label: 'planner' },
  );
}

/**
 * Plans a free-form task: with a planner model, asks it for subtasks as JSON and validates them
 * (schema and cycles) before anything runs; without a model, or when its answer is unusable, uses
 * the heuristic plan and logs (and audits) the reason.
 *
 * @example
 * ```ts
 * const { graph, source, reason } = await planTask('migrate the API to v2', {
 *   model: async (prompt, { signal }) => callModel(prompt, { signal }),
 *   heuristic: () => compilePlan(new MetaOrchestrator().analyzeAndCompose('migrate the API to v2')),
 * });
 * ```
 */
export async function planTask(task: string, options: PlanTaskOptions): Promise<PlanTaskResult> {
  if (typeof task !== 'string' || task.trim() === '') {
    throw new ValidationError('task', 'must be a non-empty string');
  }
  const logger = options.logger ?? noopLogger;
  const fallback = async (reason: string, warn: boolean): Promise<PlanTaskResult> => {
    if (warn) logger.warn(`Using the heuristic plan: ${reason}`, { task });
    else logger.info(`Using the heuristic plan: ${reason}`, { task });
    await options.audit?.append({
      type: 'planner-fallback',
      runId: options.runId,
      message: `heuristic plan used: ${reason}`,
    });
    return { graph: options.heuristic(), source: 'heuristic', reason };
  };
  if (options.model === undefined) return fallback('no planner model configured', false);
  const model = options.model;
  let answer: string;
  try {
    answer = await withTimeout((signal) => model(buildPlannerPrompt(task, options), { signal }), {
      timeoutSeconds: options.timeoutSeconds ?? 120,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      what: 'Planner model',
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return fallback(`the planner model failed: ${describeError(error)}`, true);
  }
  try {
    const graph = parsePlannerOutput(answer, {
      task,
      ...(options.toAgent === undefined ? {} : { toAgent: options.toAgent }),
      ...(options.maxSubtasks === undefined ? {} : { maxSubtasks: options.maxSubtasks }),
    });
    await options.audit?.append({
      type: 'plan',
      runId: options.runId,
      message: `planner model decomposed the task into ${graph.steps.length} subtasks`,
    });
    return { graph, source: 'planner-model' };
  } catch (error) {
    return fallback(`the planner model's graph is invalid: ${describeError(error)}`, true);
  }
}
