import {
  AbortedError,
  type AgentExecutionOutput,
  type AgentExecutor,
  type AgentResult,
  BatonError,
  BatonErrorCode,
  describeError,
  type Logger,
  mergeAbortSignals,
  noopLogger,
  parseWith,
  retry,
  type Tier,
  TimeoutError,
  throwIfAborted,
  tierRank,
  usageSchema,
  ValidationError,
  withTimeout,
} from '@baton/core';
import { type AuditEntry, AuditLog } from './audit-log.js';
import {
  type Budget,
  BudgetGuard,
  type BudgetRefusal,
  budgetSchema,
  CostLedger,
  estimateAgentCost,
  type SpendReport,
  type StepEstimate,
  type TierPrices,
} from './budget.js';
import {
  type ApprovalRule,
  type ApprovalRuleInput,
  DEFAULT_APPROVAL_RULES,
  type Decision,
  type DecisionAction,
  type DecisionKind,
  matchApprovalRule,
  parseApprovalRules,
} from './decisions.js';
import { JsonlEventWriter, RunEmitter, type RunEvent, spendCost, spendTokens } from './events.js';
import { isProcessAlive, toJsonSafe } from './fs-utils.js';
import { topologicalOrder } from './graph-algorithms.js';
import { isFinishedStatus, type ProgressSnapshot, type StepStatus } from './progress.js';
import type { AttemptRecord } from './records.js';
import { isRetryableError, retryAfterMsOf } from './retryable.js';
import { assertRunId, newRunId } from './run-paths.js';
import {
  currentOwner,
  DEFAULT_RETENTION,
  type PruneOptions,
  RESUMABLE_STATUSES,
  type RunRecord,
  type RunStatus,
  RunStore,
  type StepCheckpoint,
  type StepFailureKind,
} from './run-store.js';
import { RunStateMachine, type RunTrigger, type TransitionRecord } from './state-machine.js';
import {
  createTaskGraph,
  type RetryPolicy,
  type RetryPolicyInput,
  retryPolicySchema,
  type StepAgent,
  stepLabel,
  type TaskGraph,
  type TaskStep,
} from './task-graph.js';

/** Escalation to a person. */
export interface EscalationOptions {
  /** Ask a person when a step's retries and fallbacks are exhausted. Default true. */
  onFailure?: boolean;
  /** Risky steps whose confidence is below this are escalated. Default 0.7. */
  confidenceThreshold?: number;
  /** Deadline of each decision, seconds from its creation. Default: none. */
  deadlineSeconds?: number;
  /** Applied when the deadline passes. Default `reject`. */
  defaultAction?: DecisionAction;
}

/** Answers a decision in-process (the CLI's terminal prompt); undefined leaves it to others. */
export type DecisionHandler = (
  decision: Decision,
  options: { signal: AbortSignal },
) => Promise<{ action: DecisionAction; note?: string } | undefined>;

/** Options shared by {@link Runtime.start} and {@link Runtime.resume}. */
export interface ExecuteOptions {
  /** Runs every agent step (the seam to models and CLIs). */
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executor: AgentExecutor<any>;
  /** Named executors that fallbacks may use (e.g. one per CLI). */
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executors?: Record<string, AgentExecutor<any>>;
  /** Most steps running at once. Default 4 (resume: the run's). */
  concurrency?: number;
  /** Spending limits. Default none (resume: the run's). */
  budget?: Budget;
  /** USD per million tokens by tier, to estimate a step's most cost from its `maxTokens`. */
  prices?: TierPrices;
  /** Replaces the default estimate (`maxTokens` × tier price). */
  estimate?: (agent: StepAgent) => StepEstimate;
  /** Cancels the run (Ctrl-C). */
  signal?: AbortSignal;
  /** Receives the run's events; a new emitter when omitted (see `RunHandle.events`). */
  events?: RunEmitter;
  /** Default retry policy of steps that have none. */
  retry?: RetryPolicyInput;
  /**
   * Whether a failed output is a setup failure that no other attempt on the same executor can
   * fix (e.g. credentials the provider rejected with 401): its step fails at once, without the
   * fallbacks that would run on the same executor and without asking a person.
   */
  isSetupFailure?: (output: AgentExecutionOutput) => boolean;
  escalation?: EscalationOptions;
  /** Steps matching a rule wait for a person before they run. Default {@link DEFAULT_APPROVAL_RULES}. */
  approvalRules?: readonly ApprovalRuleInput[];
  /**
   * With pending decisions and nothing else to do: `pause` ends the run as `paused` (resume it
   * after `baton decisions approve`), `wait` polls until they are resolved or their deadline
   * passes. Default `pause`.
   */
  decisionMode?: 'wait' | 'pause';
  /** Asks in-process first (terminal prompt). */
  onDecision?: DecisionHandler;
  /** Write the event stream to `runs/<id>/events.jsonl`. Default true. */
  logEvents?: boolean;
  /** Random source for retry jitter (tests). */
  random?: () => number;
  /**
   * Time limit of a step whose agent sets no `resourceRequirements.timeoutSeconds`, in seconds.
   * Default {@link DEFAULT_STEP_TIMEOUT_SECONDS}; `Infinity` means none.
   */
  defaultTimeoutSeconds?: number;
}

/** Options of {@link Runtime.start}. */
export interface StartOptions extends ExecuteOptions {
  /** The run's id; generated when omitted. */
  runId?: string;
  /** Base context every step sees (JSON-serialisable; it is stored with the run). */
  context?: Record<string, unknown>;
  /** Anything to keep with the run (composition id, CLI flags, ...). */
  metadata?: Record<string, unknown>;
  /** How the plan was made; each part is recorded in the audit log when the run starts. */
  planning?: PlanningRecord;
}

/** How a plan was made, for the audit log. */
export interface PlanningRecord {
  /** A stored composition was `reused`, or the team was `composed` afresh, and why. */
  composition?: { decision: 'reused' | 'composed'; reason: string; compositionId?: string };
  /** Why the strategy was chosen (e.g. the meta-orchestrator's rule and reasons). */
  strategyReason?: string;
  /** Where the graph came from (`plan`, `planner-model`, `heuristic`) and why. */
  source?: string;
  reason?: string;
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

/** A step's outcome in a {@link RunResult}. */
export interface StepOutcome {
  status: StepStatus;
  reason?: StepFailureKind | undefined;
  result?: AgentResult | undefined;
  attempts: AttemptRecord[];
}

/** What a run returns when it stops. */
export interface RunResult {
  runId: string;
  status: RunStatus;
  /** Every critical step succeeded (or was skipped by its condition). */
  success: boolean;
  steps: Record<string, StepOutcome>;
  progress: ProgressSnapshot;
  spend: SpendReport;
  /** Decisions still pending (a `paused` run). */
  pendingDecisions: Decision[];
  budgetStop?: BudgetRefusal | undefined;
  /** Wall time of this start or resume, seconds. */
  durationSeconds: number;
  error?: string | undefined;
}

/** A started run. */
export interface RunHandle {
  runId: string;
  events: RunEmitter;
  /** Settles when the run stops; rejects only for bad input or storage failure before it starts. */
  result: Promise<RunResult>;
  /** Aborts the run (state saved as cancelled, resumable). */
  cancel(reason?: string): void;
}

/** Options of {@link Runtime}. */
export interface RuntimeOptions {
  /** The project's `.baton` folder. Default `.baton`. */
  dir?: string;
  /** Replaces the default store on `dir`. */
  store?: RunStore;
  /** Replaces the default audit log (`<dir>/audit.jsonl`); `false` disables auditing. */
  audit?: AuditLog | false;
  /** fsync checkpoints. Default true. */
  fsync?: boolean;
  logger?: Logger;
  /**
   * Retention applied (best effort) after each run stops: runs that ended more than `keepDays`
   * ago, beyond the newest `keepLast`, are deleted. Default {@link DEFAULT_RETENTION}; `false` keeps all.
   */
  retention?: PruneOptions | false;
  /** How often the engine looks for a cancel marker and decision answers, ms. Default 100. */
  pollIntervalMs?: number;
  now?: () => Date;
}

/** Result of {@link Runtime.cancel}. */
export interface CancelResult {
  /** The run's status afterwards (`running` when another process has yet to notice). */
  status: RunStatus;
  /** How the cancel was delivered. */
  via: 'in-process' | 'marker' | 'store';
}

const DEFAULT_CONCURRENCY = 4;

/** The time limit of a step whose agent sets none, in seconds (as the strategies use). */
export const DEFAULT_STEP_TIMEOUT_SECONDS = 300;

/**
 * Runs task graphs durably: concurrent steps with retries, fallbacks, escalations to people,
 * budgets, a checkpoint per finished step, resume after a crash, and prompt cancellation.
 *
 * @example
 * ```ts
 * const runtime = new Runtime({ dir: '.baton' });
 * const graph = compilePlan(plan, { task });
 * const handle = runtime.start(graph, {
 *   executor: async (agent, context, { signal }) => ({ output: await callModel(agent, context, signal), confidence: 0.9 }),
 *   budget: { maxCostUsd: 2 },
 *   concurrency: 3,
 * });
 * handle.events.on('step-end', (event) => console.error(event.stepId, event.status));
 * const result = await handle.result;
 * // later, after a crash: await runtime.resume(result.runId, { executor }).result;
 * ```
 */
export class Runtime {
  readonly store: RunStore;
  readonly audit: AuditLog | undefined;
  readonly #logger: Logger;
  readonly #pollIntervalMs: number;
  readonly #now: () => Date;
  readonly #active = new Map<string, RunExecution>();
  readonly #retention: PruneOptions | undefined;

