import { describeCheckpointer, sampleRun } from '@baton/checkpointer-conformance';
import { BatonError, BatonErrorCode, type RunEvent } from '@baton/core';
import pg from 'pg';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createTemporaryDatabase, type TemporaryDatabase } from '../test/temporary-database.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { PostgresCheckpointer } from './postgres-checkpointer.js';

// Every test waits for this file's database: without a reachable PostgreSQL each one fails with
// the reason (none is skipped).
const creating = createTemporaryDatabase('checkpointer');
creating.catch(() => {});
let database: TemporaryDatabase;
let schemas = 0;

beforeEach(async () => {
  database = await creating;
});
afterAll(async () => {
  await (await creating.catch(() => undefined))?.drop();
});

/** A checkpointer on a fresh schema of this file's database. */
async function fresh(options: { leaseTtlMs?: number } = {}): Promise<PostgresCheckpointer> {
  database = await creating;
  schemas += 1;
  return new PostgresCheckpointer({
    connectionString: database.url,
    schema: `t${schemas}`,
    maxConnections: 4,
    ...options,
  });
}

describeCheckpointer('postgres', async () => {
  const checkpointer = await fresh();
  return { checkpointer, cleanup: () => checkpointer.close() };
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return BatonError.isInstance(error) ? error.code : String(error);
  }
  return undefined;
}

