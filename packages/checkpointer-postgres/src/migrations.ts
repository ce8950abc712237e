import { BatonError, BatonErrorCode, describeError, ValidationError } from '@baton/core';
import type pg from 'pg';

/** One versioned change of the schema. */
export interface Migration {
  /** 1, 2, 3, ... in the order they are applied. */
  version: number;
  /** What it does, kebab-case. */
  name: string;
  /** The SQL, with `{schema}` standing for the quoted schema name. */
  sql: string;
}

/**
 * The schema of the Postgres checkpointer, in versions. Each is applied once, in order, inside
 * one transaction that holds an advisory lock, and recorded in `baton_migrations`; a database
 * whose schema is newer than these is refused (an older package must not write to it).
 *
 * - `baton_runs`: one row per run, its record as JSON (replaced whole on save).
 * - `baton_events`: the event stream, one row per event, read in `seq` order.
 * - `baton_steps`: the last checkpoint of each finished step, written in the same statement as
 *   the step's `step-end` event.
 * - `baton_decisions`: decisions, with their status in a column for compare-and-set.
 * - `baton_cancel_requests`, `baton_leases`: cancel markers, and who executes a run until when.
 */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'initial-schema',
    sql: `
CREATE TABLE {schema}.baton_runs (
  id text PRIMARY KEY,
  created_at text NOT NULL,
  updated_at text NOT NULL,
  status text NOT NULL,
  record json NOT NULL
);
CREATE INDEX baton_runs_newest ON {schema}.baton_runs (created_at COLLATE "C" DESC, id COLLATE "C" DESC);
CREATE INDEX baton_runs_status ON {schema}.baton_runs (status);

CREATE TABLE {schema}.baton_events (
  id bigserial PRIMARY KEY,
  run_id text NOT NULL REFERENCES {schema}.baton_runs (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  type text NOT NULL,
  step_id text,
  event json NOT NULL
);
CREATE INDEX baton_events_stream ON {schema}.baton_events (run_id, seq, id);

CREATE TABLE {schema}.baton_steps (
  run_id text NOT NULL REFERENCES {schema}.baton_runs (id) ON DELETE CASCADE,
  step_id text NOT NULL,
  status text NOT NULL,
  checkpoint json NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, step_id)
);

CREATE TABLE {schema}.baton_decisions (
  id text PRIMARY KEY,
  run_id text NOT NULL REFERENCES {schema}.baton_runs (id) ON DELETE CASCADE,
  step_id text NOT NULL,
  status text NOT NULL,
  created_at text NOT NULL,
  decision json NOT NULL
);
CREATE INDEX baton_decisions_run ON {schema}.baton_decisions (run_id, created_at COLLATE "C");
CREATE INDEX baton_decisions_status ON {schema}.baton_decisions (status);

CREATE TABLE {schema}.baton_cancel_requests (
  run_id text PRIMARY KEY REFERENCES {schema}.baton_runs (id) ON DELETE CASCADE,
  reason text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE {schema}.baton_leases (
  run_id text PRIMARY KEY REFERENCES {schema}.baton_runs (id) ON DELETE CASCADE,
  token uuid NOT NULL,
  pid integer NOT NULL,
  hostname text NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
`,
  },
]);

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The schema name as SQL (quoted), after checking it is a plain identifier. */
export function quoteSchema(schema: string, field = 'schema'): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new ValidationError(
      field,
      `must be a plain SQL identifier (letters, digits, _; at most 63 characters), got ${JSON.stringify(schema)}`,
    );
  }
  return `"${schema}"`;
}

/** What {@link migrate} did. */
export interface MigrationReport {
  /** Versions applied now, in order. */
  applied: number[];
  /** The schema's version afterwards. */
  version: number;
}

/**
 * Brings the schema up to date: creates the schema and `baton_migrations` when missing, then
 * applies the migrations not recorded there, in one transaction under an advisory lock (so that
 * processes starting together apply each migration once). A schema newer than this package
 * knows is a `BATON_STORAGE` error.
 *
 * @example
 * ```ts
 * const pool = new pg.Pool({ connectionString: process.env.BATON_DATABASE_URL });
 * await migrate(pool, { schema: 'public' }); // { applied: [1], version: 1 }
 * ```
 */
export async function migrate(
  pool: pg.Pool,
  options: { schema?: string | undefined; migrations?: readonly Migration[] | undefined } = {},
): Promise<MigrationReport> {
  const schema = options.schema ?? 'public';
  const quoted = quoteSchema(schema);
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version);
  const latest = migrations.at(-1)?.version ?? 0;
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new BatonError(
      BatonErrorCode.STORAGE,
      `Could not connect to PostgreSQL to migrate schema ${schema}: ${describeError(error)}`,
      { cause: error },
    );
  }
  try {
    await client.query('BEGIN');
    // One key per schema: migrations of different schemas do not wait for each other.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `baton-migrations:${schema}`,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.baton_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const rows = await client.query<{ version: number }>(
      `SELECT version FROM ${quoted}.baton_migrations ORDER BY version`,
    );
    const done = new Set(rows.rows.map((row) => row.version));
    const newest = Math.max(0, ...done);
    if (newest > latest) {
      throw new BatonError(
        BatonErrorCode.STORAGE,
        `Schema ${schema} is at version ${newest}, newer than this @baton/checkpointer-postgres knows (${latest}): upgrade the package`,
      );
    }
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql.replaceAll('{schema}', quoted));
      await client.query(`INSERT INTO ${quoted}.baton_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return { applied, version: Math.max(newest, ...applied) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    if (BatonError.isInstance(error)) throw error;
    throw new BatonError(
      BatonErrorCode.STORAGE,
      `Could not migrate schema ${schema}: ${describeError(error)}`,
      { cause: error },
    );
  } finally {
    client.release();
  }
}
