import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileCheckpointer } from './file-checkpointer.js';
import { RunStore } from './run-store.js';
import { Runtime } from './runtime.js';
import { graphOf, scriptedExecutor, tempBatonDir } from './test-helpers.js';

async function runs(dir: string, ids: string[]) {
  let clock = Date.UTC(2026, 0, 1);
  const tick = (): Date => {
    clock += 1000;
    return new Date(clock);
  };
  const runtime = new Runtime({ dir, fsync: false, now: tick });
  for (const id of ids) {
    await runtime.run(graphOf([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }]), {
      executor: scriptedExecutor({}),
      runId: id,
    });
  }
  return runtime;
}

describe('RunStore', () => {
  it('lists runs newest first with progress, and shows one with its steps', async () => {
    const dir = tempBatonDir();
    await runs(dir, ['r1', 'r2']);
    const store = new RunStore({ dir });
    const { runs: list, problems } = await store.list();
    expect(problems).toEqual([]);
    expect(list.map((run) => run.id)).toEqual(['r2', 'r1']);
    expect(list[0]).toMatchObject({
      status: 'succeeded',
      crashed: false,
      resumable: false,
      progress: { percent: 100 },
    });
    const details = await store.show('r1');
    expect(Object.keys(details.steps).sort()).toEqual(['a', 'b']);
    expect(details.steps.a!.result!.output).toBe('a done');
    expect(details.cancelRequested).toBe(false);
    expect((await store.list({ limit: 1 })).runs).toHaveLength(1);
    await expect(store.show('nope')).rejects.toThrow('No run "nope"');
    await expect(store.show('../etc')).rejects.toThrow('runId');
  });

  it('writes a run as one file, its records and events, private to the owner, no temporary files left behind', async () => {
    const dir = tempBatonDir();
    await runs(dir, ['r1']);
    expect(readdirSync(join(dir, 'runs', 'r1'))).toEqual(['events.jsonl']);
    expect(statSync(join(dir, 'runs', 'r1', 'events.jsonl')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'runs', 'r1')).mode & 0o777).toBe(0o700);
    const size = new FileCheckpointer({ dir }).runBytes('r1');
    expect(size.files).toBe(1);
    expect(size.bytes).toBeGreaterThan(100);
  });

  it('reports unreadable runs and event lines by name instead of treating them as absent', async () => {
    const dir = tempBatonDir();
    await runs(dir, ['r1', 'r2']);
    // r2's last record damaged (a whole line, not one cut short at the end).
    const records = join(dir, 'runs', 'r2', 'events.jsonl');
    writeFileSync(
      records,
      `${readFileSync(records, 'utf8')}{"type":"run-record","record":{ "version": 2, "trunc}\n`,
    );
    const events = join(dir, 'runs', 'r1', 'events.jsonl');
    const lines = readFileSync(events, 'utf8').split('\n');
    const stepA = lines.findIndex(
      (line) => line.includes('"type":"step-end"') && line.includes('"stepId":"a"'),
    );
    lines[stepA] = lines[stepA]!.slice(0, 40);
    writeFileSync(events, lines.join('\n'));
    const store = new RunStore({ dir });
    const { runs: listed, problems } = await store.list();
    expect(listed.map((run) => run.id)).toEqual(['r1']);
    expect(problems.map((problem) => [problem.kind, problem.record])).toEqual([
      ['corrupt', 'run r2'],
      ['corrupt', 'events of run r1'],
    ]);
    expect(problems[0]!.message).toContain('the last run record of');
    expect(problems[0]!.message).toContain('r2/events.jsonl is not valid JSON');
    expect(problems[1]!.message).toContain(`line ${stepA + 1} of`);
    await expect(store.show('r2')).rejects.toThrow('the run record is damaged');
    const details = await store.show('r1');
    expect(Object.keys(details.steps)).toEqual(['b']);
    expect(details.problems.map((problem) => problem.kind)).toEqual(['corrupt']);
  });

  it('reports a record cut short by a crash as torn; that step runs again on resume', async () => {
    const dir = tempBatonDir();
    await runs(dir, ['r1']);
    const events = join(dir, 'runs', 'r1', 'events.jsonl');
    appendFileSync(events, '{"type":"step-end","stepId":"x","sta');
    const stored = new FileCheckpointer({ dir }).loadSteps('r1');
    expect(stored.problems).toHaveLength(1);
    expect(stored.problems[0]).toMatchObject({ kind: 'torn', runId: 'r1' });
    expect(stored.problems[0]!.message).toContain('cut short, most likely by a crash');
    expect([...stored.steps.keys()]).toEqual(['a', 'b']);
  });

  it('prunes by retention: older than keepDays, except the newest keepLast', async () => {
    const dir = tempBatonDir();
    await runs(dir, ['r1', 'r2', 'r3', 'r4']);
    const later = new RunStore({ dir, now: () => new Date(Date.UTC(2026, 0, 20)) });
    expect(await later.prune({ keepDays: 30 })).toEqual([]);
    expect(await later.prune({ keepDays: 7, keepLast: 2, dryRun: true })).toEqual(['r2', 'r1']);
    expect((await later.list()).runs.length).toBe(4);
    expect(await later.prune({ keepDays: 7, keepLast: 2 })).toEqual(['r2', 'r1']);
    expect((await later.list()).runs.map((run) => run.id)).toEqual(['r4', 'r3']);
    expect(await later.prune({ keepLast: 1 })).toEqual(['r3']);
    await expect(later.prune({})).rejects.toThrow('keepDays: give keepDays and/or keepLast');
    await expect(later.prune({ keepLast: -1 })).rejects.toThrow(
      'keepLast: must be an integer >= 0',
    );
  });

  it('marks a crashed run cancelled at once when asked to cancel it', async () => {
    const dir = tempBatonDir();
    const runtime = await runs(dir, ['r1']);
    const record = await runtime.store.loadRun('r1');
    // A run whose owner died: status running with a pid that does not exist.
    runtime.checkpointer.saveRun({
      ...record,
      status: 'running',
      state: 'monitoring',
      pid: 2 ** 22 + 12345,
    });
    expect((await runtime.store.list()).runs[0]).toMatchObject({ crashed: true, resumable: true });
    expect(await runtime.cancel('r1')).toEqual({ status: 'cancelled', via: 'store' });
    expect(await runtime.store.loadRun('r1')).toMatchObject({
      status: 'cancelled',
      state: 'error',
    });
    await expect(runtime.cancel('r1')).rejects.toThrow('Run r1 is cancelled; nothing to cancel');
  });

  it('keeps the event log of each run for `baton runs logs`', async () => {
    const dir = tempBatonDir();
    await runs(dir, ['r1']);
    const events = await new RunStore({ dir }).readEvents('r1');
    expect(events[0]!.type).toBe('state-change');
    expect(events.at(-1)!.type).toBe('run-end');
    expect(
      events.filter((event) => event.type === 'step-end').map((event) => event.stepId),
    ).toEqual(['a', 'b']);
  });
});

