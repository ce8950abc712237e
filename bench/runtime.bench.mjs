// Per-step overhead of the @baton/runtime engine with checkpointing on, and bytes on disk per
// step. The executor returns at once, so the time measured is the engine's own: scheduling,
// events, and a step commit per step (one append to the run's events.jsonl [+ fdatasync]).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTaskGraph, Runtime } from '@baton/runtime';

const STEPS = Number(process.env.BATON_BENCH_STEPS ?? 1000);

const executor = async (agent) => ({
  output: { summary: `${agent.id} finished`, findings: [] },
  confidence: 0.9,
  usage: { inputTokens: 120, outputTokens: 40, costUsd: 0.0001 },
});

function chain(count) {
  return createTaskGraph({
    task: 'benchmark chain',
    steps: Array.from({ length: count }, (_, index) => ({
      id: `step-${index}`,
      agent: { id: `agent-${index}`, tier: 'CHEAP' },
      dependsOn: index === 0 ? [] : [`step-${index - 1}`],
    })),
  });
}

function fanOut(count) {
  return createTaskGraph({
    task: 'benchmark fan-out',
    steps: Array.from({ length: count }, (_, index) => ({
      id: `step-${index}`,
      agent: { id: `agent-${index}`, tier: 'CHEAP' },
    })),
  });
}

async function measure(name, graph, { fsync, concurrency }) {
  const root = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  const dir = join(root, '.baton');
  try {
    const runtime = new Runtime({ dir, fsync, audit: false });
    const started = performance.now();
    const result = await runtime.run(graph, { executor, concurrency, approvalRules: [] });
    const seconds = (performance.now() - started) / 1000;
    if (result.status !== 'succeeded') throw new Error(`${name}: run ${result.status}`);
    const runDir = runtime.checkpointer.runDir(result.runId);
    const runBytes = runtime.checkpointer.runBytes(result.runId).bytes;
    return {
      scenario: name,
      steps: graph.steps.length,
      fsync,
      concurrency,
      'overhead ms/step': ((seconds * 1000) / graph.steps.length).toFixed(3),
      'steps/s': Math.round(graph.steps.length / seconds),
      'events.jsonl bytes': statSync(join(runDir, 'events.jsonl')).size,
      'run dir bytes': runBytes,
      'bytes/step': Math.round(runBytes / graph.steps.length),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const REPEATS = Number(process.env.BATON_BENCH_REPEATS ?? 3);

/** Runs a scenario REPEATS times; reports the run with the median per-step overhead, and the best. */
async function repeated(name, makeGraph, options) {
  const runs = [];
  for (let index = 0; index < REPEATS; index += 1) {
    runs.push(await measure(name, makeGraph(STEPS), options));
  }
  const sorted = [...runs].sort(
    (a, b) => Number(a['overhead ms/step']) - Number(b['overhead ms/step']),
  );
  const median = sorted[Math.floor(sorted.length / 2)];
  return { ...median, 'best ms/step': sorted[0]['overhead ms/step'] };
}

const rows = [];
// Warm-up (JIT, file system caches), not reported.
await measure('warm-up', chain(50), { fsync: true, concurrency: 1 });
rows.push(await repeated('chain', chain, { fsync: true, concurrency: 1 }));
rows.push(await repeated('chain', chain, { fsync: false, concurrency: 1 }));
rows.push(await repeated('fan-out', fanOut, { fsync: true, concurrency: 8 }));
rows.push(await repeated('fan-out', fanOut, { fsync: false, concurrency: 8 }));

console.log(
  `@baton/runtime engine overhead: ${STEPS} steps, immediate executor, temp dir ${tmpdir()}, ` +
    `median of ${REPEATS} runs, load average ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`,
);
console.table(rows);
console.log(
  'overhead ms/step = wall time / steps with an executor that returns at once: scheduling, events,\n' +
    'and one step commit per step (an append to events.jsonl [+ fdatasync]; its step-end line is the\n' +
    "step's checkpoint). The record (graph, history, outcome) is a line of the same file for each\n" +
    'version (here when the run starts and when it stops); bytes/step = run dir bytes / steps.',
);
