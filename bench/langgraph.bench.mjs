// LangGraph.js and Baton side by side, in one process, on the same two shapes: a chain of 10
// no-op steps, and a fan-out of 4 steps followed by a join step (5 steps). A step is one node
// (LangGraph) or one agent step (Baton); every step does no work and returns a short string.
//
// LangGraph: the compiled StateGraph invoked without a checkpointer, with MemorySaver, and with
// SqliteSaver on a file in a temp dir (its default durability "async", and "sync", which writes
// each checkpoint before the next step starts, as Baton does). Each node returns `{ value }`
// (chain: a last-value channel) or `{ values: [value] }` (fan-out: a list channel).
//
// Baton: strategy.execute (the path other frameworks call: @baton/strategies on the engine with
// an in-memory checkpointer that keeps no events), the engine with MemoryCheckpointer (keeps every
// run and its events), and the durable runtime (Runtime on a FileCheckpointer in a temp dir, with
// and without fsync; audit log and retention off, the default approval rules on). The executor
// returns `{ output }` at once.
//
// BATCHES rounds; in each, every row in turn gets a fresh store, WARM_UP invocations, then one
// timed batch of at least MIN_INVOCATIONS invocations and BATCH_MS ms (rows take turns, so the
// machine's load of the moment weighs on all of them alike). µs per step: the median batch's wall
// time / (invocations × steps). Bytes per step on disk: what the row's store of the last round
// holds (SQLite: the database file and its -wal; Baton: the run folders) / the steps it ran.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, MemoryCheckpointer } from '@baton/core';
import { createTaskGraph, Runtime } from '@baton/runtime';
import { DebateStrategy, SequentialStrategy } from '@baton/strategies';
import { Annotation, END, MemorySaver, START, StateGraph } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';

const BATCHES = Number(process.env.BATON_BENCH_BATCHES ?? 7);
const BATCH_MS = Number(process.env.BATON_BENCH_BATCH_MS ?? 250);
const MIN_INVOCATIONS = Number(process.env.BATON_BENCH_MIN_INVOCATIONS ?? 20);
const WARM_UP = 30;
const LONG_CHAIN = Number(process.env.BATON_BENCH_LONG_CHAIN ?? 1000);

const CPU_CHECK_LOOPS = 100_000_000;

