import { BatonEmitter } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { RefinementStrategy } from './refinement-strategy.js';
import { agent, hangs, honoursSignal, scriptedExecutor, throws } from './test-helpers.js';

const ladder = () => [
  agent('drafter', { tier: 'CHEAP' }),
  agent('reviewer', { tier: 'CAPABLE' }),
  agent('polisher', { tier: 'PREMIUM' }),
];

describe('RefinementStrategy', () => {
  it('passes each stage output to the next and reports the final output', async () => {
    const { executor, calls } = scriptedExecutor({
      drafter: () => ({ output: 'draft', confidence: 0.5 }),
      reviewer: (context) => ({ output: `${context.previousOutput} reviewed`, confidence: 0.7 }),
      polisher: (context) => ({ output: `${context.previousOutput} polished`, confidence: 0.9 }),
    });
    const events = new BatonEmitter();
    const phases: string[] = [];
    events.on('phase-start', (event) => phases.push(event.phase));
    const result = await new RefinementStrategy({ executor, events }).execute(ladder(), { req: 1 });

    expect(calls.map((call) => call.context)).toEqual([
      { req: 1 },
      { req: 1, previousOutput: 'draft', stageOutputs: ['draft'] },
      {
        req: 1,
        previousOutput: 'draft reviewed',
        stageOutputs: ['draft', 'draft reviewed'],
      },
    ]);
    expect(phases).toEqual(['refinement.stage-1', 'refinement.stage-2', 'refinement.stage-3']);
    expect(result.success).toBe(true);
    expect(result.aggregatedOutput).toEqual({
      refinementStages: 3,
      finalOutput: 'draft reviewed polished',
      stageOutputs: ['draft', 'draft reviewed', 'draft reviewed polished'],
    });
    const sum = result.outputs.reduce((total, output) => total + output.durationSeconds, 0);
    expect(result.totalDuration).toBeCloseTo(sum, 10);
  });

  it('stops the chain at the first failure and has no final output', async () => {
    const { executor, called } = scriptedExecutor({ reviewer: throws('model refused') });
    const result = await new RefinementStrategy({ executor }).execute(ladder(), {});
    expect(called()).toEqual(['drafter', 'reviewer']);
    expect(result.success).toBe(false);
    expect(result.errors).toEqual(['Agent "reviewer" failed: model refused']);
    expect(result.aggregatedOutput).toEqual({
      refinementStages: 2,
      finalOutput: null,
      stageOutputs: ['drafter-out', undefined],
    });
  });

  it.each([
    ['ignores', hangs],
    ['honours', honoursSignal],
  ])('stops at a stage that timed out (executor %s its signal)', async (_, slow) => {
    const { executor, called } = scriptedExecutor({ reviewer: slow });
    const team = ladder();
    team[1] = agent('reviewer', { timeoutSeconds: 0.05 });
    const result = await new RefinementStrategy({ executor }).execute(team, {});
    expect(called()).toEqual(['drafter', 'reviewer']);
    expect(result.errors).toEqual(['Agent "reviewer" timed out after 0.05s']);
    expect(result.aggregatedOutput.finalOutput).toBeNull();
  });

  it('stops when aborted, keeping the finished stages', async () => {
    const controller = new AbortController();
    const { executor, called } = scriptedExecutor({ reviewer: honoursSignal });
    setTimeout(() => controller.abort(), 20);
    const result = await new RefinementStrategy({ executor }).execute(
      ladder(),
      {},
      {
        signal: controller.signal,
      },
    );
    expect(called()).toEqual(['drafter', 'reviewer']);
    expect(result.success).toBe(false);
    expect(result.outputs[0]).toMatchObject({ success: true, output: 'drafter-out' });
    expect(result.errors).toEqual(['Agent "reviewer" was aborted']);
  });

  it('needs at least two stages', async () => {
    const { executor } = scriptedExecutor();
    await expect(
      new RefinementStrategy({ executor }).execute([agent('only')], {}),
    ).rejects.toMatchObject({ name: 'ValidationError', field: 'agents' });
  });
});
