import { abortReason } from '../abort.js';
import { AbortedError, describeError, TimeoutError } from '../errors.js';
import type { AgentExecutionOptions, AgentExecutionOutput, AgentExecutor } from '../executor.js';
import type { Logger } from '../logger.js';
import type { AgentResult } from '../schemas.js';
import {
  type BudgetAdmission,
  BudgetGuard,
  type BudgetRefusal,
  type BudgetTicket,
  CostLedger,
  estimateAgentCost,
  type SpendReport,
  type StepEstimate,
} from './budget.js';
import type { Checkpointer, StoredSteps } from './checkpointer.js';
import { isoClock } from './clock.js';
import type { ApprovalRule, Decision } from './decisions.js';
import {
  type AuditInput,
  DEFAULT_STEP_TIMEOUT_SECONDS,
  type EngineRunOptions,
  type RunResult,
  type StepOutcome,
} from './engine-types.js';
import {
  applyDeadlines,
  approvalNeeded,
  askHandler,
  createDecision,
  DEFAULT_ESCALATION_CONFIDENCE,
  effectOf,
  escalatesFailure,
  needsConfirmation,
} from './escalation.js';
import type { BatonEmitter, RunEvent, StepEndEvent } from './events.js';
import { spendCost, spendTokens } from './events.js';
import { failedResult } from './executor-answer.js';
import type { StepCandidate } from './fallbacks.js';
import {
  defaultOutcome,
  dependencyContext,
  type GraphHooks,
  type RunOutcome,
  type RunView,
  type StepTiming,
} from './graph-hooks.js';
import { isFinishedStatus, type ProgressSnapshot, type StepStatus } from './progress.js';
import type {
  AgentProcess,
  AttemptRecord,
  RunRecord,
  RunStatus,
  StateProblem,
  StepCheckpoint,
  StepFailureKind,
} from './records.js';
import { Scheduler } from './scheduler.js';
import { RunStateMachine, type RunTrigger } from './state-machine.js';
import { runStepAgent, type StepFailure, type StepRunHost } from './step-runner.js';
import {
  type RetryPolicy,
  type StepAgent,
  stepLabel,
  type TaskGraph,
  type TaskStep,
} from './task-graph.js';

/** What a run of the engine is given besides its options. */
export interface GraphRunDeps {
  checkpointer: Checkpointer;
  hooks: GraphHooks;
  logger: Logger;
  audit: ((entry: AuditInput) => void) | undefined;
  now: () => Date;
  /** How often to look for cancel requests and decision answers, ms; 0: never (in-process runs). */
  pollIntervalMs: number;
  retryPolicy: RetryPolicy;
  approvalRules: readonly ApprovalRule[];
  owner: { pid: number; hostname: string };
}

type EventInput = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, 'runId' | 'seq' | 'timestamp'>
    : never
  : never;

/**
 * One start or resume of a run: schedules ready steps up to the concurrency limit, runs each
 * through the step runner, commits each finished step, asks people, enforces the budget, and
 * ends with the strategy's verdict. Internal: `Engine` creates it.
 */
export class GraphRun implements RunView, StepRunHost {
  readonly runId: string;
  readonly events: BatonEmitter | undefined;
  readonly graph: TaskGraph;
  readonly context: Readonly<Record<string, unknown>>;
  readonly retryPolicy: RetryPolicy;
  readonly defaultTimeoutSeconds: number | undefined;
  readonly random: (() => number) | undefined;
  readonly checkpointer: Checkpointer;
  readonly logger: Logger;
  readonly #deps: GraphRunDeps;
  readonly #options: EngineRunOptions;
  readonly #record: RunRecord;
  readonly #resumed: boolean;
  readonly #scheduler: Scheduler;
  readonly #hooks: GraphHooks;
  readonly #machine: RunStateMachine;
  readonly #checkpoints: Map<string, StepCheckpoint>;
  readonly #attempts = new Map<string, AttemptRecord[]>();
  readonly #timings = new Map<string, StepTiming>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #pending = new Map<string, Decision>();
  readonly #approved = new Set<string>();
  readonly #phases = new Set<string>();
  readonly #ledger = new CostLedger();
  readonly #guard: BudgetGuard;
  readonly #controller = new AbortController();
  readonly #notices: string[] = [];
  readonly #problems: StateProblem[];
  readonly #unfinishedUsage: StoredSteps['unfinishedUsage'];
  readonly #inFlight: readonly string[];
  readonly #storeEvents: boolean;
  /** The time as ISO 8601 text (see {@link isoClock}). */
  readonly #time: () => string;
  #budgetStop: BudgetRefusal | undefined;
  #seq: number;
  #started = 0;
  #wake: (() => void) | undefined;
  #saving: Promise<void> = Promise.resolve();
  #detachOuter: (() => void) | undefined;
  #engineError: unknown;
  #handlersInFlight = 0;
  readonly done: Promise<RunResult>;
  readonly #resolveDone: (result: RunResult) => void;

