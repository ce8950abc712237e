import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BatonError,
  BatonErrorCode,
  type Checkpointer,
  type Decision,
  decisionSchema,
  foldStoredEvents,
  type Listed,
  type ListRunsOptions,
  type RunEvent,
  type RunOwner,
  type RunRecord,
  type StateProblem,
  type StepCheckpoint,
  type StoredSteps,
} from '@baton/core';
import { FILE_MODE, isProcessAlive, withFileLock, writeFileAtomic } from './fs-utils.js';
import {
  type CreatedRecord,
  eventLine,
  firstLine,
  graphJson,
  graphTextOf,
  parseRunRecord,
  RECORD_LINE_START,
  readEventLine,
  recordLine,
  recordOfLine,
  serializeRecord,
} from './run-files-format.js';
import { removeLock, takeRunLock } from './run-lock.js';
import { RUN_FILES, runDirectory } from './run-paths.js';

/** What `read` makes of a file opened for reading; undefined when there is no file. */
function withFile<T>(path: string, read: (descriptor: number) => T): T | undefined {
  let descriptor: number;
  try {
    descriptor = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    return read(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/** The first line of a file (without its newline); undefined when there is no file. */
function readFirstLine(path: string): string | undefined {
  return withFile(path, (descriptor) => {
    const chunks: Buffer[] = [];
    const chunk = Buffer.allocUnsafe(16 * 1024);
    for (;;) {
      const read = readSync(descriptor, chunk, 0, chunk.length, null);
      const end = chunk.subarray(0, read).indexOf(10);
      chunks.push(Buffer.from(chunk.subarray(0, end >= 0 ? end : read)));
      if (end >= 0 || read === 0) return Buffer.concat(chunks).toString('utf8');
    }
  });
}

/**
 * The record text of the last whole run-record line of a file (`recordOfLine`), reading from its
 * end; a last line cut short by a crash is passed over (the record before it holds).
 */
function readLastRecordLine(path: string): string | undefined {
  return withFile(path, (descriptor) => {
    let start = fstatSync(descriptor).size;
    let tail = Buffer.alloc(0);
    const needle = Buffer.from(`\n${RECORD_LINE_START}`);
    const first = needle.subarray(1);
    while (start > 0) {
      const from = Math.max(0, start - 64 * 1024);
      const chunk = Buffer.allocUnsafe(start - from);
      readSync(descriptor, chunk, 0, chunk.length, from);
      tail = Buffer.concat([chunk, tail]);
      start = from;
      let before = tail.length;
      for (;;) {
        const at = tail.lastIndexOf(needle, before);
        // At the file's start, the first line has no newline before it.
        const atFileStart = start === 0 && tail.subarray(0, first.length).equals(first);
        const lineStart = at >= 0 ? at + 1 : atFileStart ? 0 : -1;
        if (lineStart < 0) break;
        const lineEnd = tail.indexOf(10, lineStart);
        if (lineEnd >= 0) return recordOfLine(tail.toString('utf8', lineStart, lineEnd));
        // Cut short: the one before it, in what was read or in the next chunk back.
        if (at <= 0) break;
        before = at - 1;
      }
    }
    return undefined;
  });
}

/** A step commit waiting for its fdatasync. */
interface SyncWaiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Options of {@link FileCheckpointer}. */
export interface FileCheckpointerOptions {
  /** The project's `.baton` folder (runs go to `<dir>/runs/`). */
  dir: string;
  /**
   * Flush every committed step (and every record) to disk before going on, so that it survives a
   * power loss. Default true.
   */
  fsync?: boolean | undefined;
}

/**
 * Runs as files under `<dir>/runs/<run-id>/`: `events.jsonl`, appended, holds the run's record
 * (a line for each version: the first as created, with the graph; the last one is the record)
 * and its event stream (each `step-end` line is that step's checkpoint, so a commit is one
 * append, and with fsync the steps that finish together share one fdatasync); then
 * `decisions/<id>.json`, a `cancel` marker and a `lock`. Lines leave out what they repeat and are
 * read back whole (`run-files-format.ts`); folders of earlier formats, whose record is
 * `run.json`, are read and resumed as they were written. Folders are private to their owner
 * (0700) and files readable by the owner alone (0600).
 *
 * A last line cut short by a crash is reported as torn and ignored (that step runs again); any
 * other line, run or decision that cannot be read is reported by name, never skipped silently.
 *
 * @example
 * ```ts
 * const checkpointer = new FileCheckpointer({ dir: '.baton' });
 * const engine = new Engine({ checkpointer, hooks: strategyHooks });
 * ```
 */
export class FileCheckpointer implements Checkpointer {
  readonly description: string;
  readonly storesEvents = true;
  readonly dir: string;
  readonly fsync: boolean;
  readonly #descriptors = new Map<string, number>();
  readonly #known = new Set<string>();

  constructor(options: FileCheckpointerOptions) {
    this.dir = options.dir;
    this.fsync = options.fsync ?? true;
    this.description = `files in ${options.dir}`;
  }

  /** The folder of a run (the id is checked first). */
  runDir(runId: string): string {
    return runDirectory(this.dir, runId);
  }

  #path(runId: string, file: string): string {
    return join(this.runDir(runId), file);
  }

  #ensure(runId: string): string {
    const folder = this.runDir(runId);
    if (!this.#known.has(folder)) {
      this.#ensureRuns();
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      this.#known.add(folder);
    }
    return folder;
  }

  // ---- runs -------------------------------------------------------------------------------

  /**
   * A new run is its folder and its `events.jsonl`, whose first line is its record as created;
   * each later version of the record is a line appended to the same file (without the graph the
   * first line holds), and the last one is the record. Every file a run makes costs a journal
   * entry on disk, and a file replaced frees a block: a short run makes one file and replaces
   * none. Folders of earlier formats keep their `run.json`, replaced atomically as before.
   */
  createRun(record: RunRecord): void {
    const folder = this.runDir(record.id);
    this.#ensureRuns();
    try {
      mkdirSync(folder, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (existsSync(join(folder, RUN_FILES.record)) || this.#hasEvents(record.id)) {
        throw new BatonError(BatonErrorCode.CONFLICT, `Run ${record.id} already exists`);
      }
    }
    this.#known.add(folder);
    this.#appendRecord(record.id, recordLine(record));
    this.#firstGraph.set(record.id, graphJson(record.graph));
  }

  #appendRecord(runId: string, line: string): void {
    const descriptor = this.#descriptor(runId);
    try {
      writeSync(descriptor, `${line}\n`);
      if (this.fsync) fdatasyncSync(descriptor);
    } catch (error) {
      this.#close(runId);
      throw this.#writeError(runId, error);
    }
  }

  /**
   * Per run this process executes (until its lease is released): the graph text of its first
   * record line, or null for a folder of an earlier format (its record is `run.json`).
   */
  readonly #firstGraph = new Map<string, string | null>();

  /** {@link #firstGraph} of a run, read from its folder the first time. */
  #firstGraphOf(runId: string): string | null | undefined {
    if (this.#firstGraph.has(runId)) return this.#firstGraph.get(runId);
    const created = this.#createdRecord(runId);
    let graph: string | null | undefined;
    if (created !== undefined) graph = graphTextOf(created.text) ?? null;
    else if (existsSync(this.#path(runId, RUN_FILES.record)) || this.#hasEvents(runId)) {
      graph = null;
    }
    // Nothing stored yet: the first record written starts the run's events.
    if (graph !== undefined) this.#firstGraph.set(runId, graph);
    return graph;
  }

  /** The run's first record line (the first line of its `events.jsonl`), when it has one. */
  #createdRecord(runId: string): CreatedRecord | undefined {
    const path = this.#path(runId, RUN_FILES.events);
    const text = recordOfLine(readFirstLine(path));
    return text === undefined ? undefined : { text, location: `${path}:1` };
  }

  #runsReady = false;

  #ensureRuns(): void {
    if (this.#runsReady) return;
    mkdirSync(join(this.dir, 'runs'), { recursive: true, mode: 0o700 });
    this.#runsReady = true;
  }

  saveRun(record: RunRecord): void {
    const firstGraph = this.#firstGraphOf(record.id);
    if (firstGraph !== null) {
      this.#ensure(record.id);
      const graph = firstGraph === undefined || firstGraph !== graphJson(record.graph);
      this.#appendRecord(record.id, recordLine(record, { graph }));
      if (firstGraph === undefined) this.#firstGraph.set(record.id, graphJson(record.graph));
      return;
    }
    const path = join(this.#ensure(record.id), RUN_FILES.record);
    const text = `${serializeRecord(record)}\n`;
    try {
      writeFileAtomic(path, text, { fsync: this.fsync });
    } catch {
      // The folder may have been removed (pruned) since: make it again and retry once.
      this.#known.delete(this.runDir(record.id));
      this.#ensure(record.id);
      writeFileAtomic(path, text, { fsync: this.fsync });
    }
  }

  loadRun(runId: string): RunRecord {
    const created = this.#createdRecord(runId);
    if (created !== undefined) {
      // The last record line is the record; the first one holds the graph.
      const events = this.#path(runId, RUN_FILES.events);
      const last = readLastRecordLine(events) ?? created.text;
      return parseRunRecord(runId, `the last run record of ${events}`, last, () => created);
    }
    const path = this.#path(runId, RUN_FILES.record);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new BatonError(BatonErrorCode.NOT_FOUND, `No run "${runId}"`);
      }
      throw new BatonError(BatonErrorCode.STORAGE, `Could not read ${path}: ${String(error)}`);
    }
    return parseRunRecord(runId, path, text);
  }

  listRuns(options: ListRunsOptions = {}): Listed<RunRecord> {
    const items: RunRecord[] = [];
    const problems: StateProblem[] = [];
    for (const runId of this.#runIds()) {
      options.signal?.throwIfAborted();
      try {
        const record = this.loadRun(runId);
        if (options.status === undefined || record.status === options.status) items.push(record);
      } catch (error) {
        if (BatonError.isInstance(error) && error.code === BatonErrorCode.NOT_FOUND) {
          // A folder without run.json: a run whose record was never written, or a lost one.
          if (!this.#hasEvents(runId)) continue;
        }
        problems.push({
          kind: 'corrupt',
          record: `run ${runId}`,
          runId,
          location: this.#path(runId, RUN_FILES.record),
          message: `run ${runId}: ${error instanceof Error ? error.message : String(error)}; it cannot be shown or resumed until the file is repaired or the run deleted`,
        });
      }
    }
    items.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    return { items, problems };
  }

  /** Whether the run's `events.jsonl` holds anything (an empty one is a run being created). */
  #hasEvents(runId: string): boolean {
    try {
      const stats = statSync(this.#path(runId, RUN_FILES.events));
      return stats.isFile() && stats.size > 0;
    } catch {
      return false;
    }
  }

  #runIds(): string[] {
    try {
      return readdirSync(join(this.dir, 'runs')).filter((name) => !name.startsWith('.'));
    } catch {
      return [];
    }
  }

  deleteRun(runId: string): void {
    this.#close(runId);
    this.#firstGraph.delete(runId);
    const folder = this.runDir(runId);
    rmSync(folder, { recursive: true, force: true });
    this.#known.delete(folder);
  }

  // ---- events and steps -------------------------------------------------------------------

  #descriptor(runId: string): number {
    let descriptor = this.#descriptors.get(runId);
    if (descriptor === undefined) {
      this.#ensure(runId);
      descriptor = openSync(this.#path(runId, RUN_FILES.events), 'a', FILE_MODE);
      this.#descriptors.set(runId, descriptor);
    }
    return descriptor;
  }

  #close(runId: string): void {
    this.#sync(runId);
    const descriptor = this.#descriptors.get(runId);
    if (descriptor === undefined) return;
    this.#descriptors.delete(runId);
    try {
      closeSync(descriptor);
    } catch {
      // already closed
    }
  }

  #append(runId: string, events: readonly RunEvent[]): void {
    if (events.length === 0) return;
    let text = '';
    for (const event of events) text += `${eventLine(event)}\n`;
    const descriptor = this.#descriptor(runId);
    try {
      writeSync(descriptor, text);
    } catch (error) {
      this.#close(runId);
      throw this.#writeError(runId, error);
    }
  }

  #writeError(runId: string, error: unknown): BatonError {
    return new BatonError(
      BatonErrorCode.STORAGE,
      `Could not write ${this.#path(runId, RUN_FILES.events)}: ${String(error)}`,
      { cause: error },
    );
  }

  /** Step commits of a run written but not yet flushed to disk: one fdatasync serves them all. */
  readonly #unsynced = new Map<string, SyncWaiter[]>();

  /**
   * Resolves once what was written of the run is on disk. Commits made in the same turn of the
   * event loop (steps of a fan-out finishing together) share one fdatasync, after that turn.
   */
  #durable(runId: string): Promise<void> {
    let waiters = this.#unsynced.get(runId);
    if (waiters === undefined) {
      waiters = [];
      this.#unsynced.set(runId, waiters);
      setImmediate(() => this.#sync(runId));
    }
    const pending = waiters;
    return new Promise((resolve, reject) => pending.push({ resolve, reject }));
  }

  #sync(runId: string): void {
    const waiters = this.#unsynced.get(runId);
    if (waiters === undefined) return;
    this.#unsynced.delete(runId);
    const descriptor = this.#descriptors.get(runId);
    try {
      if (descriptor !== undefined) fdatasyncSync(descriptor);
    } catch (error) {
      const failure = this.#writeError(runId, error);
      for (const waiter of waiters) waiter.reject(failure);
      return;
    }
    for (const waiter of waiters) waiter.resolve();
  }

  appendEvents(runId: string, events: readonly RunEvent[]): void {
    this.#append(runId, events);
  }

  /**
   * Appends the step's events (its `step-end` line is the checkpoint); with fsync, resolves once
   * they are on disk.
   */
  commitStep(
    runId: string,
    checkpoint: StepCheckpoint,
    events: readonly RunEvent[],
  ): Promise<void> | undefined {
    if (!events.some((event) => event.type === 'step-end' && event.stepId === checkpoint.stepId)) {
      // The step-end event is the checkpoint: a commit without it stores the checkpoint alone.
      const line = {
        type: 'step-end',
        ...checkpoint,
        runId,
        seq: 0,
        timestamp: checkpoint.endedAt,
      };
      this.#append(runId, [...events, line as unknown as RunEvent]);
    } else {
      this.#append(runId, events);
    }
    return this.fsync ? this.#durable(runId) : undefined;
  }

  loadSteps(runId: string): StoredSteps {
    const { events, problems } = this.#readStream(runId);
    return foldStoredEvents(events, problems);
  }

  readEvents(runId: string, options: { afterSeq?: number } = {}): RunEvent[] {
    const after = options.afterSeq ?? 0;
    return this.#readStream(runId).events.filter((event) => event.seq > after);
  }

  /** The run's stored events and the lines that could not be read. */
  readStream(runId: string): { events: RunEvent[]; problems: StateProblem[] } {
    return this.#readStream(runId);
  }

  #readStream(runId: string): { events: RunEvent[]; problems: StateProblem[] } {
    const path = this.#path(runId, RUN_FILES.events);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return { events: [], problems: [] };
    }
    const events: RunEvent[] = [];
    const problems: StateProblem[] = [];
    const lines = text.split('\n');
    const last = lines.length - 1;
    for (let index = 0; index <= last; index += 1) {
      const line = lines[index]!;
      if (line.trim() === '') continue;
      // A version of the run's record, not an event.
      if (recordOfLine(line) !== undefined) continue;
      try {
        events.push(readEventLine(line, runId));
      } catch {
        const torn = index === last;
        problems.push({
          kind: torn ? 'torn' : 'corrupt',
          record: `events of run ${runId}`,
          runId,
          location: `${path}:${index + 1}`,
          message: torn
            ? `the last record of ${path} (line ${index + 1}) was cut short, most likely by a crash while it was written; what it recorded is lost and its step runs again`
            : `line ${index + 1} of ${path} cannot be read; what it recorded is lost (a finished step it recorded runs again)`,
        });
      }
    }
    return { events, problems };
  }

  // ---- decisions --------------------------------------------------------------------------

  #decisionPath(runId: string, id: string): string {
    return join(this.runDir(runId), RUN_FILES.decisions, `${id}.json`);
  }

  createDecision(decision: Decision): void {
    const folder = join(this.#ensure(decision.runId), RUN_FILES.decisions);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    writeFileAtomic(
      this.#decisionPath(decision.runId, decision.id),
      `${JSON.stringify(decision, null, 2)}\n`,
      { fsync: this.fsync },
    );
  }

  listDecisions(
    filter: { runId?: string | undefined; status?: Decision['status'] | undefined } = {},
  ): Listed<Decision> {
    const runIds = filter.runId === undefined ? this.#runIds() : [filter.runId];
    const items: Decision[] = [];
    const problems: StateProblem[] = [];
    for (const runId of runIds) {
      const folder = join(this.runDir(runId), RUN_FILES.decisions);
      let names: string[];
      try {
        names = readdirSync(folder).filter((name) => name.endsWith('.json'));
      } catch {
        continue;
      }
      for (const name of names) {
        const path = join(folder, name);
        const id = name.slice(0, -'.json'.length);
        try {
          const decision = decisionSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
          if (filter.status === undefined || decision.status === filter.status)
            items.push(decision);
        } catch (error) {
          const stepId = this.#stepOfDecision(runId, id);
          problems.push({
            kind: 'corrupt',
            record: `decision ${id}`,
            runId,
            decisionId: id,
            ...(stepId === undefined ? {} : { stepId }),
            location: path,
            message: `decision ${id} of run ${runId}${stepId === undefined ? '' : ` (step ${stepId})`} cannot be read (${firstLine(error)}): its step waits until a person answers it again with baton decisions approve|reject ${id}`,
          });
        }
      }
    }
    items.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return { items, problems };
  }

  /** The step a decision was asked for, from the run's `decision-pending` event. */
  #stepOfDecision(runId: string, decisionId: string): string | undefined {
    for (const event of this.#readStream(runId).events) {
      if (event.type === 'decision-pending' && event.decision?.id === decisionId)
        return event.stepId;
    }
    return undefined;
  }

  async updateDecision(
    decision: Decision,
    expected: Decision['status'] | 'unreadable',
  ): Promise<void> {
    const path = this.#decisionPath(decision.runId, decision.id);
    await withFileLock(`${path}.lock`, async () => {
      let current: Decision | undefined;
      let unreadable = false;
      try {
        current = decisionSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new BatonError(BatonErrorCode.NOT_FOUND, `No decision "${decision.id}"`);
        }
        unreadable = true;
      }
      if (unreadable ? expected !== 'unreadable' : current?.status !== expected) {
        throw new BatonError(
          BatonErrorCode.CONFLICT,
          unreadable
            ? `Decision ${decision.id} cannot be read; answer it again to replace it`
            : `Decision ${decision.id} is already ${current?.status}${current?.resolvedBy ? ` (by ${current.resolvedBy})` : ''}`,
        );
      }
      writeFileAtomic(path, `${JSON.stringify(decision, null, 2)}\n`, { fsync: this.fsync });
    });
  }

  // ---- cancel and lease -------------------------------------------------------------------

  requestCancel(runId: string, reason: string): void {
    writeFileSync(join(this.#ensure(runId), RUN_FILES.cancel), `${reason}\n`, { mode: FILE_MODE });
  }

  async cancelRequest(runId: string): Promise<string | undefined> {
    try {
      const text = await readFile(this.#path(runId, RUN_FILES.cancel), 'utf8');
      return text.trim() || 'cancelled';
    } catch {
      return undefined;
    }
  }

  clearCancel(runId: string): void {
    rmSync(this.#path(runId, RUN_FILES.cancel), { force: true });
  }

  async acquireLease(runId: string, owner: RunOwner): Promise<() => Promise<void>> {
    const path = join(this.#ensure(runId), RUN_FILES.lock);
    for (let tries = 0; tries < 3; tries += 1) {
      try {
        // Synchronous: one link, faster than a trip through the thread pool.
        takeRunLock(join(this.dir, 'runs'), path, owner);
        return async () => {
          this.#close(runId);
          this.#firstGraph.delete(runId);
          removeLock(path);
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder: Partial<RunOwner> = {};
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunOwner>;
      } catch {
        // being written or corrupt: taken over below only if its process is gone
      }
      if (isProcessAlive(holder.pid, holder.hostname) !== false) {
        throw new BatonError(
          BatonErrorCode.CONFLICT,
          `Run ${runId} is being executed by pid ${holder.pid ?? '?'} on ${holder.hostname ?? '?'}`,
        );
      }
      removeLock(path);
    }
    throw new BatonError(BatonErrorCode.CONFLICT, `Could not take the lock of run ${runId}`);
  }

  /** Bytes on disk of a run's folder (record, events, decisions), for reports and benchmarks. */
  runBytes(runId: string): { files: number; bytes: number } {
    let files = 0;
    let bytes = 0;
    const walk = (folder: string): void => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.isFile()) {
          files += 1;
          bytes += statSync(path).size;
        }
      }
    };
    try {
      walk(this.runDir(runId));
    } catch {
      // gone
    }
    return { files, bytes };
  }
}
