import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  BatonError,
  BatonErrorCode,
  type Checkpointer,
  type Decision,
  decisionSchema,
  describeError,
  foldStoredEvents,
  type Listed,
  type ListRunsOptions,
  type Logger,
  noopLogger,
  parseStoredRunRecord,
  type RunEvent,
  type RunOwner,
  type RunRecord,
  type StateProblem,
  type StepCheckpoint,
  type StoredSteps,
  ValidationError,
} from '@baton/core';
import { isProcessAlive } from '@baton/runtime';
import pg from 'pg';
import { type MigrationReport, migrate, quoteSchema } from './migrations.js';

/** Options of {@link PostgresCheckpointer}. */
export interface PostgresCheckpointerOptions {
  /** A `postgres://` URL (e.g. `BATON_DATABASE_URL`). One of this and `pool` is required. */
  connectionString?: string | undefined;
  /** A pool of your own (not ended by {@link PostgresCheckpointer.close}). */
  pool?: pg.Pool | undefined;
  /** Most connections of the pool made from `connectionString`. Default 10. */
  maxConnections?: number | undefined;
  /** The schema of the tables. Default `public`. */
  schema?: string | undefined;
  /**
   * How long a lease holds without a heartbeat, ms: a coordinator that dies (or loses the
   * database) gives up its runs after this long, and another may take them over. Heartbeats
   * renew it every third of it. Default 30 000.
   */
  leaseTtlMs?: number | undefined;
  /** Apply the shipped migrations before first use. Default true. */
  migrate?: boolean | undefined;
  logger?: Logger | undefined;
}

interface HeldLease {
  token: string;
  timer: ReturnType<typeof setInterval>;
  renewedAt: number;
  lost: string | undefined;
}

type Row = Record<string, unknown>;

/**
 * Runs in PostgreSQL, so that a coordinator on one machine and people answering decisions or
 * cancelling runs on others share one store. Records, events, checkpoints and decisions are
 * serialised (`JSON.stringify`) before the first `await` of each method: the engine keeps
 * changing its objects. A step commit writes the step's events and its `baton_steps` row in one
 * statement (atomic); decisions are resolved with `UPDATE ... WHERE status = $expected`; a
 * lease is a row with an expiry the owner renews (a heartbeat), because a process id means
 * nothing on another machine. The tables are created by the shipped {@link MIGRATIONS}.
 *
 * @example
 * ```ts
 * const checkpointer = new PostgresCheckpointer({ connectionString: process.env.BATON_DATABASE_URL });
 * const runtime = new Runtime({ checkpointer });
 * // ...
 * await checkpointer.close();
 * ```
 */
