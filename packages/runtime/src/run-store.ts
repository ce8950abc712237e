import {
  BatonError,
  BatonErrorCode,
  type Checkpointer,
  computeProgress,
  DECISION_ID,
  type Decision,
  type DecisionAction,
  type ProgressSnapshot,
  RESUMABLE_STATUSES,
  type RunEvent,
  type RunRecord,
  type RunState,
  type RunStatus,
  resolveDecision,
  type StateProblem,
  type StepCheckpoint,
  type StepStatus,
  ValidationError,
} from '@baton/core';
import { FileCheckpointer } from './file-checkpointer.js';
import { isProcessAlive } from './fs-utils.js';

/** One line of `baton runs list`. */
export interface RunSummary {
  id: string;
  status: RunStatus;
  /** True when the run says `running` but its process is gone (resume it). */
  crashed: boolean;
  resumable: boolean;
  state: RunState;
  task: string | undefined;
  strategy: string | undefined;
  createdAt: string;
  updatedAt: string;
  endedAt: string | undefined;
  progress: ProgressSnapshot;
}

/** What `baton runs show` prints. */
export interface RunDetails extends RunSummary {
  run: RunRecord;
  steps: Record<string, StepCheckpoint>;
  decisions: Decision[];
  /** Cancellation was requested and not yet processed. */
  cancelRequested: boolean;
  /** Records of this run that could not be read. */
  problems: StateProblem[];
}

/** Options of {@link RunStore}. */
export interface RunStoreOptions {
  /** The project's `.baton` folder, for the default file checkpointer. Default `.baton`. */
  dir?: string | undefined;
  /** Where runs are kept; default a `FileCheckpointer` on `dir`. */
  checkpointer?: Checkpointer | undefined;
  /** fsync writes of the default file checkpointer. Default true. */
  fsync?: boolean | undefined;
  now?: (() => Date) | undefined;
}

/** The retention applied after each run unless configured otherwise: 30 days, and always the newest 20 runs. */
export const DEFAULT_RETENTION: Readonly<PruneOptions> = Object.freeze({
  keepDays: 30,
  keepLast: 20,
});

/** Options of {@link RunStore.prune}. */
export interface PruneOptions {
  /** Delete finished runs older than this many days. */
  keepDays?: number;
  /** Always keep this many of the newest runs. */
  keepLast?: number;
  /** List what would be deleted without deleting. */
  dryRun?: boolean;
  /** Run ids never to delete (e.g. the run that just ended). */
  except?: readonly string[];
  signal?: AbortSignal;
}

/**
 * What people ask about runs, over any checkpointer: the runs with their progress (a `running`
 * run whose process is gone is shown as crashed), one run in full, its events (also while it
 * runs), cancel requests, the decisions runs wait for, and retention. Records that cannot be read
 * are reported by name with every answer, never left out silently.
 *
 * @example
 * ```ts
 * const store = new RunStore({ dir: '.baton' });
 * const { runs, problems } = await store.list();
 * for (const run of runs) console.log(run.id, run.status, `${run.progress.percent}%`);
 * ```
 */
export class RunStore {
  readonly checkpointer: Checkpointer;
  readonly #now: () => Date;

  constructor(options: RunStoreOptions = {}) {
    this.checkpointer =
      options.checkpointer ??
      new FileCheckpointer({ dir: options.dir ?? '.baton', fsync: options.fsync });
    this.#now = options.now ?? (() => new Date());
  }

  /** A run's record; `BATON_NOT_FOUND` when there is none, `BATON_STORAGE` when it is damaged. */
  async loadRun(runId: string): Promise<RunRecord> {
    return this.checkpointer.loadRun(runId);
  }

