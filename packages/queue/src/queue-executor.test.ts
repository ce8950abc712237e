import { Engine, MemoryCheckpointer, RetryableError, ValidationError } from '@baton/core';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, testExecutor } from '../fixtures/test-executor.mjs';
import { chainGraph, layeredGraph } from '../test/graphs.js';
import { TEST_REDIS_URL, type TestPrefix, testPrefix } from '../test/redis.js';
import { createQueueExecutor, type QueueDelivery, type QueueExecutor } from './queue-executor.js';
import { type QueueWorker, startWorker } from './queue-worker.js';

let space: TestPrefix | undefined;
const open: Array<QueueExecutor | QueueWorker> = [];

afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
  await space?.clean();
  space = undefined;
});

async function setUp(label: string): Promise<TestPrefix> {
  space = await testPrefix(label);
  return space;
}

function coordinator(prefix: string, deliveries: QueueDelivery[] = []): QueueExecutor {
  const queue = createQueueExecutor({
    connection: TEST_REDIS_URL,
    prefix,
    onDelivery: (delivery) => deliveries.push(delivery),
  });
  open.push(queue);
  return queue;
}

async function worker(options: Omit<Parameters<typeof startWorker>[0], 'connection'>) {
  const started = await startWorker({ connection: TEST_REDIS_URL, ...options });
  open.push(started);
  return started;
}

