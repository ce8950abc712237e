import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresCheckpointer } from '@baton/checkpointer-postgres';
import type { AgentExecutor, ExecutableAgent } from '@baton/core';
import { createQueueExecutor } from '@baton/queue';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// The helpers of the PostgreSQL and queue packages' own tests: a database and a Redis key
// prefix per test, removed afterwards.
import {
  createTemporaryDatabase,
  type TemporaryDatabase,
} from '../../checkpointer-postgres/test/temporary-database.js';
// The local model server of the executors' tests (OpenAI Chat Completions, scripted replies).
import { startModelServer } from '../../executors/test/servers.js';
import { TEST_REDIS_URL, type TestPrefix, testPrefix } from '../../queue/test/redis.js';
import { createBaton } from '../src/create-baton.js';
import { startBatonWorker } from '../src/queue-dispatch.js';

/** A deterministic agent: what it says depends only on the agent and the outputs it was given. */
function agentExecutor(calls: string[]): AgentExecutor {
  return async (agent, context) => {
    calls.push(agent.id);
    const seen = Object.keys(context)
      .filter((key) => typeof context[key] === 'string' && key !== 'task')
      .sort();
    return {
      output: `${agent.id} reviewed ${String(context.task)} after [${seen.join(',')}]`,
      confidence: 0.8,
      success: true,
      usage: { inputTokens: 100, outputTokens: 20, costUsd: 0.002 },
    };
  };
}

let database: TemporaryDatabase;
let space: TestPrefix | undefined;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  database = await createTemporaryDatabase('sdk_queue');
});
afterAll(async () => {
  await database?.drop();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await space?.clean();
  space = undefined;
});

function projectDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-sdk-queue-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('createBaton with BATON_REDIS_URL and BATON_DATABASE_URL', () => {
  it('dispatches the agent calls to a worker, keeps the run in PostgreSQL, and reports the in-process outcome', async () => {
    space = await testPrefix('sdk');
    const task = 'review the API module for breaking changes';
    const localCalls: string[] = [];
    const local = createBaton({ projectDir: projectDir(), executor: agentExecutor(localCalls) });
    const reference = await (await local.run(task)).result;

    const workerCalls: string[] = [];
    const env = {
      BATON_REDIS_URL: TEST_REDIS_URL,
      BATON_QUEUE_PREFIX: space.prefix,
      BATON_DATABASE_URL: database.url,
      // The coordinator resolves the model setup (estimates, limit group); the worker runs it.
      BATON_PROVIDER: 'openai-compatible',
      BATON_BASE_URL: 'http://127.0.0.1:9/v1',
      BATON_MODEL: 'test-model',
    };
    const dir = projectDir();
    const worker = await startBatonWorker({
      projectDir: dir,
      env,
      executor: agentExecutor(workerCalls),
      name: 'sdk-worker',
    });
    cleanups.push(() => worker.close());
    const baton = createBaton({ projectDir: dir, env });
    cleanups.push(() => baton.close());
    const report = await (await baton.run(task)).result;

    expect(report.status).toBe('succeeded');
    expect(report.status).toBe(reference.status);
    const answers = (run: typeof report) =>
      run.agents.map((agent) => [agent.stepId, agent.status, agent.costUsd]);
    expect(answers(report)).toEqual(answers(reference));
    expect(report.totals.costUsd).toBeCloseTo(reference.totals.costUsd ?? Number.NaN, 10);
    // Every agent ran on the worker, once; none in this process.
    expect(workerCalls.sort()).toEqual(localCalls.sort());
    expect(workerCalls.length).toBe(report.agents.length);
    expect(worker.groups()).toContain('baton-agents-openai-compatible');

    // The run is in PostgreSQL: another process reads it there.
    const reader = new PostgresCheckpointer({ connectionString: database.url });
    cleanups.push(() => reader.close());
    expect(await reader.loadRun(report.runId)).toMatchObject({ status: 'succeeded' });
    expect((await reader.loadSteps(report.runId)).steps.size).toBe(report.agents.length);
    expect((await baton.runs.get(report.runId)).status).toBe('succeeded');
  });

  it("pauses the provider's queue for every worker while the model executor waits out a 429", async () => {
    space = await testPrefix('sdk-429');
    const arrivals: Array<{ at: number; status: number }> = [];
    const answer = JSON.stringify({
      summary: 'done',
      findings: [],
      recommendations: [],
      confidence: 0.9,
    });
    const server = await startModelServer({
      replies: (_request, index) => {
        const status = index === 0 ? 429 : 200;
        arrivals.push({ at: performance.now(), status });
        return index === 0
          ? { type: 'error', status: 429, headers: { 'retry-after': '1' } }
          : { type: 'text', text: answer, inputTokens: 50, outputTokens: 10 };
      },
    });
    cleanups.push(() => server.close());
    const env = {
      BATON_REDIS_URL: TEST_REDIS_URL,
      BATON_QUEUE_PREFIX: space.prefix,
      BATON_PROVIDER: 'openai-compatible',
      BATON_BASE_URL: server.baseURL,
      BATON_MODEL: 'test-model',
    };
    // The real model executor of the environment's setup, on two workers.
    for (const name of ['w1', 'w2']) {
      const worker = await startBatonWorker({
        projectDir: projectDir(),
        env,
        name,
        concurrency: 2,
      });
      cleanups.push(() => worker.close());
    }
    const queue = createQueueExecutor({ connection: TEST_REDIS_URL, prefix: space.prefix });
    cleanups.push(() => queue.close());
    const run = queue.forRun({ runId: 'limited-1', limitGroup: 'openai-compatible' });
    const agent = (id: string) =>
      ({ id, tier: 'CHEAP', instructions: 'Say done.' }) as ExecutableAgent;
    const signal = new AbortController().signal;
    const first = run(agent('first'), { task: 'check' }, { signal });
    while (arrivals.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = run(agent('second'), { task: 'check' }, { signal });
    const answers = await Promise.all([first, second]);

    expect(answers.map((output) => output.success)).toEqual([true, true]);
    expect(arrivals.map((arrival) => arrival.status)).toEqual([429, 200, 200]);
    const limitedAt = arrivals[0]!.at;
    // The second call, sent during the wait to a free worker, started only after Retry-After.
    expect(Math.min(arrivals[1]!.at, arrivals[2]!.at) - limitedAt).toBeGreaterThanOrEqual(950);
  });

  it('says what to set when a worker has no BATON_REDIS_URL', async () => {
    await expect(startBatonWorker({ env: {}, executor: agentExecutor([]) })).rejects.toThrow(
      'BATON_REDIS_URL is not set',
    );
  });
});
