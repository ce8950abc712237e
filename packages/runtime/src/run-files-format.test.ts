import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTaskGraph, RUN_RECORD_VERSION, type RunEvent, type RunRecord } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { FileCheckpointer } from './file-checkpointer.js';
import { eventLine, parseRunRecord, readEventLine, serializeRecord } from './run-files-format.js';
import { Runtime } from './runtime.js';
import { scriptedExecutor, tempBatonDir } from './test-helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
/** A run folder written by the format before lines left out what they repeat (a cancelled run). */
const FORMAT_2 = join(here, '__fixtures__', 'run-format-2');
const RUN = 'format-2-run';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
const base = (seq: number) => ({ runId: 'r1', seq, timestamp: at(seq) });
const progress = (fields: Partial<Record<string, number>>) => ({
  total: 3,
  done: 0,
  succeeded: 0,
  failed: 0,
  skipped: 0,
  running: 0,
  pending: 3,
  awaitingDecision: 0,
  percent: 0,
  weightedPercent: undefined,
  ...fields,
});

/** Events that take every way through the line format: defaults, their exceptions, markers. */
const events = [
  { ...base(1), type: 'state-change', from: 'idle', to: 'analyzing', trigger: 'start' },
  { ...base(2), type: 'state-change', from: 'monitoring', to: 'error', trigger: 'error' },
  { ...base(3), type: 'state-change', from: 'error', to: 'idle', trigger: 'recover' },
  { ...base(4), type: 'run-start', resumed: false, totalSteps: 3, finishedSteps: 0 },
  {
    ...base(5),
    type: 'step-start',
    stepId: 'a',
    agentId: 'a',
    label: 'a',
    via: 'primary',
    tier: 'CHEAP',
    attempt: 1,
  },
  {
    ...base(6),
    type: 'step-start',
    stepId: 'b',
    agentId: 'writer',
    parentId: 'debate.opinions',
    label: 'Write it',
    via: 'fallback 1',
    attempt: 2,
  },
  {
    ...base(7),
    type: 'step-usage',
    stepId: 'a',
    agentId: 'a',
    via: 'primary',
    attempt: 1,
    usage: { inputTokens: 120, outputTokens: 40, costUsd: 0.0001, model: 'm' },
    costDeltaUsd: 0.0001,
    tokensDelta: 160,
    runCostUsd: 0.0001,
    runTokens: 160,
  },
  {
    // No price: no cost delta.
    ...base(8),
    type: 'step-usage',
    stepId: 'b',
    agentId: 'writer',
    via: 'fallback 1',
    attempt: 2,
    usage: { inputTokens: 10, outputTokens: 5 },
    tokensDelta: 15,
    runCostUsd: 0.0001,
    runTokens: 175,
  },
  {
    // Deltas that differ from the usage (or are missing though it has a cost) are kept as they are.
    ...base(9),
    type: 'step-usage',
    stepId: 'c',
    agentId: 'c',
    via: 'primary',
    attempt: 1,
    usage: { inputTokens: 1, outputTokens: 1, costUsd: 0.5 },
    tokensDelta: 7,
    runCostUsd: 0.5,
    runTokens: 177,
  },
  {
    ...base(10),
    type: 'step-end',
    stepId: 'a',
    agentId: 'a',
    status: 'succeeded',
    attempts: [
      {
        via: 'primary',
        agentId: 'a',
        tier: 'CHEAP',
        attempt: 1,
        startedAt: at(5),
        durationSeconds: 0.25,
        success: true,
        usage: { inputTokens: 120, outputTokens: 40, costUsd: 0.0001, model: 'm' },
      },
    ],
    endedAt: at(10),
    runAttempt: 1,
    result: {
      agentId: 'a',
      success: true,
      output: { summary: 'fine', findings: [] },
      confidence: 0.9,
      durationSeconds: 0.25,
      error: '',
      usage: { inputTokens: 120, outputTokens: 40, costUsd: 0.0001, model: 'm' },
    },
    progress: progress({ done: 1, succeeded: 1, pending: 2, percent: 33.3 }),
  },
  {
    // A retried fallback whose result has usage its last attempt did not report, a result agent
    // that is not the step's, a second start of the run, an end time before the event's.
    ...base(11),
    type: 'step-end',
    stepId: 'b',
    agentId: 'writer',
    parentId: 'debate.opinions',
    status: 'failed',
    reason: 'agent-reported',
    attempts: [
      {
        via: 'primary',
        agentId: 'b',
        attempt: 1,
        startedAt: at(6),
        durationSeconds: 1,
        success: false,
        error: 'rate limited',
      },
      {
        via: 'fallback 1',
        agentId: 'writer',
        attempt: 2,
        startedAt: at(7),
        durationSeconds: 2,
        success: true,
      },
    ],
    startedAt: at(6),
    endedAt: at(9),
    runAttempt: 2,
    result: {
      agentId: 'someone-else',
      success: true,
      output: 'text',
      confidence: null,
      durationSeconds: 3,
      error: 'it said no',
      usage: { inputTokens: 1, outputTokens: 2 },
    },
    progress: progress({
      done: 2,
      succeeded: 1,
      failed: 1,
      pending: 1,
      percent: 66.7,
      weightedPercent: 50,
    }),
  },
  {
    // A join: no agent, no attempts.
    ...base(12),
    type: 'step-end',
    stepId: 'gather',
    agentId: undefined,
    status: 'succeeded',
    attempts: [],
    endedAt: at(12),
    runAttempt: 1,
    result: {
      agentId: 'gather',
      success: true,
      output: { a: 1 },
      confidence: null,
      durationSeconds: 0,
      error: '',
    },
    progress: progress({ done: 3, succeeded: 2, failed: 1, pending: 0, percent: 100 }),
  },
  {
    ...base(13),
    type: 'step-end',
    stepId: 'c',
    agentId: 'c',
    status: 'skipped',
    reason: 'dependency-failed',
    attempts: [],
    endedAt: at(13),
    runAttempt: 1,
    progress: progress({ done: 1, skipped: 1, running: 1, awaitingDecision: 1, percent: 33.3 }),
  },
  { ...base(14), type: 'run-notice', stepId: 'c', agentId: undefined, message: 'left over' },
  {
    ...base(15),
    type: 'run-end',
    status: 'failed',
    success: false,
    progress: progress({ done: 3, succeeded: 2, failed: 1, pending: 0, percent: 100 }),
    spend: {
      costUsd: 0.0001,
      inputTokens: 130,
      outputTokens: 45,
      totalTokens: 175,
      agents: 2,
      unpricedAttempts: 1,
      unmeasuredAttempts: 1,
    },
    durationSeconds: 1.5,
    error: 'b failed',
  },
] as unknown as RunEvent[];

