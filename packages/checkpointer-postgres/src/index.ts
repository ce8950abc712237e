/**
 * A PostgreSQL checkpointer for Baton's engine: `PostgresCheckpointer` keeps run records, the
 * event stream, step checkpoints, decisions, cancel requests and leases in tables created by the
 * shipped migrations, so that coordinators, workers and people on several machines share runs.
 *
 * @packageDocumentation
 */

export { MIGRATIONS, type Migration, type MigrationReport, migrate } from './migrations.js';
export {
  PostgresCheckpointer,
  type PostgresCheckpointerOptions,
} from './postgres-checkpointer.js';
