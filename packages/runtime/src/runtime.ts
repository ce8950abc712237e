import {
  AbortedError,
  type ApprovalRuleInput,
  assertRunId,
  BatonEmitter,
  type Checkpointer,
  createTaskGraph,
  DEFAULT_APPROVAL_RULES,
  DEFAULT_STOP_GRACE_MS,
  describeError,
  Engine,
  type EngineRunOptions,
  type Logger,
  mergeAbortSignals,
  newRunId,
  noopLogger,
  type RunHandle,
  type RunResult,
  RunStateMachine,
  type RunStatus,
  redactDeep,
  type StartRunOptions,
  type TaskGraph,
  throwIfAborted,
  toJsonSafe,
  ValidationError,
  validateRunOptions,
} from '@baton/core';
import { strategyHooks } from '@baton/strategies';
import { type AuditEntry, AuditLog } from './audit-log.js';
import { FileCheckpointer } from './file-checkpointer.js';
import { HOSTNAME } from './fs-utils.js';
import { describeAgentProcess, endLeftoverAgent } from './process-group.js';
import { DEFAULT_RETENTION, type PruneOptions, RunStore } from './run-store.js';

/** How a run of `@baton/runtime` executes: the engine's options with durable defaults. */
export interface ExecuteOptions extends EngineRunOptions {
  /**
   * Steps matching a rule wait for a person before they run. Default
   * {@link DEFAULT_APPROVAL_RULES} (anything that pushes, publishes or deploys).
   */
  approvalRules?: readonly ApprovalRuleInput[] | undefined;
}

/** How a plan was made, for the audit log. */
export interface PlanningRecord {
  /** A stored composition was `reused`, or the team was `composed` afresh, and why. */
  composition?: { decision: string; reason: string; compositionId?: string | undefined };
  /** Why the strategy was chosen (e.g. the meta-orchestrator's rule and reasons). */
  strategyReason?: string | undefined;
  /** Where the graph came from (`plan`, `planner-model`, `heuristic`) and why. */
  source?: string | undefined;
  reason?: string | undefined;
}

/** Options of {@link Runtime.start}. */
export interface StartOptions extends ExecuteOptions {
  runId?: string | undefined;
  /** Base context every step sees (JSON-serialisable; it is stored with the run). */
  context?: Record<string, unknown> | undefined;
  /** Anything to keep with the run (composition id, workflow, CLI flags, ...). */
  metadata?: Record<string, unknown> | undefined;
  /** How the plan was made; each part is recorded in the audit log when the run starts. */
  planning?: PlanningRecord | undefined;
}

/** Options of {@link Runtime.startTask}. */
export interface StartTaskOptions extends StartOptions {
  /** Analyses the task (state `analyzing`); its JSON result is recorded with the `plan` transition. */
  analyze?: (task: string, options: { signal: AbortSignal }) => unknown;
  /** Builds the graph (state `planning`); may also say where it came from and why. */
  plan: (input: {
    task: string;
    analysis: unknown;
    signal: AbortSignal;
  }) =>
    | TaskGraph
    | { graph: TaskGraph; source?: string; reason?: string }
    | Promise<TaskGraph | { graph: TaskGraph; source?: string; reason?: string }>;
}

/** Options of {@link Runtime}. */
export interface RuntimeOptions {
  /** The project's `.baton` folder. Default `.baton`. */
  dir?: string | undefined;
  /** Where runs are kept. Default: a {@link FileCheckpointer} on `dir`. */
  checkpointer?: Checkpointer | undefined;
  /** Replaces the default audit log (`<dir>/audit.jsonl`); `false` disables auditing. */
  audit?: AuditLog | false | undefined;
  /** fsync checkpoints of the default file checkpointer. Default true. */
  fsync?: boolean | undefined;
  logger?: Logger | undefined;
  /**
   * Retention applied (best effort) when a run stops, at most once a minute per store in one
   * process (pruning reads every stored run). Default {@link DEFAULT_RETENTION}; `false` keeps all.
   */
  retention?: PruneOptions | false | undefined;
  /** How often a run looks for cancel requests and decision answers, ms. Default 100. */
  pollIntervalMs?: number | undefined;
  /** Wait between SIGTERM and SIGKILL when ending a leftover agent process group. Default 2000. */
  killGraceMs?: number | undefined;
  now?: (() => Date) | undefined;
}

/** Retention runs at most this often per store (by its description) in one process. */
const PRUNE_INTERVAL_MS = 60_000;
const lastPruned = new Map<string, number>();

/** Result of {@link Runtime.cancel}. */
export interface CancelResult {
  /** The run's status afterwards (`running` when another process has yet to notice). */
  status: RunStatus;
  /** How the cancel was delivered. */
  via: 'in-process' | 'marker' | 'store';
}