describe('run files: events.jsonl lines', () => {
  it('gives back every event exactly as the engine wrote it', () => {
    for (const event of events) {
      expect(readEventLine(eventLine(event), 'r1')).toEqual(event);
    }
  });

  it('leaves out what a line repeats: a one-attempt step that succeeded keeps its times, output and counts', () => {
    const stepEnd = JSON.parse(eventLine(events[9]!));
    expect(stepEnd).toEqual({
      type: 'step-end',
      stepId: 'a',
      status: 'succeeded',
      attempts: [{ tier: 'CHEAP', startedAt: at(5) }],
      result: {
        output: { summary: 'fine', findings: [] },
        confidence: 0.9,
        durationSeconds: 0.25,
        usage: { inputTokens: 120, outputTokens: 40, costUsd: 0.0001, model: 'm' },
      },
      progress: { total: 3, succeeded: 1 },
      seq: 10,
      timestamp: at(10),
    });
    expect(JSON.parse(eventLine(events[0]!))).toEqual({
      type: 'state-change',
      trigger: 'start',
      seq: 1,
      timestamp: at(1),
    });
    // From anywhere to error: where it came from is kept.
    expect(JSON.parse(eventLine(events[1]!))).toMatchObject({ from: 'monitoring' });
    expect(JSON.parse(eventLine(events[6]!))).toEqual({
      type: 'step-usage',
      stepId: 'a',
      usage: { inputTokens: 120, outputTokens: 40, costUsd: 0.0001, model: 'm' },
      runCostUsd: 0.0001,
      runTokens: 160,
      seq: 7,
      timestamp: at(7),
    });
  });
});