  constructor(options: RuntimeOptions = {}) {
    const dir = options.dir ?? '.baton';
    this.#logger = options.logger ?? noopLogger;
    this.#now = options.now ?? (() => new Date());
    this.store =
      options.store ??
      new RunStore({
        dir,
        ...(options.fsync === undefined ? {} : { fsync: options.fsync }),
        logger: this.#logger,
        now: this.#now,
      });
    this.audit =
      options.audit === false
        ? undefined
        : (options.audit ??
          new AuditLog({
            path: `${this.store.dir}/audit.jsonl`,
            logger: this.#logger,
            now: this.#now,
          }));
    this.#pollIntervalMs = options.pollIntervalMs ?? 100;
    this.#retention =
      options.retention === false ? undefined : (options.retention ?? DEFAULT_RETENTION);
  }

  /** Starts a run of a graph; see {@link RunHandle}. */
  start(graphInput: TaskGraph, options: StartOptions): RunHandle {
    return this.#start(graphInput, options, []);
  }

  /**
   * Runs a free-form task through the whole lifecycle: `analyzing` while `analyze` runs (e.g.
   * `MetaOrchestrator.analyzeTask`), `planning` while `plan` builds the graph (e.g. `planTask` or
   * `compilePlan`), then executing. Both phases see the run's abort signal; a run cancelled
   * before its graph exists is not stored (the result rejects with `AbortedError`).
   *
   * @example
   * ```ts
   * const meta = new MetaOrchestrator();
   * const handle = runtime.startTask('refactor the parser', {
   *   executor,
   *   analyze: (task) => meta.analyzeTask(task),
   *   plan: ({ task }) => compilePlan(meta.analyzeAndCompose(task), { task }),
   * });
   * ```
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
    validateExecuteOptions(options);
    const runId = options.runId ?? newRunId(this.#now());
    assertRunId(runId, 'runId');
    const events = options.events ?? new RunEmitter();
    const controller = new AbortController();
    const signal = mergeAbortSignals(controller.signal, options.signal)!;
    let inner: RunHandle | undefined;
    const machine = new RunStateMachine({ now: this.#now });
    const result = (async () => {
      machine.transition('start', { task });
      const analysis = toJsonSafe(await options.analyze?.(task, { signal }));
      throwIfAborted(signal);
      machine.transition('plan', analysis === null ? {} : { analysis });
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
      inner = this.#start(
        { ...graph, task: graph.task ?? task },
        { ...options, runId, events, planning },
        [...machine.history],
      );
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

  #start(graphInput: TaskGraph, options: StartOptions, preHistory: TransitionRecord[]): RunHandle {
    const graph = createTaskGraph(graphInput);
    validateExecuteOptions(options);
    const runId = options.runId ?? newRunId(this.#now());
    assertRunId(runId, 'runId');
    const now = this.#now().toISOString();
    const record: RunRecord = {
      version: 1,
      id: runId,
      createdAt: now,
      updatedAt: now,
      status: 'running',
      state: preHistory.at(-1)?.to ?? 'idle',
      history: preHistory,
      graph,
      ...(graph.task === undefined ? {} : { task: graph.task }),
      context: (toJsonSafe(options.context ?? {}) ?? {}) as Record<string, unknown>,
      budget: options.budget ?? {},
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      ...currentOwner(),
      attempts: 1,
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    };
    if (this.#active.has(runId)) {
      throw new BatonError(
        BatonErrorCode.CONFLICT,
        `Run ${runId} is already running in this process`,
      );
    }
    const execution = new RunExecution(this.#deps(), record, {}, options, false);
    return this.#launch(execution, async () => {
      if (
        await this.store.loadRun(runId).then(
          () => true,
          () => false,
        )
      ) {
        throw new BatonError(BatonErrorCode.CONFLICT, `Run ${runId} already exists`);
      }
      const release = await this.store.acquireLock(runId);
      const planning = options.planning;
      if (planning?.composition !== undefined) {
        const { decision, reason, compositionId } = planning.composition;
        await this.audit?.append({
          type: 'composition',
          runId,
          message: `composition ${decision}${compositionId ? ` (${compositionId})` : ''}: ${reason}`,
          data: { ...planning.composition },
        });
      }
      if (graph.strategy !== undefined && planning?.strategyReason !== undefined) {
        await this.audit?.append({
          type: 'strategy',
          runId,
          message: `strategy ${graph.strategy} chosen: ${planning.strategyReason}`,
        });
      }
      if (planning?.source !== undefined) {
        await this.audit?.append({
          type: 'plan',
          runId,
          message: `plan from ${planning.source}${planning.reason ? `: ${planning.reason}` : ''}`,
          data: { strategy: graph.strategy, steps: graph.steps.length },
        });
      }
      return release;
    });
  }

  /** Starts a run and waits for it to stop. */
  run(graph: TaskGraph, options: StartOptions): Promise<RunResult> {
    return this.start(graph, options).result;
  }

  /**
   * Continues a crashed, cancelled, paused or budget-exceeded run without re-running finished
   * steps. Pass the executor again (executors are code, not data); budget and concurrency
   * default to the run's own.
   */
  resume(runId: string, options: ExecuteOptions): RunHandle {
    assertRunId(runId, 'runId');
    validateExecuteOptions(options);
    const events = options.events ?? new RunEmitter();
    let execution: RunExecution | undefined;
    const controller = new AbortController();
    const result = (async () => {
      if (this.#active.has(runId)) {
        throw new BatonError(
          BatonErrorCode.CONFLICT,
          `Run ${runId} is already running in this process`,
        );
      }
      const release = await this.#resumeLock(runId);
      let record: RunRecord;
      try {
        record = await this.store.loadRun(runId);
      } catch (error) {
        await release();
        throw error;
      }
      const alive =
        record.status === 'running' ? isProcessAlive(record.pid, record.hostname) : false;
      if (alive !== false && record.pid !== process.pid) {
        await release();
        throw new BatonError(
          BatonErrorCode.CONFLICT,
          `Run ${runId} is still running (pid ${record.pid} on ${record.hostname}); cancel it first`,
        );
      }
      const engineError = record.status === 'failed' && record.state === 'error';
      if (
        record.status !== 'running' &&
        !RESUMABLE_STATUSES.includes(record.status) &&
        !engineError
      ) {
        await release();
        throw new BatonError(
          BatonErrorCode.CONFLICT,
          `Run ${runId} ${record.status}; there is nothing to resume`,
        );
      }
      const steps = await this.store.loadSteps(runId);
      await this.store.clearCancel(runId);
      execution = new RunExecution(
        this.#deps(),
        {
          ...record,
          ...currentOwner(),
          attempts: record.attempts + 1,
          budget: options.budget ?? record.budget,
          concurrency: options.concurrency ?? record.concurrency,
        },
        steps,
        { ...options, events },
        true,
      );
      if (controller.signal.aborted)
        execution.cancel(String(controller.signal.reason ?? 'cancelled'));
      this.#active.set(runId, execution);
      try {
        return await execution.run();
      } finally {
        this.#active.delete(runId);
        await release().catch(() => {});
        await this.#applyRetention(runId);
      }
    })();
    return {
      runId,
      events,
      result,
      cancel: (reason = 'cancelled') => {
        if (execution === undefined) controller.abort(reason);
        else execution.cancel(reason);
      },
    };
  }

