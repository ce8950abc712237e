import type { Decision } from './decisions.js';
import type { RunEvent } from './events.js';
import type { RunRecord, RunStatus, StateProblem, StepCheckpoint } from './records.js';

/** Who executes a run: one owner at a time. */
export interface RunOwner {
  pid: number;
  hostname: string;
}

/** A run's finished steps and what else its stored events say, as a resume needs them. */
export interface StoredSteps {
  /** The last checkpoint of each finished step, by step id. */
  steps: Map<string, StepCheckpoint>;
  /** The highest event `seq` stored (0 when none): a resumed run continues after it. */
  lastSeq: number;
  /**
   * Usage reported by attempts of steps that have no checkpoint yet (their spend belongs to the
   * run even though the steps will run again), by step.
   */
  unfinishedUsage: Map<string, StepUsageRecord[]>;
  /** Steps that had started an agent when the stored events end (in flight when the run stopped). */
  inFlight: string[];
  /** Records that could not be read. */
  problems: StateProblem[];
}

/** The usage of one attempt, as a `step-usage` event stored it. */
export interface StepUsageRecord {
  agentId: string | undefined;
  via: string;
  attempt: number;
  usage: NonNullable<Extract<RunEvent, { type: 'step-usage' }>['usage']>;
}

/** Options of {@link Checkpointer.listRuns}. */
export interface ListRunsOptions {
  status?: RunStatus | undefined;
  signal?: AbortSignal | undefined;
}

/** What a checkpointer found when listing. */
export interface Listed<T> {
  items: T[];
  /** Records that could not be read (each named, never silently skipped). */
  problems: StateProblem[];
}

/**
 * Where runs are kept: the run records, each finished step's checkpoint, the event stream, the
 * decisions people answer, cancel requests, and who owns a run. The engine works against this
 * interface only; `MemoryCheckpointer` (in process), the file checkpointer of `@baton/runtime`
 * (`.baton/runs/`) and the Postgres one all pass one conformance suite.
 *
 * Methods may return synchronously where an implementation can (the memory one does): the engine
 * only awaits what is a promise.
 */
export interface Checkpointer {
  /** A name for messages, e.g. `memory`, `files in /p/.baton`, `postgres`. */
  readonly description: string;
  /** Whether {@link readEvents} returns the stream (a memory checkpointer may drop it for speed). */
  readonly storesEvents: boolean;

  /**
   * Stores a new run; a `BATON_CONFLICT` error when the id is taken. Like {@link saveRun}, it
   * serialises the record before it returns.
   */
  createRun(record: RunRecord): Promise<void> | void;
  /**
   * Replaces a run's record (atomically: readers see the old or the new one). The record must be
   * serialised (or copied) before the method returns: the engine keeps changing its own object.
   */
  saveRun(record: RunRecord): Promise<void> | void;
  /**
   * A run's record. `BATON_NOT_FOUND` when there is none; `BATON_STORAGE` naming the record and
   * what is wrong when it cannot be read.
   */
  loadRun(runId: string): Promise<RunRecord> | RunRecord;
  /** Every run, newest first, and the ones that could not be read. */
  listRuns(options?: ListRunsOptions): Promise<Listed<RunRecord>> | Listed<RunRecord>;
  /** Deletes a run and everything stored with it. */
  deleteRun(runId: string): Promise<void> | void;

  /** Appends events to the run's stream (in `seq` order). */
  appendEvents(runId: string, events: readonly RunEvent[]): Promise<void> | void;
  /**
   * Commits a finished step durably, with the events up to and including its `step-end` event,
   * in one atomic write: after a crash either the step is finished or it is not.
   */
  commitStep(
    runId: string,
    checkpoint: StepCheckpoint,
    events: readonly RunEvent[],
  ): Promise<void> | void;
  /** The run's finished steps and what a resume needs to know about the rest. */
  loadSteps(runId: string): Promise<StoredSteps> | StoredSteps;
  /** The run's events with `seq` greater than `afterSeq` (default 0), oldest first. */
  readEvents(runId: string, options?: { afterSeq?: number }): Promise<RunEvent[]> | RunEvent[];

  /** Stores a new decision. */
  createDecision(decision: Decision): Promise<void> | void;
  /**
   * Decisions of one run or all runs, oldest first, and those that could not be read (for a
   * decision file that cannot be read: its id, and its run when known).
   */
  listDecisions(filter?: {
    runId?: string | undefined;
    status?: Decision['status'] | undefined;
  }): Promise<Listed<Decision>> | Listed<Decision>;
  /**
   * Replaces a decision when its stored status is `expected` (compare-and-set, safe across
   * processes); otherwise a `BATON_CONFLICT` error naming its current status. A decision whose
   * stored record cannot be read may be replaced with `expected: 'unreadable'`.
   */
  updateDecision(
    decision: Decision,
    expected: Decision['status'] | 'unreadable',
  ): Promise<void> | void;

  /** Asks whoever executes the run to stop. */
  requestCancel(runId: string, reason: string): Promise<void> | void;
  /** The reason of a pending cancel request, or undefined. */
  cancelRequest(runId: string): Promise<string | undefined> | string | undefined;
  /** Removes a cancel request. */
  clearCancel(runId: string): Promise<void> | void;

  /**
   * Takes ownership of a run so that two processes never execute it at once; an owner whose
   * process is gone is taken over. Returns the release function; a live owner is a
   * `BATON_CONFLICT` error naming it.
   */
  acquireLease(runId: string, owner: RunOwner): Promise<() => Promise<void>>;
}
