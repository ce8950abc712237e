// Scale-out on BullMQ: steps/s with 1, 2 and 4 worker processes, and the per-step overhead of the
// queue path (enqueue, a worker takes the job, the answer comes back) against the in-process path.
// Needs Redis: BATON_REDIS_URL, default redis://127.0.0.1:6379 (keys under a fresh prefix,
// deleted at the end). The coordinator's engine keeps run state in memory in both paths, so the
// difference is the dispatch alone.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTaskGraph, Engine } from '@baton/core';
import { createQueueExecutor } from '@baton/queue';
import { Redis } from 'ioredis';

const URL = process.env.BATON_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CHAIN_STEPS = Number(process.env.BATON_BENCH_CHAIN_STEPS ?? 300);
const RUNS = Number(process.env.BATON_BENCH_RUNS ?? 10);
const STEPS_PER_RUN = Number(process.env.BATON_BENCH_STEPS ?? 200);
const WORK_MS = Number(process.env.BATON_BENCH_WORK_MS ?? 20);
const CONCURRENCY = Number(process.env.BATON_BENCH_WORKER_CONCURRENCY ?? 8);
const here = dirname(fileURLToPath(import.meta.url));
const prefix = `baton-bench-${randomBytes(4).toString('hex')}`;

const answer = (agent) => ({
  output: { summary: `${agent.id} finished` },
  confidence: 0.9,
  usage: { inputTokens: 120, outputTokens: 40, costUsd: 0.0001 },
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** The in-process agent, at most `slots` calls at once (as many as one worker runs). */
function inProcess(slots) {
  let running = 0;
  const waiting = [];
  return async (agent) => {
    if (running >= slots) await new Promise((resolve) => waiting.push(resolve));
    running += 1;
    try {
      if (WORK_MS > 0) await sleep(WORK_MS);
      return answer(agent);
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}

function chain(count) {
  return createTaskGraph({
    task: 'benchmark chain',
    steps: Array.from({ length: count }, (_, index) => ({
      id: `step-${index}`,
      agent: { id: `agent-${index}` },
      dependsOn: index === 0 ? [] : [`step-${index - 1}`],
    })),
  });
}

function fanOut(count) {
  return createTaskGraph({
    task: 'benchmark fan-out',
    steps: Array.from({ length: count }, (_, index) => ({
      id: `step-${index}`,
      agent: { id: `agent-${index}` },
    })),
  });
}

async function startWorkers(count, workMs) {
  const workers = [];
  for (let index = 0; index < count; index += 1) {
    const child = spawn(
      process.execPath,
      [
        join(here, 'queue-bench-worker.mjs'),
        JSON.stringify({
          url: URL,
          prefix,
          name: `bench-${index}`,
          concurrency: CONCURRENCY,
          workMs,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (chunk) => String(chunk).includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`bench worker exited with ${code}`)));
    });
    workers.push(child);
  }
  return workers;
}

async function stopWorkers(workers) {
  await Promise.all(
    workers.map(
      (child) =>
        new Promise((resolve) => {
          child.removeAllListeners('exit');
          child.on('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** Wall time of running `runs` graphs at once on an engine with `executorFor(runId)`. */
async function timeRuns(makeGraph, runs, executorFor, concurrency) {
  const engine = new Engine({ pollIntervalMs: 0 });
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: runs }, (_, index) => {
      const runId = `bench-${index}-${randomBytes(3).toString('hex')}`;
      const graph = makeGraph();
      return engine.run(graph, { runId, executor: executorFor(runId, graph), concurrency });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const result of results) {
    if (result.status !== 'succeeded')
      throw new Error(`a benchmark run ${result.status}: ${result.error}`);
  }
  return seconds;
}

const queue = createQueueExecutor({ connection: URL, prefix });
const viaQueue = (runId, graph) => queue.forRun({ runId, graph });
const rows = [];
try {
  await queue.ready();

  // 1. Per-step overhead: a chain (one step at a time), an executor that answers at once.
  {
    const workers = await startWorkers(1, 0);
    const immediate = async (agent) => answer(agent);
    await timeRuns(() => chain(30), 1, viaQueue, 1); // warm-up
    await timeRuns(
      () => chain(30),
      1,
      () => immediate,
      1,
    );
    const local = await timeRuns(
      () => chain(CHAIN_STEPS),
      1,
      () => immediate,
      1,
    );
    const queued = await timeRuns(() => chain(CHAIN_STEPS), 1, viaQueue, 1);
    await stopWorkers(workers);
    const localMs = (local * 1000) / CHAIN_STEPS;
    const queuedMs = (queued * 1000) / CHAIN_STEPS;
    console.log(
      `Per-step overhead, ${CHAIN_STEPS}-step chain, immediate executor:\n` +
        `  in-process ${localMs.toFixed(3)} ms/step, queue ${queuedMs.toFixed(3)} ms/step: the queue adds ${(queuedMs - localMs).toFixed(3)} ms per step\n`,
    );
  }

  // 2. Throughput: RUNS runs of STEPS_PER_RUN independent steps, each agent working WORK_MS.
  const total = RUNS * STEPS_PER_RUN;
  const slots = inProcess(CONCURRENCY);
  const seconds = await timeRuns(
    () => fanOut(STEPS_PER_RUN),
    RUNS,
    () => slots,
    32,
  );
  rows.push({
    path: `in-process (${CONCURRENCY} calls at once)`,
    workers: '-',
    'steps/s': Math.round(total / seconds),
    seconds: seconds.toFixed(2),
  });
  for (const count of [1, 2, 4]) {
    const workers = await startWorkers(count, WORK_MS);
    await timeRuns(() => fanOut(20), 1, viaQueue, 32); // warm-up
    const queued = await timeRuns(() => fanOut(STEPS_PER_RUN), RUNS, viaQueue, 32);
    await stopWorkers(workers);
    rows.push({
      path: `queue (${CONCURRENCY} calls at once per worker)`,
      workers: count,
      'steps/s': Math.round(total / queued),
      seconds: queued.toFixed(2),
    });
  }
  console.log(
    `Throughput: ${RUNS} runs x ${STEPS_PER_RUN} steps at once, each agent ${WORK_MS} ms of work; ` +
      `load average ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`,
  );
  console.table(rows);
  console.log(
    `The engine runs up to 32 steps of each run at once; every worker takes ${CONCURRENCY} calls at once.\n` +
      'Worker processes share the cores of this machine with Redis and the coordinator: on separate\n' +
      'machines, steps/s grows with workers until the coordinator or Redis is the limit.',
  );
} finally {
  await queue.close();
  const redis = new Redis(URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}