  /**
   * Cancels a run: in this process directly; in another process through a `cancel` marker the
   * engine polls (and, with `interrupt`, a SIGINT to the recorded pid); a crashed or paused run
   * is marked cancelled at once. Cancelled runs are resumable.
   */
  async cancel(
    runId: string,
    options: { reason?: string; interrupt?: boolean; signal?: AbortSignal } = {},
  ): Promise<CancelResult> {
    assertRunId(runId, 'runId');
    const reason = options.reason ?? 'cancelled';
    const active = this.#active.get(runId);
    if (active !== undefined) {
      active.cancel(reason);
      const result = await active.done;
      return { status: result.status, via: 'in-process' };
    }
    const status = await this.store.requestCancel(runId, { reason });
    await this.audit?.append({ type: 'cancel', runId, message: `cancel requested: ${reason}` });
    if (status === 'running' && options.interrupt === true) {
      const record = await this.store.loadRun(runId);
      if (record.pid !== undefined && record.pid !== process.pid) {
        try {
          process.kill(record.pid, 'SIGINT');
        } catch {
          // gone already: the marker is enough
        }
      }
    }
    return { status, via: status === 'running' ? 'marker' : 'store' };
  }

  /** The owner lock for a resume; a missing run is reported as not found, not as a lock problem. */
  async #resumeLock(runId: string): Promise<() => Promise<void>> {
    await this.store.loadRun(runId);
    return this.store.acquireLock(runId);
  }

  async #applyRetention(runId: string): Promise<void> {
    if (this.#retention === undefined) return;
    try {
      const deleted = await this.store.prune({
        ...this.#retention,
        except: [runId, ...this.#active.keys(), ...(this.#retention.except ?? [])],
      });
      if (deleted.length > 0) {
        this.#logger.info('Pruned old runs by the retention policy', { deleted });
      }
    } catch (error) {
      this.#logger.warn('Could not prune old runs', { error: describeError(error) });
    }
  }

  #deps(): EngineDeps {
    return {
      store: this.store,
      audit: this.audit,
      logger: this.#logger,
      pollIntervalMs: this.#pollIntervalMs,
      now: this.#now,
    };
  }

  #launch(execution: RunExecution, before: () => Promise<() => Promise<void>>): RunHandle {
    const runId = execution.runId;
    this.#active.set(runId, execution);
    const result = (async () => {
      let release: () => Promise<void>;
      try {
        release = await before();
      } catch (error) {
        this.#active.delete(runId);
        throw error;
      }
      try {
        return await execution.run();
      } finally {
        this.#active.delete(runId);
        await release().catch(() => {});
        await this.#applyRetention(runId);
      }
    })();
    return {
      runId,
      events: execution.events,
      result,
      cancel: (reason) => execution.cancel(reason),
    };
  }
}

function validateExecuteOptions(options: ExecuteOptions): void {
  if (options === null || typeof options !== 'object' || typeof options.executor !== 'function') {
    throw new ValidationError(
      'executor',
      'must be a function (agent, context, { signal }) => Promise<output>',
    );
  }
  if (
    options.concurrency !== undefined &&
    (!Number.isInteger(options.concurrency) || options.concurrency < 1)
  ) {
    throw new ValidationError('concurrency', 'must be an integer >= 1');
  }
  if (options.budget !== undefined) parseWith(budgetSchema, options.budget, { label: 'budget' });
  if (options.retry !== undefined) parseWith(retryPolicySchema, options.retry, { label: 'retry' });
  const threshold = options.escalation?.confidenceThreshold;
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
    throw new ValidationError('escalation.confidenceThreshold', 'must be between 0 and 1');
  }
  const deadline = options.escalation?.deadlineSeconds;
  if (deadline !== undefined && !(deadline >= 0)) {
    throw new ValidationError('escalation.deadlineSeconds', 'must be >= 0');
  }
  if (options.decisionMode !== undefined && !['wait', 'pause'].includes(options.decisionMode)) {
    throw new ValidationError('decisionMode', 'must be "wait" or "pause"');
  }
  if (options.approvalRules !== undefined) parseApprovalRules(options.approvalRules);
}

interface EngineDeps {
  store: RunStore;
  audit: AuditLog | undefined;
  logger: Logger;
  pollIntervalMs: number;
  now: () => Date;
}

type EventInput = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, 'runId' | 'seq' | 'timestamp'>
    : never
  : never;

interface StepFailure {
  kind: StepFailureKind;
  message: string;
  /** The executor is not set up to run anything (see `isSetupFailure`). */
  setup?: boolean;
}