describe('run files: run.json', () => {
  const graph = createTaskGraph({ task: 'write docs', steps: [{ id: 'a', agent: { id: 'a' } }] });
  const record = (overrides: Partial<RunRecord>): RunRecord => ({
    version: RUN_RECORD_VERSION,
    id: 'r1',
    createdAt: at(1),
    updatedAt: at(2),
    status: 'running',
    state: 'monitoring',
    history: [
      { from: 'idle', to: 'analyzing', trigger: 'start', at: at(1), data: { task: 'write docs' } },
      { from: 'analyzing', to: 'error', trigger: 'error', at: at(2) },
      { from: 'error', to: 'idle', trigger: 'recover', at: at(3) },
    ],
    graph,
    task: 'write docs',
    context: {},
    budget: {},
    concurrency: 2,
    attempts: 1,
    ...overrides,
  });

  it('reads back the record it wrote: a task equal to the graph’s, another one, or none', () => {
    for (const task of ['write docs', 'another task', undefined]) {
      const written = record({ task });
      if (task === undefined) delete written.task;
      const text = serializeRecord(written);
      expect(parseRunRecord('r1', 'run.json', text)).toEqual(written);
    }
    const stored = JSON.parse(serializeRecord(record({})));
    expect(stored.task).toBeUndefined();
    expect(stored.history[0]).toEqual({
      trigger: 'start',
      at: at(1),
      data: { task: 'write docs' },
    });
    expect(stored.history[1]).toEqual({ from: 'analyzing', trigger: 'error', at: at(2) });
  });
});

/**
 * Run folders written by earlier versions, each read as that version read it: format 2 wrote every
 * field; format 3 left out what lines repeat, and wrote the record, with its graph, to `run.json`
 * as the run was created.
 */
const EARLIER_FORMATS = [
  { name: 'format 2', folder: FORMAT_2, run: RUN },
  { name: 'format 3', folder: join(here, '__fixtures__', 'run-format-3'), run: 'format-3-run' },
];