  constructor(
    deps: GraphRunDeps,
    record: RunRecord,
    stored: StoredSteps | undefined,
    options: EngineRunOptions,
  ) {
    this.#deps = deps;
    this.#record = record;
    this.runId = record.id;
    this.#options = options;
    this.#resumed = stored !== undefined;
    this.events = options.events;
    this.graph = record.graph;
    this.checkpointer = deps.checkpointer;
    this.logger = deps.logger;
    this.#hooks = deps.hooks;
    this.retryPolicy = deps.retryPolicy;
    this.defaultTimeoutSeconds = options.defaultTimeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS;
    this.random = options.random;
    this.#storeEvents = deps.checkpointer.storesEvents;
    this.#time = isoClock(deps.now);
    const context: Record<string, unknown> = { ...record.context };
    if (this.graph.task !== undefined && context.task === undefined) context.task = this.graph.task;
    this.context = context;
    this.#seq = stored?.lastSeq ?? 0;
    this.#nextDelivery = this.#seq + 1;
    this.#problems = stored?.problems ?? [];
    this.#unfinishedUsage = stored?.unfinishedUsage ?? new Map();
    this.#inFlight = stored?.inFlight ?? [];
    this.#checkpoints = new Map();
    if (stored === undefined && record.interruptedAttempts === undefined) {
      this.#scheduler = new Scheduler(this.graph);
    } else {
      const known = new Set(this.graph.steps.map((step) => step.id));
      const finished = new Map<string, StepStatus>();
      for (const [id, checkpoint] of stored?.steps ?? []) {
        if (!known.has(id)) continue;
        this.#checkpoints.set(id, checkpoint);
        finished.set(id, checkpoint.status);
      }
      this.#scheduler = new Scheduler(this.graph, finished);
      for (const checkpoint of this.#checkpoints.values()) {
        this.#restoreSpend(checkpoint.stepId, checkpoint.attempts);
      }
      // Attempts cut short by a cancel were spent too: they count, and stay with their step.
      for (const [stepId, attempts] of Object.entries(record.interruptedAttempts ?? {})) {
        if (!known.has(stepId) || this.#checkpoints.has(stepId)) continue;
        this.#attempts.set(stepId, [...attempts]);
        this.#restoreSpend(stepId, attempts);
      }
    }
    this.#guard = new BudgetGuard(record.budget, this.#ledger);
    this.#machine = new RunStateMachine({
      state: record.state,
      history: record.history,
      now: deps.now,
      onTransition: (transition) => {
        this.#record.state = transition.to;
        // The machine's own list: a stored copy is made when the record is saved.
        this.#record.history = this.#machine.history as RunRecord['history'];
        if (!this.#wants('state-change')) return;
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
    const outer = options.signal;
    if (outer !== undefined) {
      if (outer.aborted) this.cancel(describeOuterAbort(outer));
      else {
        const onAbort = (): void => this.cancel(describeOuterAbort(outer));
        outer.addEventListener('abort', onAbort, { once: true });
        this.#detachOuter = () => outer.removeEventListener('abort', onAbort);
      }
    }
  }

  /** The run's abort signal. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#controller.signal.aborted;
  }

  /**
   * Aborts the run: no step starts, running agents see the abort; the run is saved as cancelled.
   * A string is the reason (`Run cancelled: <reason>`); an error (e.g. the caller's signal's
   * reason) is passed to the agents as it is.
   */
  cancel(reason: string | Error = 'cancelled'): void {
    if (!this.#controller.signal.aborted) {
      this.#controller.abort(
        typeof reason === 'string' ? new AbortedError(`Run cancelled: ${reason}`) : reason,
      );
      const error = abortReason(this.#controller.signal);
      for (const stop of [...this.#liveCalls]) stop(error);
    }
    this.#wake?.();
  }

  /** Executor calls running now: each stops (rejects, aborting its agent) when the run is cancelled. */
  readonly #liveCalls = new Set<(reason: Error) => void>();
  /** Executor calls that have not settled yet, also those the run no longer waits for. */
  readonly #settling = new Set<Promise<unknown>>();

  /**
   * After a cancel: waits (at most `stopGraceMs`) for the aborted agents to settle, so that an
   * agent that runs a process has ended it (SIGTERM, then SIGKILL) before the run reports that
   * it stopped. Says which agents did not settle in time.
   */
  async #awaitAbortedAgents(): Promise<void> {
    const graceMs = this.#options.stopGraceMs ?? 0;
    if (this.#settling.size === 0 || graceMs <= 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
    });
    const settled = Promise.allSettled([...this.#settling]).then(() => false);
    const late = await Promise.race([settled, timedOut]);
    if (timer !== undefined) clearTimeout(timer);
    if (late) {
      this.#notices.push(
        `${this.#settling.size} agent(s) had not stopped ${graceMs} ms after the run was cancelled`,
      );
    }
  }

  limit<T>(
    controller: AbortController,
    call: () => Promise<T>,
    timeout: { seconds: number; what: string } | undefined,
  ): Promise<T> {
    if (this.aborted) return Promise.reject(abortReason(this.signal));
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        this.#liveCalls.delete(stop);
        return true;
      };
      const stop = (reason: Error): void => {
        if (!settle()) return;
        controller.abort(reason);
        reject(reason);
      };
      this.#liveCalls.add(stop);
      if (timeout !== undefined) {
        timer = setTimeout(
          () => stop(new TimeoutError(timeout.seconds, timeout.what)),
          timeout.seconds * 1000,
        );
      }
      let pending: Promise<T>;
      try {
        pending = call();
      } catch (error) {
        if (settle()) reject(error);
        return;
      }
      // Kept until it settles even after the run stopped waiting for it: a stopping run gives its
      // agents time to end their processes.
      const settling: Promise<void> = Promise.resolve(pending).then(
        (value) => {
          this.#settling.delete(settling);
          if (settle()) resolve(value);
        },
        (error: unknown) => {
          this.#settling.delete(settling);
          if (settle()) reject(error);
        },
      );
      this.#settling.add(settling);
    });
  }

  // ---- RunView ----------------------------------------------------------------------------

  step(stepId: string): TaskStep | undefined {
    return this.#scheduler.step(stepId);
  }

  status(stepId: string): StepStatus {
    return this.#scheduler.status(stepId);
  }

  checkpoint(stepId: string): StepCheckpoint | undefined {
    return this.#checkpoints.get(stepId);
  }

  result(stepId: string): AgentResult | undefined {
    return this.#checkpoints.get(stepId)?.result;
  }

  timing(stepId: string): StepTiming | undefined {
    return this.#timings.get(stepId);
  }

  // ---- lifecycle --------------------------------------------------------------------------

  async run(): Promise<RunResult> {
    this.#started = performance.now();
    const { checkpointer, pollIntervalMs } = this.#deps;
    let timer: ReturnType<typeof setInterval> | undefined;
    if (pollIntervalMs > 0) {
      timer = setInterval(() => {
        void Promise.resolve(checkpointer.cancelRequest(this.runId)).then(
          (reason) => {
            if (reason !== undefined) this.cancel(reason);
          },
          () => {},
        );
        if (this.#pending.size > 0) this.#wake?.();
      }, pollIntervalMs);
      timer.unref?.();
    }
    let result: RunResult;
    try {
      try {
        await this.#begin();
      } catch (error) {
        // Nothing ran and nothing was stored: the run could not start (e.g. its id is taken).
        if (!this.#resumed && !this.#created) throw new StartError(error);
        throw error;
      }
      await this.#loop();
      if (this.#engineError !== undefined) throw this.#engineError;
      result = await this.#finish();
    } catch (error) {
      if (error instanceof StartError) {
        if (timer !== undefined) clearInterval(timer);
        this.#detachOuter?.();
        throw error.cause;
      }
      result = await this.#crash(error);
    } finally {
      if (timer !== undefined) clearInterval(timer);
      this.#detachOuter?.();
      await this.#release?.().catch(() => {});
    }
    this.#resolveDone(result);
    return result;
  }

  /** Whether this (fresh) run's record has been stored. */
  #created = false;
  /** Gives back the run's lease when the run stops. */
  #release: (() => Promise<void>) | undefined;

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
      // Analysed and planned before the run existed (Runtime.startTask): report those transitions.
      for (const transition of this.#machine.history) {
        this.#emit({
          type: 'state-change',
          from: transition.from,
          to: transition.to,
          trigger: transition.trigger,
        });
      }
      this.#transition('execute', {
        source: this.graph.source ?? 'graph',
        steps: this.graph.steps.length,
      });
      this.#transition('monitor');
    } else {
      this.#transition('start', this.graph.task === undefined ? {} : { task: this.graph.task });
      this.#transition('plan', {
        source: this.graph.source ?? 'graph',
        steps: this.graph.steps.length,
      });
      this.#transition('execute');
      this.#transition('monitor');
    }
    this.#record.status = 'running';
    this.#record.pid = this.#deps.owner.pid;
    this.#record.hostname = this.#deps.owner.hostname;
    delete this.#record.error;
    delete this.#record.budgetStop;
    delete this.#record.endedAt;
    delete this.#record.outcome;
    const toApply: Decision[] = [];
    if (this.#resumed) {
      await this.#restoreOnResume(toApply);
      await this.#saveRun();
    } else {
      // One write stores the new run as it starts; then it is ours to execute.
      this.#record.updatedAt = this.#time();
      const created = this.checkpointer.createRun(this.#record);
      if (created instanceof Promise) await created;
      this.#created = true;
      this.#release = await this.checkpointer.acquireLease(this.runId, this.#deps.owner);
      // The start's transitions go with the first step commit, or on their own after this turn.
      this.#scheduleFlush();
    }
    const finished =
      this.graph.steps.length -
      this.#scheduler.count('pending') -
      this.#scheduler.count('awaiting-decision') -
      this.#scheduler.count('running');
    this.#emit({
      type: 'run-start',
      resumed: this.#resumed,
      strategy: this.graph.strategy,
      totalSteps: this.graph.steps.length,
      finishedSteps: finished,
    });
    this.#audit({
      type: this.#resumed ? 'run-resume' : 'run-start',
      message: this.#resumed
        ? `resumed (attempt ${this.#record.attempts}); ${finished} of ${this.graph.steps.length} steps already finished and not re-run`
        : `started ${this.graph.steps.length} steps${this.graph.strategy ? ` with strategy ${this.graph.strategy}` : ''}`,
      data: { budget: this.#record.budget, concurrency: this.#record.concurrency },
    });
    for (const notice of this.#notices) this.#emit({ type: 'run-notice', message: notice });
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

  /** On resume: unreadable records, leftover agent processes, in-flight steps, and decisions. */
  async #restoreOnResume(toApply: Decision[]): Promise<void> {
    for (const problem of this.#problems) this.#notices.push(problem.message);
    for (const [stepId, usages] of this.#unfinishedUsage) {
      if (this.#checkpoints.has(stepId) || this.#attempts.has(stepId)) continue;
      const step = this.#scheduler.step(stepId);
      if (step === undefined) continue;
      // A crash lost these attempts' records but not their spend: it still counts.
      for (const { agentId, usage, attempt } of usages) {
        this.#ledger.record({
          stepId,
          agentId: agentId ?? step.agent?.id ?? stepId,
          tier: step.agent?.tier,
          strategy: step.strategy,
          parentId: step.parentId,
          newAgent: attempt === 1,
          usage,
        });
      }
    }
    const processes = this.#record.processes ?? {};
    for (const [stepId, list] of Object.entries(processes)) {
      for (const agentProcess of list) {
        const message = await this.#endLeftover(stepId, agentProcess);
        if (message !== undefined) this.#notices.push(message);
      }
    }
    delete this.#record.processes;
    for (const stepId of this.#inFlight) {
      if (this.#checkpoints.has(stepId) || this.#scheduler.step(stepId) === undefined) continue;
      this.#notices.push(
        `step ${stepId} was running when the run stopped; it runs again (its interrupted attempt is repeated)`,
      );
    }
    const listed = await this.checkpointer.listDecisions({ runId: this.runId });
    const latest = new Map<string, Decision>();
    for (const decision of listed.items) {
      latest.set(decision.stepId, decision);
      if (decision.kind === 'approval' && decision.status === 'approved') {
        this.#approved.add(decision.stepId);
      }
    }
    for (const problem of listed.problems) {
      this.#notices.push(problem.message);
      // A decision that cannot be read blocks its step until a person answers it again.
      const stepId = problem.stepId;
      if (
        stepId === undefined ||
        this.#checkpoints.has(stepId) ||
        problem.decisionId === undefined
      ) {
        continue;
      }
      const blocked: Decision = {
        id: problem.decisionId,
        runId: this.runId,
        stepId,
        kind: 'escalation',
        status: 'pending',
        reason: `decision ${problem.decisionId} cannot be read (${problem.message}); answer it again`,
        createdAt: this.#time(),
        defaultAction: 'reject',
      };
      latest.set(stepId, blocked);
    }
    for (const decision of latest.values()) {
      if (
        this.#checkpoints.has(decision.stepId) ||
        this.#scheduler.step(decision.stepId) === undefined
      ) {
        continue;
      }
      if (decision.attempts !== undefined && !this.#attempts.has(decision.stepId)) {
        this.#attempts.set(decision.stepId, [...decision.attempts]);
        this.#restoreSpend(decision.stepId, decision.attempts);
      }
      if (decision.status === 'pending') {
        this.#pending.set(decision.stepId, decision);
        this.#scheduler.setStatus(decision.stepId, 'awaiting-decision');
      } else {
        toApply.push(decision);
      }
    }
  }

  async #endLeftover(stepId: string, agentProcess: AgentProcess): Promise<string | undefined> {
    const end = this.#options.endLeftoverProcess;
    if (end === undefined) return undefined;
    try {
      const message = await end(agentProcess);
      if (message === undefined) return undefined;
      this.#audit({ type: 'leftover-process', stepId, message });
      return `step ${stepId}: ${message}`;
    } catch (error) {
      return `step ${stepId}: could not end leftover agent process ${agentProcess.pid}: ${describeError(error)}`;
    }
  }

  async #loop(): Promise<void> {
    for (;;) {
      if (this.aborted) return;
      if (this.#pending.size > 0) await this.#processDecisions();
      while (!this.aborted && (await this.#dispatch())) {
        // keep dispatching while skips and joins make more steps ready
      }
      if (this.aborted) return;
      if (this.#running.size === 0) {
        if (this.#pending.size === 0) return;
        if ((this.#options.decisionMode ?? 'pause') === 'pause' && this.#handlersInFlight === 0) {
          // Deadlines may already have passed: give them one chance before pausing.
          await this.#processDecisions();
          if (this.#pending.size > 0) return;
          continue;
        }
      }
      await this.#waitTick();
    }
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
      if (this.#pending.size > 0) {
        timer = setTimeout(wake, this.#deps.pollIntervalMs > 0 ? this.#deps.pollIntervalMs : 100);
      }
      if (this.aborted) wake();
    });
  }

  async #finish(): Promise<RunResult> {
    // Wait for running steps to notice the abort (their time limits settle them promptly).
    await Promise.allSettled([...this.#running.values()]);
    if (this.aborted) await this.#awaitAbortedAgents();
    let status: RunStatus;
    let outcome: RunOutcome | undefined;
    if (this.aborted) {
      status = 'cancelled';
      const reason = describeError(this.signal.reason);
      this.#transition('error', { reason: 'cancelled', message: reason });
      this.#record.error = reason;
      this.#audit({ type: 'cancel', message: `run cancelled (${reason}); resumable` });
      await this.checkpointer.clearCancel(this.runId);
    } else if (this.#pending.size > 0) {
      status = 'paused';
    } else if (this.#budgetStop !== undefined && !this.#scheduler.allFinished) {
      status = 'budget-exceeded';
      this.#transition('complete', { status });
      this.#transition('finish');
    } else if (!this.#scheduler.allFinished) {
      status = 'failed';
      this.#record.error = 'internal: steps left that can never run';
      this.#transition('error', { reason: this.#record.error });
    } else {
      outcome = (this.#hooks.aggregate ?? defaultOutcome)(this);
      const overspent = this.#guard.overspent();
      if (overspent !== undefined) {
        this.#budgetStop ??= overspent;
        status = 'budget-exceeded';
      } else {
        status = outcome.success ? 'succeeded' : 'failed';
      }
      this.#transition('complete', { status });
      this.#transition('finish');
    }
    if (status === 'budget-exceeded' && this.#budgetStop !== undefined) {
      this.#record.budgetStop = { ...this.#budgetStop };
    }
    return this.#end(status, outcome);
  }

  async #crash(error: unknown): Promise<RunResult> {
    this.logger.error('Run stopped by an engine error', {
      runId: this.runId,
      error: describeError(error),
    });
    this.cancel('engine error');
    await Promise.allSettled([...this.#running.values()]);
    await this.#awaitAbortedAgents();
    this.#record.error = `engine error: ${describeError(error)}`;
    if (this.#machine.state !== 'error') this.#transition('error', { reason: this.#record.error });
    try {
      return await this.#end('failed', undefined);
    } catch {
      return this.#result('failed', undefined);
    }
  }

  async #end(status: RunStatus, outcome: RunOutcome | undefined): Promise<RunResult> {
    this.#record.status = status;
    this.#record.endedAt = this.#time();
    this.#record.spend = { ...this.#ledger.total };
    if (outcome !== undefined) {
      this.#record.outcome = {
        success: outcome.success,
        aggregatedOutput: outcome.aggregatedOutput,
        errors: outcome.errors,
      };
    }
    const result = this.#result(status, outcome);
    this.#emit({
      type: 'run-end',
      status,
      success: result.success,
      progress: result.progress,
      spend: result.spend.total,
      durationSeconds: result.durationSeconds,
      ...(result.error === undefined ? {} : { error: result.error }),
    });
    await this.#flushEvents();
    await this.#saveRun();
    const total = result.spend.total;
    this.#audit({
      type: 'run-end',
      message: `run ${status}: ${result.progress.done}/${result.progress.total} steps, ${spendCost(total, 6)}, ${spendTokens(total)}${total.unpricedAttempts > 0 ? ` (${total.unpricedAttempts} attempts without a price)` : ''}${total.unmeasuredAttempts > 0 ? ` (${total.unmeasuredAttempts} attempts reported no usage)` : ''}`,
      data: { status, spend: total },
    });
    return result;
  }

  #result(status: RunStatus, outcome: RunOutcome | undefined): RunResult {
    const steps: Record<string, StepOutcome> = {};
    for (const step of this.graph.steps) {
      const checkpoint = this.#checkpoints.get(step.id);
      const stepOutcome: StepOutcome = {
        status: this.#scheduler.status(step.id),
        attempts: checkpoint?.attempts ?? this.#attempts.get(step.id) ?? [],
      };
      if (checkpoint?.reason !== undefined) stepOutcome.reason = checkpoint.reason;
      if (checkpoint?.result !== undefined) stepOutcome.result = checkpoint.result;
      steps[step.id] = stepOutcome;
    }
    const durationSeconds = (performance.now() - this.#started) / 1000;
    const result: RunResult = {
      runId: this.runId,
      status,
      success: status === 'succeeded',
      steps,
      progress: this.#scheduler.progress(),
      spend: this.#ledger.report(),
      pendingDecisions: [...this.#pending.values()],
      durationSeconds,
      aggregatedOutput: outcome?.aggregatedOutput ?? {},
      errors: outcome?.errors ?? [],
      totalDuration: outcome?.totalDuration ?? durationSeconds,
      notices: [...this.#notices],
      timings: Object.fromEntries(this.#timings),
    };
    if (this.#budgetStop !== undefined && status === 'budget-exceeded') {
      result.budgetStop = this.#budgetStop;
    }
    if (this.#record.error !== undefined) result.error = this.#record.error;
    return result;
  }

  // ---- events, audit, storage -------------------------------------------------------------

  #wants(type: RunEvent['type']): boolean {
    if (this.#storeEvents) return true;
    const events = this.events;
    return (
      events !== undefined && (events.listenerCount(type) > 0 || events.listenerCount('event') > 0)
    );
  }

  #eventBuffer: RunEvent[] = [];
  /**
   * The pending flush of this turn's events. Cleared when the run ends: back-to-back runs whose
   * agents answer at once never reach the timers phase, and the timer would keep the run alive.
   */
  #flushTimer: ReturnType<typeof setTimeout> | undefined;

  /** The event of an input, which is always a new object of the caller's: completed in place. */
  #make(input: EventInput, timestamp = this.#time()): RunEvent {
    this.#seq += 1;
    const event = input as RunEvent;
    event.runId = this.runId;
    event.seq = this.#seq;
    event.timestamp = timestamp;
    return event;
  }

  /** The seq of the next event listeners get. */
  #nextDelivery = 0;
  /** Events made but held back until every earlier one was delivered (null: one that is not). */
  readonly #heldBack = new Map<number, RunEvent | null>();

  /**
   * Hands an event to the listeners in seq order: a `step-end` is delivered once its commit
   * is stored, and events made meanwhile (by other steps) wait for it. `null` gives up the
   * event's place (a commit that failed).
   */
  #handOver(seq: number, event: RunEvent | null): void {
    if (seq !== this.#nextDelivery) {
      this.#heldBack.set(seq, event);
      return;
    }
    if (event !== null) this.#deliver(event);
    this.#nextDelivery += 1;
    while (this.#heldBack.has(this.#nextDelivery)) {
      const next = this.#heldBack.get(this.#nextDelivery)!;
      this.#heldBack.delete(this.#nextDelivery);
      if (next !== null) this.#deliver(next);
      this.#nextDelivery += 1;
    }
  }

  #deliver(event: RunEvent): void {
    const events = this.events;
    if (events === undefined) return;
    try {
      (events.emit as (name: string, value: unknown) => boolean)(event.type, event);
      events.emit('event', event);
    } catch (error) {
      this.logger.warn('An event listener threw', {
        type: event.type,
        error: describeError(error),
      });
    }
  }

  /** Emits an event (when anyone keeps or listens to it) and queues it for the checkpointer. */
  #emit(input: EventInput): void {
    if (!this.#wants(input.type)) return;
    const event = this.#make(input);
    if (this.#storeEvents) {
      this.#eventBuffer.push(event);
      // Stored in one write with the other events of this turn of the event loop (readers follow
      // the stream), or with the next step commit, which takes them along.
      if (this.#created || this.#resumed) this.#scheduleFlush();
    }
    this.#handOver(event.seq, event);
  }

  #scheduleFlush(): void {
    if (this.#flushTimer !== undefined || this.#eventBuffer.length === 0) return;
    const timer = setTimeout(() => {
      this.#flushTimer = undefined;
      void this.#flushEvents();
    }, 0);
    (timer as { unref?: () => void }).unref?.();
    this.#flushTimer = timer;
  }

  #flushEvents(): Promise<void> | void {
    if (this.#flushTimer !== undefined) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
    }
    if (this.#eventBuffer.length === 0) return;
    const batch = this.#eventBuffer;
    this.#eventBuffer = [];
    try {
      const pending = this.checkpointer.appendEvents(this.runId, batch);
      if (pending instanceof Promise) {
        return pending.catch((error: unknown) => this.#storageFailed(error));
      }
    } catch (error) {
      this.#storageFailed(error);
    }
  }

  #storageFailed(error: unknown): void {
    this.#engineError ??= error;
    this.cancel('engine error');
  }

  #audit(entry: AuditInput): void {
    const audit = this.#deps.audit;
    if (audit === undefined) return;
    try {
      audit({ ...entry, runId: this.runId });
    } catch (error) {
      this.logger.warn('Could not write the audit log', { error: describeError(error) });
    }
  }

  #savesInFlight = 0;

  #saveRun(): Promise<void> {
    this.#record.updatedAt = this.#time();
    if (this.#savesInFlight === 0) {
      // Nothing queued: hand the record over now (a checkpointer serialises it before it returns).
      const saved = this.checkpointer.saveRun(
        this.#storeEvents ? this.#record : { ...this.#record },
      );
      if (!(saved instanceof Promise)) return Promise.resolve();
      return this.#track(saved);
    }
    const snapshot = this.#storeEvents ? structuredClone(this.#record) : { ...this.#record };
    return this.#track(this.#saving.then(() => this.checkpointer.saveRun(snapshot)));
  }

  #track(saving: Promise<void>): Promise<void> {
    this.#savesInFlight += 1;
    const done = saving.finally(() => {
      this.#savesInFlight -= 1;
    });
    this.#saving = done.catch(() => {});
    return done;
  }

  #restoreSpend(stepId: string, attempts: readonly AttemptRecord[]): void {
    const step = this.#scheduler.step(stepId);
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
    if (!this.#scheduler.hasReady) return false;
    let changed = false;
    for (const step of this.#scheduler.ready()) {
      if (this.aborted) return changed;
      if (this.#scheduler.status(step.id) !== 'pending') continue;
      if (
        step.onDependencyFailure === 'skip' &&
        step.dependsOn.some((id) => this.#failedForDependents(id))
      ) {
        await this.#finishStep(step, { status: 'skipped', reason: 'dependency-failed' });
        changed = true;
        continue;
      }
      if (this.#hooks.shouldRun !== undefined && !this.#hooks.shouldRun(step, this)) {
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
      const rule = approvalNeeded(step, this.#deps.approvalRules, this.#approved);
      if (rule !== undefined) {
        await this.#escalate(step, {
          kind: 'approval',
          reason: `step ${step.id} needs approval: ${rule.reason} (rule ${rule.id})`,
          rule: rule.id,
        });
        changed = true;
        continue;
      }
      const estimate = this.estimate(step.agent!);
      const admission = this.#guard.limited
        ? this.#guard.admit(estimate)
        : ({ kind: 'start', ticket: undefined } as const);
      if (admission.kind === 'wait') continue;
      if (admission.kind === 'stop') {
        this.#stopForBudget(step, admission.refusal);
        continue;
      }
      this.#scheduler.setStatus(step.id, 'running');
      this.#running.set(step.id, this.#runStep(step, admission.ticket));
      changed = true;
    }
    return changed;
  }

  /** Executes a step the dispatcher started; settles (never rejects) once it is done. */
  async #runStep(step: TaskStep, ticket: BudgetTicket | undefined): Promise<void> {
    try {
      await this.#executeStep(step, ticket);
    } catch (error) {
      this.#storageFailed(error);
    } finally {
      this.#running.delete(step.id);
      this.#wake?.();
    }
  }

  #failedForDependents(stepId: string): boolean {
    const status = this.#scheduler.status(stepId);
    if (status === 'failed') return true;
    return status === 'skipped' && this.#checkpoints.get(stepId)?.reason === 'dependency-failed';
  }

  estimate(agent: StepAgent): StepEstimate {
    const estimate =
      this.#options.estimate?.(agent) ?? estimateAgentCost(agent, this.#options.prices ?? {});
    return estimate;
  }

  admit(_step: TaskStep, estimate: StepEstimate): BudgetAdmission {
    if (!this.#guard.limited) {
      return { kind: 'start', ticket: { costUsd: 0, tokens: 0, agents: 0, bounded: true } };
    }
    return this.#guard.admit(estimate);
  }

  refused(step: TaskStep, admission: Exclude<BudgetAdmission, { kind: 'start' }>): void {
    this.#stopForBudget(step, admission.refusal);
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
      message: `step ${step.id} not started: ${refusal.message}; no further steps start`,
      data: { ...refusal },
    });
  }

  async #finishJoin(step: TaskStep): Promise<void> {
    const outputs: Record<string, unknown> = {};
    const failed: string[] = [];
    for (const dependency of step.dependsOn) {
      const checkpoint = this.#checkpoints.get(dependency);
      if (checkpoint?.status === 'succeeded' && checkpoint.result !== undefined) {
        outputs[dependency] = checkpoint.result.output;
      } else if (this.#failedForDependents(dependency)) failed.push(dependency);
    }
    const success = failed.length === 0;
    const result: AgentResult = {
      agentId: step.id,
      success,
      output: outputs,
      confidence: null,
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
    const redact = this.#options.redact;
    const checkpoint: StepCheckpoint = {
      stepId: step.id,
      status: outcome.status,
      attempts: this.#attempts.get(step.id) ?? [],
      endedAt: this.#time(),
      runAttempt: this.#record.attempts,
    };
    if (outcome.reason !== undefined) checkpoint.reason = outcome.reason;
    if (outcome.result !== undefined) {
      let result = outcome.result;
      if (this.#storeEvents) result = { ...result, output: toJsonSafe(result.output) };
      if (redact !== undefined) result = redact(result);
      checkpoint.result = result;
    }
    if (outcome.startedAt !== undefined) checkpoint.startedAt = outcome.startedAt;
    this.#checkpoints.set(step.id, checkpoint);
    this.#scheduler.setStatus(step.id, outcome.status);
    let events: RunEvent[] = [];
    let endEvent: StepEndEvent | undefined;
    if (this.#wants('step-end')) {
      // Its time is the step's end time: the event and the checkpoint tell the same moment.
      // Field by field, not a copy of the checkpoint: a literal the engine keeps is cheaper to
      // collect (a spread makes an object no allocation site knows).
      endEvent = this.#make(
        {
          type: 'step-end',
          stepId: checkpoint.stepId,
          status: checkpoint.status,
          attempts: checkpoint.attempts,
          endedAt: checkpoint.endedAt,
          runAttempt: checkpoint.runAttempt,
          reason: checkpoint.reason,
          result: checkpoint.result,
          startedAt: checkpoint.startedAt,
          agentId: step.agent?.id,
          parentId: step.parentId,
          progress: this.#scheduler.progress(),
        },
        checkpoint.endedAt,
      ) as StepEndEvent;
      if (this.#storeEvents) {
        events = this.#eventBuffer;
        this.#eventBuffer = [];
        events.push(endEvent);
      }
    }
    let stored = false;
    try {
      const committed = this.checkpointer.commitStep(this.runId, checkpoint, events);
      if (committed instanceof Promise) await committed;
      stored = true;
      const interrupted = this.#record.interruptedAttempts;
      if (interrupted?.[step.id] !== undefined) {
        const { [step.id]: _finished, ...rest } = interrupted;
        this.#record.interruptedAttempts = rest;
      }
    } finally {
      if (endEvent !== undefined) this.#handOver(endEvent.seq, stored ? endEvent : null);
    }
  }

  // ---- execution --------------------------------------------------------------------------

  #contextFor(step: TaskStep): Record<string, unknown> {
    const base: Record<string, unknown> = { ...this.context };
    if (step.input !== undefined) Object.assign(base, step.input);
    const hook = this.#hooks.contextFor ?? dependencyContext;
    return hook(step, this, base);
  }

  async #executeStep(step: TaskStep, ticket: BudgetTicket | undefined): Promise<void> {
    const startedMs = performance.now();
    const phase = step.parentId;
    if (phase !== undefined && !this.#phases.has(phase)) {
      this.#phases.add(phase);
      this.#emit({ type: 'phase-start', phase, stepId: step.id, parentId: phase });
    }
    let attempts = this.#attempts.get(step.id);
    if (attempts === undefined) {
      attempts = [];
      this.#attempts.set(step.id, attempts);
    }
    const before = attempts.length;
    const context = this.#contextFor(step);
    let outcome: Awaited<ReturnType<typeof runStepAgent>> | undefined;
    try {
      outcome = await runStepAgent(this, step, context, ticket);
    } catch (error) {
      if (!this.aborted) throw error;
    }
    this.#timings.set(step.id, { startedMs, endedMs: performance.now() });
    let spentCost = 0;
    let spentTokens = 0;
    for (let index = before; index < attempts.length; index += 1) {
      const usage = attempts[index]!.usage;
      if (usage === undefined) continue;
      spentCost += usage.costUsd ?? 0;
      spentTokens += usage.inputTokens + usage.outputTokens;
    }
    const tickets = outcome?.tickets ?? (ticket === undefined ? [] : [ticket]);
    for (const held of tickets)
      this.#guard.release(held, { costUsd: spentCost, tokens: spentTokens });
    if (outcome === undefined || (this.aborted && outcome.success === undefined)) {
      // Aborted: the step stays unfinished (no checkpoint) and runs again on resume; the attempts
      // it made are kept with the run, so their spend is not forgotten.
      if (attempts.length > 0) {
        this.#record.interruptedAttempts = {
          ...this.#record.interruptedAttempts,
          [step.id]: [...attempts],
        };
      }
      this.#scheduler.setStatus(step.id, 'pending');
      return;
    }
    const { success } = outcome;
    if (success !== undefined) {
      if (needsConfirmation(step, success, this.#options.escalation)) {
        const threshold =
          this.#options.escalation?.confidenceThreshold ?? DEFAULT_ESCALATION_CONFIDENCE;
        await this.#escalate(step, {
          kind: 'low-confidence',
          reason: `risky step ${step.id} reported ${success.confidence === null ? 'no confidence' : `confidence ${success.confidence}`} < ${threshold}`,
          result: success,
        });
        return;
      }
      await this.#finishStep(step, { status: 'succeeded', result: success });
      return;
    }
    const failure: StepFailure = outcome.failure;
    const last = outcome.lastResult ?? failedResult(step.agent!.id, failure.message);
    const result: AgentResult = { ...last, success: false, error: last.error || failure.message };
    if (escalatesFailure(step, failure, this.#options.escalation)) {
      await this.#escalate(step, {
        kind: 'escalation',
        reason: `step ${step.id} failed after ${attempts.length} attempt${attempts.length === 1 ? '' : 's'} and ${step.fallbacks.length} fallback${step.fallbacks.length === 1 ? '' : 's'}: ${failure.message}`,
        failure,
        result,
      });
      return;
    }
    await this.#finishStep(step, { status: 'failed', reason: failure.kind, result });
  }

  // ---- StepRunHost ------------------------------------------------------------------------

  /** A text as the run may store and show it (secrets masked when the run masks them). */
  #masked(text: string): string {
    const redact = this.#options.redact;
    return redact === undefined ? text : redact(text);
  }

  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executorFor(name: string | undefined): AgentExecutor<any> | undefined {
    return name === undefined ? this.#options.executor : this.#options.executors?.[name];
  }

  isSetupFailure(output: AgentExecutionOutput): boolean {
    return this.#options.isSetupFailure?.(output) === true;
  }

  now(): Date {
    return this.#deps.now();
  }

  time(): string {
    return this.#time();
  }

  attemptStarted(step: TaskStep, candidate: StepCandidate, attempt: number): void {
    if (!this.#wants('step-start')) return;
    this.#emit({
      type: 'step-start',
      stepId: step.id,
      agentId: candidate.agent.id,
      parentId: step.parentId,
      label: stepLabel(step),
      via: candidate.via,
      tier: candidate.agent.tier,
      attempt,
    });
  }

  attemptEnded(step: TaskStep, candidate: StepCandidate, record: AttemptRecord): void {
    const redact = this.#options.redact;
    const kept = redact !== undefined && record.error !== undefined ? redact(record) : record;
    this.#attempts.get(step.id)?.push(kept);
    const usage = record.usage;
    this.#ledger.record({
      stepId: step.id,
      agentId: candidate.agent.id,
      tier: candidate.agent.tier,
      strategy: step.strategy,
      parentId: step.parentId,
      newAgent: record.attempt === 1,
      usage,
    });
    if (usage === undefined) return;
    const total = this.#ledger.total;
    this.#emit({
      type: 'step-usage',
      stepId: step.id,
      agentId: candidate.agent.id,
      parentId: step.parentId,
      via: candidate.via,
      attempt: record.attempt,
      usage,
      ...(usage.costUsd === undefined ? {} : { costDeltaUsd: usage.costUsd }),
      tokensDelta: usage.inputTokens + usage.outputTokens,
      runCostUsd: total.costUsd,
      runTokens: total.totalTokens,
    });
  }

  retrying(
    step: TaskStep,
    candidate: StepCandidate,
    attempt: number,
    delayMs: number,
    error: unknown,
  ): void {
    const text = this.#masked(describeError(error));
    this.#emit({
      type: 'step-retry',
      stepId: step.id,
      agentId: candidate.agent.id,
      parentId: step.parentId,
      attempt,
      delayMs,
      error: text,
    });
    this.#audit({
      type: 'retry',
      stepId: step.id,
      agentId: candidate.agent.id,
      message: `step ${step.id} retry ${attempt}/${(step.retry ?? this.retryPolicy).maxRetries} in ${delayMs} ms after retryable error: ${text}`,
    });
  }

  fallingBack(step: TaskStep, from: StepCandidate, to: StepCandidate, failure: string): void {
    const error = this.#masked(failure);
    this.#emit({
      type: 'step-fallback',
      stepId: step.id,
      agentId: to.agent.id,
      parentId: step.parentId,
      from: from.via,
      to: to.via,
      error,
    });
    this.#audit({
      type: 'fallback',
      stepId: step.id,
      agentId: to.agent.id,
      message: `step ${step.id} falls back from ${from.via} to ${to.via} after: ${error}`,
    });
  }

  notice(step: TaskStep, agentId: string, message: string): void {
    const text = `step ${step.id}: ${message}`;
    this.#notices.push(text);
    this.#emit({ type: 'run-notice', stepId: step.id, agentId, message: text });
    this.#audit({ type: 'notice', stepId: step.id, agentId, message: text });
  }

  processReporter(step: TaskStep): AgentExecutionOptions['onProcess'] {
    const describe = this.#options.describeProcess;
    if (describe === undefined) return undefined;
    return ({ pid, command }) => {
      const agentProcess: AgentProcess = {
        pid,
        ...describe(pid),
        ...(command === undefined ? {} : { command }),
        startedAt: this.#time(),
      };
      const processes = { ...this.#record.processes };
      processes[step.id] = [...(processes[step.id] ?? []), agentProcess];
      this.#record.processes = processes;
      void this.#saveRun().catch((error: unknown) => this.#storageFailed(error));
      return {
        exited: () => {
          const current = { ...this.#record.processes };
          const rest = (current[step.id] ?? []).filter((entry) => entry !== agentProcess);
          if (rest.length === 0) delete current[step.id];
          else current[step.id] = rest;
          this.#record.processes = current;
          void this.#saveRun().catch((error: unknown) => this.#storageFailed(error));
        },
      };
    };
  }

  // ---- decisions --------------------------------------------------------------------------

  async #escalate(
    step: TaskStep,
    input: {
      kind: Decision['kind'];
      reason: string;
      rule?: string;
      result?: AgentResult;
      failure?: StepFailure;
    },
  ): Promise<void> {
    const redact = this.#options.redact;
    const result =
      input.result === undefined
        ? undefined
        : redact === undefined
          ? { ...input.result, output: toJsonSafe(input.result.output) }
          : redact({ ...input.result, output: toJsonSafe(input.result.output) });
    const decision = await createDecision(
      this,
      step,
      {
        kind: input.kind,
        reason: redact === undefined ? input.reason : redact(input.reason),
        rule: input.rule,
        result,
        attempts: this.#attempts.get(step.id),
        failure: input.failure,
      },
      this.#options.escalation,
    );
    this.#pending.set(step.id, decision);
    this.#scheduler.setStatus(step.id, 'awaiting-decision');
    if (this.#machine.state === 'monitoring') {
      this.#transition('escalate', { decisionId: decision.id, stepId: step.id });
    }
    await this.#saveRun();
    this.#emit({
      type: 'decision-pending',
      stepId: step.id,
      agentId: step.agent?.id,
      parentId: step.parentId,
      decision,
    });
    this.#audit({
      type: input.kind === 'approval' ? 'approval-required' : 'escalation',
      stepId: step.id,
      message: `${decision.reason}; decision ${decision.id} pending${decision.deadline ? ` until ${decision.deadline} (default ${decision.defaultAction})` : ''}`,
      data: { decisionId: decision.id, kind: input.kind },
    });
    const handler = this.#options.onDecision;
    if (handler !== undefined) {
      this.#handlersInFlight += 1;
      void askHandler(this, handler, decision).finally(() => {
        this.#handlersInFlight -= 1;
        this.#wake?.();
      });
    }
  }

  async #processDecisions(): Promise<void> {
    const listed = await this.checkpointer.listDecisions({ runId: this.runId });
    await applyDeadlines(this.checkpointer, listed.items, this.#deps.now());
    const current = new Map(
      (await this.checkpointer.listDecisions({ runId: this.runId })).items.map((decision) => [
        decision.id,
        decision,
      ]),
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
    const step = this.#scheduler.step(decision.stepId);
    if (step === undefined) return;
    this.#emit({ type: 'decision-resolved', stepId: step.id, parentId: step.parentId, decision });
    this.#audit({
      type: 'decision',
      stepId: step.id,
      message: `decision ${decision.id} (${decision.kind}) ${decision.status} by ${decision.resolvedBy ?? 'person'}${decision.note ? `: ${decision.note}` : ''}`,
      data: { decisionId: decision.id, kind: decision.kind, status: decision.status },
    });
    const effect = effectOf(decision, step);
    if (effect.kind === 'run') {
      if (decision.kind === 'approval') this.#approved.add(step.id);
      this.#scheduler.setStatus(step.id, 'pending');
      return;
    }
    if (effect.kind === 'accept') {
      await this.#finishStep(step, { status: 'succeeded', result: effect.result });
      return;
    }
    await this.#finishStep(step, { status: 'failed', reason: 'rejected', result: effect.result });
  }

  /** The progress now. */
  progress(): ProgressSnapshot {
    return this.#scheduler.progress();
  }

  /** Whether a step has finished in this run. */
  finished(stepId: string): boolean {
    return isFinishedStatus(this.#scheduler.status(stepId));
  }

  /** The run's spend so far. */
  spend(): SpendReport {
    return this.#ledger.report();
  }
}

function describeOuterAbort(signal: AbortSignal): string | Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  if (typeof reason === 'string') return reason;
  return 'interrupted';
}

/**
 * A value that `JSON.stringify` stores and reads back as it is: non-serialisable parts become
 * descriptive strings; `undefined` stays undefined (an absent field).
 */
export function toJsonSafe(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  try {
    const text = JSON.stringify(value, (_key, inner: unknown) =>
      typeof inner === 'bigint' ? inner.toString() : inner,
    );
    return text === undefined ? null : (JSON.parse(text) as unknown);
  } catch (error) {
    return `[unserialisable output: ${describeError(error)}]`;
  }
}

/** A failure before a fresh run existed: the run's result rejects with its cause. */
class StartError extends Error {
  override readonly cause: unknown;

  constructor(cause: unknown) {
    super('the run could not start');
    this.cause = cause;
  }
}