/** One start or resume of a run. Internal. */
class RunExecution {
  readonly runId: string;
  readonly events: RunEmitter;
  readonly done: Promise<RunResult>;
  readonly #resolveDone: (result: RunResult) => void;
  readonly #deps: EngineDeps;
  readonly #options: ExecuteOptions;
  readonly #resumed: boolean;
  readonly #record: RunRecord;
  readonly #graph: TaskGraph;
  readonly #byId: Map<string, TaskStep>;
  readonly #order: string[];
  /** Position of each step in the topological order. */
  readonly #position = new Map<string, number>();
  /** Steps that depend on each step. */
  readonly #dependents = new Map<string, string[]>();
  /** How many dependencies of each step are not finished. */
  readonly #waitingOn = new Map<string, number>();
  /** Pending steps whose dependencies are all finished: the only ones dispatch looks at. */
  readonly #ready = new Set<string>();
  readonly #counts: Record<StepStatus, number> = {
    pending: 0,
    running: 0,
    'awaiting-decision': 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
  };
  #doneWeight = 0;
  #totalWeight = 0;
  readonly #machine: RunStateMachine;
  readonly #statuses = new Map<string, StepStatus>();
  readonly #checkpoints: Map<string, StepCheckpoint>;
  readonly #attempts = new Map<string, AttemptRecord[]>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #pending = new Map<string, Decision>();
  readonly #approved = new Set<string>();
  readonly #ledger = new CostLedger();
  readonly #guard: BudgetGuard;
  readonly #controller = new AbortController();
  readonly #signal: AbortSignal;
  readonly #rules: ApprovalRule[];
  readonly #retry: RetryPolicy;
  readonly #auditWrites = new Set<Promise<unknown>>();
  #budgetStop: BudgetRefusal | undefined;
  #seq = 0;
  #started = 0;
  #writer: JsonlEventWriter | undefined;
  #wake: (() => void) | undefined;
  #saving: Promise<void> = Promise.resolve();
  #detachOuter: (() => void) | undefined;
  #engineError: unknown;

  constructor(
    deps: EngineDeps,
    record: RunRecord,
    checkpoints: Record<string, StepCheckpoint>,
    options: ExecuteOptions,
    resumed: boolean,
  ) {
    this.#deps = deps;
    this.#record = record;
    this.runId = record.id;
    this.#options = options;
    this.#resumed = resumed;
    this.events = options.events ?? new RunEmitter();
    this.#graph = record.graph;
    this.#byId = new Map(this.#graph.steps.map((step) => [step.id, step]));
    this.#order = topologicalOrder(this.#graph.steps);
    this.#order.forEach((id, index) => {
      this.#position.set(id, index);
      this.#dependents.set(id, []);
    });
    for (const step of this.#graph.steps) {
      for (const dependency of new Set(step.dependsOn))
        this.#dependents.get(dependency)!.push(step.id);
    }
    this.#checkpoints = new Map(Object.entries(checkpoints).filter(([id]) => this.#byId.has(id)));
    for (const step of this.#graph.steps) {
      const status = this.#checkpoints.get(step.id)?.status ?? 'pending';
      this.#statuses.set(step.id, status);
      this.#counts[status] += 1;
      if (isFinishedStatus(status)) this.#doneWeight += step.estimatedDurationSeconds;
      this.#totalWeight += step.estimatedDurationSeconds;
    }
    for (const step of this.#graph.steps) {
      const waiting =
        new Set(step.dependsOn).size -
        [...new Set(step.dependsOn)].filter((dependency) =>
          isFinishedStatus(this.#statuses.get(dependency)!),
        ).length;
      this.#waitingOn.set(step.id, waiting);
      if (waiting === 0 && this.#statuses.get(step.id) === 'pending') this.#ready.add(step.id);
    }
    for (const checkpoint of this.#checkpoints.values())
      this.#restoreSpend(checkpoint.stepId, checkpoint.attempts);
    // Attempts cut short by a cancel were spent too: they count, and stay with their step.
    for (const [stepId, attempts] of Object.entries(record.interruptedAttempts ?? {})) {
      if (!this.#byId.has(stepId) || this.#checkpoints.has(stepId)) continue;
      this.#attempts.set(stepId, [...attempts]);
      this.#restoreSpend(stepId, attempts);
    }
    this.#guard = new BudgetGuard(record.budget, this.#ledger);
    this.#signal = this.#controller.signal;
    this.#rules = parseApprovalRules(options.approvalRules ?? DEFAULT_APPROVAL_RULES);
    this.#retry = parseWith(retryPolicySchema, options.retry ?? {}, { label: 'retry' });
    this.#machine = new RunStateMachine({
      state: record.state,
      history: record.history,
      now: deps.now,
      onTransition: (transition) => {
        this.#record.state = transition.to;
        this.#record.history = [...this.#machine.history];
        this.#emit({
          type: 'state-change',
          from: transition.from,
          to: transition.to,
          trigger: transition.trigger,
        });
      },
    });
    let resolveDone!: (result: RunResult) => void;
    this.done = new Promise((resolve) => {
      resolveDone = resolve;
    });
    this.#resolveDone = resolveDone;
    if (options.signal !== undefined) {
      const outer = options.signal;
      if (outer.aborted) this.cancel('interrupted');
      else {
        const onAbort = (): void => this.cancel('interrupted');
        outer.addEventListener('abort', onAbort, { once: true });
        this.#detachOuter = () => outer.removeEventListener('abort', onAbort);
      }
    }
  }

  cancel(reason = 'cancelled'): void {
    if (!this.#controller.signal.aborted)
      this.#controller.abort(new AbortedError(`Run cancelled: ${reason}`));
    this.#wake?.();
  }

  async run(): Promise<RunResult> {
    this.#started = performance.now();
    const { store } = this.#deps;
    if (this.#options.logEvents !== false) {
      this.#writer = new JsonlEventWriter(store.eventsPath(this.runId));
      this.#writer.attach(this.events);
    }
    const timer = setInterval(() => {
      void store.cancelRequest(this.runId).then((reason) => {
        if (reason !== undefined) this.cancel(reason);
      });
      if (this.#pending.size > 0) this.#wake?.();
    }, this.#deps.pollIntervalMs);
    timer.unref?.();
    let result: RunResult;
    try {
      await this.#begin();
      await this.#loop();
      if (this.#engineError !== undefined) throw this.#engineError;
      result = await this.#finish();
    } catch (error) {
      result = await this.#crash(error);
    } finally {
      clearInterval(timer);
      this.#detachOuter?.();
      await Promise.allSettled([...this.#auditWrites]);
      await this.#writer?.close().catch(() => {});
    }
    this.#resolveDone(result);
    return result;
  }

  // ---- lifecycle -------------------------------------------------------------------------

  #transition(trigger: RunTrigger, data?: Record<string, unknown>): void {
    this.#machine.transition(trigger, data);
  }

  async #begin(): Promise<void> {
    const state = this.#machine.state;
    if (this.#resumed) {
      if (state !== 'escalating' || this.#record.status !== 'paused') {
        if (state !== 'idle' && state !== 'error') {
          this.#transition('error', {
            reason: this.#record.status === 'running' ? 'crashed' : this.#record.status,
          });
        }
        if (this.#machine.state === 'error') this.#transition('recover', { reason: 'resume' });
        this.#transition('start', { resumed: true, attempt: this.#record.attempts });
        this.#transition('plan', { source: 'checkpoint' });
        this.#transition('execute');
        this.#transition('monitor');
      }
    } else if (state === 'planning') {
      // Analysed and planned by startTask: report those transitions, then execute.
      for (const record of this.#machine.history) {
        this.#emit({
          type: 'state-change',
          from: record.from,
          to: record.to,
          trigger: record.trigger,
        });
      }
      this.#transition('execute', {
        source: this.#graph.source ?? 'graph',
        steps: this.#graph.steps.length,
      });
      this.#transition('monitor');
    } else {
      this.#transition('start', this.#graph.task === undefined ? {} : { task: this.#graph.task });
      this.#transition('plan', {
        source: this.#graph.source ?? 'graph',
        steps: this.#graph.steps.length,
      });
      this.#transition('execute');
      this.#transition('monitor');
    }
    this.#record.status = 'running';
    delete this.#record.error;
    delete this.#record.budgetStop;
    delete this.#record.endedAt;
    await this.#saveRun();
    const toApply: Decision[] = [];
    if (this.#resumed) {
      const latest = new Map<string, Decision>();
      for (const decision of await this.#deps.store.decisions.listForRun(this.runId)) {
        latest.set(decision.stepId, decision);
        if (decision.kind === 'approval' && decision.status === 'approved')
          this.#approved.add(decision.stepId);
      }
      for (const decision of latest.values()) {
        if (this.#checkpoints.has(decision.stepId) || !this.#byId.has(decision.stepId)) continue;
        if (decision.attempts !== undefined && !this.#attempts.has(decision.stepId)) {
          this.#attempts.set(decision.stepId, [...decision.attempts]);
          this.#restoreSpend(decision.stepId, decision.attempts);
        }
        if (decision.status === 'pending') {
          this.#pending.set(decision.stepId, decision);
          this.#setStatus(decision.stepId, 'awaiting-decision');
        } else {
          toApply.push(decision);
        }
      }
    }
    const finished = [...this.#statuses.values()].filter(isFinishedStatus).length;
    this.#emit({
      type: 'run-start',
      resumed: this.#resumed,
      totalSteps: this.#graph.steps.length,
      finishedSteps: finished,
    });
    this.#audit({
      type: this.#resumed ? 'run-resume' : 'run-start',
      message: this.#resumed
        ? `resumed (attempt ${this.#record.attempts}); ${finished} of ${this.#graph.steps.length} steps already finished and not re-run`
        : `started ${this.#graph.steps.length} steps${this.#graph.strategy ? ` with strategy ${this.#graph.strategy}` : ''}`,
      data: { budget: this.#record.budget, concurrency: this.#record.concurrency },
    });
    // Decisions answered while the run was stopped take effect now.
    for (const decision of toApply) await this.#onResolved(decision);
    if (this.#pending.size > 0 && this.#machine.state === 'monitoring') {
      this.#transition('escalate', { decisions: [...this.#pending.values()].map((d) => d.id) });
      await this.#saveRun();
    }
    if (this.#pending.size === 0 && this.#machine.state === 'escalating') {
      this.#transition('user_response');
      this.#transition('monitor');
      await this.#saveRun();
    }
  }

  async #loop(): Promise<void> {
    for (;;) {
      if (this.#signal.aborted) return;
      if (this.#pending.size > 0) await this.#processDecisions();
      while (!this.#signal.aborted && (await this.#dispatch())) {
        // keep dispatching while skips and joins make more steps ready
      }
      if (this.#signal.aborted) return;
      if (this.#running.size === 0) {
        if (this.#pending.size === 0) return;
        if ((this.#options.decisionMode ?? 'pause') === 'pause' && !this.#hasHandlerInFlight()) {
          // Deadlines may already have passed: give them one chance before pausing.
          await this.#processDecisions();
          if (this.#pending.size > 0) return;
          continue;
        }
      }
      await this.#waitTick();
    }
  }

  #handlersInFlight = 0;

  #hasHandlerInFlight(): boolean {
    return this.#handlersInFlight > 0;
  }

  #waitTick(): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const wake = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      this.#wake = wake;
      for (const running of this.#running.values()) void running.then(wake);
      if (this.#pending.size > 0) timer = setTimeout(wake, this.#deps.pollIntervalMs);
      if (this.#signal.aborted) wake();
    });
  }

  async #finish(): Promise<RunResult> {
    // Wait for running steps to notice the abort (withTimeout settles them promptly).
    await Promise.allSettled([...this.#running.values()]);
    const { store } = this.#deps;
    let status: RunStatus;
    if (this.#signal.aborted) {
      status = 'cancelled';
      const reason = describeError(this.#signal.reason);
      this.#transition('error', { reason: 'cancelled', message: reason });
      this.#record.error = reason;
      this.#audit({ type: 'cancel', message: `run cancelled (${reason}); resumable` });
      await store.clearCancel(this.runId);
    } else if (this.#pending.size > 0) {
      status = 'paused';
    } else if (this.#budgetStop !== undefined && !this.#allFinished()) {
      status = 'budget-exceeded';
      this.#record.budgetStop = this.#budgetStop;
      this.#transition('complete', { status });
      this.#transition('finish');
    } else if (!this.#allFinished()) {
      status = 'failed';
      this.#record.error = 'internal: steps left that can never run';
      this.#transition('error', { reason: this.#record.error });
    } else {
      status = this.#succeeded() ? 'succeeded' : 'failed';
      this.#transition('complete', { status });
      this.#transition('finish');
    }
    return this.#end(status);
  }

  async #crash(error: unknown): Promise<RunResult> {
    this.#deps.logger.error('Run stopped by an engine error', {
      runId: this.runId,
      error: describeError(error),
    });
    this.cancel('engine error');
    await Promise.allSettled([...this.#running.values()]);
    this.#record.error = `engine error: ${describeError(error)}`;
    if (this.#machine.state !== 'error') this.#transition('error', { reason: this.#record.error });
    try {
      return await this.#end('failed');
    } catch {
      return this.#result('failed');
    }
  }

  async #end(status: RunStatus): Promise<RunResult> {
    this.#record.status = status;
    this.#record.endedAt = this.#deps.now().toISOString();
    this.#record.spend = { ...this.#ledger.total };
    await this.#saveRun();
    const result = this.#result(status);
    this.#emit({
      type: 'run-end',
      status,
      progress: result.progress,
      spend: result.spend,
      durationSeconds: result.durationSeconds,
      ...(result.error === undefined ? {} : { error: result.error }),
    });
    this.#audit({
      type: 'run-end',
      message: `run ${status}: ${result.progress.done}/${result.progress.total} steps, ${spendCost(result.spend.total, 6)}, ${spendTokens(result.spend.total)}${result.spend.total.unpricedAttempts > 0 ? ` (${result.spend.total.unpricedAttempts} attempts without a price)` : ''}${result.spend.total.unmeasuredAttempts > 0 ? ` (${result.spend.total.unmeasuredAttempts} attempts reported no usage)` : ''}`,
      data: { status, spend: result.spend.total },
    });
    return result;
  }

  #result(status: RunStatus): RunResult {
    const steps: Record<string, StepOutcome> = {};
    for (const step of this.#graph.steps) {
      const checkpoint = this.#checkpoints.get(step.id);
      steps[step.id] = {
        status: this.#statuses.get(step.id) ?? 'pending',
        ...(checkpoint?.reason === undefined ? {} : { reason: checkpoint.reason }),
        ...(checkpoint?.result === undefined ? {} : { result: checkpoint.result }),
        attempts: checkpoint?.attempts ?? this.#attempts.get(step.id) ?? [],
      };
    }
    return {
      runId: this.runId,
      status,
      success: status === 'succeeded',
      steps,
      progress: this.#progress(),
      spend: this.#ledger.report(),
      pendingDecisions: [...this.#pending.values()],
      ...(this.#budgetStop === undefined ? {} : { budgetStop: this.#budgetStop }),
      durationSeconds: (performance.now() - this.#started) / 1000,
      ...(this.#record.error === undefined ? {} : { error: this.#record.error }),
    };
  }

  #allFinished(): boolean {
    return [...this.#statuses.values()].every(isFinishedStatus);
  }

  #succeeded(): boolean {
    return this.#graph.steps.every((step) => {
      const checkpoint = this.#checkpoints.get(step.id);
      if (checkpoint === undefined) return false;
      if (checkpoint.status === 'succeeded') return true;
      if (checkpoint.status === 'skipped' && checkpoint.reason === 'condition-not-met') return true;
      return !step.critical;
    });
  }

  #progress(): ProgressSnapshot {
    const counts = this.#counts;
    const total = this.#graph.steps.length;
    const done = counts.succeeded + counts.failed + counts.skipped;
    const round = (value: number): number => Math.round(value * 10) / 10;
    return {
      total,
      done,
      succeeded: counts.succeeded,
      failed: counts.failed,
      skipped: counts.skipped,
      running: counts.running,
      pending: counts.pending,
      awaitingDecision: counts['awaiting-decision'],
      percent: total === 0 ? 100 : round((done / total) * 100),
      weightedPercent:
        this.#totalWeight > 0 ? round((this.#doneWeight / this.#totalWeight) * 100) : undefined,
    };
  }

  /** Sets a step's status, keeping the progress counters in step (O(1) progress per event). */
  #setStatus(stepId: string, status: StepStatus): void {
    const previous = this.#statuses.get(stepId) ?? 'pending';
    if (previous === status) return;
    const weight = this.#byId.get(stepId)?.estimatedDurationSeconds ?? 0;
    this.#counts[previous] -= 1;
    this.#counts[status] += 1;
    if (isFinishedStatus(previous)) this.#doneWeight -= weight;
    if (isFinishedStatus(status)) this.#doneWeight += weight;
    this.#statuses.set(stepId, status);
    if (status === 'pending' && this.#waitingOn.get(stepId) === 0) this.#ready.add(stepId);
    else this.#ready.delete(stepId);
    if (isFinishedStatus(status) && !isFinishedStatus(previous)) {
      for (const dependent of this.#dependents.get(stepId) ?? []) {
        const waiting = (this.#waitingOn.get(dependent) ?? 1) - 1;
        this.#waitingOn.set(dependent, waiting);
        if (waiting === 0 && this.#statuses.get(dependent) === 'pending')
          this.#ready.add(dependent);
      }
    }
  }

  #saveRun(): Promise<void> {
    this.#record.updatedAt = this.#deps.now().toISOString();
    const snapshot = structuredClone(this.#record);
    this.#saving = this.#saving.then(() => this.#deps.store.saveRun(snapshot));
    return this.#saving;
  }

  #emit(input: EventInput): void {
    this.#seq += 1;
    const event = {
      ...input,
      runId: this.runId,
      seq: this.#seq,
      timestamp: this.#deps.now().toISOString(),
    } as RunEvent;
    try {
      this.events.emit(event.type, event as never);
      this.events.emit('event', event);
    } catch (error) {
      this.#deps.logger.warn('An event listener threw', {
        type: event.type,
        error: describeError(error),
      });
    }
  }

  #audit(entry: Omit<AuditEntry, 'at' | 'runId'>): void {
    const audit = this.#deps.audit;
    if (audit === undefined) return;
    const write = audit.append({ ...entry, runId: this.runId });
    this.#auditWrites.add(write);
    void write.finally(() => this.#auditWrites.delete(write));
  }

  #restoreSpend(stepId: string, attempts: readonly AttemptRecord[]): void {
    const step = this.#byId.get(stepId);
    for (const attempt of attempts) {
      this.#ledger.record({
        stepId,
        agentId: attempt.agentId,
        tier: attempt.tier,
        strategy: step?.strategy,
        parentId: step?.parentId,
        newAgent: attempt.attempt === 1,
        usage: attempt.usage,
      });
    }
  }

  // ---- dispatch ---------------------------------------------------------------------------

  /** Starts or settles every ready step it can; true when something changed. */
  async #dispatch(): Promise<boolean> {
    let changed = false;
    const ready = [...this.#ready].sort((a, b) => this.#position.get(a)! - this.#position.get(b)!);
    for (const id of ready) {
      if (this.#signal.aborted) return changed;
      if (this.#statuses.get(id) !== 'pending') continue;
      const step = this.#byId.get(id)!;
      const dependencyFailed = step.dependsOn.some((dependency) =>
        this.#failedForDependents(dependency),
      );
      if (dependencyFailed && step.onDependencyFailure === 'skip') {
        await this.#finishStep(step, { status: 'skipped', reason: 'dependency-failed' });
        changed = true;
        continue;
      }
      if (step.condition !== undefined && !this.#conditionHolds(step)) {
        await this.#finishStep(step, { status: 'skipped', reason: 'condition-not-met' });
        changed = true;
        continue;
      }
      if (step.kind === 'join') {
        await this.#finishJoin(step);
        changed = true;
        continue;
      }
      if (this.#budgetStop !== undefined) continue;
      if (this.#running.size >= this.#record.concurrency) break;
      if (!this.#approved.has(id)) {
        const rule = matchApprovalRule(step, this.#rules);
        if (rule !== undefined) {
          await this.#escalate(
            step,
            'approval',
            `step ${id} needs approval: ${rule.reason} (rule ${rule.id})`,
            {
              rule: rule.id,
            },
          );
          changed = true;
          continue;
        }
      }
      const estimate = this.#estimate(step.agent!);
      const refusal = this.#guard.exhausted(estimate) ?? this.#guard.reserve(estimate, 1);
      if (refusal !== undefined) {
        this.#stopForBudget(step, refusal);
        continue;
      }
      this.#setStatus(id, 'running');
      const running = this.#executeStep(step, estimate)
        .catch((error: unknown) => {
          // A storage failure while finishing a step: stop the run as an engine error.
          this.#engineError ??= error;
          this.cancel('engine error');
        })
        .finally(() => {
          this.#running.delete(id);
          this.#wake?.();
        });
      this.#running.set(id, running);
      changed = true;
    }
    return changed;
  }

  #failedForDependents(stepId: string): boolean {
    const status = this.#statuses.get(stepId);
    if (status === 'failed') return true;
    return status === 'skipped' && this.#checkpoints.get(stepId)?.reason === 'dependency-failed';
  }

  #conditionHolds(step: TaskStep): boolean {
    const condition = step.condition!;
    if (condition.type === 'below-confidence') {
      const checkpoint = this.#checkpoints.get(condition.stepId);
      const result = checkpoint?.result;
      return (
        checkpoint?.status !== 'succeeded' ||
        result === undefined ||
        result.confidence < condition.threshold
      );
    }
    const classifier = this.#checkpoints.get(condition.classifierStepId);
    const candidates = condition.candidates.filter((id) => this.#byId.has(id));
    let chosen: string | undefined;
    if (classifier?.status !== 'succeeded' || classifier.result === undefined)
      chosen = candidates[0];
    else {
      const rank = (id: string): number => {
        const tier = this.#byId.get(id)?.agent?.tier as Tier | undefined;
        return tier === undefined ? 1 : tierRank(tier);
      };
      const cheap = classifier.result.confidence > condition.threshold;
      for (const id of candidates) {
        if (chosen === undefined || (cheap ? rank(id) < rank(chosen) : rank(id) > rank(chosen)))
          chosen = id;
      }
    }
    return chosen === step.id;
  }

  #estimate(agent: StepAgent): StepEstimate {
    const estimate =
      this.#options.estimate?.(agent) ?? estimateAgentCost(agent, this.#options.prices ?? {});
    if (this.#record.budget.maxCostUsd !== undefined && estimate.costUsd === undefined) {
      this.#audit({
        type: 'budget-estimate-unknown',
        agentId: agent.id,
        message: `no price for agent ${agent.id}${agent.tier ? ` (${agent.tier})` : ''}: its cost cannot be estimated before it runs; started only while budget remains`,
      });
    }
    return estimate;
  }

  #stopForBudget(step: TaskStep, refusal: BudgetRefusal): void {
    if (this.#budgetStop !== undefined) return;
    this.#budgetStop = refusal;
    this.#emit({
      type: 'budget-exceeded',
      stepId: step.id,
      agentId: step.agent?.id,
      parentId: step.parentId,
      ...refusal,
    });
    this.#audit({
      type: 'budget-stop',
      stepId: step.id,
      message: `step ${step.id} not started: ${refusal.limit} ${refusal.max} would be exceeded (committed ${refusal.committed}, step needs ${refusal.needed === undefined ? 'an amount not known in advance' : `up to ${refusal.needed}`}); no further steps start`,
      data: { ...refusal },
    });
  }

  async #finishJoin(step: TaskStep): Promise<void> {
    const outputs: Record<string, unknown> = {};
    const failed: string[] = [];
    const confidences: number[] = [];
    for (const dependency of step.dependsOn) {
      const checkpoint = this.#checkpoints.get(dependency);
      if (checkpoint?.status === 'succeeded' && checkpoint.result !== undefined) {
        outputs[dependency] = checkpoint.result.output;
        confidences.push(checkpoint.result.confidence);
      } else if (this.#failedForDependents(dependency)) failed.push(dependency);
    }
    const success = failed.length === 0;
    const result: AgentResult = {
      agentId: step.id,
      success,
      output: outputs,
      confidence:
        confidences.length === 0 ? 0 : confidences.reduce((a, b) => a + b, 0) / confidences.length,
      durationSeconds: 0,
      error: success ? '' : `failed dependencies: ${failed.join(', ')}`,
    };
    await this.#finishStep(step, {
      status: success ? 'succeeded' : 'failed',
      ...(success ? {} : { reason: 'dependency-failed' as const }),
      result,
    });
  }

  async #finishStep(
    step: TaskStep,
    outcome: {
      status: 'succeeded' | 'failed' | 'skipped';
      reason?: StepFailureKind;
      result?: AgentResult;
      startedAt?: string;
    },
  ): Promise<void> {
    const checkpoint: StepCheckpoint = {
      stepId: step.id,
      status: outcome.status,
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
      ...(outcome.result === undefined
        ? {}
        : { result: { ...outcome.result, output: toJsonSafe(outcome.result.output) } }),
      attempts: this.#attempts.get(step.id) ?? [],
      ...(outcome.startedAt === undefined ? {} : { startedAt: outcome.startedAt }),
      endedAt: this.#deps.now().toISOString(),
      runAttempt: this.#record.attempts,
    };
    await this.#deps.store.saveStep(this.runId, checkpoint);
    this.#checkpoints.set(step.id, checkpoint);
    if (this.#record.interruptedAttempts?.[step.id] !== undefined) {
      // Now part of the checkpoint's attempts.
      const { [step.id]: _finished, ...rest } = this.#record.interruptedAttempts;
      this.#record.interruptedAttempts = rest;
    }
    this.#setStatus(step.id, outcome.status);
    this.#emit({
      type: 'step-end',
      stepId: step.id,
      agentId: step.agent?.id,
      parentId: step.parentId,
      status: outcome.status,
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
      ...(checkpoint.result === undefined ? {} : { result: checkpoint.result }),
      progress: this.#progress(),
    });
  }

  // ---- execution --------------------------------------------------------------------------

  /** Every step this one depends on, directly or not, in topological order. */
  #ancestors(step: TaskStep): string[] {
    const seen = new Set<string>();
    const queue = [...step.dependsOn];
    while (queue.length > 0) {
      const id = queue.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      queue.push(...(this.#byId.get(id)?.dependsOn ?? []));
    }
    return [...seen].sort((a, b) => this.#position.get(a)! - this.#position.get(b)!);
  }

  /**
   * What a step's agent sees, with the keys the strategies of `@baton/strategies` use: the run's
   * context and `task`, the step's `input`, every succeeded ancestor's output under its agent id,
   * `dependencies`, and `juniorAttempt` (teaching), `classification` (adaptive), `opinions` and
   * `consensus` (debate synthesis), `previousOutput` and `stageOutputs` (refinement).
   */
  #contextFor(step: TaskStep): Record<string, unknown> {
    const context: Record<string, unknown> = { ...this.#record.context };
    if (this.#graph.task !== undefined && context.task === undefined) {
      context.task = this.#graph.task;
    }
    Object.assign(context, step.input ?? {});
    const ancestors = this.#ancestors(step);
    const succeeded: AgentResult[] = [];
    for (const id of ancestors) {
      const result = this.#checkpoints.get(id)?.result;
      const ancestor = this.#byId.get(id);
      if (result?.success && ancestor?.kind === 'agent') {
        context[ancestor.agent?.id ?? id] = result.output;
        succeeded.push(result);
      }
    }
    const dependencies: Record<string, unknown> = {};
    for (const dependency of step.dependsOn) {
      const checkpoint = this.#checkpoints.get(dependency);
      const result = checkpoint?.result;
      dependencies[dependency] = {
        status: checkpoint?.status,
        success: result?.success ?? false,
        output: result?.output,
        confidence: result?.confidence ?? 0,
        error: result?.error ?? '',
      };
    }
    context.dependencies = dependencies;
    if (step.condition?.type === 'below-confidence') {
      context.juniorAttempt = this.#checkpoints.get(step.condition.stepId)?.result?.output;
    } else if (step.condition?.type === 'adaptive-select') {
      context.classification = this.#checkpoints.get(
        step.condition.classifierStepId,
      )?.result?.output;
    }
    if (step.parentId === 'debate.synthesis') {
      const opinions = step.dependsOn.flatMap((id) => {
        const result = this.#checkpoints.get(id)?.result;
        return result === undefined ? [] : [{ ...result }];
      });
      context.opinions = opinions;
      context.consensus = debateConsensus(opinions);
    }
    if (step.parentId === 'refinement' && step.dependsOn.length > 0) {
      context.previousOutput = this.#checkpoints.get(step.dependsOn[0]!)?.result?.output;
      context.stageOutputs = succeeded.map((result) => result.output);
    }
    return context;
  }

  async #executeStep(step: TaskStep, primaryEstimate: StepEstimate): Promise<void> {
    const startedAt = this.#deps.now().toISOString();
    const reservations: Array<{ estimate: StepEstimate; agents: number }> = [
      { estimate: primaryEstimate, agents: 1 },
    ];
    const attempts = this.#attempts.get(step.id) ?? [];
    this.#attempts.set(step.id, attempts);
    const context = this.#contextFor(step);
    const chain = [
      { via: 'primary', agent: step.agent!, executorName: undefined as string | undefined },
      ...step.fallbacks.map((fallback) => ({
        via: fallback.label,
        agent: fallback.agent ?? step.agent!,
        executorName: fallback.executor,
      })),
    ];
    let success: AgentResult | undefined;
    let failure: StepFailure = { kind: 'error', message: 'not run' };
    let lastResult: AgentResult | undefined;
    try {
      let unusable: Set<string | undefined> | undefined;
      for (const [index, candidate] of chain.entries()) {
        // A setup failure repeats on the same executor: only other executors are worth a try.
        if (unusable?.has(candidate.executorName)) continue;
        if (index > 0) {
          const estimate = this.#estimate(candidate.agent);
          const refusal = this.#guard.reserve(estimate, 1);
          if (refusal !== undefined) {
            this.#stopForBudget(step, refusal);
            failure = {
              kind: 'budget',
              message: `fallback ${candidate.via} not started: ${refusal.limit} ${refusal.max} would be exceeded; last error: ${failure.message}`,
            };
            break;
          }
          reservations.push({ estimate, agents: 1 });
          this.#emit({
            type: 'step-fallback',
            stepId: step.id,
            agentId: candidate.agent.id,
            parentId: step.parentId,
            from: chain[index - 1]!.via,
            to: candidate.via,
            error: failure.message,
          });
          this.#audit({
            type: 'fallback',
            stepId: step.id,
            agentId: candidate.agent.id,
            message: `step ${step.id} falls back from ${chain[index - 1]!.via} to ${candidate.via} after: ${failure.message}`,
          });
        }
        const outcome = await this.#runCandidate(step, candidate, context, attempts);
        if (outcome.result.success) {
          success = outcome.result;
          break;
        }
        lastResult = outcome.result;
        failure = outcome.failure;
        if (failure.setup === true) {
          unusable ??= new Set();
          unusable.add(candidate.executorName);
        }
      }
    } catch (error) {
      // Only an abort reaches here; anything else is recorded as the step's failure.
      if (!this.#signal.aborted) failure = { kind: 'error', message: describeError(error) };
    }
    for (const reservation of reservations)
      this.#guard.release(reservation.estimate, reservation.agents);
    if (this.#signal.aborted && success === undefined) {
      // Aborted: the step stays unfinished (no checkpoint) and runs again on resume; the
      // attempts it made are kept with the run, so their spend is not forgotten.
      if (attempts.length > 0) {
        this.#record.interruptedAttempts = {
          ...this.#record.interruptedAttempts,
          [step.id]: [...attempts],
        };
      }
      this.#setStatus(step.id, 'pending');
      return;
    }
    if (success !== undefined) {
      const threshold = this.#options.escalation?.confidenceThreshold ?? 0.7;
      if (step.risky && success.confidence < threshold) {
        await this.#escalate(
          step,
          'low-confidence',
          `risky step ${step.id} reported confidence ${success.confidence} < ${threshold}`,
          { result: success },
        );
        return;
      }
      await this.#finishStep(step, { status: 'succeeded', result: success, startedAt });
      return;
    }
    const result: AgentResult = lastResult ?? {
      agentId: step.agent!.id,
      success: false,
      output: null,
      confidence: 0,
      durationSeconds: 0,
      error: failure.message,
    };
    if (
      (this.#options.escalation?.onFailure ?? true) &&
      failure.kind !== 'budget' &&
      failure.setup !== true
    ) {
      await this.#escalate(
        step,
        'escalation',
        `step ${step.id} failed after ${attempts.length} attempt${attempts.length === 1 ? '' : 's'} and ${step.fallbacks.length} fallback${step.fallbacks.length === 1 ? '' : 's'}: ${failure.message}`,
        { failure, result: { ...result, error: result.error || failure.message } },
      );
      return;
    }
    await this.#finishStep(step, {
      status: 'failed',
      reason: failure.kind,
      result: { ...result, success: false, error: result.error || failure.message },
      startedAt,
    });
  }

  /** Runs one agent (with retries); throws only when the run is aborted. */
  async #runCandidate(
    step: TaskStep,
    candidate: { via: string; agent: StepAgent; executorName: string | undefined },
    context: Record<string, unknown>,
    attempts: AttemptRecord[],
  ): Promise<{ result: AgentResult; failure: StepFailure }> {
    const executor =
      candidate.executorName === undefined
        ? this.#options.executor
        : this.#options.executors?.[candidate.executorName];
    const agent = candidate.agent;
    if (executor === undefined) {
      const message = `no executor named "${candidate.executorName}"`;
      return {
        result: {
          agentId: agent.id,
          success: false,
          output: null,
          confidence: 0,
          durationSeconds: 0,
          error: message,
        },
        failure: { kind: 'error', message },
      };
    }
    const policy = step.retry ?? this.#retry;
    let attemptNumber = 0;
    let reported: { output: AgentExecutionOutput; seconds: number } | undefined;
    const configured =
      agent.resourceRequirements?.timeoutSeconds ??
      this.#options.defaultTimeoutSeconds ??
      DEFAULT_STEP_TIMEOUT_SECONDS;
    const timeoutSeconds = Number.isFinite(configured) ? configured : undefined;
    try {
      await retry(
        async () => {
          attemptNumber += 1;
          this.#emit({
            type: 'step-start',
            stepId: step.id,
            agentId: agent.id,
            parentId: step.parentId,
            label: stepLabel(step),
            via: candidate.via,
            tier: agent.tier,
            attempt: attemptNumber,
          });
          const attemptStart = this.#deps.now();
          const clock = performance.now();
          const base = {
            via: candidate.via,
            agentId: agent.id,
            ...(agent.tier === undefined ? {} : { tier: agent.tier }),
            ...(candidate.executorName === undefined ? {} : { executor: candidate.executorName }),
            attempt: attemptNumber,
            startedAt: attemptStart.toISOString(),
          };
          try {
            const output = await withTimeout((signal) => executor(agent, context, { signal }), {
              ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
              signal: this.#signal,
              what: `Step "${step.id}" (agent ${agent.id})`,
            });
            const seconds = (performance.now() - clock) / 1000;
            const problem = checkExecutorOutput(output);
            const usage = problem?.startsWith('usage') ? undefined : output?.usage;
            const ok = problem === undefined && output.success !== false;
            attempts.push({
              ...base,
              durationSeconds: seconds,
              success: ok,
              ...(ok ? {} : { error: problem ?? output?.error ?? 'agent reported failure' }),
              ...(usage === undefined ? {} : { usage }),
            });
            this.#recordUsage(step, agent, usage, attemptNumber === 1);
            reported = {
              output:
                problem === undefined
                  ? output
                  : { output: output?.output ?? null, success: false, error: problem },
              seconds,
            };
          } catch (error) {
            const seconds = (performance.now() - clock) / 1000;
            attempts.push({
              ...base,
              durationSeconds: seconds,
              success: false,
              error: describeError(error),
            });
            this.#recordUsage(step, agent, undefined, attemptNumber === 1);
            throw error;
          }
        },
        {
          maxRetries: policy.maxRetries,
          initialDelayMs: policy.initialDelayMs,
          maxDelayMs: policy.maxDelayMs,
          factor: policy.factor,
          jitter: policy.jitter,
          signal: this.#signal,
          ...(this.#options.random === undefined ? {} : { random: this.#options.random }),
          shouldRetry: (error) => !this.#signal.aborted && isRetryableError(error),
          retryAfterMs: (error) => retryAfterMsOf(error),
          onRetry: ({ error, attempt, delayMs }) => {
            this.#emit({
              type: 'step-retry',
              stepId: step.id,
              agentId: agent.id,
              parentId: step.parentId,
              attempt,
              delayMs,
              error: describeError(error),
            });
            this.#audit({
              type: 'retry',
              stepId: step.id,
              agentId: agent.id,
              message: `step ${step.id} retry ${attempt}/${policy.maxRetries} in ${delayMs} ms after retryable error: ${describeError(error)}`,
            });
          },
        },
      );
    } catch (error) {
      if (this.#signal.aborted) throw abortError(this.#signal);
      const message = describeError(error);
      const kind: StepFailureKind =
        error instanceof TimeoutError ||
        (BatonError.isInstance(error) && error.code === BatonErrorCode.TIMEOUT)
          ? 'timeout'
          : 'error';
      return {
        result: {
          agentId: agent.id,
          success: false,
          output: null,
          confidence: 0,
          durationSeconds: attempts.at(-1)?.durationSeconds ?? 0,
          error: message,
        },
        failure: { kind, message },
      };
    }
    const { output, seconds } = reported!;
    const ok = output.success !== false;
    // Baton never invents a confidence: none reported means 0.
    const confidence = typeof output.confidence === 'number' ? output.confidence : 0;
    const result: AgentResult = {
      agentId: agent.id,
      success: ok,
      output: output.output,
      confidence: ok ? confidence : 0,
      durationSeconds: seconds,
      error: ok ? '' : (output.error ?? 'agent reported failure'),
      ...(output.usage === undefined ? {} : { usage: output.usage }),
    };
    const setup = !ok && this.#options.isSetupFailure?.(output) === true;
    return {
      result,
      failure: { kind: 'agent-reported', message: result.error, ...(setup ? { setup } : {}) },
    };
  }

  #recordUsage(
    step: TaskStep,
    agent: StepAgent,
    usage: AgentExecutionOutput['usage'],
    newAgent: boolean,
  ): void {
    this.#ledger.record({
      stepId: step.id,
      agentId: agent.id,
      tier: agent.tier,
      strategy: step.strategy,
      parentId: step.parentId,
      newAgent,
      usage,
    });
    if (usage === undefined) return;
    const total = this.#ledger.total;
    this.#emit({
      type: 'step-usage',
      stepId: step.id,
      agentId: agent.id,
      parentId: step.parentId,
      usage,
      ...(usage.costUsd === undefined ? {} : { costDeltaUsd: usage.costUsd }),
      tokensDelta: usage.inputTokens + usage.outputTokens,
      runCostUsd: total.costUsd,
      runTokens: total.totalTokens,
    });
  }

  // ---- decisions --------------------------------------------------------------------------

  async #escalate(
    step: TaskStep,
    kind: DecisionKind,
    reason: string,
    extra: { rule?: string; result?: AgentResult; failure?: StepFailure },
  ): Promise<void> {
    const escalation = this.#options.escalation ?? {};
    const deadlineSeconds = escalation.deadlineSeconds;
    const attempts = this.#attempts.get(step.id);
    const decision = await this.#deps.store.decisions.create({
      runId: this.runId,
      stepId: step.id,
      kind,
      reason,
      ...(extra.rule === undefined ? {} : { rule: extra.rule }),
      ...(deadlineSeconds === undefined
        ? {}
        : {
            deadline: new Date(this.#deps.now().getTime() + deadlineSeconds * 1000).toISOString(),
          }),
      defaultAction: escalation.defaultAction ?? 'reject',
      ...(extra.result === undefined
        ? {}
        : { result: { ...extra.result, output: toJsonSafe(extra.result.output) } }),
      ...(attempts === undefined || attempts.length === 0 ? {} : { attempts }),
      ...(extra.failure === undefined ? {} : { failure: extra.failure }),
    });
    this.#pending.set(step.id, decision);
    this.#setStatus(step.id, 'awaiting-decision');
    if (this.#machine.state === 'monitoring')
      this.#transition('escalate', { decisionId: decision.id, stepId: step.id });
    await this.#saveRun();
    this.#emit({
      type: 'decision-pending',
      stepId: step.id,
      agentId: step.agent?.id,
      parentId: step.parentId,
      decision,
    });
    this.#audit({
      type: kind === 'approval' ? 'approval-required' : 'escalation',
      stepId: step.id,
      message: `${reason}; decision ${decision.id} pending${decision.deadline ? ` until ${decision.deadline} (default ${decision.defaultAction})` : ''}`,
      data: { decisionId: decision.id, kind },
    });
    const handler = this.#options.onDecision;
    if (handler !== undefined) {
      this.#handlersInFlight += 1;
      void handler(decision, { signal: this.#signal })
        .then(async (answer) => {
          if (answer === undefined) return;
          await this.#deps.store.decisions
            .resolve(decision.id, answer.action, {
              by: 'handler',
              runId: this.runId,
              ...(answer.note === undefined ? {} : { note: answer.note }),
            })
            .catch((error: unknown) => {
              if (!(BatonError.isInstance(error) && error.code === BatonErrorCode.CONFLICT))
                throw error;
            });
        })
        .catch((error: unknown) => {
          this.#deps.logger.warn('Decision handler failed; the decision stays pending', {
            decisionId: decision.id,
            error: describeError(error),
          });
        })
        .finally(() => {
          this.#handlersInFlight -= 1;
          this.#wake?.();
        });
    }
  }

  async #processDecisions(): Promise<void> {
    const { decisions } = this.#deps.store;
    await decisions.applyDeadlines(this.runId);
    const current = new Map(
      (await decisions.listForRun(this.runId)).map((decision) => [decision.id, decision]),
    );
    for (const [stepId, pending] of [...this.#pending]) {
      const decision = current.get(pending.id);
      if (decision === undefined || decision.status === 'pending') continue;
      this.#pending.delete(stepId);
      await this.#onResolved(decision);
    }
    if (this.#pending.size === 0 && this.#machine.state === 'escalating') {
      this.#transition('user_response');
      this.#transition('monitor');
      if (this.#record.status === 'paused') this.#record.status = 'running';
      await this.#saveRun();
    }
  }

  async #onResolved(decision: Decision): Promise<void> {
    const stepId = decision.stepId;
    this.#emit({
      type: 'decision-resolved',
      stepId,
      parentId: this.#byId.get(stepId)?.parentId,
      decision,
    });
    this.#audit({
      type: 'decision',
      stepId,
      message: `decision ${decision.id} (${decision.kind}) ${decision.status} by ${decision.resolvedBy ?? 'person'}${decision.note ? `: ${decision.note}` : ''}`,
      data: { decisionId: decision.id, kind: decision.kind, status: decision.status },
    });
    await this.#applyDecision(this.#byId.get(stepId)!, decision);
  }

  async #applyDecision(step: TaskStep, decision: Decision): Promise<void> {
    const approved = decision.status === 'approved';
    const note = decision.note ? `: ${decision.note}` : '';
    if (approved && decision.kind === 'approval') {
      this.#approved.add(step.id);
      this.#setStatus(step.id, 'pending');
      return;
    }
    if (approved && decision.kind === 'escalation') {
      // "Try again": the step runs once more with its retries and fallbacks.
      this.#setStatus(step.id, 'pending');
      return;
    }
    if (approved && decision.kind === 'low-confidence' && decision.result !== undefined) {
      await this.#finishStep(step, { status: 'succeeded', result: decision.result });
      return;
    }
    const base: AgentResult = decision.result ?? {
      agentId: step.agent?.id ?? step.id,
      success: false,
      output: null,
      confidence: 0,
      durationSeconds: 0,
      error: '',
    };
    await this.#finishStep(step, {
      status: 'failed',
      reason: 'rejected',
      result: {
        ...base,
        success: false,
        error: `${decision.kind === 'approval' ? 'not approved' : 'rejected'} (decision ${decision.id} by ${decision.resolvedBy ?? 'person'}${note})${base.error ? `; ${base.error}` : ''}`,
      },
    });
  }
}