describe('PostgresCheckpointer', () => {
  it('applies its migrations once, under a lock, even when processes start together', async () => {
    const pool = new pg.Pool({ connectionString: database.url, max: 6 });
    try {
      const reports = await Promise.all(
        Array.from({ length: 5 }, () => migrate(pool, { schema: 'together' })),
      );
      expect(reports.flatMap((report) => report.applied)).toEqual([1]);
      expect(reports.every((report) => report.version === MIGRATIONS.at(-1)!.version)).toBe(true);
      const rows = await pool.query('SELECT version, name FROM together.baton_migrations');
      expect(rows.rows).toEqual([{ version: 1, name: 'initial-schema' }]);
    } finally {
      await pool.end();
    }
  });

  it('refuses a schema newer than it knows', async () => {
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    try {
      await migrate(pool, { schema: 'future' });
      await pool.query(`INSERT INTO future.baton_migrations (version, name) VALUES (99, 'later')`);
      await expect(migrate(pool, { schema: 'future' })).rejects.toThrow(
        'Schema future is at version 99, newer than this @baton/checkpointer-postgres knows (1)',
      );
    } finally {
      await pool.end();
    }
  });

  it('stores the record as it was when saveRun was called, not as the engine changed it after', async () => {
    const checkpointer = await fresh();
    try {
      const record = sampleRun();
      const creating = checkpointer.createRun(record);
      record.status = 'failed';
      await creating;
      expect((await checkpointer.loadRun(record.id)).status).toBe('running');
      const saving = checkpointer.saveRun(record);
      record.status = 'succeeded';
      await saving;
      expect((await checkpointer.loadRun(record.id)).status).toBe('failed');
    } finally {
      await checkpointer.close();
    }
  });

  it('writes a step commit whole or not at all', async () => {
    const checkpointer = await fresh();
    try {
      const run = sampleRun();
      await checkpointer.createRun(run);
      const start = {
        runId: run.id,
        seq: 1,
        timestamp: run.createdAt,
        type: 'step-start',
        stepId: 'a',
        label: 'a',
        via: 'primary',
        attempt: 1,
      } as unknown as RunEvent;
      // A checkpoint without a step id: its row is refused (NOT NULL) after the events were
      // written in the same statement, so they must not stay.
      const checkpoint = {
        stepId: undefined as unknown as string,
        status: 'succeeded' as const,
        attempts: [],
        endedAt: run.createdAt,
        runAttempt: 1,
      };
      const failure = await codeOf(
        Promise.resolve(checkpointer.commitStep(run.id, checkpoint, [start])),
      );
      expect(failure).toBe(BatonErrorCode.STORAGE);
      const stored = await checkpointer.loadSteps(run.id);
      expect(stored.steps.size).toBe(0);
      expect(await checkpointer.readEvents(run.id)).toEqual([]);
      // Any text is kept as it was given, a NUL character included.
      await checkpointer.appendEvents(run.id, [
        { ...start, label: 'nul \u0000 inside' } as unknown as RunEvent,
      ]);
      const [event] = await checkpointer.readEvents(run.id);
      expect((event as unknown as { label: string }).label).toBe('nul \u0000 inside');
    } finally {
      await checkpointer.close();
    }
  });

  it('names the row of a run that cannot be read instead of hiding it', async () => {
    const checkpointer = await fresh();
    try {
      const good = sampleRun();
      const bad = sampleRun();
      await checkpointer.createRun(good);
      await checkpointer.createRun(bad);
      const pool = new pg.Pool({ connectionString: database.url, max: 1 });
      await pool.query(
        `UPDATE ${checkpointer.schema}.baton_runs SET record = '{"version": 2, "id": 3}' WHERE id = $1`,
        [bad.id],
      );
      await pool.end();
      const listed = await checkpointer.listRuns();
      expect(listed.items.map((run) => run.id)).toEqual([good.id]);
      expect(listed.problems).toHaveLength(1);
      expect(listed.problems[0]!.runId).toBe(bad.id);
      expect(listed.problems[0]!.message).toContain(`run ${bad.id}:`);
      expect(await codeOf(checkpointer.loadRun(bad.id))).toBe(BatonErrorCode.STORAGE);
    } finally {
      await checkpointer.close();
    }
  });

  it('lets another process take over a lease whose owner stopped renewing it', async () => {
    const first = await fresh({ leaseTtlMs: 300 });
    const second = new PostgresCheckpointer({
      connectionString: database.url,
      schema: first.schema,
      leaseTtlMs: 300,
    });
    try {
      const run = sampleRun();
      await first.createRun(run);
      // An owner on another machine: its pid cannot be checked from here.
      const elsewhere = { pid: 1, hostname: 'another-machine' };
      await first.acquireLease(run.id, elsewhere);
      const refused = await codeOf(second.acquireLease(run.id, { pid: 2, hostname: 'here' }));
      expect(refused).toBe(BatonErrorCode.CONFLICT);
      // The heartbeat keeps the lease while its owner lives...
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(await codeOf(second.acquireLease(run.id, { pid: 2, hostname: 'here' }))).toBe(
        BatonErrorCode.CONFLICT,
      );
      // ...and when the owner is gone (its heartbeats stop), the lease expires and is taken.
      await first.close();
      await new Promise((resolve) => setTimeout(resolve, 400));
      const release = await second.acquireLease(run.id, { pid: 2, hostname: 'here' });
      await release();
    } finally {
      await second.close();
    }
  });

  it('takes over at once a lease held by a process of this host that has ended', async () => {
    const checkpointer = await fresh();
    try {
      const run = sampleRun();
      await checkpointer.createRun(run);
      const { spawnSync } = await import('node:child_process');
      const ended = spawnSync(process.execPath, ['-e', '0']).pid!;
      const { hostname } = await import('node:os');
      await checkpointer.acquireLease(run.id, { pid: ended, hostname: hostname() });
      const release = await checkpointer.acquireLease(run.id, {
        pid: process.pid,
        hostname: hostname(),
      });
      await release();
    } finally {
      await checkpointer.close();
    }
  });

  it('stops writing a run whose lease another process took over', async () => {
    const first = await fresh({ leaseTtlMs: 300 });
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      const run = sampleRun();
      await first.createRun(run);
      await first.acquireLease(run.id, { pid: 1, hostname: 'another-machine' });
      // Someone else's lease replaces it (as after a partition that outlasted the lease).
      await pool.query(
        `UPDATE ${first.schema}.baton_leases SET token = gen_random_uuid() WHERE run_id = $1`,
        [run.id],
      );
      await new Promise((resolve) => setTimeout(resolve, 250));
      const refused = await codeOf(first.saveRun({ ...run, status: 'succeeded' }));
      expect(refused).toBe(BatonErrorCode.CONFLICT);
      expect((await first.loadRun(run.id)).status).toBe('running');
    } finally {
      await pool.end();
      await first.close();
    }
  });

  it('rejects options it cannot work with, naming the field', () => {
    expect(() => new PostgresCheckpointer({})).toThrow('connectionString');
    expect(
      () => new PostgresCheckpointer({ connectionString: database.url, schema: 'a;drop' }),
    ).toThrow('schema');
    expect(
      () => new PostgresCheckpointer({ connectionString: database.url, leaseTtlMs: 5 }),
    ).toThrow('leaseTtlMs');
  });
});
