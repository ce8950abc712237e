import { z } from 'zod';
import { BatonError, BatonErrorCode } from '../errors.js';
import { agentResultSchema, usageSchema } from '../schemas.js';
import { budgetSchema } from './budget.js';
import { RUN_STATES, RUN_TRIGGERS, type RunState, type RunTrigger } from './state-machine.js';
import { taskGraphSchema } from './task-graph.js';

/** One executor call of a step. */
export const attemptRecordSchema = z.object({
  /** `primary` or the fallback's label. */
  via: z.string(),
  agentId: z.string(),
  tier: z.string().optional(),
  executor: z.string().optional(),
  /** 1-based within its `via`. */
  attempt: z.number().int().min(1),
  startedAt: z.string(),
  durationSeconds: z.number().min(0),
  success: z.boolean(),
  error: z.string().optional(),
  usage: usageSchema.optional(),
});
/** One executor call of a step. */
export type AttemptRecord = z.output<typeof attemptRecordSchema>;

/**
 * How a run stands: `running` (or crashed: its process is gone), `succeeded`, `failed`,
 * `cancelled`, `paused` (waiting for decisions) or `budget-exceeded`.
 */
export const runStatusSchema = z.enum([
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'paused',
  'budget-exceeded',
]);
/** How a run stands. */
export type RunStatus = z.output<typeof runStatusSchema>;

/** Statuses a run may be resumed from (plus `running` when its process is gone). */
export const RESUMABLE_STATUSES: readonly RunStatus[] = ['cancelled', 'paused', 'budget-exceeded'];

/** Why a step failed or was skipped. */
export const stepFailureKindSchema = z.enum([
  'error',
  'agent-reported',
  'timeout',
  'rejected',
  'dependency-failed',
  'condition-not-met',
  'budget',
  'cancelled',
]);
/** Why a step failed or was skipped. */
export type StepFailureKind = z.output<typeof stepFailureKindSchema>;

/** A finished step: what the engine commits durably and never runs again. */
export const stepCheckpointSchema = z.object({
  stepId: z.string(),
  status: z.enum(['succeeded', 'failed', 'skipped']),
  /** Why it failed or was skipped. */
  reason: stepFailureKindSchema.optional(),
  /** The step's result (join steps: the gathered outputs). */
  result: agentResultSchema.optional(),
  attempts: z.array(attemptRecordSchema),
  startedAt: z.string().optional(),
  endedAt: z.string(),
  /** Which start or resume of the run (see `RunRecord.attempts`) finished it. */
  runAttempt: z.number().int().min(1),
});
/** A finished step. */
export type StepCheckpoint = z.output<typeof stepCheckpointSchema>;

const transitionSchema = z.object({
  from: z.enum(RUN_STATES as [RunState, ...RunState[]]),
  to: z.enum(RUN_STATES as [RunState, ...RunState[]]),
  trigger: z.enum(RUN_TRIGGERS as [RunTrigger, ...RunTrigger[]]),
  at: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});

/** An agent process a step started, recorded so that a later resume can end it if it outlived its run. */
export const agentProcessSchema = z.object({
  /** Process id, also the id of its process group (agents are started as group leaders). */
  pid: z.number().int().positive(),
  /** The host it runs on. */
  hostname: z.string(),
  /** What the operating system reports as its start time, to tell it from a later process with the same pid. */
  startTime: z.string().optional(),
  /** What was started, for messages (e.g. `claude`). */
  command: z.string().optional(),
  startedAt: z.string(),
});
/** An agent process a step started. */
export type AgentProcess = z.output<typeof agentProcessSchema>;

/** The current format of {@link RunRecord}. */
export const RUN_RECORD_VERSION = 2;

/** A run: its graph, options, lifecycle and outcome. */
export const runRecordSchema = z.object({
  version: z.literal(RUN_RECORD_VERSION),
  id: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  endedAt: z.string().optional(),
  status: runStatusSchema,
  state: z.enum(RUN_STATES as [RunState, ...RunState[]]),
  history: z.array(transitionSchema),
  graph: taskGraphSchema,
  task: z.string().optional(),
  /** The base context every step sees (JSON). */
  context: z.record(z.string(), z.unknown()),
  budget: budgetSchema,
  concurrency: z.number().int().positive(),
  /** The process running it, to tell a crashed run from a live one. */
  pid: z.number().int().optional(),
  hostname: z.string().optional(),
  /** How many times the run was started or resumed. */
  attempts: z.number().int().min(1),
  /** Set when the run stopped with an engine error or a reason worth showing. */
  error: z.string().optional(),
  /** Which limit stopped a `budget-exceeded` run. */
  budgetStop: z
    .object({
      limit: z.string(),
      max: z.number(),
      committed: z.number(),
      needed: z.number().optional(),
      message: z.string().optional(),
    })
    .optional(),
  /** Spend totals when the run last stopped. */
  spend: z.record(z.string(), z.unknown()).optional(),
  /**
   * Attempts of steps that were interrupted (cancelled) before they finished, by step: their
   * spend belongs to the run, and they join the step's attempts when it runs again on resume.
   */
  interruptedAttempts: z.record(z.string(), z.array(attemptRecordSchema)).optional(),
  /** Agent processes running for unfinished steps, by step. */
  processes: z.record(z.string(), z.array(agentProcessSchema)).optional(),
  /** The run's verdict and aggregate when it finished (see `GraphHooks.aggregate`). */
  outcome: z
    .object({
      success: z.boolean(),
      aggregatedOutput: z.record(z.string(), z.unknown()),
      errors: z.array(z.string()),
    })
    .optional(),
  /** Anything the caller wants kept with the run (composition, options, ...). */
  metadata: z.record(z.string(), z.unknown()).optional(),
});
/** A run. */
export type RunRecord = z.output<typeof runRecordSchema>;

/**
 * A stored run record, checked: its format first (a run from another version cannot be read),
 * then its fields. `where` names the record in the `BATON_STORAGE` error (a file, a table row).
 */
export function parseStoredRunRecord(where: string, raw: unknown): RunRecord {
  const version = (raw as { version?: unknown } | null)?.version;
  if (version !== RUN_RECORD_VERSION) {
    throw new BatonError(
      BatonErrorCode.STORAGE,
      `${where} has format ${String(version)}; this Baton reads format ${RUN_RECORD_VERSION} (a run from another version cannot be resumed)`,
    );
  }
  const parsed = runRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BatonError(
      BatonErrorCode.STORAGE,
      `${where}: ${issue?.path.map(String).join('.') || 'record'}: ${issue?.message ?? 'is invalid'}`,
    );
  }
  return parsed.data;
}

/**
 * A stored record that could not be read: reported by name wherever it is met, never treated as
 * absent without saying so.
 */
export interface StateProblem {
  /** `corrupt` (unreadable), `torn` (cut short by a crash while it was written), `unsupported` (another format). */
  kind: 'corrupt' | 'torn' | 'unsupported';
  /** What the record is, e.g. `run 2026...`, `decision d-1a2b3c4d`. */
  record: string;
  /** Where it is (a file path, a table row). */
  location: string;
  /** What is wrong and what happens because of it. */
  message: string;
  runId?: string | undefined;
  stepId?: string | undefined;
  decisionId?: string | undefined;
}