/**
 * Durable runs on the one engine: every graph (a strategy's, a planner model's, a workflow's) is
 * checkpointed step by step, can be cancelled from another process, resumed after a crash
 * without re-running finished steps, budgeted, and audited. A person is asked when a step fails
 * for good and its strategy has no recovery left, or when an approval rule says so; agents'
 * process groups are recorded, so a resume ends any an earlier crash left running.
 *
 * @example
 * ```ts
 * const runtime = new Runtime({ dir: '.baton' });
 * const graph = compilePlan(plan, { task });
 * const handle = runtime.start(graph, { executor, budget: { maxCostUsd: 2 } });
 * handle.events.on('step-end', (event) => console.error(event.stepId, event.status));
 * const result = await handle.result;
 * // later, after a crash: await runtime.resume(result.runId, { executor }).result;
 * ```
 */
export class Runtime {
  readonly store: RunStore;
  readonly audit: AuditLog | undefined;
  readonly checkpointer: Checkpointer;
  readonly engine: Engine;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #retention: PruneOptions | undefined;
  readonly #killGraceMs: number;
  readonly #auditWrites = new Set<Promise<unknown>>();

  constructor(options: RuntimeOptions = {}) {
    const dir = options.dir ?? '.baton';
    this.#logger = options.logger ?? noopLogger;
    this.#now = options.now ?? (() => new Date());
    this.checkpointer = options.checkpointer ?? new FileCheckpointer({ dir, fsync: options.fsync });
    this.store = new RunStore({ checkpointer: this.checkpointer, now: this.#now });
    this.audit =
      options.audit === false
        ? undefined
        : (options.audit ??
          new AuditLog({ path: `${dir}/audit.jsonl`, logger: this.#logger, now: this.#now }));
    this.#retention =
      options.retention === false ? undefined : (options.retention ?? DEFAULT_RETENTION);
    this.#killGraceMs = options.killGraceMs ?? 2000;
    this.engine = new Engine({
      checkpointer: this.checkpointer,
      hooks: strategyHooks,
      logger: this.#logger,
      // Without a clock of its own, the engine's default: the system clock, read cheaply.
      now: options.now,
      pollIntervalMs: options.pollIntervalMs ?? 100,
      owner: { pid: process.pid, hostname: HOSTNAME },
      audit: (entry) => this.#append(entry),
    });
  }

  #append(entry: Omit<AuditEntry, 'at'>): void {
    const audit = this.audit;
    if (audit === undefined) return;
    const write = audit.append(entry);
    this.#auditWrites.add(write);
    void write.finally(() => this.#auditWrites.delete(write));
  }

  /** Resolves when every audit entry written so far is on disk. */
  async flushAudit(): Promise<void> {
    await Promise.allSettled([...this.#auditWrites]);
  }

  /** The engine's options with this runtime's durable defaults. */
  #durable<T extends ExecuteOptions>(options: T): T {
    return {
      ...options,
      stopGraceMs: options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS,
      // Everything a durable run stores, shows or hands to a later agent has its secrets masked.
      redact: options.redact ?? redactDeep,
      escalation: { onFailure: true, ...options.escalation },
      approvalRules: options.approvalRules ?? DEFAULT_APPROVAL_RULES,
      describeProcess: options.describeProcess ?? describeAgentProcess,
      endLeftoverProcess:
        options.endLeftoverProcess ??
        ((agent) => endLeftoverAgent(agent, { graceMs: this.#killGraceMs })),
    };
  }

  /** Starts a run of a graph (validated first: schema, ids, dependencies, no cycles). */
  start(graphInput: TaskGraph, options: StartOptions): RunHandle {
    return this.#start(createTaskGraph(graphInput), options, undefined);
  }

  #start(
    graph: TaskGraph,
    options: StartOptions,
    lifecycle: StartRunOptions['lifecycle'],
  ): RunHandle {
    const { planning, ...rest } = options;
    const runId = options.runId ?? newRunId(this.#now());
    const startOptions: StartRunOptions = {
      ...this.#durable(rest),
      runId,
      ...(options.context === undefined
        ? {}
        : { context: (toJsonSafe(options.context) ?? {}) as Record<string, unknown> }),
      ...(lifecycle === undefined ? {} : { lifecycle }),
    };
    const handle = this.engine.start(graph, startOptions);
    this.#auditPlanning(runId, graph, planning);
    return this.#afterwards(handle);
  }

  #auditPlanning(runId: string, graph: TaskGraph, planning: PlanningRecord | undefined): void {
    if (planning?.composition !== undefined) {
      const { decision, reason, compositionId } = planning.composition;
      this.#append({
        type: 'composition',
        runId,
        message: `composition ${decision}${compositionId ? ` (${compositionId})` : ''}: ${reason}`,
        data: { ...planning.composition },
      });
    }
    if (graph.strategy !== undefined && planning?.strategyReason !== undefined) {
      this.#append({
        type: 'strategy',
        runId,
        message: `strategy ${graph.strategy} chosen: ${planning.strategyReason}`,
      });
    }
    if (planning?.source !== undefined) {
      this.#append({
        type: 'plan',
        runId,
        message: `plan from ${planning.source}${planning.reason ? `: ${planning.reason}` : ''}`,
        data: { strategy: graph.strategy, steps: graph.steps.length },
      });
    }
  }

  /** Applies retention and flushes the audit log once a run stops. */
  #afterwards(handle: RunHandle): RunHandle {
    const result = handle.result.then(
      async (value) => {
        await this.#applyRetention(value.runId);
        await this.flushAudit();
        return value;
      },
      async (error: unknown) => {
        await this.flushAudit();
        throw error;
      },
    );
    return { ...handle, result };
  }

  /** Starts a run and waits for it to stop. */
  run(graph: TaskGraph, options: StartOptions): Promise<RunResult> {
    return this.start(graph, options).result;
  }

  /**
   * Runs a free-form task through the whole lifecycle: `analyzing` while `analyze` runs (e.g.
   * `MetaOrchestrator.analyzeTask`), `planning` while `plan` builds the graph (e.g. `planTask` or
   * `compilePlan`), then executing. Both phases see the run's abort signal; a run cancelled
   * before its graph exists is not stored (the result rejects with `AbortedError`).
   */
  startTask(task: string, options: StartTaskOptions): RunHandle {
    if (typeof task !== 'string' || task.trim() === '') {
      throw new ValidationError('task', 'must be a non-empty string');
    }
    if (typeof options?.plan !== 'function') {
      throw new ValidationError(
        'plan',
        'must be a function ({ task, analysis, signal }) => TaskGraph',
      );
    }
    validateRunOptions(options);
    const runId = options.runId ?? newRunId(this.#now());
    assertRunId(runId, 'runId');
    const events = options.events ?? new BatonEmitter();
    const controller = new AbortController();
    const signal = mergeAbortSignals(controller.signal, options.signal)!;
    let inner: RunHandle | undefined;
    const machine = new RunStateMachine({ now: this.#now });
    const result = (async () => {
      machine.transition('start', { task });
      const analysis = toJsonSafe(await options.analyze?.(task, { signal }));
      throwIfAborted(signal);
      machine.transition('plan', analysis === null || analysis === undefined ? {} : { analysis });
      const planned = await options.plan({ task, analysis, signal });
      throwIfAborted(signal);
      const graph = 'steps' in planned ? planned : planned.graph;
      const planning: PlanningRecord = {
        ...options.planning,
        ...('steps' in planned
          ? {}
          : {
              ...(planned.source === undefined ? {} : { source: planned.source }),
              ...(planned.reason === undefined ? {} : { reason: planned.reason }),
            }),
      };
      const parsed = createTaskGraph({ ...graph, task: graph.task ?? task });
      inner = this.#start(parsed, { ...options, runId, events, planning }, [...machine.history]);
      return inner.result;
    })();
    return {
      runId,
      events,
      result,
      cancel: (reason = 'cancelled') => {
        if (inner === undefined) controller.abort(new AbortedError(`Run cancelled: ${reason}`));
        else inner.cancel(reason);
      },
    };
  }

  /**
   * Continues a crashed, cancelled, paused or budget-exceeded run without re-running finished
   * steps. Pass the executor again (executors are code, not data); budget and concurrency
   * default to the run's own. Agent processes the stopped run left running are ended first.
   */
  resume(runId: string, options: ExecuteOptions): RunHandle {
    return this.#afterwards(this.engine.resume(runId, this.#durable(options)));
  }

  /**
   * Cancels a run: in this process directly; in another process through a cancel request its
   * engine notices (and, with `interrupt`, a SIGINT to the recorded pid); a crashed or paused run
   * is marked cancelled at once. Cancelled runs are resumable.
   */
  async cancel(
    runId: string,
    options: { reason?: string; interrupt?: boolean } = {},
  ): Promise<CancelResult> {
    assertRunId(runId, 'runId');
    const reason = options.reason ?? 'cancelled';
    if (this.engine.isActive(runId)) {
      const outcome = await this.engine.cancel(runId, reason);
      return {
        status: outcome.via === 'in-process' ? outcome.result.status : 'running',
        via: 'in-process',
      };
    }
    const status = await this.store.requestCancel(runId, { reason });
    this.#append({ type: 'cancel', runId, message: `cancel requested: ${reason}` });
    await this.flushAudit();
    if (status === 'running' && options.interrupt === true) {
      const record = await this.store.loadRun(runId);
      if (record.pid !== undefined && record.pid !== process.pid && record.hostname === HOSTNAME) {
        try {
          process.kill(record.pid, 'SIGINT');
        } catch {
          // gone already: the request is enough
        }
      }
    }
    return { status, via: status === 'running' ? 'marker' : 'store' };
  }

  async #applyRetention(runId: string): Promise<void> {
    if (this.#retention === undefined) return;
    // Pruning reads every stored run: once a minute per store is enough, also for a server that
    // makes a Runtime per run.
    const now = this.#now().getTime();
    const last = lastPruned.get(this.checkpointer.description);
    if (last !== undefined && now >= last && now - last < PRUNE_INTERVAL_MS) return;
    lastPruned.set(this.checkpointer.description, now);
    try {
      const deleted = await this.store.prune({
        ...this.#retention,
        except: [runId, ...this.engine.activeRuns(), ...(this.#retention.except ?? [])],
      });
      if (deleted.length > 0) {
        this.#logger.info('Pruned old runs by the retention policy', { deleted });
      }
    } catch (error) {
      this.#logger.warn('Could not prune old runs', { error: describeError(error) });
    }
  }
}
