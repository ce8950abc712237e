import { delay, ValidationError } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { ParallelStrategy } from './parallel-strategy.js';
import {
  after,
  agent,
  type Behaviour,
  hangs,
  honoursSignal,
  scriptedExecutor,
  throws,
  traced,
} from './test-helpers.js';

describe('ParallelStrategy', () => {
  it('runs all agents at once with the same context; duration is the wall time', async () => {
    const log: string[] = [];
    const { executor, calls } = scriptedExecutor({
      a: traced(log, 'a', 40, { output: 'A', confidence: 1 }),
      b: traced(log, 'b', 20, { output: 'B', confidence: 0.5 }),
      c: traced(log, 'c', 30, { output: 'C', confidence: 0 }),
    });
    const started = performance.now();
    const result = await new ParallelStrategy({ executor }).execute(
      [agent('a'), agent('b'), agent('c')],
      { path: '.' },
    );
    const wall = (performance.now() - started) / 1000;

    expect(calls.map((call) => call.context)).toEqual([
      { path: '.' },
      { path: '.' },
      { path: '.' },
    ]);
    expect(result.success).toBe(true);
    expect(result.aggregatedOutput).toEqual({
      numAgents: 3,
      allSucceeded: true,
      avgConfidence: 0.5,
      outputs: ['A', 'B', 'C'],
    });
    const slowest = Math.max(...result.outputs.map((output) => output.durationSeconds));
    expect(result.totalDuration).toBeGreaterThanOrEqual(slowest);
    expect(result.totalDuration).toBeLessThanOrEqual(wall);
    // All at once: every agent started before the first one finished.
    expect(log.slice(0, 3)).toEqual(['start:a', 'start:b', 'start:c']);
  });

  it('does not cancel the others when one fails', async () => {
    const { executor, calls } = scriptedExecutor({
      bad: throws('crashed'),
      good: after(30, { output: 'ok', confidence: 0.7 }),
    });
    const result = await new ParallelStrategy({ executor }).execute(
      [agent('bad'), agent('good')],
      {},
    );
    expect(calls.find((call) => call.agentId === 'good')!.signal.aborted).toBe(false);
    expect(result.outputs.map((output) => output.success)).toEqual([false, true]);
    expect(result.success).toBe(false);
    expect(result.errors).toEqual(['Agent "bad" failed: crashed']);
    // The failed agent reported no confidence: the mean is of the one that was reported.
    expect(result.aggregatedOutput).toMatchObject({ allSucceeded: false, avgConfidence: 0.7 });
  });

  it.each([
    ['ignores', hangs],
    ['honours', honoursSignal],
  ])('fails a timed-out agent whose executor %s its signal, keeping the rest', async (_, slow) => {
    const { executor } = scriptedExecutor({ slow });
    const result = await new ParallelStrategy({ executor }).execute(
      [agent('slow', { timeoutSeconds: 0.05 }), agent('fast')],
      {},
    );
    expect(result.outputs[0]!.error).toBe('Agent "slow" timed out after 0.05s');
    expect(result.outputs[1]!.success).toBe(true);
    expect(result.totalDuration).toBeLessThan(0.5);
  });

  it('never runs more than `concurrency` agents at once and keeps the order', async () => {
    let running = 0;
    let peak = 0;
    const behaviour: Behaviour = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await delay(10);
      running -= 1;
      return { output: 'x' };
    };
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const { executor } = scriptedExecutor(Object.fromEntries(ids.map((id) => [id, behaviour])));
    const result = await new ParallelStrategy({ executor, concurrency: 2 }).execute(
      ids.map((id) => agent(id)),
      {},
    );
    expect(peak).toBe(2);
    expect(result.outputs.map((output) => output.agentId)).toEqual(ids);
    expect(result.success).toBe(true);
  });

  it('aborts running agents and does not start queued ones', async () => {
    const controller = new AbortController();
    const { executor, calls, called } = scriptedExecutor({ a: honoursSignal, b: hangs });
    setTimeout(() => controller.abort(), 30);
    const result = await new ParallelStrategy({ executor, concurrency: 2 }).execute(
      [agent('a'), agent('b'), agent('c')],
      {},
      { signal: controller.signal },
    );
    expect(called()).toEqual(['a', 'b']);
    expect(calls.every((call) => call.signal.aborted)).toBe(true);
    expect(result.success).toBe(false);
    expect(result.errors).toEqual([
      'Agent "a" was aborted',
      'Agent "b" was aborted',
      'Agent "c" was not started: the run was aborted',
    ]);
    expect(result.totalDuration).toBeLessThan(0.5);
  });

  it('rejects an invalid concurrency, naming the field', () => {
    const { executor } = scriptedExecutor();
    for (const concurrency of [0, 1.5, -2, Number.NaN]) {
      expect(() => new ParallelStrategy({ executor, concurrency })).toThrow(ValidationError);
    }
    expect(() => new ParallelStrategy({ executor, concurrency: 0 })).toThrow(
      'concurrency: must be a positive integer or Infinity (got 0)',
    );
  });

  it('rejects an empty team naming agents', async () => {
    const { executor } = scriptedExecutor();
    await expect(new ParallelStrategy({ executor }).execute([], {})).rejects.toMatchObject({
      name: 'ValidationError',
      field: 'agents',
    });
  });
});
