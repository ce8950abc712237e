import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresCheckpointer } from '@baton/checkpointer-postgres';
import type { RunResult } from '@baton/core';
import { Runtime } from '@baton/runtime';
// The PostgreSQL helper of the checkpointer's own tests (a database per test file, dropped after).
import {
  createTemporaryDatabase,
  type TemporaryDatabase,
} from '../../checkpointer-postgres/test/temporary-database.js';

export { createTemporaryDatabase, type TemporaryDatabase };

/** A coordinator's durable runtime on PostgreSQL (its own pool), with a scratch folder. */
export function coordinatorRuntime(database: TemporaryDatabase): {
  runtime: Runtime;
  checkpointer: PostgresCheckpointer;
  close(): Promise<void>;
} {
  const dir = mkdtempSync(join(tmpdir(), 'baton-queue-'));
  const checkpointer = new PostgresCheckpointer({
    connectionString: database.url,
    maxConnections: 8,
  });
  const runtime = new Runtime({
    dir,
    checkpointer,
    audit: false,
    retention: false,
    pollIntervalMs: 50,
  });
  return {
    runtime,
    checkpointer,
    async close() {
      await checkpointer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A run's outputs by step: what "the same outcome" compares. */
export function outputsOf(result: RunResult): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(result.steps).map(([id, step]) => [id, step.result?.output]),
  );
}

/** Polls `check` every 10 ms until it returns a value, at most `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
