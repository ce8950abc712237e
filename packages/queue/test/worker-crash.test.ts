import { Engine } from '@baton/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testExecutor } from '../fixtures/test-executor.mjs';
import { createQueueExecutor, type QueueDelivery } from '../src/queue-executor.js';
import { chainGraph } from './graphs.js';
import {
  coordinatorRuntime,
  createTemporaryDatabase,
  outputsOf,
  type TemporaryDatabase,
  waitFor,
} from './helpers.js';
import { callsKey, startedKey, TEST_REDIS_URL, type TestPrefix, testPrefix } from './redis.js';
import { startWorkerProcess, stopWorkerProcesses, type WorkerProcess } from './worker-processes.js';

let database: TemporaryDatabase;
let space: TestPrefix | undefined;
let workers: WorkerProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  database = await createTemporaryDatabase('queue_crash');
});
afterAll(async () => {
  await database?.drop();
});
afterEach(async () => {
  await stopWorkerProcesses(workers);
  workers = [];
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await space?.clean();
  space = undefined;
});

describe('a worker killed mid-step', () => {
  it('has its step run by another worker; finished steps are not re-run; the outcome is unchanged', async () => {
    space = await testPrefix('crash');
    const { prefix, redis } = space;
    const common = {
      prefix,
      concurrency: 1,
      delayMs: 20,
      slow: { a3: 1500 },
      lockDurationMs: 1000,
      stalledIntervalMs: 500,
    };
    workers = await Promise.all([
      startWorkerProcess({ ...common, name: 'w1' }),
      startWorkerProcess({ ...common, name: 'w2' }),
    ]);
    const graph = chainGraph(6);
    const context = { runTag: 'crash' };
    const reference = await new Engine().run(graph, { executor: testExecutor(), context });

    const deliveries: QueueDelivery[] = [];
    const queue = createQueueExecutor({
      connection: TEST_REDIS_URL,
      prefix,
      onDelivery: (delivery) => deliveries.push(delivery),
    });
    const coordinator = coordinatorRuntime(database);
    cleanups.push(
      () => queue.close(),
      () => coordinator.close(),
    );
    const runId = 'crash-run-1';
    const handle = coordinator.runtime.start(graph, {
      runId,
      context,
      executor: queue.forRun({ runId, graph }),
    });

    // The slow step has started on some worker: kill that worker outright.
    const victim = await waitFor(
      async () => (await redis.hget(startedKey(prefix), 'crash/a3')) ?? undefined,
      'step a3 to start',
    );
    const killed = workers.find((worker) => worker.name === victim)!;
    const finishedBefore = [...(await coordinator.checkpointer.loadSteps(runId)).steps.keys()];
    killed.child.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');

    const result = await handle.result;
    expect(result.status).toBe('succeeded');
    expect(outputsOf(result)).toEqual(outputsOf(reference));
    expect(result.spend.total.costUsd).toBeCloseTo(reference.spend.total.costUsd, 10);

    // Every agent call a worker started: the killed one twice (cut off, then done elsewhere).
    const calls = await redis.hgetall(callsKey(prefix));
    expect(calls).toEqual({
      'crash/a1': '1',
      'crash/a2': '1',
      'crash/a3': '2',
      'crash/a4': '1',
      'crash/a5': '1',
      'crash/a6': '1',
    });
    expect(finishedBefore.sort()).toEqual(['a1', 'a2']);
    const survivor = workers.find((worker) => worker !== killed)!.name;
    const a3 = deliveries.find((delivery) => delivery.stepId === 'a3')!;
    expect(a3).toMatchObject({ worker: survivor, repeated: true, stalledCounter: 1 });
    expect(deliveries.filter((delivery) => delivery.repeated)).toHaveLength(1);
    // The run's result says that one call was repeated, and where.
    expect(result.notices).toEqual([
      `step a3: Agent a3 was run again on worker ${survivor}: the worker that had it stopped mid-call (only that call was repeated)`,
    ]);
    // The run state is in PostgreSQL: all six steps committed once, nothing in flight.
    const stored = await coordinator.checkpointer.loadSteps(runId);
    expect([...stored.steps.keys()].sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
    expect(stored.inFlight).toEqual([]);
  });
});
