import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type ModelServer, startModelServer } from '../../../packages/executors/test/servers.js';
import { tempDir } from './helpers.js';
import { batonRun, cliPath, modelServerEnv, spawnBaton } from './run-helpers.js';

/** The machine's Redis (`.ci/run` starts it when it is installed but stopped). */
const REDIS_URL = process.env.BATON_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let server: ModelServer | undefined;
let worker: ChildProcess | undefined;
let prefix: string | undefined;
afterEach(async () => {
  worker?.kill('SIGKILL');
  worker = undefined;
  await server?.close();
  server = undefined;
  if (prefix !== undefined) {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    prefix = undefined;
  }
});

/** Waits until `text` shows on a child's stderr. */
function waitForStderr(child: ChildProcess, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" on stderr: ${seen}`)), 15_000);
    child.stderr?.on('data', (chunk) => {
      seen += chunk;
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

describe('baton worker and baton run --queue (real Redis)', { timeout: 60_000 }, () => {
  it('a worker process runs the agent calls a queued run hands it; Ctrl-C stops it cleanly', async () => {
    server = await startModelServer({
      replies: [
        {
          type: 'text',
          text: 'Checked.\n```json\n{"success": true, "confidence": 0.9, "summary": "reviewed on the worker", "findings": [], "recommendations": []}\n```',
          inputTokens: 120,
          outputTokens: 30,
        },
      ],
    });
    prefix = `baton-cli-test-${randomUUID().slice(0, 8)}`;
    const project = tempDir();
    writeFileSync(
      join(project, 'baton.config.json'),
      JSON.stringify({
        model: { prices: { 'local-model': { inputPerMillion: 1, outputPerMillion: 2 } } },
      }),
    );
    const env = {
      ...modelServerEnv(server),
      BATON_REDIS_URL: REDIS_URL,
      BATON_QUEUE_PREFIX: prefix,
    };
    worker = spawn(
      process.execPath,
      [cliPath, 'worker', '--name', 'w-test', '--concurrency', '2'],
      { cwd: project, env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => worker?.on('exit', resolve));
    expect(await waitForStderr(worker, 'baton: worker w-test takes agent calls')).toContain(
      project,
    );

    // The coordinator schedules; the worker calls the model (the coordinator's own model
    // address goes nowhere, so an answer can only have come from the worker).
    const run = await spawnBaton(['run', 'review the code for bugs', '--queue', '--json'], {
      cwd: project,
      env: { ...env, BATON_BASE_URL: 'http://127.0.0.1:9/v1' },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.status).toBe('succeeded');
    expect(report.agents[0]).toMatchObject({
      status: 'succeeded',
      inputTokens: 120,
      outputTokens: 30,
      summary: 'reviewed on the worker',
    });
    expect(server.modelRequests().length).toBe(
      report.agents.filter((a: { attempts: number }) => a.attempts > 0).length,
    );

    worker.kill('SIGINT');
    expect(await exited).toBe(0);
    worker = undefined;
  });

  it('refuses --queue without BATON_REDIS_URL, and a worker without it, exit 2 naming it', async () => {
    const run = await batonRun(['run', 'review the code', '--queue'], { env: {} });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'baton: --queue needs BATON_REDIS_URL, the Redis the workers listen on (e.g. BATON_REDIS_URL=redis://127.0.0.1:6379)\n',
    );
    const started = await batonRun(['worker'], { env: {} });
    expect(started.code).toBe(2);
    expect(started.stderr).toMatch(/^baton: BATON_REDIS_URL is not set: a worker needs the Redis/);
    const extra = await batonRun(['worker', 'now'], { env: {} });
    expect(extra).toMatchObject({ code: 2, stderr: 'baton: unexpected argument "now"\n' });
  });
});
