import { BatonError, BatonErrorCode, ValidationError } from '../errors.js';
import { type Logger, noopLogger } from '../logger.js';
import { parseWith } from '../validate.js';
import { budgetSchema, estimateAgentCost } from './budget.js';
import type { Checkpointer, RunOwner } from './checkpointer.js';
import { isoClock, systemNow } from './clock.js';
import { parseApprovalRules } from './decisions.js';
import type {
  AuditInput,
  EngineRunOptions,
  RunHandle,
  RunResult,
  StartRunOptions,
} from './engine-types.js';
import { DEFAULT_CONCURRENCY } from './engine-types.js';
import { BatonEmitter } from './events.js';
import { candidatesOf } from './fallbacks.js';
import type { GraphHooks } from './graph-hooks.js';
import { GraphRun, type GraphRunDeps, toJsonSafe } from './graph-run.js';
import { MemoryCheckpointer } from './memory-checkpointer.js';
import { RESUMABLE_STATUSES, RUN_RECORD_VERSION, type RunRecord } from './records.js';
import { assertRunId, newRunId } from './run-id.js';
import {
  checkTaskGraph,
  DEFAULT_RETRY_POLICY,
  retryPolicySchema,
  type TaskGraph,
} from './task-graph.js';

/** Options of {@link Engine}. */
export interface EngineOptions {
  /**
   * Where runs are kept. Default: a new {@link MemoryCheckpointer}, which keeps every run and its
   * events for the engine's life (a long-lived engine on it grows with each run: delete finished
   * runs with `checkpointer.deleteRun(id)`, or pass a durable checkpointer).
   */
  checkpointer?: Checkpointer | undefined;
  /**
   * The rules of the graphs it runs: one set for every graph, or a lookup by graph (its
   * `strategy` name); a graph without hooks runs with the defaults (a plain DAG).
   */
  hooks?: GraphHooks | ((graph: TaskGraph) => GraphHooks | undefined) | undefined;
  logger?: Logger | undefined;
  /** Receives every orchestration decision (retries, fallbacks, escalations, budget stops). */
  audit?: ((entry: AuditInput) => void) | undefined;
  now?: (() => Date) | undefined;
  /**
   * How often a run looks for cancel requests from other processes and decision answers, ms.
   * Default 100; 0 never looks (a run nobody else can reach, such as a strategy's).
   */
  pollIntervalMs?: number | undefined;
  /** Who executes the runs (recorded with each run). Default: this process. */
  owner?: RunOwner | undefined;
}

/**
 * The one engine that runs every task graph: the strategies' graphs in memory, `baton run`, the
 * workflows and the server's runs durably. It schedules ready steps up to a concurrency limit,
 * runs each agent with its time limit, retries and fallbacks, enforces the budget, asks people
 * when a strategy has no recovery left, commits every finished step to its checkpointer, and
 * ends with the strategy's verdict. It knows nothing about any strategy: a graph's hooks decide
 * what its steps mean.
 *
 * @example
 * ```ts
 * const engine = new Engine({ checkpointer: new MemoryCheckpointer() });
 * const handle = engine.start(graph, { executor: async (agent) => ({ output: agent.id }) });
 * const result = await handle.result;
 * ```
 */
export class Engine {
  readonly checkpointer: Checkpointer;
  readonly #options: EngineOptions;
  readonly #logger: Logger;
  readonly #now: () => Date;
  /** {@link #now} as ISO 8601 text. */
  readonly #time: () => string;
  readonly #active = new Map<string, GraphRun>();

  constructor(options: EngineOptions = {}) {
    this.#options = options;
    this.checkpointer = options.checkpointer ?? new MemoryCheckpointer();
    this.#logger = options.logger ?? noopLogger;
    this.#now = options.now ?? systemNow;
    this.#time = isoClock(this.#now);
  }

  /** Whether a run is executing in this process. */
  isActive(runId: string): boolean {
    return this.#active.has(runId);
  }

