import {
  BatonEmitter,
  BatonError,
  BatonErrorCode,
  DEFAULT_APPROVAL_RULES,
  type Decision,
  type DecisionAction,
  type Logger,
  matchApprovalRule,
  newRunId,
  noopLogger,
  parseWith,
  type RunEvent,
  ValidationError,
} from '@baton/core';
import { z } from 'zod';
import type { Baton } from './create-baton.js';
import type { TaskRunHandle } from './task-run.js';

/** The kinds of work a task runs: a team run, or one of the workflows. */
export const TASK_TYPES = ['run', 'release-prep', 'test-coverage', 'security-deep-dive'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** Queue priorities, lowest first: a higher one starts before every lower one that is ready. */
export const TASK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** Where a task is. `paused`: its run waits for a decision (deciding it resumes the run). */
export const TASK_STATUSES = [
  'queued',
  'running',
  'paused',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

const FINISHED: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];

/** A run's limits, as `baton run --max-cost-usd/--max-tokens/--max-agents` give them. */
export const taskBudgetSchema = z
  .object({
    /** US dollars. */
    maxCostUsd: z.number().min(0).optional(),
    maxTokens: z.number().int().min(1).optional(),
    maxAgents: z.number().int().min(1).optional(),
  })
  .strict();

const agentCliSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** The parameters of each task type (the options of the matching `Baton` method). */
export const taskParametersSchemas = {
  run: z
    .object({
      context: z.record(z.string(), z.unknown()).optional(),
      budget: taskBudgetSchema.optional(),
      /** Agent steps at once within the run. */
      concurrency: z.number().int().min(1).max(64).optional(),
      /** Never reuse a stored composition. */
      fresh: z.boolean().optional(),
      decompose: z.boolean().optional(),
      agentCli: agentCliSchema.optional(),
      /** Ask a person when a step fails for good (default true). */
      escalate: z.boolean().optional(),
    })
    .strict(),
  'release-prep': z
    .object({
      qualityGates: z.record(z.string(), z.number().min(0)).optional(),
      agents: z.array(z.string().min(1)).optional(),
      coverageFile: z.string().min(1).optional(),
      auditFile: z.string().min(1).optional(),
      runTests: z.boolean().optional(),
      testTimeoutSeconds: z.number().positive().optional(),
      runAudit: z.boolean().optional(),
      noModel: z.boolean().optional(),
      budget: taskBudgetSchema.optional(),
    })
    .strict(),
  'test-coverage': z
    .object({
      target: z.number().min(0).max(100).optional(),
      currentCoverage: z.number().min(0).max(100).optional(),
      testTimeoutSeconds: z.number().positive().optional(),
      noWriter: z.boolean().optional(),
      agentCli: agentCliSchema.optional(),
    })
    .strict(),
  'security-deep-dive': z
    .object({
      agents: z.array(z.string().min(1)).optional(),
      agentCli: agentCliSchema.optional(),
      noModel: z.boolean().optional(),
      agentTimeoutSeconds: z.number().positive().optional(),
      auditFile: z.string().min(1).optional(),
      runAudit: z.boolean().optional(),
    })
    .strict(),
} as const;

/** What {@link TaskService.submit} takes (the spec's TaskSubmission). */
export const taskSubmissionSchema = z
  .object({
    type: z.enum(TASK_TYPES),
    /** The task in words (the run's task; for a workflow, what it is for). */
    description: z.string().trim().min(1, 'must be a non-empty string'),
    /** Options of the type's Baton call (see `taskParametersSchemas`). */
    parameters: z.record(z.string(), z.unknown()).optional(),
    /** Ids of tasks that must succeed first. */
    dependencies: z.array(z.string().min(1)).max(100).optional(),
    /** A caller's id grouping tasks (kept and listed, not interpreted). */
    workflowId: z.string().min(1).max(200).optional(),
    priority: z.enum(TASK_PRIORITIES).optional(),
  })
  .strict();
export type TaskSubmission = z.input<typeof taskSubmissionSchema>;

/** A task as {@link TaskService} reports it. */
export interface TaskInfo {
  id: string;
  type: TaskType;
  description: string;
  priority: TaskPriority;
  parameters: Record<string, unknown>;
  dependencies: string[];
  workflowId: string | null;
  status: TaskStatus;
  /** The durable run doing the work, once it has one. */
  runId: string | null;
  /** 1-based place among the queued tasks in start order; null when not queued. */
  queuePosition: number | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** The meta-orchestrator's estimate for a run, in seconds; null when there is none. */
  estimatedDurationSeconds: number | null;
  /** Steps finished and total, from the run's events. */
  progress: { done: number; total: number; percent: number } | null;
  /** Measured spend so far, from the run's events. */
  spend: { costUsd: number; tokens: number } | null;
  /** How many events the task has streamed. */
  events: number;
  /** Why it failed or was cancelled. */
  error: string | null;
  /** The report of its Baton call when it ended (a run report, a readiness report...). */
  result: unknown;
}

/** One event of a task's stream, numbered from 1 within the task (the SSE event id). */
export interface TaskEvent {
  id: number;
  event: RunEvent;
}

/** Options of {@link TaskService}. */
export interface TaskServiceOptions {
  baton: Baton;
  /** Tasks running at once (default 2). */
  concurrency?: number | undefined;
  /** Tasks waiting at most; more is a {@link TaskQueueFullError} (default 1000). */
  maxQueued?: number | undefined;
  /** Finished tasks kept in memory, oldest dropped first (default 1000). Their runs stay stored. */
  keepFinished?: number | undefined;
  logger?: Logger | undefined;
}

/** The queue holds `maxQueued` tasks already. */
export class TaskQueueFullError extends BatonError {
  override name = 'TaskQueueFullError';
  constructor(maxQueued: number) {
    super(BatonErrorCode.CONFLICT, `the task queue is full (${maxQueued} waiting); retry later`);
  }
}

interface Entry {
  info: TaskInfo;
  order: number;
  log: RunEvent[];
  waiting: Array<() => void>;
  controller: AbortController;
  handle: TaskRunHandle | undefined;
  resume: boolean;
}

/**
 * Typed tasks over one {@link Baton}: a bounded queue started by priority (then submission
 * order) once their dependencies succeeded, at most `concurrency` at once, each with its event
 * stream kept for readers that come late or reconnect. A run that pauses for a decision frees its
 * slot; deciding the decision through {@link TaskService.decide} queues it to resume.
 *
 * @example
 * ```ts
 * const tasks = new TaskService({ baton: createBaton(), concurrency: 2 });
 * const audit = await tasks.submit({ type: 'run', description: 'audit the auth module', priority: 'high' });
 * const fix = await tasks.submit({ type: 'run', description: 'fix what the audit found', dependencies: [audit.id] });
 * for await (const { id, event } of tasks.events(fix.id)) console.log(id, event.type);
 * ```
 */
export class TaskService {
  readonly baton: Baton;
  readonly concurrency: number;
  readonly maxQueued: number;
  readonly #keepFinished: number;
  readonly #logger: Logger;
  readonly #tasks = new Map<string, Entry>();
  #order = 0;
  #closed = false;

  constructor(options: TaskServiceOptions) {
    if (typeof options?.baton?.run !== 'function') {
      throw new ValidationError('baton', 'must be what createBaton() returned');
    }
    this.baton = options.baton;
    this.concurrency = positiveInteger('concurrency', options.concurrency, 2);
    this.maxQueued = positiveInteger('maxQueued', options.maxQueued, 1000);
    this.#keepFinished = positiveInteger('keepFinished', options.keepFinished, 1000);
    this.#logger = options.logger ?? noopLogger;
  }

  /**
   * Queues a task (it starts at once when a slot is free and its dependencies succeeded). A run
   * is planned first, for its estimated duration.
   */
  async submit(input: TaskSubmission): Promise<TaskInfo> {
    if (this.#closed) throw new BatonError(BatonErrorCode.CONFLICT, 'the task service is closed');
    const submission = parseWith(taskSubmissionSchema, input, { label: 'task' });
    const parameters = parseWith(
      taskParametersSchemas[submission.type],
      submission.parameters ?? {},
      { label: 'parameters' },
    ) as Record<string, unknown>;
    const dependencies = [...new Set(submission.dependencies ?? [])];
    dependencies.forEach((id, index) => {
      if (!this.#tasks.has(id))
        throw new ValidationError(`dependencies.${index}`, `no task "${id}"`);
    });
    const queued = [...this.#tasks.values()].filter((entry) => entry.info.status === 'queued');
    if (queued.length >= this.maxQueued) throw new TaskQueueFullError(this.maxQueued);
    const context = (parameters as { context?: Record<string, unknown> }).context;
    const estimate =
      submission.type === 'run'
        ? (
            await this.baton.plan(submission.description, {
              ...(context === undefined ? {} : { context }),
            })
          ).plan.estimatedDuration
        : null;
    const id = `task-${newRunId()}`;
    const info: TaskInfo = {
      id,
      type: submission.type,
      description: submission.description,
      priority: submission.priority ?? 'normal',
      parameters,
      dependencies,
      workflowId: submission.workflowId ?? null,
      status: 'queued',
      runId: submission.type === 'run' ? newRunId() : null,
      queuePosition: null,
      createdAt: new Date().toISOString(),
      startedAt: null,
      endedAt: null,
      estimatedDurationSeconds: estimate,
      progress: null,
      spend: null,
      events: 0,
      error: null,
      result: null,
    };
    this.#order += 1;
    this.#tasks.set(id, {
      info,
      order: this.#order,
      log: [],
      waiting: [],
      controller: new AbortController(),
      handle: undefined,
      resume: false,
    });
    this.#pump();
    return this.get(id);
  }

  /** A task as it is now; `BATON_NOT_FOUND` for an unknown id. */
  get(id: string): TaskInfo {
    const entry = this.#entry(id);
    const position = this.#queue().indexOf(entry);
    return { ...entry.info, queuePosition: position === -1 ? null : position + 1 };
  }

  /** The tasks, oldest first, optionally only those with a status, type or workflow id. */
  list(filter: { status?: TaskStatus; type?: TaskType; workflowId?: string } = {}): TaskInfo[] {
    return [...this.#tasks.values()]
      .filter(
        ({ info }) =>
          (filter.status === undefined || info.status === filter.status) &&
          (filter.type === undefined || info.type === filter.type) &&
          (filter.workflowId === undefined || info.workflowId === filter.workflowId),
      )
      .map(({ info }) => this.get(info.id));
  }

  /** The decisions a task's run waits for. */
  async pendingDecisions(id: string): Promise<Decision[]> {
    const { runId } = this.#entry(id).info;
    if (runId === null) return [];
    return (await this.baton.decisions.list({ runId, status: 'pending' })).decisions;
  }

  /** Running, queued and paused tasks, with every pending decision of the project. */
  async state(): Promise<{
    concurrency: number;
    maxQueued: number;
    running: TaskInfo[];
    queued: TaskInfo[];
    paused: TaskInfo[];
    pendingDecisions: Decision[];
  }> {
    const { decisions } = await this.baton.decisions.list({ status: 'pending' });
    return {
      concurrency: this.concurrency,
      maxQueued: this.maxQueued,
      running: this.list({ status: 'running' }),
      queued: this.#queue().map((entry) => this.get(entry.info.id)),
      paused: this.list({ status: 'paused' }),
      pendingDecisions: decisions,
    };
  }

  /**
   * Cancels a task: a queued one at once, a running one at its next check (its run is saved as
   * cancelled), a paused run at once. A finished task is a `BATON_CONFLICT` error.
   */
  async cancel(id: string, options: { reason?: string } = {}): Promise<TaskInfo> {
    const entry = this.#entry(id);
    const { info } = entry;
    const reason = options.reason ?? 'cancelled';
    if (FINISHED.includes(info.status)) {
      throw new BatonError(
        BatonErrorCode.CONFLICT,
        `Task ${id} is ${info.status}; nothing to cancel`,
      );
    }
    if (info.status === 'queued') {
      this.#finish(entry, 'cancelled', { error: reason });
    } else if (info.status === 'paused') {
      if (info.runId !== null) await this.baton.cancel(info.runId, { reason });
      this.#finish(entry, 'cancelled', { error: reason });
    } else {
      entry.handle?.cancel(reason);
      entry.controller.abort(new BatonError(BatonErrorCode.ABORTED, reason));
    }
    this.#pump();
    return this.get(id);
  }

  /**
   * The steps a task's run has committed (each `step-end` is a checkpoint, stored atomically
   * when the step ends): what a restart resumes from.
   */
  async checkpoint(id: string): Promise<{
    taskId: string;
    runId: string;
    status: string;
    checkpoints: Array<{ stepId: string; status: string; endedAt: string }>;
    lastEventId: number;
  }> {
    const entry = this.#entry(id);
    const { runId } = entry.info;
    const details =
      runId === null ? undefined : await this.baton.runs.get(runId).catch(() => undefined);
    if (runId === null || details === undefined) {
      throw new BatonError(
        BatonErrorCode.CONFLICT,
        `Task ${id} is ${entry.info.status} and has no stored run yet`,
      );
    }
    return {
      taskId: id,
      runId,
      status: details.status,
      checkpoints: Object.values(details.steps).map((step) => ({
        stepId: step.stepId,
        status: step.status,
        endedAt: step.endedAt,
      })),
      lastEventId: entry.log.length,
    };
  }

  /** Answers a decision; a paused task whose run waited for it is queued to resume. */
  async decide(
    decisionId: string,
    action: DecisionAction,
    options: { note?: string } = {},
  ): Promise<Decision> {
    const decided = await this.baton.decisions[action](decisionId, options);
    const entry = [...this.#tasks.values()].find(
      (candidate) => candidate.info.runId === decided.runId && candidate.info.status === 'paused',
    );
    if (entry !== undefined) {
      const pending = await this.baton.decisions.list({ runId: decided.runId, status: 'pending' });
      if (pending.decisions.length === 0) {
        entry.resume = true;
        entry.info.status = 'queued';
        this.#pump();
      }
    }
    return decided;
  }

  /**
   * A task's events after `afterId` (its own numbering from 1), also those still to come, until
   * the task stops (finishes, or pauses for a decision) or the signal aborts.
   */
  async *events(
    id: string,
    options: { afterId?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<TaskEvent> {
    const entry = this.#entry(id);
    let next = Math.max(0, options.afterId ?? 0);
    const { signal } = options;
    for (;;) {
      while (next < entry.log.length) {
        next += 1;
        yield { id: next, event: entry.log[next - 1]! };
      }
      if (signal?.aborted === true || this.#stopped(entry)) return;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', wake);
          // A reader that went away (its signal aborted) leaves nothing behind in the task.
          const at = entry.waiting.indexOf(wake);
          if (at !== -1) entry.waiting.splice(at, 1);
          resolve();
        };
        entry.waiting.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  /** Cancels every task and waits for the running ones to stop. */
  async close(): Promise<void> {
    this.#closed = true;
    const running = [...this.#tasks.values()].filter(
      (entry) => !FINISHED.includes(entry.info.status),
    );
    await Promise.all(
      running.map((entry) =>
        this.cancel(entry.info.id, { reason: 'server shutting down' }).catch(() => {}),
      ),
    );
    await Promise.all(running.map((entry) => entry.handle?.result.catch(() => undefined)));
  }

  // ---- scheduling ---------------------------------------------------------------------------

  #entry(id: string): Entry {
    const entry = typeof id === 'string' ? this.#tasks.get(id) : undefined;
    if (entry === undefined) throw new BatonError(BatonErrorCode.NOT_FOUND, `No task "${id}"`);
    return entry;
  }

  #stopped(entry: Entry): boolean {
    return FINISHED.includes(entry.info.status) || entry.info.status === 'paused';
  }

  /** Queued tasks in start order: priority, then submission. */
  #queue(): Entry[] {
    return [...this.#tasks.values()]
      .filter((entry) => entry.info.status === 'queued')
      .sort(
        (a, b) =>
          TASK_PRIORITIES.indexOf(b.info.priority) - TASK_PRIORITIES.indexOf(a.info.priority) ||
          a.order - b.order,
      );
  }

  #pump(): void {
    let running = [...this.#tasks.values()].filter(
      (entry) => entry.info.status === 'running',
    ).length;
    for (const entry of this.#queue()) {
      const blocked = entry.info.dependencies
        .map((id) => this.#tasks.get(id)?.info)
        .find((dependency) => dependency?.status !== 'succeeded');
      if (blocked !== undefined && FINISHED.includes(blocked.status)) {
        this.#finish(entry, 'failed', {
          error: `dependency ${blocked.id} ${blocked.status}${blocked.error ? `: ${blocked.error}` : ''}`,
        });
        // Finishing pumped the queue again (its own dependents fail in turn).
        return;
      }
      if (blocked !== undefined || running >= this.concurrency) continue;
      running += 1;
      this.#start(entry);
    }
  }

  #start(entry: Entry): void {
    const { info } = entry;
    info.status = 'running';
    info.startedAt ??= new Date().toISOString();
    const emitter = new BatonEmitter();
    emitter.on('event', (event) => this.#record(entry, event));
    const resume = entry.resume;
    entry.resume = false;
    void this.#execute(entry, emitter, resume).then(
      ({ status, result }) => this.#finish(entry, status, { result }),
      (error: unknown) => {
        const aborted = entry.controller.signal.aborted;
        this.#finish(entry, aborted ? 'cancelled' : 'failed', {
          error: error instanceof Error ? error.message : String(error),
        });
      },
    );
  }

  async #execute(
    entry: Entry,
    events: BatonEmitter,
    resume: boolean,
  ): Promise<{ status: TaskStatus; result: unknown }> {
    const { info } = entry;
    const signal = entry.controller.signal;
    const parameters = info.parameters;
    const { baton } = this;
    switch (info.type) {
      case 'run': {
        const runId = info.runId as string;
        const { budget, ...rest } = parameters as z.output<(typeof taskParametersSchemas)['run']>;
        const handle = resume
          ? await baton.resume(runId, { events, signal })
          : await baton.run(info.description, {
              ...rest,
              ...(budget === undefined ? {} : { budget }),
              runId,
              events,
              signal,
            });
        entry.handle = handle;
        const report = await handle.result;
        const status: TaskStatus =
          report.status === 'succeeded'
            ? 'succeeded'
            : report.status === 'paused'
              ? 'paused'
              : report.status === 'cancelled'
                ? 'cancelled'
                : 'failed';
        return { status, result: report };
      }
      case 'release-prep':
        return {
          status: 'succeeded',
          result: await baton.releasePrep({ ...parameters, events, signal }),
        };
      case 'test-coverage':
        return {
          status: 'succeeded',
          result: await baton.testCoverage({ ...parameters, events, signal }),
        };
      case 'security-deep-dive':
        return {
          status: 'succeeded',
          result: await baton.securityDeepDive({ ...parameters, events, signal }),
        };
    }
  }

  #record(entry: Entry, event: RunEvent): void {
    const { info } = entry;
    entry.log.push(event);
    info.events = entry.log.length;
    info.runId ??= event.runId;
    if (event.type === 'run-start') {
      info.progress ??= { done: event.finishedSteps, total: event.totalSteps, percent: 0 };
    }
    if (event.type === 'step-end' || event.type === 'run-end') {
      const { done, total, percent } = event.progress;
      info.progress = { done, total, percent };
    }
    if (event.type === 'step-usage') {
      info.spend = { costUsd: event.runCostUsd, tokens: event.runTokens };
    }
    if (event.type === 'run-end') {
      info.spend = { costUsd: event.spend.costUsd, tokens: event.spend.totalTokens };
    }
    this.#wake(entry);
  }

  #wake(entry: Entry): void {
    for (const wake of entry.waiting.splice(0)) wake();
  }

  #finish(entry: Entry, status: TaskStatus, outcome: { result?: unknown; error?: string }): void {
    const { info } = entry;
    info.status = status;
    entry.handle = undefined;
    if (outcome.result !== undefined) info.result = outcome.result;
    if (outcome.error !== undefined) info.error = outcome.error;
    if (FINISHED.includes(status)) {
      info.endedAt = new Date().toISOString();
      if (status !== 'succeeded' && info.error === null) {
        const report = outcome.result as { error?: unknown; status?: unknown } | undefined;
        info.error =
          typeof report?.error === 'string' ? report.error : `run ${String(report?.status)}`;
      }
      if (status === 'failed') this.#logger.warn(`task ${info.id} failed: ${info.error}`);
    }
    this.#wake(entry);
    this.#forget();
    this.#pump();
  }

  /** Drops the oldest finished tasks over `keepFinished` (nothing still depends on them). */
  #forget(): void {
    const finished = [...this.#tasks.values()].filter((entry) =>
      FINISHED.includes(entry.info.status),
    );
    const waitingOn = new Set(
      [...this.#tasks.values()]
        .filter((entry) => !FINISHED.includes(entry.info.status))
        .flatMap((entry) => entry.info.dependencies),
    );
    for (const entry of finished.slice(0, Math.max(0, finished.length - this.#keepFinished))) {
      if (!waitingOn.has(entry.info.id)) this.#tasks.delete(entry.info.id);
    }
  }
}

/** Whether a prepared graph has steps the default approval rules stop for a person. */
export function needsApproval(graph: { steps: readonly unknown[] }): boolean {
  return graph.steps.some(
    (step) =>
      matchApprovalRule(step as Parameters<typeof matchApprovalRule>[0], DEFAULT_APPROVAL_RULES) !==
      undefined,
  );
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new ValidationError(name, `must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}