describe.each(EARLIER_FORMATS)('run files: a run folder of $name', ({ folder, run }) => {
  // Both hold the same cancelled run, under their own run ids.
  const read = JSON.parse(readFileSync(join(FORMAT_2, 'read-by-format-2.json'), 'utf8'));
  const expected = {
    ...read,
    events: read.events.map((event: RunEvent) => ({ ...event, runId: run })),
  };

  function copyOfFixture(): string {
    const dir = tempBatonDir();
    cpSync(join(folder, 'runs'), join(dir, 'runs'), { recursive: true });
    return dir;
  }

  it('reads its events, steps and record as the earlier version read them', () => {
    const checkpointer = new FileCheckpointer({ dir: copyOfFixture(), fsync: false });
    expect(checkpointer.readEvents(run)).toEqual(expected.events);
    const stored = checkpointer.loadSteps(run);
    expect(Object.fromEntries(stored.steps)).toEqual(expected.steps);
    expect(stored.lastSeq).toBe(17);
    expect(stored.inFlight).toEqual(['c']);
    expect(stored.problems).toEqual([]);
    const loaded = checkpointer.loadRun(run);
    const raw = JSON.parse(readFileSync(join(FORMAT_2, 'runs', RUN, 'run.json'), 'utf8'));
    expect(loaded).toMatchObject({
      id: run,
      status: 'cancelled',
      task: raw.task,
      history: raw.history,
    });
    expect(loaded.interruptedAttempts).toEqual(raw.interruptedAttempts);
    expect(loaded.graph.steps.map((step) => step.id)).toEqual(['a', 'b', 'gather', 'c', 'd']);
  });

  it('resumes it: only the unfinished steps run, and the stream continues in the new format', async () => {
    const dir = copyOfFixture();
    const runtime = new Runtime({ dir, fsync: false, audit: false });
    const executor = scriptedExecutor({});
    const result = await runtime.resume(run, { executor }).result;
    expect(result.status).toBe('succeeded');
    expect(executor.calls.map((call) => call.agentId)).toEqual(['c', 'd']);
    // The interrupted attempt of c is kept with the attempt that finished it.
    expect(result.steps.c?.attempts.map((attempt) => attempt.success)).toEqual([false, true]);
    expect(result.steps.a?.result?.confidence).toBe(0.9);
    const checkpointer = new FileCheckpointer({ dir, fsync: false });
    const stream = checkpointer.readEvents(run);
    expect(stream.slice(0, 17)).toEqual(expected.events);
    expect(stream.map((event) => event.seq)).toEqual(stream.map((_, index) => index + 1));
    expect(stream.at(-1)).toMatchObject({ type: 'run-end', status: 'succeeded' });
    // Its events have no record line: run.json keeps the graph.
    const record = JSON.parse(readFileSync(join(dir, 'runs', run, 'run.json'), 'utf8'));
    expect(record.graph.steps).toHaveLength(5);
    expect(checkpointer.loadRun(run)).toMatchObject({ status: 'succeeded' });
  });
});