  /** Ids of the runs executing in this process. */
  activeRuns(): string[] {
    return [...this.#active.keys()];
  }

  /**
   * Starts a run of a graph. Bad input (a graph that is not acyclic, options that cannot work, a
   * cost limit that cannot be enforced because an agent's cost is not known in advance) throws a
   * `ValidationError` naming the field before anything runs.
   */
  start(graph: TaskGraph, options: StartRunOptions): RunHandle {
    checkTaskGraph(graph);
    validateRunOptions(options);
    checkBudgetIsEnforceable(graph, options);
    const runId = options.runId ?? newRunId(this.#now());
    assertRunId(runId, 'runId');
    if (this.#active.has(runId)) {
      throw new BatonError(
        BatonErrorCode.CONFLICT,
        `Run ${runId} is already running in this process`,
      );
    }
    const now = this.#time();
    const lifecycle = options.lifecycle ?? [];
    const durable = this.checkpointer.storesEvents;
    const record: RunRecord = {
      version: RUN_RECORD_VERSION,
      id: runId,
      createdAt: now,
      updatedAt: now,
      status: 'running',
      state: lifecycle.at(-1)?.to ?? 'idle',
      pid: this.#owner().pid,
      hostname: this.#owner().hostname,
      history: [...lifecycle],
      graph,
      context: durable
        ? ((toJsonSafe(options.context ?? {}) ?? {}) as Record<string, unknown>)
        : { ...options.context },
      budget: options.budget ?? {},
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      attempts: 1,
    };
    if (graph.task !== undefined) record.task = graph.task;
    if (options.metadata !== undefined) record.metadata = options.metadata;
    const events = options.events ?? new BatonEmitter();
    const run = new GraphRun(this.#deps(graph, options), record, undefined, { ...options, events });
    this.#active.set(runId, run);
    const result = (async () => {
      try {
        return await run.run();
      } finally {
        this.#active.delete(runId);
      }
    })();
    return { runId, events, result, cancel: (reason) => run.cancel(reason) };
  }

  /** Starts a run and waits for it to stop. */
  run(graph: TaskGraph, options: StartRunOptions): Promise<RunResult> {
    return this.start(graph, options).result;
  }

  /**
   * Continues a run that stopped (cancelled, paused, out of budget, crashed, or failed by an
   * engine error) without running its finished steps again. Pass the executor again (executors
   * are code, not data); budget and concurrency default to the run's own.
   */
  resume(runId: string, options: EngineRunOptions): RunHandle {
    assertRunId(runId, 'runId');
    validateRunOptions(options);
    const events = options.events ?? new BatonEmitter();
    let run: GraphRun | undefined;
    let early: string | undefined;
    const result = (async () => {
      if (this.#active.has(runId)) {
        throw new BatonError(
          BatonErrorCode.CONFLICT,
          `Run ${runId} is already running in this process`,
        );
      }
      // A missing or unreadable run is reported as such, not as a lease problem.
      await this.checkpointer.loadRun(runId);
      const release = await this.checkpointer.acquireLease(runId, this.#owner());
      try {
        // Read again under the lease: another process may have finished it meanwhile.
        const record = structuredClone(await this.checkpointer.loadRun(runId));
        const engineError = record.status === 'failed' && record.state === 'error';
        if (
          record.status !== 'running' &&
          !RESUMABLE_STATUSES.includes(record.status) &&
          !engineError
        ) {
          throw new BatonError(
            BatonErrorCode.CONFLICT,
            `Run ${runId} ${record.status}; there is nothing to resume`,
          );
        }
        const budget = options.budget ?? record.budget;
        checkBudgetIsEnforceable(record.graph, { ...options, budget });
        const stored = await this.checkpointer.loadSteps(runId);
        await this.checkpointer.clearCancel(runId);
        run = new GraphRun(
          this.#deps(record.graph, options),
          {
            ...record,
            attempts: record.attempts + 1,
            budget,
            concurrency: options.concurrency ?? record.concurrency,
          },
          stored,
          { ...options, events },
        );
        if (early !== undefined) run.cancel(early);
        this.#active.set(runId, run);
        try {
          return await run.run();
        } finally {
          this.#active.delete(runId);
        }
      } finally {
        await release().catch(() => {});
      }
    })();
    return {
      runId,
      events,
      result,
      cancel: (reason = 'cancelled') => {
        if (run === undefined) early = reason;
        else run.cancel(reason);
      },
    };
  }

  /**
   * Cancels a run executing in this process and waits for it to stop; for a run elsewhere, files
   * a cancel request its owner notices (returns `requested`).
   */
  async cancel(
    runId: string,
    reason = 'cancelled',
  ): Promise<{ via: 'in-process'; result: RunResult } | { via: 'requested' }> {
    assertRunId(runId, 'runId');
    const active = this.#active.get(runId);
    if (active !== undefined) {
      active.cancel(reason);
      return { via: 'in-process', result: await active.done };
    }
    await this.checkpointer.requestCancel(runId, reason);
    return { via: 'requested' };
  }

  #ownerOfRuns: RunOwner | undefined;

  #owner(): RunOwner {
    this.#ownerOfRuns ??= this.#options.owner ?? currentOwner();
    return this.#ownerOfRuns;
  }

  #deps(graph: TaskGraph, options: EngineRunOptions): GraphRunDeps {
    const hooks = this.#options.hooks;
    return {
      checkpointer: this.checkpointer,
      hooks: options.hooks ?? (typeof hooks === 'function' ? hooks(graph) : hooks) ?? {},
      logger: this.#logger,
      audit: this.#options.audit,
      now: this.#now,
      pollIntervalMs: this.#options.pollIntervalMs ?? 100,
      retryPolicy:
        options.retry === undefined
          ? DEFAULT_RETRY_POLICY
          : parseWith(retryPolicySchema, options.retry, { label: 'retry' }),
      approvalRules:
        options.approvalRules === undefined ? [] : parseApprovalRules(options.approvalRules),
      owner: this.#owner(),
    };
  }
}

let thisProcess: RunOwner | undefined;

/** This process, as far as a platform-neutral module can tell (read once: the environment is slow to read). */
function currentOwner(): RunOwner {
  if (thisProcess === undefined) {
    const host = globalThis as {
      process?: { pid?: number; env?: Record<string, string | undefined> };
    };
    thisProcess = Object.freeze({
      pid: host.process?.pid ?? 0,
      hostname: host.process?.env?.HOSTNAME ?? 'localhost',
    });
  }
  return thisProcess;
}

/** Checks the options of a start or resume; throws a `ValidationError` naming the field. */
export function validateRunOptions(options: EngineRunOptions): void {
  if (options === null || typeof options !== 'object' || typeof options.executor !== 'function') {
    throw new ValidationError(
      'executor',
      'must be a function (agent, context, { signal }) => Promise<output>',
    );
  }
  if (
    options.concurrency !== undefined &&
    options.concurrency !== Number.POSITIVE_INFINITY &&
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
  const timeout = options.defaultTimeoutSeconds;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) {
    throw new ValidationError(
      'defaultTimeoutSeconds',
      `must be a number > 0 (got ${String(timeout)})`,
    );
  }
}

/**
 * A cost limit is only enforceable when every agent's cost can be estimated before it runs:
 * otherwise it says so before the run starts (and suggests a token limit) instead of being
 * silently unenforceable.
 */
function checkBudgetIsEnforceable(graph: TaskGraph, options: EngineRunOptions): void {
  if (options.budget?.maxCostUsd === undefined) return;
  const unknown: string[] = [];
  for (const step of graph.steps) {
    if (step.kind !== 'agent' || step.agent === undefined) continue;
    for (const candidate of candidatesOf(step)) {
      const estimate =
        options.estimate?.(candidate.agent) ??
        estimateAgentCost(candidate.agent, options.prices ?? {});
      if (estimate.costUsd === undefined) {
        unknown.push(
          `${candidate.agent.id}${candidate.agent.tier === undefined ? '' : ` (${candidate.agent.tier})`}${candidate.via === 'primary' ? '' : ` via ${candidate.via}`}`,
        );
      }
    }
  }
  if (unknown.length > 0) {
    throw new ValidationError(
      'budget.maxCostUsd',
      `cannot be enforced: the cost of ${[...new Set(unknown)].join(', ')} is not known before it runs (no price for its model); limit tokens instead (maxTokens, --max-tokens)`,
    );
  }
}
