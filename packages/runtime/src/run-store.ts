import { mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  agentResultSchema,
  BatonError,
  BatonErrorCode,
  type Logger,
  noopLogger,
  parseWith,
  ValidationError,
} from '@baton/core';
import { z } from 'zod';
import { budgetSchema } from './budget.js';
import { type Decision, DecisionStore } from './decisions.js';
import type { RunEvent } from './events.js';
import { HOSTNAME, isProcessAlive, pathExists, readJsonFile, writeJsonAtomic } from './fs-utils.js';
import { computeProgress, type ProgressSnapshot, type StepStatus } from './progress.js';
import { attemptRecordSchema } from './records.js';
import { runDirectory } from './run-paths.js';
import { RUN_STATES, type RunState } from './state-machine.js';
import { taskGraphSchema } from './task-graph.js';

/**
 * How a run stands: `running` (or crashed, see {@link RunSummary.crashed}), `succeeded`, `failed`,
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

/** Statuses `baton runs resume` accepts (plus `running` when its process is gone). */
export const RESUMABLE_STATUSES: readonly RunStatus[] = ['cancelled', 'paused', 'budget-exceeded'];

const transitionSchema = z.object({
  from: z.enum(RUN_STATES as [RunState, ...RunState[]]),
  to: z.enum(RUN_STATES as [RunState, ...RunState[]]),
  trigger: z.enum([
    'start',
    'plan',
    'execute',
    'monitor',
    'escalate',
    'user_response',
    'complete',
    'finish',
    'error',
    'recover',
  ]),
  at: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});

/** `run.json`: a run's graph, options, lifecycle and outcome. */
export const runRecordSchema = z.object({
  version: z.literal(1),
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
    })
    .optional(),
  /** Spend totals when the run last stopped. */
  spend: z.record(z.string(), z.unknown()).optional(),
  /**
   * Attempts of steps that were interrupted (cancelled) before they finished, by step: their
   * spend belongs to the run, and they join the step's attempts when it runs again on resume.
   */
  interruptedAttempts: z.record(z.string(), z.array(attemptRecordSchema)).optional(),
  /** Anything the caller wants kept with the run (composition, options, ...). */
  metadata: z.record(z.string(), z.unknown()).optional(),
});
/** `run.json`. */
export type RunRecord = z.output<typeof runRecordSchema>;

/** Why a step failed or was skipped. */
export const stepFailureKindSchema = z.enum([
  'error',
  'agent-reported',
  'timeout',
  'rejected',
  'dependency-failed',
  'condition-not-met',
  'budget',
]);
/** Why a step failed or was skipped. */
export type StepFailureKind = z.output<typeof stepFailureKindSchema>;

/** `steps/<step-id>.json`: a finished step, written atomically. */
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
  /** Which run attempt (see `RunRecord.attempts`) finished it. */
  runAttempt: z.number().int().min(1),
});
/** A finished step. */
export type StepCheckpoint = z.output<typeof stepCheckpointSchema>;

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
}

/** Options of {@link RunStore}. */
export interface RunStoreOptions {
  /** The project's `.baton` folder. Default `.baton` in the current directory. */
  dir?: string;
  /** fsync every checkpoint before its rename (durable across power loss). Default true. */
  fsync?: boolean;
  logger?: Logger;
  now?: () => Date;
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
 * Runs on disk: `<dir>/runs/<run-id>/run.json`, `steps/<step-id>.json` (one atomic checkpoint per
 * finished step), `decisions/<id>.json`, `events.jsonl` and a `cancel` marker.
 *
 * @example
 * ```ts
 * const store = new RunStore({ dir: '.baton' });
 * for (const run of await store.list()) console.log(run.id, run.status, `${run.progress.percent}%`);
 * await store.prune({ keepDays: 30, keepLast: 20 });
 * ```
 */
export class RunStore {
  readonly dir: string;
  readonly fsync: boolean;
  readonly decisions: DecisionStore;
  readonly #logger: Logger;
  readonly #now: () => Date;

  constructor(options: RunStoreOptions = {}) {
    this.dir = options.dir ?? '.baton';
    this.fsync = options.fsync ?? true;
    this.#logger = options.logger ?? noopLogger;
    this.#now = options.now ?? (() => new Date());
    this.decisions = new DecisionStore({
      dir: this.dir,
      fsync: this.fsync,
      logger: this.#logger,
      now: this.#now,
    });
  }

  /** The folder of a run (the id is checked first). */
  runDir(runId: string): string {
    return runDirectory(this.dir, runId);
  }

  /** Writes `run.json` atomically. */
  async saveRun(record: RunRecord, _options: { signal?: AbortSignal } = {}): Promise<void> {
    await writeJsonAtomic(join(this.runDir(record.id), 'run.json'), record, { fsync: this.fsync });
  }