/** Milliseconds a fixed loop takes (the fastest of three): how fast the machine runs just now. */
function cpuCheck() {
  let fastest = Number.POSITIVE_INFINITY;
  for (let repeat = 0; repeat < 3; repeat += 1) {
    const started = performance.now();
    let sum = 0;
    for (let index = 0; index < CPU_CHECK_LOOPS; index += 1) sum += index % 7;
    if (sum < 0) throw new Error('unreachable');
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function fileBytes(path) {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

// ---- the shapes ------------------------------------------------------------------------------

const chainIds = (count) => Array.from({ length: count }, (_, index) => `step-${index}`);
const FAN_OUT = ['branch-0', 'branch-1', 'branch-2', 'branch-3'];
const shapes = {
  chain: { label: 'chain of 10', steps: 10 },
  fanOut: { label: 'fan-out 4 + join', steps: 5 },
};

function langGraphChain(count) {
  const State = Annotation.Root({ value: Annotation() });
  const builder = new StateGraph(State);
  const ids = chainIds(count);
  for (const id of ids) builder.addNode(id, () => ({ value: `${id} ok` }));
  builder.addEdge(START, ids[0]);
  for (let index = 1; index < ids.length; index += 1) builder.addEdge(ids[index - 1], ids[index]);
  builder.addEdge(ids.at(-1), END);
  return builder;
}

function langGraphFanOut() {
  const State = Annotation.Root({
    values: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }),
  });
  const builder = new StateGraph(State);
  for (const id of FAN_OUT) {
    builder.addNode(id, () => ({ values: [`${id} ok`] }));
    builder.addEdge(START, id);
  }
  builder.addNode('join', () => ({ values: ['join ok'] }));
  builder.addEdge(FAN_OUT, 'join');
  builder.addEdge('join', END);
  return builder;
}

function batonChain(count) {
  const ids = chainIds(count);
  return createTaskGraph({
    task: 'bench chain',
    steps: ids.map((id, index) => ({
      id,
      agent: { id },
      dependsOn: index === 0 ? [] : [ids[index - 1]],
    })),
  });
}

function batonFanOut() {
  return createTaskGraph({
    task: 'bench fan-out',
    steps: [
      ...FAN_OUT.map((id) => ({ id, agent: { id } })),
      { id: 'join', agent: { id: 'join' }, dependsOn: FAN_OUT },
    ],
  });
}

const executor = async (agent) => ({ output: `${agent.id} ok` });
const agentsFor = (ids) => ids.map((id) => ({ id }));

// ---- measuring -------------------------------------------------------------------------------

/**
 * The rows, each `{ framework, variant, shape, includes, setup }`; `setup()` gives a fresh store:
 * `{ invoke, bytes?, close? }`.
 */
const definitions = [];
const define = (framework, variant, includes, shape, setup) =>
  definitions.push({ framework, variant, includes, shape, setup });

/** One batch: at least MIN_INVOCATIONS invocations and BATCH_MS ms; µs per step. */
async function batch(invoke, steps) {
  let count = 0;
  const started = performance.now();
  let now = started;
  while (count < MIN_INVOCATIONS || now - started < BATCH_MS) {
    await invoke();
    count += 1;
    now = performance.now();
  }
  return { perStep: ((now - started) * 1000) / (count * steps), count };
}

/**
 * Round after round, every row in turn gets a fresh store, a warm-up and one timed batch, so that
 * the machine's load of the moment weighs on every row alike; a row's figure is the median of
 * its batches, its bytes those of its last round's store.
 */
async function measureRows() {
  const samples = definitions.map(() => []);
  const invocations = definitions.map(() => 0);
  const bytes = [];
  for (let round = 0; round < BATCHES; round += 1) {
    for (const [index, definition] of definitions.entries()) {
      const store = await definition.setup();
      for (let warm = 0; warm < WARM_UP; warm += 1) await store.invoke();
      const { perStep, count } = await batch(store.invoke, definition.shape.steps);
      samples[index].push(perStep);
      invocations[index] += count;
      const written = store.bytes?.();
      bytes[index] =
        written === undefined ? undefined : written / ((count + WARM_UP) * definition.shape.steps);
      await store.close?.();
    }
  }
  return definitions.map((definition, index) => ({
    ...definition,
    shape: definition.shape.label,
    perStep: median(samples[index]),
    invocations: invocations[index],
    bytesPerStep: bytes[index],
  }));
}

const tempDirs = [];
const tempDir = (base = tmpdir()) => {
  const dir = mkdtempSync(join(base, 'baton-langgraph-bench-'));
  tempDirs.push(dir);
  return dir;
};
/** A memory-backed file system, to tell the engine's cost from the disk's (not a durable store). */
const TMPFS = existsSync('/dev/shm') ? '/dev/shm' : undefined;

function sqliteStore() {
  const path = join(tempDir(), 'checkpoints.sqlite');
  const saver = SqliteSaver.fromConnString(path);
  return {
    saver,
    synchronous: () => saver.db.pragma('synchronous', { simple: true }),
    bytes: () => fileBytes(path) + fileBytes(`${path}-wal`),
    close: () => saver.db.close(),
  };
}

let sqliteSynchronous;
let thread = 0;
// Explicit run ids: thousands of runs a second would meet in newRunId's random part.
let runs = 0;

function langGraphRows(shape, build) {
  const plain = build().compile();
  define('LangGraph', 'no checkpointer', 'invoke of the compiled graph', shape, () => ({
    invoke: () => plain.invoke({}),
  }));
  define(
    'LangGraph',
    'MemorySaver',
    'invoke, a checkpoint per superstep in memory, new thread each',
    shape,
    () => {
      const graph = build().compile({ checkpointer: new MemorySaver() });
      return { invoke: () => graph.invoke({}, { configurable: { thread_id: `t${++thread}` } }) };
    },
  );
  for (const durability of ['async', 'sync']) {
    define(
      'LangGraph',
      `SqliteSaver (durability ${durability})`,
      `invoke, a checkpoint + writes per superstep in SQLite (WAL), new thread each${durability === 'sync' ? ', written before the next superstep' : ', written while the next superstep runs'}`,
      shape,
      () => {
        const store = sqliteStore();
        sqliteSynchronous ??= store.synchronous();
        const graph = build().compile({ checkpointer: store.saver });
        return {
          invoke: () =>
            graph.invoke({}, { configurable: { thread_id: `t${++thread}` }, durability }),
          bytes: store.bytes,
          close: store.close,
        };
      },
    );
  }
}

function batonRows(shape, graph, strategy, team) {
  define(
    'Baton',
    `strategy.execute (${strategy.constructor.name})`,
    'validation, graph build, engine run in memory (no events kept), results',
    shape,
    () => ({ invoke: () => strategy.execute(team, {}) }),
  );
  define(
    'Baton',
    'engine, MemoryCheckpointer',
    'engine run, every run and its events kept in memory',
    shape,
    () => {
      const engine = new Engine({ checkpointer: new MemoryCheckpointer(), pollIntervalMs: 0 });
      return {
        invoke: async () => {
          const result = await engine.run(graph, { executor, runId: `run-${++runs}` });
          if (result.status !== 'succeeded') throw new Error(`engine run ${result.status}`);
        },
      };
    },
  );
  const stores = [
    { fsync: false, label: 'fsync off' },
    { fsync: true, label: 'fsync on' },
    ...(TMPFS === undefined
      ? []
      : [{ fsync: false, label: `fsync off, on tmpfs ${TMPFS}`, base: TMPFS }]),
  ];
  for (const { fsync, label, base } of stores) {
    define(
      'Baton',
      `runtime, FileCheckpointer, ${label}`,
      `durable run: one events.jsonl (record and events), each step committed before the next${fsync ? ', fdatasync per commit' : ''}${base === undefined ? '' : '; the same files in memory, to show what the disk costs (not durable)'}`,
      shape,
      () => {
        const dir = join(tempDir(base), '.baton');
        const runtime = new Runtime({ dir, fsync, audit: false, retention: false });
        return {
          invoke: async () => {
            const result = await runtime.run(graph, { executor, runId: `run-${++runs}` });
            if (result.status !== 'succeeded') throw new Error(`runtime run ${result.status}`);
          },
          bytes: () =>
            readdirSync(join(dir, 'runs'))
              .filter((name) => !name.startsWith('.'))
              .reduce((total, runId) => total + runtime.checkpointer.runBytes(runId).bytes, 0),
        };
      },
    );
  }
}

/** One long chain per durable store: the bytes a step adds once a run's fixed cost is spread out. */
async function longChain() {
  const results = [];
  for (const fsync of [false, true]) {
    const dir = join(tempDir(), '.baton');
    const runtime = new Runtime({ dir, fsync, audit: false, retention: false });
    const started = performance.now();
    const result = await runtime.run(batonChain(LONG_CHAIN), { executor });
    const ms = performance.now() - started;
    if (result.status !== 'succeeded') throw new Error(`long chain ${result.status}`);
    const runDir = runtime.checkpointer.runDir(result.runId);
    results.push({
      what: `Baton runtime, fsync ${fsync ? 'on' : 'off'}`,
      perStep: (ms * 1000) / LONG_CHAIN,
      bytesPerStep: runtime.checkpointer.runBytes(result.runId).bytes / LONG_CHAIN,
      detail: `events.jsonl ${fileBytes(join(runDir, 'events.jsonl'))} B`,
    });
  }
  const store = sqliteStore();
  const graph = langGraphChain(LONG_CHAIN).compile({ checkpointer: store.saver });
  const started = performance.now();
  await graph.invoke(
    {},
    {
      configurable: { thread_id: 'long' },
      durability: 'sync',
      recursionLimit: LONG_CHAIN + 10,
    },
  );
  const ms = performance.now() - started;
  results.push({
    what: 'LangGraph SqliteSaver (durability sync)',
    perStep: (ms * 1000) / LONG_CHAIN,
    bytesPerStep: store.bytes() / LONG_CHAIN,
    detail: 'database file + -wal',
  });
  store.close();
  return results;
}

try {
  langGraphRows(shapes.chain, () => langGraphChain(10));
  batonRows(
    shapes.chain,
    batonChain(10),
    new SequentialStrategy({ executor }),
    agentsFor(chainIds(10)),
  );
  langGraphRows(shapes.fanOut, langGraphFanOut);
  batonRows(
    shapes.fanOut,
    batonFanOut(),
    new DebateStrategy({ executor, synthesizer: { id: 'join' } }),
    agentsFor(FAN_OUT),
  );
  const before = cpuCheck();
  const rows = await measureRows();
  const long = await longChain();
  const after = cpuCheck();

  const [load1] = loadavg();
  console.log(
    `LangGraph.js 1.7.3 and Baton side by side: Node ${process.version}, ${availableParallelism()} cores, ` +
      `load average ${load1.toFixed(2)}, temp dir ${tmpdir()}, SQLite synchronous=${sqliteSynchronous} ` +
      `(2 = FULL: the WAL is synced at every commit).\n` +
      `µs/step: median of ${BATCHES} batches, one a round per row (each >= ${MIN_INVOCATIONS} invocations and >= ${BATCH_MS} ms, after ${WARM_UP} warm-up invocations on a fresh store).\n` +
      `Machine check: a fixed loop of ${CPU_CHECK_LOOPS.toLocaleString('en')} steps took ${before.toFixed(0)} ms before the rows and ${after.toFixed(0)} ms after them (on a shared machine, a slower loop means every row of the run is slower too).\n`,
  );
  console.log('| framework | variant | shape | µs/step | bytes/step on disk | timed invocations |');
  console.log('| --- | --- | --- | ---: | ---: | ---: |');
  for (const entry of rows) {
    const bytes = entry.bytesPerStep === undefined ? '-' : Math.round(entry.bytesPerStep);
    console.log(
      `| ${entry.framework} | ${entry.variant} | ${entry.shape} | ${entry.perStep.toFixed(1)} | ${bytes} | ${entry.invocations} |`,
    );
  }
  console.log('\nWhat each variant includes:');
  for (const [variant, includes] of new Map(rows.map((entry) => [entry.variant, entry.includes])))
    console.log(`- ${variant}: ${includes}`);

  console.log(
    `\nOne chain of ${LONG_CHAIN} steps (one invocation; per-run fixed cost spread out):\n`,
  );
  console.log('| store | µs/step | bytes/step on disk | files |');
  console.log('| --- | ---: | ---: | --- |');
  for (const entry of long) {
    console.log(
      `| ${entry.what} | ${entry.perStep.toFixed(1)} | ${Math.round(entry.bytesPerStep)} | ${entry.detail} |`,
    );
  }

  // ---- targets ---------------------------------------------------------------------------------
  const find = (framework, variant, shape) =>
    rows.find(
      (entry) =>
        entry.framework === framework &&
        (entry.variant === variant || entry.variant.startsWith(`${variant} (`)) &&
        entry.shape === shape,
    );
  const targets = [];
  const check = (label, value, limit, unit) =>
    targets.push(
      `${value <= limit ? 'PASS' : 'FAIL'}  ${label}: ${value.toFixed(1)} ${unit} (target <= ${limit.toFixed(1)})`,
    );
  for (const shape of Object.values(shapes)) {
    check(
      `${shape.label}, Baton strategy.execute in memory`,
      find('Baton', 'strategy.execute', shape.label).perStep,
      10,
      'µs/step',
    );
    // Stricter than the in-memory target: this engine keeps every run and its events until
    // they are deleted, and their garbage collection weighs on every step.
    check(
      `${shape.label}, Baton engine keeping every run's events in a MemoryCheckpointer (stricter)`,
      find('Baton', 'engine, MemoryCheckpointer', shape.label).perStep,
      10,
      'µs/step',
    );
    check(
      `${shape.label}, Baton runtime fsync off`,
      find('Baton', 'runtime, FileCheckpointer, fsync off', shape.label).perStep,
      100,
      'µs/step',
    );
    for (const durability of ['async', 'sync']) {
      check(
        `${shape.label}, Baton runtime fsync on vs SqliteSaver (durability ${durability})`,
        find('Baton', 'runtime, FileCheckpointer, fsync on', shape.label).perStep,
        find('LangGraph', `SqliteSaver (durability ${durability})`, shape.label).perStep,
        'µs/step',
      );
    }
    for (const fsync of ['off', 'on']) {
      check(
        `${shape.label}, Baton runtime fsync ${fsync} on disk`,
        find('Baton', `runtime, FileCheckpointer, fsync ${fsync}`, shape.label).bytesPerStep,
        1024,
        'bytes/step',
      );
    }
  }
  for (const entry of long.filter((item) => item.what.startsWith('Baton'))) {
    check(`chain of ${LONG_CHAIN}, ${entry.what} on disk`, entry.bytesPerStep, 1024, 'bytes/step');
  }
  console.log('\nTargets:');
  for (const line of targets) console.log(`  ${line}`);
} finally {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}