  #summarize(run: RunRecord, statuses: Record<string, StepStatus>): RunSummary {
    const crashed = run.status === 'running' && isProcessAlive(run.pid, run.hostname) === false;
    return {
      id: run.id,
      status: run.status,
      crashed,
      resumable:
        crashed ||
        RESUMABLE_STATUSES.includes(run.status) ||
        (run.status === 'failed' && run.error !== undefined && run.state === 'error'),
      state: run.state,
      task: run.task,
      strategy: run.graph.strategy,
      createdAt: run.createdAt,
      updatedAt: run.updatedAt,
      endedAt: run.endedAt,
      progress: computeProgress(run.graph, statuses),
    };
  }

  async #statuses(
    runId: string,
  ): Promise<{ statuses: Record<string, StepStatus>; problems: StateProblem[] }> {
    const stored = await this.checkpointer.loadSteps(runId);
    const statuses: Record<string, StepStatus> = {};
    for (const [id, checkpoint] of stored.steps) statuses[id] = checkpoint.status;
    return { statuses, problems: stored.problems };
  }

  /** Every run, newest first, and the records that could not be read. */
  async list(
    options: { status?: RunStatus; limit?: number; signal?: AbortSignal } = {},
  ): Promise<{ runs: RunSummary[]; problems: StateProblem[] }> {
    if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
      throw new ValidationError('limit', 'must be an integer >= 1');
    }
    const listed = await this.checkpointer.listRuns({
      ...(options.status === undefined ? {} : { status: options.status }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const problems = [...listed.problems];
    const chosen =
      options.limit === undefined ? listed.items : listed.items.slice(0, options.limit);
    const runs: RunSummary[] = [];
    for (const run of chosen) {
      const { statuses, problems: stepProblems } = await this.#statuses(run.id);
      problems.push(...stepProblems.filter((problem) => problem.kind === 'corrupt'));
      runs.push(this.#summarize(run, statuses));
    }
    return { runs, problems };
  }

  /** One run with its steps, decisions, progress and unreadable records. */
  async show(runId: string): Promise<RunDetails> {
    const run = await this.checkpointer.loadRun(runId);
    const stored = await this.checkpointer.loadSteps(runId);
    const statuses: Record<string, StepStatus> = {};
    for (const [id, checkpoint] of stored.steps) statuses[id] = checkpoint.status;
    const decisions = await this.checkpointer.listDecisions({ runId });
    return {
      ...this.#summarize(run, statuses),
      run,
      steps: Object.fromEntries(stored.steps),
      decisions: decisions.items,
      cancelRequested: (await this.checkpointer.cancelRequest(runId)) !== undefined,
      problems: [...stored.problems, ...decisions.problems],
    };
  }

  /** A run's stored events, oldest first. */
  async readEvents(runId: string, options: { afterSeq?: number } = {}): Promise<RunEvent[]> {
    await this.checkpointer.loadRun(runId);
    return this.checkpointer.readEvents(runId, options);
  }

  /**
   * Yields a run's events as they are stored (`baton runs logs --follow`), after `afterSeq`; ends
   * after a `run-end` of a run that is no longer running, or when the signal aborts.
   */
  async *followEvents(
    runId: string,
    options: { signal?: AbortSignal; pollIntervalMs?: number; afterSeq?: number } = {},
  ): AsyncGenerator<RunEvent> {
    const pollIntervalMs = options.pollIntervalMs ?? 200;
    let after = options.afterSeq ?? 0;
    while (options.signal?.aborted !== true) {
      const events = await this.checkpointer.readEvents(runId, { afterSeq: after });
      let ended = false;
      for (const event of events) {
        after = Math.max(after, event.seq);
        yield event;
        ended = event.type === 'run-end';
      }
      if (ended) {
        const status = await Promise.resolve(this.checkpointer.loadRun(runId)).then(
          (run) => run.status,
          () => undefined,
        );
        if (status !== 'running') return;
      }
      await sleep(pollIntervalMs, options.signal);
    }
  }

  /**
   * Asks a run to stop. A run whose process is gone (crashed) or that is paused is marked
   * cancelled at once; a live run gets a cancel request its engine notices. Returns the run's
   * status afterwards. A finished run is a `BATON_CONFLICT` error.
   */
  async requestCancel(runId: string, options: { reason?: string } = {}): Promise<RunStatus> {
    const run = await this.checkpointer.loadRun(runId);
    const reason = options.reason ?? 'cancelled';
    if (run.status !== 'running' && run.status !== 'paused') {
      throw new BatonError(
        BatonErrorCode.CONFLICT,
        `Run ${runId} is ${run.status}; nothing to cancel`,
      );
    }
    const alive = isProcessAlive(run.pid, run.hostname);
    if (run.status === 'paused' || alive === false) {
      const now = this.#now().toISOString();
      await this.checkpointer.saveRun({
        ...run,
        status: 'cancelled',
        state: 'error',
        history: [
          ...run.history,
          {
            from: run.state,
            to: 'error',
            trigger: 'error',
            at: now,
            data: { reason: 'cancelled', note: reason },
          },
        ],
        updatedAt: now,
        endedAt: now,
        error: reason,
      });
      return 'cancelled';
    }
    await this.checkpointer.requestCancel(runId, reason);
    return 'running';
  }

  // ---- decisions --------------------------------------------------------------------------

  /** Decisions of every run (or one), optionally only those with a status, and unreadable ones. */
  async decisions(
    filter: { runId?: string; status?: Decision['status'] } = {},
  ): Promise<{ decisions: Decision[]; problems: StateProblem[] }> {
    const listed = await this.checkpointer.listDecisions(filter);
    return { decisions: listed.items, problems: listed.problems };
  }

  /**
   * Answers a decision: a pending one, or one whose stored record cannot be read (then it is
   * rewritten from what the run knows). An already answered decision is a `BATON_CONFLICT` error
   * naming how it was answered; an unknown id `BATON_NOT_FOUND`.
   */
  async decide(
    id: string,
    action: DecisionAction,
    options: { note?: string; by?: Decision['resolvedBy'] } = {},
  ): Promise<Decision> {
    if (typeof id !== 'string' || !DECISION_ID.test(id)) {
      throw new ValidationError('id', `"${String(id)}" is not a decision id`);
    }
    const listed = await this.checkpointer.listDecisions({});
    const found = listed.items.find((decision) => decision.id === id);
    if (found !== undefined) {
      return resolveDecision(this.checkpointer, found, action, {
        by: options.by ?? 'person',
        note: options.note,
        now: this.#now(),
      });
    }
    const unreadable = listed.problems.find((problem) => problem.decisionId === id);
    if (unreadable?.runId !== undefined && unreadable.stepId !== undefined) {
      const now = this.#now().toISOString();
      const replaced: Decision = {
        id,
        runId: unreadable.runId,
        stepId: unreadable.stepId,
        kind: 'escalation',
        status: action === 'approve' ? 'approved' : 'rejected',
        reason: `answered again: the stored decision could not be read (${unreadable.location})`,
        createdAt: now,
        defaultAction: 'reject',
        resolvedAt: now,
        resolvedBy: options.by ?? 'person',
        ...(options.note === undefined ? {} : { note: options.note }),
      };
      await this.checkpointer.updateDecision(replaced, 'unreadable');
      return replaced;
    }
    if (unreadable !== undefined) {
      throw new BatonError(
        BatonErrorCode.STORAGE,
        `${unreadable.message}; its step is not known, so it cannot be answered (repair or delete ${unreadable.location})`,
      );
    }
    throw new BatonError(BatonErrorCode.NOT_FOUND, `No decision "${id}"`);
  }

  // ---- retention --------------------------------------------------------------------------

  /**
   * Deletes old runs by a retention policy: runs that ended more than `keepDays` ago, except the
   * newest `keepLast`. Live runs are never deleted, nor runs that cannot be read. Returns the ids
   * deleted (or that would be, with `dryRun`).
   */
  async prune(options: PruneOptions): Promise<string[]> {
    const { keepDays, keepLast = 0 } = options;
    if (keepDays !== undefined && !(keepDays >= 0))
      throw new ValidationError('keepDays', 'must be >= 0');
    if (!Number.isInteger(keepLast) || keepLast < 0)
      throw new ValidationError('keepLast', 'must be an integer >= 0');
    if (keepDays === undefined && options.keepLast === undefined) {
      throw new ValidationError('keepDays', 'give keepDays and/or keepLast');
    }
    const runs = (
      await this.checkpointer.listRuns({
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      })
    ).items;
    const cutoff =
      keepDays === undefined
        ? Number.POSITIVE_INFINITY
        : this.#now().getTime() - keepDays * 86_400_000;
    const deleted: string[] = [];
    for (const [index, run] of runs.entries()) {
      if (index < keepLast || options.except?.includes(run.id)) continue;
      if (run.status === 'running' && isProcessAlive(run.pid, run.hostname) !== false) continue;
      const last = Date.parse(run.endedAt ?? run.updatedAt);
      if (keepDays !== undefined && last > cutoff) continue;
      deleted.push(run.id);
      if (options.dryRun !== true) await this.checkpointer.deleteRun(run.id);
    }
    return deleted;
  }
}

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, milliseconds);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