  /** Reads `run.json`; a missing run is a `BATON_NOT_FOUND` error. */
  async loadRun(runId: string, _options: { signal?: AbortSignal } = {}): Promise<RunRecord> {
    const raw = await readJsonFile(join(this.runDir(runId), 'run.json'));
    if (raw === undefined) throw new BatonError(BatonErrorCode.NOT_FOUND, `No run "${runId}"`);
    return parseWith(runRecordSchema, raw, { label: `run ${runId}` });
  }

  /** Writes a finished step's checkpoint atomically. */
  async saveStep(runId: string, checkpoint: StepCheckpoint): Promise<void> {
    await writeJsonAtomic(
      join(this.runDir(runId), 'steps', `${checkpoint.stepId}.json`),
      checkpoint,
      {
        fsync: this.fsync,
      },
    );
  }

  /** Every finished step of a run, by step id. Unreadable checkpoints are skipped with a warning (the step runs again). */
  async loadSteps(
    runId: string,
    _options: { signal?: AbortSignal } = {},
  ): Promise<Record<string, StepCheckpoint>> {
    const folder = join(this.runDir(runId), 'steps');
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      return {};
    }
    const steps: Record<string, StepCheckpoint> = {};
    for (const name of names.filter((entry) => entry.endsWith('.json'))) {
      try {
        const checkpoint = parseWith(stepCheckpointSchema, await readJsonFile(join(folder, name)), {
          label: name,
        });
        steps[checkpoint.stepId] = checkpoint;
      } catch (error) {
        this.#logger.warn('Skipping unreadable step checkpoint', {
          file: join(folder, name),
          error: String(error),
        });
      }
    }
    return steps;
  }

  /** The path of a run's event log (`baton runs logs`). */
  eventsPath(runId: string): string {
    return join(this.runDir(runId), 'events.jsonl');
  }

  /** A run's logged events, oldest first (unparseable lines are skipped). */
  async readEvents(runId: string, _options: { signal?: AbortSignal } = {}): Promise<RunEvent[]> {
    let text: string;
    try {
      text = await readFile(this.eventsPath(runId), 'utf8');
    } catch {
      return [];
    }
    const events: RunEvent[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        events.push(JSON.parse(line) as RunEvent);
      } catch {
        // A line cut short by a crash.
      }
    }
    return events;
  }

  /**
   * Asks a run to stop: writes a `cancel` marker that the running engine polls. A run whose
   * process is gone (crashed) or that is paused is marked cancelled at once.
   * Returns the run's status afterwards.
   */
  async requestCancel(
    runId: string,
    options: { reason?: string; signal?: AbortSignal } = {},
  ): Promise<RunStatus> {
    const run = await this.loadRun(runId);
    if (run.status !== 'running' && run.status !== 'paused') {
      throw new BatonError(
        BatonErrorCode.CONFLICT,
        `Run ${runId} is ${run.status}; nothing to cancel`,
      );
    }
    const alive = isProcessAlive(run.pid, run.hostname);
    if (run.status === 'paused' || alive === false) {
      const now = this.#now().toISOString();
      await this.saveRun({
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
            data: { reason: 'cancelled', note: options.reason ?? 'cancelled' },
          },
        ],
        updatedAt: now,
        endedAt: now,
        error: options.reason ?? 'cancelled',
      });
      return 'cancelled';
    }
    await writeFile(join(this.runDir(runId), 'cancel'), `${options.reason ?? 'cancelled'}\n`);
    return 'running';
  }

  /**
   * Takes the run's owner lock (`runs/<id>/lock`, created exclusively, holding pid and host) so
   * that two processes never execute the same run. A lock whose process is gone is taken over.
   * Returns the release function; a live owner is a `BATON_CONFLICT` error.
   */
  async acquireLock(runId: string): Promise<() => Promise<void>> {
    const path = join(this.runDir(runId), 'lock');
    await mkdir(this.runDir(runId), { recursive: true });
    for (let tries = 0; tries < 3; tries += 1) {
      try {
        const handle = await open(path, 'wx');
        await handle.writeFile(JSON.stringify({ pid: process.pid, hostname: HOSTNAME }));
        await handle.close();
        return async () => {
          await rm(path, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let owner: { pid?: number; hostname?: string } = {};
      try {
        owner = JSON.parse(await readFile(path, 'utf8')) as typeof owner;
      } catch {
        // being written or corrupt: treat as stale below only if its process is gone
      }
      if (isProcessAlive(owner.pid, owner.hostname) !== false) {
        throw new BatonError(
          BatonErrorCode.CONFLICT,
          `Run ${runId} is being executed by pid ${owner.pid ?? '?'} on ${owner.hostname ?? '?'}`,
        );
      }
      await rm(path, { force: true });
    }
    throw new BatonError(BatonErrorCode.CONFLICT, `Could not take the lock of run ${runId}`);
  }

  /** The cancel marker's reason, or undefined when no cancel is pending. */
  async cancelRequest(runId: string): Promise<string | undefined> {
    try {
      const text = await readFile(join(this.runDir(runId), 'cancel'), 'utf8');
      return text.trim() || 'cancelled';
    } catch {
      return undefined;
    }
  }

  /** Removes the cancel marker. */
  async clearCancel(runId: string): Promise<void> {
    await rm(join(this.runDir(runId), 'cancel'), { force: true });
  }

  #summarize(run: RunRecord, steps: Record<string, StepCheckpoint>): RunSummary {
    const statuses: Record<string, StepStatus> = {};
    for (const [id, checkpoint] of Object.entries(steps)) statuses[id] = checkpoint.status;
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

  /** Every readable run, newest first (unreadable run folders are skipped with a warning). */
  async list(
    options: { status?: RunStatus; limit?: number; signal?: AbortSignal } = {},
  ): Promise<RunSummary[]> {
    if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
      throw new ValidationError('limit', 'must be an integer >= 1');
    }
    let ids: string[];
    try {
      ids = await readdir(join(this.dir, 'runs'));
    } catch {
      return [];
    }
    const summaries: RunSummary[] = [];
    for (const id of ids) {
      options.signal?.throwIfAborted();
      try {
        const run = await this.loadRun(id);
        if (options.status !== undefined && run.status !== options.status) continue;
        summaries.push(this.#summarize(run, await this.loadSteps(id)));
      } catch (error) {
        this.#logger.warn('Skipping unreadable run', { runId: id, error: String(error) });
      }
    }
    summaries.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    return options.limit === undefined ? summaries : summaries.slice(0, options.limit);
  }

  /** One run with its steps, decisions and progress. */
  async show(runId: string, _options: { signal?: AbortSignal } = {}): Promise<RunDetails> {
    const run = await this.loadRun(runId);
    const steps = await this.loadSteps(runId);
    return {
      ...this.#summarize(run, steps),
      run,
      steps,
      decisions: await this.decisions.listForRun(runId),
      cancelRequested: await pathExists(join(this.runDir(runId), 'cancel')),
    };
  }

  /**
   * Deletes old runs by a retention policy: runs that ended more than `keepDays` ago, except the
   * newest `keepLast`. Live runs (their process is running) are never deleted. Returns the ids
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
    const runs = await this.#records(options.signal);
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
      if (options.dryRun !== true) await rm(this.runDir(run.id), { recursive: true, force: true });
    }
    return deleted;
  }

  /** Every readable `run.json`, newest first (no step files read). */
  async #records(signal?: AbortSignal): Promise<RunRecord[]> {
    let ids: string[];
    try {
      ids = await readdir(join(this.dir, 'runs'));
    } catch {
      return [];
    }
    const records: RunRecord[] = [];
    for (const id of ids) {
      signal?.throwIfAborted();
      try {
        records.push(await this.loadRun(id));
      } catch (error) {
        this.#logger.warn('Skipping unreadable run', { runId: id, error: String(error) });
      }
    }
    return records.sort(
      (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id),
    );
  }

  /**
   * Yields a run's events as they are written (`baton runs logs --follow`), starting from the
   * first; ends at the last `run-end` of a run that is no longer running, or when the signal aborts.
   */
  async *followEvents(
    runId: string,
    options: { signal?: AbortSignal; pollIntervalMs?: number } = {},
  ): AsyncGenerator<RunEvent> {
    const path = this.eventsPath(runId);
    const pollIntervalMs = options.pollIntervalMs ?? 200;
    let offset = 0;
    let buffered = '';
    while (options.signal?.aborted !== true) {
      let chunk = '';
      try {
        const handle = await open(path, 'r');
        try {
          const info = await handle.stat();
          if (info.size > offset) {
            const bytes = Buffer.alloc(info.size - offset);
            await handle.read(bytes, 0, bytes.length, offset);
            offset = info.size;
            chunk = bytes.toString('utf8');
          }
        } finally {
          await handle.close();
        }
      } catch {
        // not written yet
      }
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        let event: RunEvent;
        try {
          event = JSON.parse(line) as RunEvent;
        } catch {
          continue;
        }
        yield event;
        if (event.type === 'run-end' && lines.indexOf(line) === lines.length - 1) {
          // The last line so far: stop unless the run has been resumed since.
          const status = await this.loadRun(runId).then(
            (run) => run.status,
            () => undefined,
          );
          if (status !== 'running') return;
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollIntervalMs);
        function done(): void {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', done);
          resolve();
        }
        options.signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Bytes on disk of a run's checkpoints (`steps/`), for reports and benchmarks. */
  async checkpointBytes(runId: string): Promise<{ files: number; bytes: number }> {
    const folder = join(this.runDir(runId), 'steps');
    let files = 0;
    let bytes = 0;
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      const info = await stat(join(folder, name)).catch(() => undefined);
      if (info?.isFile()) {
        files += 1;
        bytes += info.size;
      }
    }
    return { files, bytes };
  }
}

/** This process's identity as recorded in `run.json`. */
export function currentOwner(): { pid: number; hostname: string } {
  return { pid: process.pid, hostname: HOSTNAME };
}
