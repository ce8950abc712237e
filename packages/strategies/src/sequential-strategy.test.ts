import { BatonEmitter, ValidationError } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { SequentialStrategy } from './sequential-strategy.js';
import { after, agent, hangs, honoursSignal, scriptedExecutor, throws } from './test-helpers.js';

describe('SequentialStrategy', () => {
  it('runs in order, passing each success on under the agent id', async () => {
    const { executor, calls } = scriptedExecutor({
      a: after(10, { output: { gaps: 3 }, confidence: 0.8 }),
      b: () => ({ output: 'tests', confidence: 0.6 }),
    });
    const strategy = new SequentialStrategy({ executor });
    const result = await strategy.execute([agent('a'), agent('b'), agent('c')], { root: '.' });

    expect(calls.map((call) => call.context)).toEqual([
      { root: '.' },
      { root: '.', a: { gaps: 3 } },
      { root: '.', a: { gaps: 3 }, b: 'tests' },
    ]);
    expect(result.success).toBe(true);
    expect(result.errors).toEqual([]);
    expect(result.outputs.map((output) => output.agentId)).toEqual(['a', 'b', 'c']);
    expect(result.aggregatedOutput).toEqual({
      numAgents: 3,
      allSucceeded: true,
      avgConfidence: (0.8 + 0.6 + 0.9) / 3,
      outputs: [{ gaps: 3 }, 'tests', 'c-out'],
    });
    const sum = result.outputs.reduce((total, output) => total + output.durationSeconds, 0);
    expect(result.totalDuration).toBeCloseTo(sum, 10);
    expect(result.totalDuration).toBeGreaterThanOrEqual(0.009);
  });

  it('keeps going after a failure, without the failed output in the context', async () => {
    const { executor, calls } = scriptedExecutor({ b: throws('disk full') });
    const result = await new SequentialStrategy({ executor }).execute(
      [agent('a'), agent('b'), agent('c')],
      {},
    );
    expect(calls.map((call) => call.agentId)).toEqual(['a', 'b', 'c']);
    expect(calls[2]!.context).toEqual({ a: 'a-out' });
    expect(result.success).toBe(false);
    expect(result.errors).toEqual(['Agent "b" failed: disk full']);
    expect(result.aggregatedOutput).toMatchObject({ numAgents: 3, allSucceeded: false });
    expect(result.outputs[2]!.success).toBe(true);
  });

  it.each([
    ['ignores', hangs],
    ['honours', honoursSignal],
  ])(
    'fails a timed-out agent whose executor %s its signal and runs the next',
    async (_, behaviour) => {
      const { executor, called } = scriptedExecutor({ slow: behaviour });
      const result = await new SequentialStrategy({ executor }).execute(
        [agent('slow', { timeoutSeconds: 0.05 }), agent('next')],
        {},
      );
      expect(called()).toEqual(['slow', 'next']);
      expect(result.outputs[0]).toMatchObject({
        success: false,
        error: 'Agent "slow" timed out after 0.05s',
      });
      expect(result.outputs[1]!.success).toBe(true);
      expect(result.errors).toEqual(['Agent "slow" timed out after 0.05s']);
      expect(result.totalDuration).toBeLessThan(0.5);
    },
  );

  it('stops starting agents when aborted and keeps the partial results', async () => {
    const controller = new AbortController();
    const { executor, called, calls } = scriptedExecutor({ b: honoursSignal });
    setTimeout(() => controller.abort(), 30);
    const result = await new SequentialStrategy({ executor }).execute(
      [agent('a'), agent('b'), agent('c')],
      {},
      { signal: controller.signal },
    );
    expect(called()).toEqual(['a', 'b']);
    expect(calls[1]!.signal.aborted).toBe(true);
    expect(result.success).toBe(false);
    expect(result.outputs.map((output) => [output.agentId, output.success])).toEqual([
      ['a', true],
      ['b', false],
      ['c', false],
    ]);
    expect(result.errors).toEqual([
      'Agent "b" was aborted',
      'Agent "c" was not started: the run was aborted',
    ]);
  });

  it('does not change the caller context', async () => {
    const context = { root: '.', nested: { n: 1 } };
    const { executor } = scriptedExecutor({
      a: (received) => {
        received.root = 'changed';
        return { output: 1 };
      },
    });
    await new SequentialStrategy({ executor }).execute([agent('a'), agent('b')], context);
    expect(context).toEqual({ root: '.', nested: { n: 1 } });
  });

  it('emits run-start, step events and run-end for one run id', async () => {
    const events = new BatonEmitter();
    const seen: string[] = [];
    const runIds = new Set<string | undefined>();
    events.on('run-start', (event) => {
      seen.push(`start:${event.strategy}:${event.totalSteps}`);
      runIds.add(event.runId);
      expect(Date.parse(event.timestamp)).toBeGreaterThan(0);
    });
    events.on('step-start', (event) => {
      seen.push(`step-start:${event.agentId}`);
      runIds.add(event.runId);
    });
    events.on('step-end', (event) => {
      seen.push(`step-end:${event.agentId}:${event.result?.success}`);
      runIds.add(event.runId);
    });
    events.on('run-end', (event) => {
      seen.push(`end:${event.status}:${event.success}`);
      runIds.add(event.runId);
    });
    const { executor } = scriptedExecutor();
    await new SequentialStrategy({ executor, events }).execute(
      [agent('a'), agent('b')],
      {},
      { runId: 'run-1' },
    );
    expect(seen).toEqual([
      'start:sequential:2',
      'step-start:a',
      'step-end:a:true',
      'step-start:b',
      'step-end:b:true',
      'end:succeeded:true',
    ]);
    expect([...runIds]).toEqual(['run-1']);
    expect(runIds.size).toBe(1);
    expect([...runIds][0]).toMatch(/./);
  });

  it('rejects bad teams and contexts with a ValidationError naming the field', async () => {
    const { executor, calls } = scriptedExecutor();
    const strategy = new SequentialStrategy({ executor });
    await expect(strategy.execute([], {})).rejects.toThrow(
      new ValidationError('agents', 'must contain at least one agent'),
    );
    await expect(strategy.execute([agent('a'), agent('a')], {})).rejects.toThrow(
      'agents.1.id: must be unique in the team ("a" is also agents.0.id)',
    );
    await expect(strategy.execute([{ id: '' }], {})).rejects.toThrow(
      'agents.0.id: must be a non-empty string',
    );
    await expect(strategy.execute([agent('a', { timeoutSeconds: -1 })], {})).rejects.toThrow(
      'agents.0.resourceRequirements.timeoutSeconds: must be > 0',
    );
    await expect(
      strategy.execute([agent('a')], null as unknown as Record<string, unknown>),
    ).rejects.toThrow('context: must be an object');
    expect(calls).toHaveLength(0);
  });

  it('rejects an options object without an executor', () => {
    expect(() => new SequentialStrategy({} as never)).toThrow(/^executor: must be a function/);
    expect(
      () =>
        new SequentialStrategy({ executor: async () => ({ output: 1 }), defaultTimeoutSeconds: 0 }),
    ).toThrow('defaultTimeoutSeconds: must be a number > 0 (got 0)');
  });
});