describe('run files: a new run', () => {
  const graph = createTaskGraph({
    task: 'crash test',
    steps: [
      { id: 'a', agent: { id: 'a' } },
      { id: 'b', agent: { id: 'b' }, dependsOn: ['a'] },
    ],
  });

  it('is readable and resumable mid-run: its record is the first line of its events (a crash while an agent works)', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false, audit: false });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const handle = runtime.start(graph, {
      runId: 'crashed',
      executor: (_agent, _context, { signal }) => {
        started();
        return new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      },
    });
    await running;
    const folder = join(dir, 'runs', 'crashed');
    const checkpointer = new FileCheckpointer({ dir, fsync: false });
    // One folder, its events file and the lock.
    expect(readdirSync(folder).sort()).toEqual(['events.jsonl', 'lock']);
    expect(checkpointer.loadRun('crashed')).toMatchObject({
      status: 'running',
      task: 'crash test',
    });
    expect(checkpointer.listRuns().items.map((item) => item.id)).toEqual(['crashed']);
    // What a crash leaves: copy the folder as it is now, without its lock, and resume the copy.
    handle.cancel('test over');
    const crashed = tempBatonDir();
    cpSync(folder, join(crashed, 'runs', 'crashed'), {
      recursive: true,
      filter: (path) => !path.endsWith('lock'),
    });
    await handle.result;
    const resumed = await new Runtime({ dir: crashed, fsync: false, audit: false }).resume(
      'crashed',
      { executor: scriptedExecutor({}) },
    ).result;
    expect(resumed.status).toBe('succeeded');
    expect(Object.keys(resumed.steps)).toEqual(['a', 'b']);
    const after = new FileCheckpointer({ dir: crashed, fsync: false });
    expect(after.loadRun('crashed')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(readdirSync(join(crashed, 'runs', 'crashed'))).toEqual(['events.jsonl']);
    // Each version of the record is a line; only the first holds the graph.
    const records = readFileSync(join(crashed, 'runs', 'crashed', 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((line) => line.type === 'run-record');
    expect(records.length).toBeGreaterThan(1);
    expect(records.map((line) => line.record.graph !== undefined)).toEqual(
      records.map((_, index) => index === 0),
    );
    expect(records.at(-1).record.status).toBe('succeeded');
  });

  it('reads the last whole record: one cut short by a crash is passed over, a damaged one named', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false, audit: false });
    await runtime.run(graph, { runId: 'done', executor: scriptedExecutor({}) });
    const events = join(dir, 'runs', 'done', 'events.jsonl');
    const lines = readFileSync(events, 'utf8').trim().split('\n');
    const checkpointer = new FileCheckpointer({ dir, fsync: false });
    expect(checkpointer.loadRun('done').status).toBe('succeeded');
    // The final record cut short: the run reads as it was before it (running, so resumable).
    writeFileSync(events, `${lines.slice(0, -1).join('\n')}\n${lines.at(-1)!.slice(0, 80)}`);
    expect(checkpointer.loadRun('done')).toMatchObject({ status: 'running', task: 'crash test' });
    expect(checkpointer.listRuns().items.map((item) => item.id)).toEqual(['done']);
    // Its events are all there: the cut line was a record, not an event.
    expect(checkpointer.loadSteps('done').problems).toEqual([]);
    expect(checkpointer.readEvents('done').at(-1)).toMatchObject({ type: 'run-end' });
    // A damaged first record (which holds the graph) is named, in loading and in the list.
    writeFileSync(events, `${[lines[0]!.slice(0, 60), ...lines.slice(1)].join('\n')}\n`);
    expect(() => checkpointer.loadRun('done')).toThrow(/events\.jsonl:1 is not valid JSON/);
    const listed = checkpointer.listRuns();
    expect(listed.items).toEqual([]);
    expect(listed.problems[0]?.message).toMatch(/events\.jsonl:1 is not valid JSON/);
    // A first record without a graph: nothing to take the graph from.
    writeFileSync(
      events,
      `${['{"type":"run-record","record":{}}', ...lines.slice(1)].join('\n')}\n`,
    );
    expect(() => checkpointer.loadRun('done')).toThrow(
      /the last run record of .*events\.jsonl has no graph, and .*events\.jsonl:1 has none either/,
    );
  });

  it('finds the last record behind a long stream of events and across chunk boundaries', () => {
    const dir = tempBatonDir();
    const checkpointer = new FileCheckpointer({ dir, fsync: false });
    // A first record line of about 100 KB (a long graph), longer than the chunks read back.
    const ids = Array.from({ length: 1500 }, (_, index) => `step-${index}`);
    const long = createTaskGraph({
      steps: ids.map((id, index) => ({
        id,
        agent: { id },
        dependsOn: index === 0 ? [] : [ids[index - 1]!],
      })),
    });
    const created: RunRecord = {
      version: RUN_RECORD_VERSION,
      id: 'long',
      createdAt: at(1),
      updatedAt: at(1),
      status: 'running',
      state: 'monitoring',
      history: [],
      graph: long,
      context: {},
      budget: {},
      concurrency: 1,
      attempts: 1,
    };
    checkpointer.createRun(created);
    const stream = (from: number) =>
      Array.from({ length: 3000 }, (_, index) => ({
        ...base(from + index),
        runId: 'long',
        type: 'run-notice',
        message: `notice ${from + index} ${'x'.repeat(40)}`,
      })) as unknown as RunEvent[];
    checkpointer.appendEvents('long', stream(1));
    expect(checkpointer.loadRun('long')).toEqual(created);
    const paused = { ...created, status: 'paused' as const, updatedAt: at(2) };
    checkpointer.saveRun(paused);
    checkpointer.appendEvents('long', stream(3001));
    expect(checkpointer.loadRun('long')).toEqual(paused);
    // A later record cut short at the end of the file: the one before it holds.
    const events = join(dir, 'runs', 'long', 'events.jsonl');
    writeFileSync(events, `${readFileSync(events, 'utf8')}{"type":"run-record","record":{"versi`);
    expect(checkpointer.loadRun('long')).toEqual(paused);
    expect(checkpointer.readEvents('long')).toHaveLength(6000);
  });
});
