import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { delay } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { FileCheckpointer } from './file-checkpointer.js';
import { Runtime } from './runtime.js';
import { graphOf, scriptedExecutor, tempBatonDir, waitFor } from './test-helpers.js';

function slowExecutor(ms: number) {
  const aborted: string[] = [];
  const executor = scriptedExecutor({});
  const wrapped = Object.assign(
    async (
      agent: { id: string },
      context: Record<string, unknown>,
      options: { signal: AbortSignal },
    ) => {
      await executor(agent, context, options);
      try {
        await delay(ms, { signal: options.signal });
      } catch (error) {
        aborted.push(agent.id);
        throw error;
      }
      return { output: `${agent.id} done`, confidence: 0.9 };
    },
    { calls: executor.calls, count: executor.count, aborted },
  );
  return wrapped;
}

const chain = graphOf([
  { id: 's1' },
  { id: 's2', dependsOn: ['s1'] },
  { id: 's3', dependsOn: ['s2'] },
  { id: 's4', dependsOn: ['s3'] },
]);

describe('Runtime: cancellation and resume', () => {
  it('cancels promptly through the handle: the abort reaches the executor, the run is saved cancelled, resume finishes without re-running', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    const executor = slowExecutor(40);
    const handle = runtime.start(chain, { executor, runId: 'c-1' });
    await waitFor(() => executor.count('s3') === 1);
    const stored = new FileCheckpointer({ dir }).loadSteps('c-1');
    expect([...stored.steps.keys()]).toEqual(['s1', 's2']);
    const cancelledAt = Date.now();
    handle.cancel('user pressed Ctrl-C');
    const result = await handle.result;
    expect(Date.now() - cancelledAt).toBeLessThan(500);
    expect(result.status).toBe('cancelled');
    expect(executor.aborted).toEqual(['s3']);
    const record = await runtime.store.loadRun('c-1');
    expect(record).toMatchObject({ status: 'cancelled', state: 'error' });
    expect(record.history.at(-1)).toMatchObject({
      trigger: 'error',
      data: { reason: 'cancelled' },
    });
    expect((await runtime.store.list()).runs[0]).toMatchObject({ id: 'c-1', resumable: true });

    const resumed = await runtime.resume('c-1', { executor }).result;
    expect(resumed.status).toBe('succeeded');
    expect(executor.count('s1')).toBe(1);
    expect(executor.count('s2')).toBe(1);
    expect(executor.count('s3')).toBe(2); // interrupted once, then finished
    expect(executor.count('s4')).toBe(1);
    const after = await runtime.store.loadRun('c-1');
    expect(after.history.map((entry) => entry.trigger)).toEqual(
      expect.arrayContaining(['error', 'recover', 'start', 'finish']),
    );
    expect(after.attempts).toBe(2);
  });

  it('keeps the spend of an attempt cut short by a cancel: it counts after resume, with its step', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    const executor = slowExecutor(40);
    const handle = runtime.start(chain, { executor, runId: 'c-spend' });
    await waitFor(() => executor.count('s2') === 1);
    handle.cancel();
    const cancelled = await handle.result;
    // This executor reports no usage: every attempt is unmeasured.
    expect(cancelled.spend.total).toMatchObject({ agents: 2, unmeasuredAttempts: 2 });
    const record = await runtime.store.loadRun('c-spend');
    expect(record.interruptedAttempts?.s2).toHaveLength(1);

    const resumed = await runtime.resume('c-spend', { executor }).result;
    expect(resumed.status).toBe('succeeded');
    // 4 finished agent runs plus the interrupted one, whose usage nobody measured.
    expect(resumed.spend.total).toMatchObject({ agents: 5, unmeasuredAttempts: 5 });
    expect(resumed.steps.s2!.attempts.map((attempt) => attempt.success)).toEqual([false, true]);
    const after = await runtime.store.loadRun('c-spend');
    expect(after.interruptedAttempts).toEqual({});
  });

  it('cancels through an outer AbortSignal (Ctrl-C)', async () => {
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    const controller = new AbortController();
    const executor = slowExecutor(1000);
    const handle = runtime.start(chain, { executor, signal: controller.signal });
    await waitFor(() => executor.calls.length > 0);
    controller.abort();
    const result = await handle.result;
    expect(result.status).toBe('cancelled');
    expect(executor.aborted).toEqual(['s1']);
  });

  it('cancels a run owned by another Runtime through the cancel marker', async () => {
    const dir = tempBatonDir();
    const owner = new Runtime({ dir, fsync: false, pollIntervalMs: 10 });
    const executor = slowExecutor(1000);
    const handle = owner.start(chain, { executor, runId: 'c-2' });
    await waitFor(() => executor.calls.length > 0);
    const other = new Runtime({ dir, fsync: false });
    const outcome = await other.cancel('c-2', { reason: 'from baton runs cancel' });
    expect(outcome).toEqual({ status: 'running', via: 'marker' });
    const result = await handle.result;
    expect(result.status).toBe('cancelled');
    expect(result.error).toContain('from baton runs cancel');
    expect(existsSync(join(dir, 'runs', 'c-2', 'cancel'))).toBe(false);
  });

  it('refuses to resume a finished run or one whose process is alive', async () => {
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    const executor = scriptedExecutor({});
    const done = await runtime.run(graphOf([{ id: 'a' }]), { executor });
    await expect(runtime.resume(done.runId, { executor }).result).rejects.toThrow(
      'succeeded; there is nothing to resume',
    );
    const handle = runtime.start(chain, { executor: slowExecutor(1000), runId: 'live' });
    await delay(20);
    const dir = (runtime.checkpointer as FileCheckpointer).dir;
    const other = new Runtime({ dir, fsync: false });
    const record = await other.store.loadRun('live');
    other.checkpointer.saveRun({ ...record, pid: process.ppid });
    await expect(other.resume('live', { executor }).result).rejects.toThrow(
      /is being executed by pid/,
    );
    handle.cancel();
    await handle.result;
  });

  it('rejects bad options naming the field', () => {
    const runtime = new Runtime({ dir: tempBatonDir(), fsync: false });
    const executor = scriptedExecutor({});
    expect(() => runtime.start(chain, { executor, concurrency: 0 })).toThrow(
      'concurrency: must be an integer >= 1',
    );
    expect(() => runtime.start(chain, { executor, budget: { maxCostUsd: -1 } })).toThrow(
      'budget.maxCostUsd: must be > 0',
    );
    expect(() => runtime.start(chain, { executor, runId: '../x' })).toThrow('runId');
    expect(() => runtime.start(chain, {} as never)).toThrow('executor: must be a function');
  });
});

describe('Runtime: one owner per run', () => {
  it('lets only one of two simultaneous resumes execute a crashed run', async () => {
    const dir = tempBatonDir();
    const runtime = new Runtime({ dir, fsync: false });
    const executor = slowExecutor(30);
    const handle = runtime.start(chain, { executor, runId: 'twice' });
    await waitFor(() => executor.calls.length > 0);
    handle.cancel();
    await handle.result;
    // The winner holds the run until the loser has been turned away, however the two are scheduled.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const gated = async (
      agent: { id: string },
      context: Record<string, unknown>,
      options: { signal: AbortSignal },
    ) => {
      await gate;
      return executor(agent, context, options);
    };
    const runs = [
      runtime.resume('twice', { executor: gated }).result,
      new Runtime({ dir, fsync: false }).resume('twice', { executor: gated }).result,
    ];
    let turnedAway = 0;
    for (const run of runs) {
      run.catch(() => {
        turnedAway += 1;
      });
    }
    await waitFor(() => turnedAway === 1);
    open();
    const outcomes = await Promise.allSettled(runs);
    const fulfilled = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(String((rejected[0] as PromiseRejectedResult).reason)).toMatch(
      /is being executed by pid/,
    );
    expect(executor.count('s4')).toBe(1);
  });
});