describe('retention and following logs', () => {
  it('applies the retention policy after each run, never deleting the run that just ended', async () => {
    const dir = tempBatonDir();
    let clock = Date.UTC(2026, 0, 1);
    const now = (): Date => new Date(clock);
    const runtime = new Runtime({
      dir,
      fsync: false,
      now,
      retention: { keepDays: 1, keepLast: 1 },
    });
    const executor = scriptedExecutor({});
    for (const id of ['old-1', 'old-2', 'new-1']) {
      await runtime.run(graphOf([{ id: 'a' }]), { executor, runId: id });
      clock += 3 * 86_400_000;
    }
    expect((await runtime.store.list()).runs.map((run) => run.id)).toEqual(['new-1']);
    const keepAll = new Runtime({ dir, fsync: false, retention: false });
    await keepAll.run(graphOf([{ id: 'a' }]), { executor, runId: 'kept' });
    expect((await keepAll.store.list()).runs.map((run) => run.id).sort()).toEqual([
      'kept',
      'new-1',
    ]);
  });

  it('prunes at most once a minute per store, however many runs end (it reads every run)', async () => {
    const dir = tempBatonDir();
    let clock = Date.UTC(2026, 0, 1);
    const now = (): Date => new Date(clock);
    const executor = scriptedExecutor({});
    const ids = async (): Promise<string[]> =>
      (await new Runtime({ dir, retention: false }).store.list()).runs.map((run) => run.id).sort();
    // A Runtime per run, as the SDK and the server make them.
    const runOnce = (runId: string) =>
      new Runtime({ dir, fsync: false, now, retention: { keepDays: 0, keepLast: 1 } }).run(
        graphOf([{ id: 'a' }]),
        { executor, runId },
      );
    await runOnce('first');
    clock += 10_000;
    await runOnce('second');
    expect(await ids()).toEqual(['first', 'second']);
    clock += 61_000;
    await runOnce('third');
    expect(await ids()).toEqual(['third']);
  });

  it('follows a live run event by event until run-end (`baton runs logs --follow`)', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    const executor = scriptedExecutor({
      a: [
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          return { output: 'x', confidence: 1 };
        },
      ],
    });
    const handle = runtime.start(graphOf([{ id: 'a' }]), { executor, runId: 'follow-1' });
    const seen: string[] = [];
    for await (const event of runtime.store.followEvents('follow-1', { pollIntervalMs: 10 })) {
      seen.push(event.type);
    }
    await handle.result;
    expect(seen.at(-1)).toBe('run-end');
    expect(seen).toContain('step-start');
    const controller = new AbortController();
    controller.abort();
    const none: string[] = [];
    for await (const event of runtime.store.followEvents('nope', { signal: controller.signal }))
      none.push(event.type);
    expect(none).toEqual([]);
  });
});
