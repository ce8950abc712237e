import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL the tests use: `BATON_TEST_DATABASE_URL`, else the machine's own
 * (127.0.0.1:5432, user postgres, trust auth, as `.ci/run` starts it).
 */
export const TEST_SERVER_URL =
  process.env.BATON_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database made for one test file, dropped at the end. */
export interface TemporaryDatabase {
  name: string;
  /** Its connection string. */
  url: string;
  /** Drops it (ending every connection still open to it). */
  drop(): Promise<void>;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: TEST_SERVER_URL,
    connectionTimeoutMillis: 5000,
  });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_SERVER_URL} (${error instanceof Error ? error.message : String(error)}): these tests need a real server. Start it (.ci/run does: pg_ctlcluster --skip-systemctl-redirect <version> main start) or point BATON_TEST_DATABASE_URL at one.`,
    );
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a unique name on the test server. */
export async function createTemporaryDatabase(label: string): Promise<TemporaryDatabase> {
  const name = `baton_test_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => {},
      ),
  };
}