export class PostgresCheckpointer implements Checkpointer {
  readonly description: string;
  readonly storesEvents = true;
  /** The schema of the tables. */
  readonly schema: string;
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #leaseTtlMs: number;
  readonly #logger: Logger;
  readonly #shouldMigrate: boolean;
  readonly #leases = new Map<string, HeldLease>();
  readonly #t: {
    runs: string;
    events: string;
    steps: string;
    decisions: string;
    cancels: string;
    leases: string;
  };
  #ready: Promise<unknown> | undefined;

  constructor(options: PostgresCheckpointerOptions) {
    if (options === null || typeof options !== 'object') {
      throw new ValidationError('options', 'must be an object with connectionString or pool');
    }
    if (options.pool === undefined && typeof options.connectionString !== 'string') {
      throw new ValidationError(
        'connectionString',
        'must be a postgres:// URL (or pass pool), e.g. the value of BATON_DATABASE_URL',
      );
    }
    const ttl = options.leaseTtlMs ?? 30_000;
    if (!Number.isFinite(ttl) || ttl < 100) {
      throw new ValidationError(
        'leaseTtlMs',
        `must be a number of milliseconds >= 100, got ${ttl}`,
      );
    }
    this.schema = options.schema ?? 'public';
    const schema = quoteSchema(this.schema);
    this.#t = {
      runs: `${schema}.baton_runs`,
      events: `${schema}.baton_events`,
      steps: `${schema}.baton_steps`,
      decisions: `${schema}.baton_decisions`,
      cancels: `${schema}.baton_cancel_requests`,
      leases: `${schema}.baton_leases`,
    };
    this.#leaseTtlMs = ttl;
    this.#logger = options.logger ?? noopLogger;
    this.#shouldMigrate = options.migrate !== false;
    if (options.pool !== undefined) {
      this.#pool = options.pool;
      this.#ownsPool = false;
    } else {
      this.#pool = new pg.Pool({
        connectionString: options.connectionString,
        max: options.maxConnections ?? 10,
        // Idle connections do not keep the process alive (`baton runs list` ends when done).
        allowExitOnIdle: true,
      });
      this.#ownsPool = true;
    }
    // An idle connection that breaks is reported, not thrown at the process.
    this.#pool.on('error', (error) =>
      this.#logger.warn('A PostgreSQL connection failed', { error: describeError(error) }),
    );
    this.description = `postgres (schema ${this.schema})`;
  }

  /** Applies the shipped migrations now (otherwise done before first use). */
  migrate(): Promise<MigrationReport> {
    return migrate(this.#pool, { schema: this.schema });
  }

  #whenReady(): Promise<unknown> {
    if (!this.#shouldMigrate) return Promise.resolve();
    if (this.#ready === undefined) {
      const pending = this.migrate();
      this.#ready = pending;
      // A failed migration (database unreachable) is tried again by the next call.
      pending.catch(() => {
        if (this.#ready === pending) this.#ready = undefined;
      });
    }
    return this.#ready;
  }

  async #query(what: string, text: string, values: unknown[] = []): Promise<pg.QueryResult<Row>> {
    await this.#whenReady();
    try {
      return await this.#pool.query<Row>(text, values);
    } catch (error) {
      throw storageError(what, error);
    }
  }

  /** Stops lease heartbeats and, when the pool is its own, ends it. Held leases are released. */
  async close(): Promise<void> {
    const held = [...this.#leases.entries()];
    await Promise.allSettled(held.map(([runId, lease]) => this.#release(runId, lease)));
    if (this.#ownsPool) await this.#pool.end();
  }

  // ---- runs -------------------------------------------------------------------------------

  async createRun(record: RunRecord): Promise<void> {
    const text = JSON.stringify(record);
    const { id, createdAt, updatedAt, status } = record;
    try {
      await this.#query(
        `create run ${id}`,
        `INSERT INTO ${this.#t.runs} (id, created_at, updated_at, status, record) VALUES ($1, $2, $3, $4, $5::json)`,
        [id, createdAt, updatedAt, status, text],
      );
    } catch (error) {
      if (pgCode(error) === '23505') {
        throw new BatonError(BatonErrorCode.CONFLICT, `Run ${id} already exists`);
      }
      throw error;
    }
  }

  async saveRun(record: RunRecord): Promise<void> {
    const text = JSON.stringify(record);
    const { id, createdAt, updatedAt, status } = record;
    this.#assertLease(id);
    await this.#query(
      `save run ${id}`,
      `INSERT INTO ${this.#t.runs} (id, created_at, updated_at, status, record) VALUES ($1, $2, $3, $4, $5::json)
       ON CONFLICT (id) DO UPDATE SET updated_at = EXCLUDED.updated_at, status = EXCLUDED.status, record = EXCLUDED.record`,
      [id, createdAt, updatedAt, status, text],
    );
  }

  async loadRun(runId: string): Promise<RunRecord> {
    const result = await this.#query(
      `load run ${runId}`,
      `SELECT record FROM ${this.#t.runs} WHERE id = $1`,
      [runId],
    );
    const row = result.rows[0];
    if (row === undefined) throw new BatonError(BatonErrorCode.NOT_FOUND, `No run "${runId}"`);
    return this.#parseRun(runId, row.record);
  }

  #parseRun(runId: string, raw: unknown): RunRecord {
    return parseStoredRunRecord(`${this.#t.runs} row ${runId}`, raw);
  }

  async listRuns(options: ListRunsOptions = {}): Promise<Listed<RunRecord>> {
    options.signal?.throwIfAborted();
    const filter = options.status === undefined ? '' : 'WHERE status = $1';
    const result = await this.#query(
      'list runs',
      `SELECT id, record FROM ${this.#t.runs} ${filter} ORDER BY created_at COLLATE "C" DESC, id COLLATE "C" DESC`,
      options.status === undefined ? [] : [options.status],
    );
    const items: RunRecord[] = [];
    const problems: StateProblem[] = [];
    for (const row of result.rows) {
      const runId = String(row.id);
      try {
        items.push(this.#parseRun(runId, row.record));
      } catch (error) {
        problems.push({
          kind: 'corrupt',
          record: `run ${runId}`,
          runId,
          location: `${this.#t.runs} row ${runId}`,
          message: `run ${runId}: ${describeError(error)}; it cannot be shown or resumed until the row is repaired or the run deleted`,
        });
      }
    }
    return { items, problems };
  }

  async deleteRun(runId: string): Promise<void> {
    // Events, steps, decisions, cancel requests and leases go with it (ON DELETE CASCADE).
    await this.#query(`delete run ${runId}`, `DELETE FROM ${this.#t.runs} WHERE id = $1`, [runId]);
  }

  // ---- events and steps -------------------------------------------------------------------

  async appendEvents(runId: string, events: readonly RunEvent[]): Promise<void> {
    if (events.length === 0) return;
    const columns = eventColumns(events);
    this.#assertLease(runId);
    await this.#insert(`append events of run ${runId}`, runId, () => [
      `INSERT INTO ${this.#t.events} (run_id, seq, type, step_id, event)
       SELECT $1, seq, type, step_id, event::json FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS e(seq, type, step_id, event)`,
      [runId, ...columns],
    ]);
  }

  async commitStep(
    runId: string,
    checkpoint: StepCheckpoint,
    events: readonly RunEvent[],
  ): Promise<void> {
    let stored = events;
    if (!events.some((event) => event.type === 'step-end' && event.stepId === checkpoint.stepId)) {
      // The step-end event is the checkpoint in the stream: a commit without one gets it.
      const line = {
        type: 'step-end',
        ...checkpoint,
        runId,
        seq: events.at(-1)?.seq ?? 0,
        timestamp: checkpoint.endedAt,
      };
      stored = [...events, line as unknown as RunEvent];
    }
    const columns = eventColumns(stored);
    const saved = JSON.stringify(checkpoint);
    this.#assertLease(runId);
    // One statement, so one transaction: the events and the step row are stored together or not
    // at all.
    await this.#insert(`commit step ${checkpoint.stepId} of run ${runId}`, runId, () => [
      `WITH stream AS (
         INSERT INTO ${this.#t.events} (run_id, seq, type, step_id, event)
         SELECT $1, seq, type, step_id, event::json FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS e(seq, type, step_id, event)
       )
       INSERT INTO ${this.#t.steps} (run_id, step_id, status, checkpoint) VALUES ($1, $6, $7, $8::json)
       ON CONFLICT (run_id, step_id) DO UPDATE SET status = EXCLUDED.status, checkpoint = EXCLUDED.checkpoint, committed_at = now()`,
      [runId, ...columns, checkpoint.stepId, checkpoint.status, saved],
    ]);
  }

  /** Runs an insert into a run's tables; a run that does not exist is `BATON_NOT_FOUND`. */
  async #insert(what: string, runId: string, statement: () => [string, unknown[]]): Promise<void> {
    const [text, values] = statement();
    try {
      await this.#query(what, text, values);
    } catch (error) {
      if (pgCode(error) === '23503') {
        throw new BatonError(BatonErrorCode.NOT_FOUND, `No run "${runId}"`);
      }
      throw error;
    }
  }

  async loadSteps(runId: string): Promise<StoredSteps> {
    const [events, rows] = await Promise.all([
      this.readEvents(runId),
      this.#query(
        `load steps of run ${runId}`,
        `SELECT step_id, checkpoint FROM ${this.#t.steps} WHERE run_id = $1`,
        [runId],
      ),
    ]);
    const stored = foldStoredEvents(events);
    // The step rows are the checkpoints (the same as the step-end events they were written with).
    for (const row of rows.rows) {
      stored.steps.set(String(row.step_id), row.checkpoint as StepCheckpoint);
    }
    return stored;
  }

  async readEvents(runId: string, options: { afterSeq?: number } = {}): Promise<RunEvent[]> {
    const result = await this.#query(
      `read events of run ${runId}`,
      `SELECT event FROM ${this.#t.events} WHERE run_id = $1 AND seq > $2 ORDER BY seq, id`,
      [runId, options.afterSeq ?? 0],
    );
    return result.rows.map((row) => row.event as RunEvent);
  }

  // ---- decisions --------------------------------------------------------------------------

  async createDecision(decision: Decision): Promise<void> {
    const text = JSON.stringify(decision);
    const { id, runId, stepId, status, createdAt } = decision;
    try {
      await this.#query(
        `create decision ${id}`,
        `INSERT INTO ${this.#t.decisions} (id, run_id, step_id, status, created_at, decision) VALUES ($1, $2, $3, $4, $5, $6::json)`,
        [id, runId, stepId, status, createdAt, text],
      );
    } catch (error) {
      const code = pgCode(error);
      if (code === '23505') {
        throw new BatonError(BatonErrorCode.CONFLICT, `Decision ${id} already exists`);
      }
      if (code === '23503') throw new BatonError(BatonErrorCode.NOT_FOUND, `No run "${runId}"`);
      throw error;
    }
  }

  async listDecisions(
    filter: { runId?: string | undefined; status?: Decision['status'] | undefined } = {},
  ): Promise<Listed<Decision>> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.runId !== undefined) {
      values.push(filter.runId);
      where.push(`run_id = $${values.length}`);
    }
    if (filter.status !== undefined) {
      values.push(filter.status);
      where.push(`status = $${values.length}`);
    }
    const result = await this.#query(
      'list decisions',
      `SELECT id, run_id, step_id, decision FROM ${this.#t.decisions}
       ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
       ORDER BY created_at COLLATE "C", id COLLATE "C"`,
      values,
    );
    const items: Decision[] = [];
    const problems: StateProblem[] = [];
    for (const row of result.rows) {
      const parsed = decisionSchema.safeParse(row.decision);
      if (parsed.success) {
        items.push(parsed.data);
        continue;
      }
      const id = String(row.id);
      const runId = String(row.run_id);
      const stepId = String(row.step_id);
      const issue = parsed.error.issues[0];
      problems.push({
        kind: 'corrupt',
        record: `decision ${id}`,
        runId,
        stepId,
        decisionId: id,
        location: `${this.#t.decisions} row ${id}`,
        message: `decision ${id} of run ${runId} (step ${stepId}) cannot be read (${issue?.path.map(String).join('.') || 'decision'}: ${issue?.message ?? 'is invalid'}): its step waits until a person answers it again with baton decisions approve|reject ${id}`,
      });
    }
    return { items, problems };
  }

  async updateDecision(
    decision: Decision,
    expected: Decision['status'] | 'unreadable',
  ): Promise<void> {
    const text = JSON.stringify(decision);
    const { id } = decision;
    if (expected !== 'unreadable') {
      const updated = await this.#query(
        `update decision ${id}`,
        `UPDATE ${this.#t.decisions} SET status = $2, decision = $3::json WHERE id = $1 AND status = $4`,
        [id, decision.status, text, expected],
      );
      if (updated.rowCount === 1) return;
    }
    const current = await this.#query(
      `read decision ${id}`,
      `SELECT decision, decision::text AS stored FROM ${this.#t.decisions} WHERE id = $1`,
      [id],
    );
    const row = current.rows[0];
    if (row === undefined) throw new BatonError(BatonErrorCode.NOT_FOUND, `No decision "${id}"`);
    const parsed = decisionSchema.safeParse(row.decision);
    if (!parsed.success) {
      if (expected === 'unreadable') {
        // Replaced only if nobody replaced it in between (the stored text is unchanged).
        const replaced = await this.#query(
          `update decision ${id}`,
          `UPDATE ${this.#t.decisions} SET status = $2, decision = $3::json WHERE id = $1 AND decision::text = $4`,
          [id, decision.status, text, row.stored],
        );
        if (replaced.rowCount === 1) return;
        throw new BatonError(
          BatonErrorCode.CONFLICT,
          `Decision ${id} changed while it was answered`,
        );
      }
      throw new BatonError(
        BatonErrorCode.CONFLICT,
        `Decision ${id} cannot be read; answer it again to replace it`,
      );
    }
    const stored = parsed.data;
    throw new BatonError(
      BatonErrorCode.CONFLICT,
      `Decision ${id} is already ${stored.status}${stored.resolvedBy ? ` (by ${stored.resolvedBy})` : ''}`,
    );
  }

  // ---- cancel and lease -------------------------------------------------------------------

  async requestCancel(runId: string, reason: string): Promise<void> {
    await this.#insert(`request cancel of run ${runId}`, runId, () => [
      `INSERT INTO ${this.#t.cancels} (run_id, reason) VALUES ($1, $2)
       ON CONFLICT (run_id) DO UPDATE SET reason = EXCLUDED.reason, requested_at = now()`,
      [runId, reason],
    ]);
  }

  async cancelRequest(runId: string): Promise<string | undefined> {
    const result = await this.#query(
      `read cancel request of run ${runId}`,
      `SELECT reason FROM ${this.#t.cancels} WHERE run_id = $1`,
      [runId],
    );
    const reason = result.rows[0]?.reason;
    return reason === undefined ? undefined : String(reason) || 'cancelled';
  }

  async clearCancel(runId: string): Promise<void> {
    await this.#query(
      `clear cancel request of run ${runId}`,
      `DELETE FROM ${this.#t.cancels} WHERE run_id = $1`,
      [runId],
    );
  }

  /**
   * Takes a run's lease: a row that expires `leaseTtlMs` after its last heartbeat (renewed every
   * third of it while held). An expired lease is taken over; so is one held by a process of this
   * host that is gone (no need to wait for it to expire). A lease this process loses (it could
   * not renew it in time and another took it) makes its further writes to the run fail with
   * `BATON_CONFLICT`, so two coordinators never both write a run.
   */
  async acquireLease(runId: string, owner: RunOwner): Promise<() => Promise<void>> {
    const token = randomUUID();
    const seconds = this.#leaseTtlMs / 1000;
    for (let tries = 0; tries < 2; tries += 1) {
      let taken: pg.QueryResult<Row>;
      try {
        taken = await this.#query(
          `take the lease of run ${runId}`,
          `INSERT INTO ${this.#t.leases} (run_id, token, pid, hostname, expires_at)
           VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
           ON CONFLICT (run_id) DO UPDATE SET token = EXCLUDED.token, pid = EXCLUDED.pid,
             hostname = EXCLUDED.hostname, acquired_at = now(), expires_at = EXCLUDED.expires_at
           WHERE ${this.#t.leases}.expires_at < now()
           RETURNING token`,
          [runId, token, owner.pid, owner.hostname, seconds],
        );
      } catch (error) {
        if (pgCode(error) === '23503') {
          throw new BatonError(BatonErrorCode.NOT_FOUND, `No run "${runId}"`);
        }
        throw error;
      }
      if (taken.rowCount === 1) return this.#hold(runId, token);
      const holder = await this.#query(
        `read the lease of run ${runId}`,
        `SELECT token, pid, hostname, expires_at, round(extract(epoch FROM expires_at - now()) * 1000) AS remaining_ms
         FROM ${this.#t.leases} WHERE run_id = $1`,
        [runId],
      );
      const row = holder.rows[0];
      if (row === undefined) continue;
      const pid = Number(row.pid);
      const host = String(row.hostname);
      if (host === hostname() && isProcessAlive(pid, host) === false) {
        await this.#query(
          `take over the lease of run ${runId}`,
          `DELETE FROM ${this.#t.leases} WHERE run_id = $1 AND token = $2`,
          [runId, row.token],
        );
        continue;
      }
      throw new BatonError(
        BatonErrorCode.CONFLICT,
        `Run ${runId} is being executed by pid ${pid} on ${host} (its lease runs for ${Math.max(0, Number(row.remaining_ms))} ms more unless renewed)`,
      );
    }
    throw new BatonError(BatonErrorCode.CONFLICT, `Could not take the lease of run ${runId}`);
  }

  #hold(runId: string, token: string): () => Promise<void> {
    const lease: HeldLease = {
      token,
      renewedAt: Date.now(),
      lost: undefined,
      timer: setInterval(() => void this.#renew(runId, lease), this.#leaseTtlMs / 3),
    };
    lease.timer.unref?.();
    this.#leases.set(runId, lease);
    return () => this.#release(runId, lease);
  }

  async #renew(runId: string, lease: HeldLease): Promise<void> {
    if (lease.lost !== undefined) return;
    try {
      const renewed = await this.#pool.query(
        `UPDATE ${this.#t.leases} SET expires_at = now() + make_interval(secs => $3) WHERE run_id = $1 AND token = $2`,
        [runId, lease.token, this.#leaseTtlMs / 1000],
      );
      if (renewed.rowCount === 1) {
        lease.renewedAt = Date.now();
        return;
      }
      this.#lose(runId, lease, 'another process took it over');
    } catch (error) {
      if (Date.now() - lease.renewedAt >= this.#leaseTtlMs) {
        this.#lose(
          runId,
          lease,
          `it could not be renewed for ${this.#leaseTtlMs} ms (${describeError(error)})`,
        );
      } else {
        this.#logger.warn('Could not renew a run lease; trying again', {
          runId,
          error: describeError(error),
        });
      }
    }
  }

  #lose(runId: string, lease: HeldLease, why: string): void {
    lease.lost = `The lease of run ${runId} was lost: ${why}; this process no longer writes it`;
    clearInterval(lease.timer);
    this.#logger.error('Lost the lease of a run', { runId, reason: lease.lost });
  }

  #assertLease(runId: string): void {
    const lost = this.#leases.get(runId)?.lost;
    if (lost !== undefined) throw new BatonError(BatonErrorCode.CONFLICT, lost);
  }

  async #release(runId: string, lease: HeldLease): Promise<void> {
    clearInterval(lease.timer);
    if (this.#leases.get(runId) === lease) this.#leases.delete(runId);
    if (lease.lost !== undefined) return;
    await this.#query(
      `release the lease of run ${runId}`,
      `DELETE FROM ${this.#t.leases} WHERE run_id = $1 AND token = $2`,
      [runId, lease.token],
    );
  }
}

/** The column arrays of a batch of events, serialised now. */
function eventColumns(
  events: readonly RunEvent[],
): [number[], string[], (string | null)[], string[]] {
  const seqs: number[] = [];
  const types: string[] = [];
  const steps: (string | null)[] = [];
  const bodies: string[] = [];
  for (const event of events) {
    seqs.push(event.seq);
    types.push(event.type);
    steps.push(event.stepId ?? null);
    bodies.push(JSON.stringify(event));
  }
  return [seqs, types, steps, bodies];
}

function pgCode(error: unknown): string | undefined {
  const cause = BatonError.isInstance(error) ? (error as { cause?: unknown }).cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function storageError(what: string, error: unknown): BatonError {
  if (BatonError.isInstance(error)) return error;
  return new BatonError(
    BatonErrorCode.STORAGE,
    `PostgreSQL: could not ${what}: ${describeError(error)}`,
    {
      cause: error,
    },
  );
}