describe('queue executor and worker', () => {
  it('runs a graph on a worker with the same outcome as in-process, each step once', async () => {
    const { prefix } = await setUp('round-trip');
    const graph = layeredGraph({ layers: 3, width: 3 });
    const local = await new Engine().run(graph, { executor: testExecutor(), runId: 'local-1' });

    const calls: string[] = [];
    await worker({
      prefix,
      name: 'w-a',
      concurrency: 3,
      executor: testExecutor({ record: async (key) => void calls.push(key) }),
    });
    const deliveries: QueueDelivery[] = [];
    const queue = coordinator(prefix, deliveries);
    const runId = 'queued-1';
    const queued = await new Engine({ checkpointer: new MemoryCheckpointer() }).run(graph, {
      executor: queue.forRun({ runId, graph }),
      runId,
    });

    expect(queued.status).toBe('succeeded');
    const outputs = (result: typeof local) =>
      Object.fromEntries(
        Object.entries(result.steps).map(([id, step]) => [id, step.result?.output]),
      );
    expect(outputs(queued)).toEqual(outputs(local));
    expect(queued.spend.total.costUsd).toBeCloseTo(local.spend.total.costUsd, 10);
    expect(queued.spend.total.costUsd).toBeCloseTo(0.009, 10);
    expect(calls.sort()).toEqual(graph.steps.map((step) => `/${step.id}`).sort());
    expect(deliveries).toHaveLength(9);
    expect(new Set(deliveries.map((delivery) => delivery.runId))).toEqual(new Set([runId]));
    expect(deliveries.map((delivery) => delivery.stepId).sort()).toEqual(
      graph.steps.map((step) => step.id).sort(),
    );
    expect(deliveries.every((delivery) => delivery.worker === 'w-a' && !delivery.repeated)).toBe(
      true,
    );
    expect(queue.queues()).toEqual({ default: 'baton-agents-default' });
  });

  it('sends named executors to the worker executor of that name, and a run to its limit group', async () => {
    const { prefix } = await setUp('named');
    await worker({
      prefix,
      executor: async (agent) => ({ output: `default ran ${agent.id}` }),
      executors: { codex: async (agent) => ({ output: `codex ran ${agent.id}` }) },
    });
    const queue = coordinator(prefix);
    const context = {};
    const options = { signal: new AbortController().signal };
    await expect(queue({ id: 'x' }, context, options)).resolves.toMatchObject({
      output: 'default ran x',
    });
    await expect(queue.named('codex')({ id: 'y' }, context, options)).resolves.toMatchObject({
      output: 'codex ran y',
    });
    const run = queue.forRun({ runId: 'run-1', limitGroup: 'anthropic' });
    await expect(run({ id: 'z' }, context, options)).resolves.toMatchObject({
      output: 'default ran z',
    });
    expect(queue.queues()).toEqual({
      default: 'baton-agents-default',
      codex: 'baton-agents-codex',
      anthropic: 'baton-agents-anthropic',
    });
    expect(() => queue.forRun({ runId: 'run-2', limitGroup: 'a:b' })).toThrow(
      'limitGroup: must be',
    );
  });

  it('brings a worker executor throw back as the same kind of error, and the engine retries it', async () => {
    const { prefix } = await setUp('errors');
    let attempts = 0;
    await worker({
      prefix,
      executor: async (agent) => {
        if (agent.id === 'flaky') attempts += 1;
        if (agent.id === 'flaky' && attempts === 1) {
          throw new RetryableError('overloaded, try again', { retryAfterMs: 10 });
        }
        if (agent.id === 'broken') throw new TypeError('cannot read the prompt');
        return {
          output: `${agent.id} done`,
          usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
        };
      },
    });
    const queue = coordinator(prefix);
    const context = {};
    const signal = new AbortController().signal;
    const thrown = await queue({ id: 'broken' }, context, { signal }).catch(
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe('TypeError');
    expect((thrown as Error).message).toContain('cannot read the prompt');

    const result = await new Engine().run(chainGraph(1, {}), {
      executor: async (agent, ctx, options) => queue({ ...agent, id: 'flaky' }, ctx, options),
      retry: { maxRetries: 2, initialDelayMs: 1 },
    });
    expect(result.status).toBe('succeeded');
    expect(attempts).toBe(2);
    expect(result.steps.a1!.attempts).toHaveLength(2);
  });

  it('takes a job back when the engine aborts the call: the agent on the worker is aborted too', async () => {
    const { prefix } = await setUp('abort');
    const aborted: string[] = [];
    let started = 0;
    await worker({
      prefix,
      executor: async (agent, _context, { signal }) => {
        started += 1;
        try {
          await sleep(10_000, signal);
        } catch (error) {
          aborted.push(agent.id);
          throw error;
        }
        return { output: 'too late' };
      },
    });
    const queue = coordinator(prefix);
    const controller = new AbortController();
    const call = queue({ id: 'slow' }, {}, { signal: controller.signal });
    while (started === 0) await sleep(10);
    controller.abort(new Error('the run was cancelled'));
    await expect(call).rejects.toThrow('the run was cancelled');
    for (let tries = 0; aborted.length === 0 && tries < 200; tries += 1) await sleep(10);
    expect(aborted).toEqual(['slow']);
  });

  it('warns when no worker listens on a queue its calls wait in', async () => {
    const { prefix } = await setUp('no-worker');
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (message: string) => void warnings.push(message),
    };
    const queue = createQueueExecutor({
      connection: TEST_REDIS_URL,
      prefix,
      logger,
      noWorkerCheckMs: 50,
    });
    open.push(queue);
    const controller = new AbortController();
    const call = queue({ id: 'lonely' }, {}, { signal: controller.signal });
    for (let tries = 0; warnings.length === 0 && tries < 200; tries += 1) await sleep(10);
    controller.abort(new Error('nobody came'));
    await expect(call).rejects.toThrow('nobody came');
    expect(warnings).toEqual([
      expect.stringContaining('No worker listens on queue baton-agents-default'),
    ]);

    await worker({ prefix, executor: testExecutor() });
    const quiet: string[] = [];
    const watched = createQueueExecutor({
      connection: TEST_REDIS_URL,
      prefix,
      noWorkerCheckMs: 50,
      logger: { ...logger, warn: (message: string) => void quiet.push(message) },
    });
    open.push(watched);
    await watched({ id: 'served' }, {}, { signal: new AbortController().signal });
    await sleep(150);
    expect(quiet).toEqual([]);
  });

  it('refuses bad options with errors that name them', async () => {
    expect(() => createQueueExecutor({} as never)).toThrow(ValidationError);
    expect(() => createQueueExecutor({ connection: 'http://localhost:6379' })).toThrow(
      'connection: must be a redis:// or rediss:// URL',
    );
    expect(() => createQueueExecutor({ connection: TEST_REDIS_URL, queueName: 'a:b' })).toThrow(
      'queueName: must be 1-100 letters',
    );
    await expect(
      startWorker({ connection: TEST_REDIS_URL, executor: testExecutor(), concurrency: 0 }),
    ).rejects.toThrow('concurrency: must be a number > 0');
    await expect(
      startWorker({
        connection: TEST_REDIS_URL,
        executor: testExecutor(),
        rateLimits: { anthropic: { max: 0, perSeconds: 60 } },
      }),
    ).rejects.toThrow('rateLimits.anthropic.max');
  });
});
