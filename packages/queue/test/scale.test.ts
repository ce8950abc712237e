import { Engine, type RunResult } from '@baton/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testExecutor } from '../fixtures/test-executor.mjs';
import {
  createQueueExecutor,
  type QueueDelivery,
  type QueueExecutor,
} from '../src/queue-executor.js';
import { layeredGraph } from './graphs.js';
import {
  coordinatorRuntime,
  createTemporaryDatabase,
  outputsOf,
  type TemporaryDatabase,
} from './helpers.js';
import { callsKey, TEST_REDIS_URL, type TestPrefix, testPrefix } from './redis.js';
import { startWorkerProcess, stopWorkerProcesses, type WorkerProcess } from './worker-processes.js';

// Four worker processes shared by the tests of this file, on one prefix and one database.
let database: TemporaryDatabase;
let space: TestPrefix;
let workers: WorkerProcess[] = [];
let queue: QueueExecutor;
let coordinator: ReturnType<typeof coordinatorRuntime>;
const deliveries: QueueDelivery[] = [];

beforeAll(async () => {
  database = await createTemporaryDatabase('queue_scale');
  space = await testPrefix('scale');
  workers = await Promise.all(
    [1, 2, 3, 4].map((index) =>
      startWorkerProcess({ prefix: space.prefix, name: `w${index}`, concurrency: 8 }),
    ),
  );
  queue = createQueueExecutor({
    connection: TEST_REDIS_URL,
    prefix: space.prefix,
    onDelivery: (delivery) => deliveries.push(delivery),
  });
  coordinator = coordinatorRuntime(database);
});
afterAll(async () => {
  await stopWorkerProcesses(workers);
  await queue?.close();
  await coordinator?.close();
  await space?.clean();
  await database?.drop();
});

describe('many runs on four worker processes', () => {
  it('runs 20 runs of 200 steps: every step once, in dependency order, with the in-process outcome', async () => {
    const graph = layeredGraph({ layers: 20, width: 10 });
    const reference = await new Engine().run(graph, { executor: testExecutor(), concurrency: 10 });
    expect(reference.status).toBe('succeeded');
    const started = performance.now();
    const results: RunResult[] = await Promise.all(
      Array.from({ length: 20 }, (_, index) => {
        const runId = `scale-${index}`;
        return coordinator.runtime.run(graph, {
          runId,
          context: { runTag: runId },
          concurrency: 10,
          executor: queue.forRun({ runId, graph }),
        });
      }),
    );
    const seconds = (performance.now() - started) / 1000;

    for (const result of results) {
      expect(result.status).toBe('succeeded');
      // Each output hashes its dependencies' outputs: equal outputs mean the same order and inputs.
      expect(outputsOf(result)).toEqual(outputsOf(reference));
      expect(result.spend.total.costUsd).toBeCloseTo(reference.spend.total.costUsd, 10);
    }
    const calls = await space.redis.hgetall(callsKey(space.prefix));
    expect(Object.keys(calls)).toHaveLength(4000);
    expect(Object.values(calls).every((count) => count === '1')).toBe(true);
    const runDeliveries = deliveries.filter((delivery) => delivery.runId?.startsWith('scale-'));
    expect(runDeliveries).toHaveLength(4000);
    expect(runDeliveries.some((delivery) => delivery.repeated)).toBe(false);
    const byWorker = new Map<string, number>();
    for (const delivery of runDeliveries) {
      byWorker.set(delivery.worker, (byWorker.get(delivery.worker) ?? 0) + 1);
    }
    expect([...byWorker.keys()].sort()).toEqual(['w1', 'w2', 'w3', 'w4']);
    const stored = await coordinator.checkpointer.loadSteps('scale-7');
    expect(stored.steps.size).toBe(200);
    // How fast it went, for the log (the benchmark in bench/ measures it properly).
    process.stderr.write(
      `20 x 200 steps on 4 workers: ${seconds.toFixed(1)} s, ${(4000 / seconds).toFixed(0)} steps/s; per worker ${JSON.stringify(Object.fromEntries(byWorker))}\n`,
    );
  });

  it('holds a cost cap across workers: no step starts that could exceed it', async () => {
    const graph = layeredGraph({ layers: 1, width: 12, costUsd: 0.01, task: 'capped' });
    const options = {
      budget: { maxCostUsd: 0.045 },
      concurrency: 12,
      estimate: () => ({ costUsd: 0.01, bounded: true }),
    };
    const reference = await new Engine().run(graph, {
      ...options,
      executor: testExecutor(),
      context: { runTag: 'capped-local' },
    });
    const runId = 'capped-1';
    const result = await coordinator.runtime.run(graph, {
      ...options,
      runId,
      context: { runTag: runId },
      executor: queue.forRun({ runId, graph }),
    });

    expect(result.status).toBe('budget-exceeded');
    expect(result.status).toBe(reference.status);
    expect(result.spend.total.costUsd).toBeCloseTo(0.04, 10);
    expect(result.spend.total.costUsd).toBeLessThanOrEqual(0.045);
    const ran = (run: RunResult) =>
      Object.values(run.steps).filter((step) => step.status === 'succeeded').length;
    expect(ran(result)).toBe(4);
    expect(ran(result)).toBe(ran(reference));
    const calls = await space.redis.hgetall(callsKey(space.prefix));
    expect(Object.keys(calls).filter((key) => key.startsWith('capped-1/'))).toHaveLength(4);
    // The four calls ran on the worker processes (which of them took each is BullMQ's race: a
    // worker with 8 slots may take all four), and the cap held whichever did.
    const deliveredBy = deliveries
      .filter((delivery) => delivery.runId === runId)
      .map((delivery) => delivery.worker);
    expect(deliveredBy).toHaveLength(4);
    const names = workers.map((worker) => worker.name);
    expect(deliveredBy.every((worker) => names.includes(worker))).toBe(true);
  });
});