/** The vote over debate opinions, as `@baton/strategies` computes it: a strict majority of successes. */
function debateConsensus(opinions: readonly AgentResult[]): {
  consensusReached: boolean;
  successVotes: number;
  totalVotes: number;
  avgConfidence: number;
} {
  const successVotes = opinions.filter((opinion) => opinion.success).length;
  const totalVotes = opinions.length;
  return {
    consensusReached: successVotes > totalVotes / 2,
    successVotes,
    totalVotes,
    avgConfidence:
      totalVotes === 0
        ? 0
        : opinions.reduce((sum, opinion) => sum + opinion.confidence, 0) / totalVotes,
  };
}

/**
 * Checks an executor's answer: an object whose `success` is a boolean, `confidence` a number 0..1
 * and `usage` a valid usage when present. Returns the problem naming the field, or undefined.
 */
function checkExecutorOutput(output: unknown): string | undefined {
  if (output === null || typeof output !== 'object') return 'executor returned no result object';
  const record = output as Record<string, unknown>;
  if (record.success !== undefined && typeof record.success !== 'boolean') {
    return 'success: must be a boolean';
  }
  const confidence = record.confidence;
  if (
    confidence !== undefined &&
    !(typeof confidence === 'number' && confidence >= 0 && confidence <= 1)
  ) {
    return `confidence: must be a number between 0 and 1 (got ${String(confidence)})`;
  }
  if (record.usage !== undefined) {
    const parsed = usageSchema.safeParse(record.usage);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return `usage.${issue?.path.map(String).join('.') ?? ''}: ${issue?.message ?? 'is invalid'}`;
    }
  }
  return undefined;
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new AbortedError(String(reason ?? 'aborted'));
}
