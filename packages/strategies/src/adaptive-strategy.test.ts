import { describe, expect, it } from 'vitest';
import { AdaptiveStrategy } from './adaptive-strategy.js';
import { agent, hangs, honoursSignal, scriptedExecutor, throws } from './test-helpers.js';

const team = () => [
  agent('classifier', { tier: 'CHEAP' }),
  agent('capable', { tier: 'CAPABLE' }),
  agent('cheap', { tier: 'CHEAP' }),
  agent('premium', { tier: 'PREMIUM' }),
];

describe('AdaptiveStrategy', () => {
  it('routes a confident classification to the cheapest specialist, which sees it', async () => {
    const { executor, calls, called } = scriptedExecutor({
      classifier: () => ({ output: { complexity: 'simple' }, confidence: 0.81 }),
    });
    const result = await new AdaptiveStrategy({ executor }).execute(team(), { task: 't' });
    expect(called()).toEqual(['classifier', 'cheap']);
    expect(calls[1]!.context).toEqual({ task: 't', classification: { complexity: 'simple' } });
    expect(result.success).toBe(true);
    expect(result.aggregatedOutput).toEqual({
      classification: { complexity: 'simple' },
      selectedSpecialist: 'cheap',
      specialistOutput: 'cheap-out',
    });
    const [classifier, specialist] = result.outputs;
    expect(result.totalDuration).toBeCloseTo(
      classifier!.durationSeconds + specialist!.durationSeconds,
      10,
    );
  });

  it('routes confidence 0.8 or less (or none reported) to the most expensive specialist', async () => {
    for (const answer of [{ output: 'c', confidence: 0.8 }, { output: 'c' }]) {
      const { executor } = scriptedExecutor({ classifier: () => answer });
      const result = await new AdaptiveStrategy({ executor }).execute(team(), {});
      expect(result.aggregatedOutput.selectedSpecialist).toBe('premium');
    }
  });

  it('breaks tier ties by order and ranks an agent without a tier as CAPABLE', async () => {
    const { executor } = scriptedExecutor({ classifier: () => ({ output: 'c', confidence: 0.9 }) });
    const strategy = new AdaptiveStrategy({ executor });
    const twins = [
      agent('classifier'),
      agent('first', { tier: 'CHEAP' }),
      agent('second', { tier: 'CHEAP' }),
    ];
    expect((await strategy.execute(twins, {})).aggregatedOutput.selectedSpecialist).toBe('first');
    const untiered = [agent('classifier'), agent('plain'), agent('top', { tier: 'PREMIUM' })];
    expect((await strategy.execute(untiered, {})).aggregatedOutput.selectedSpecialist).toBe(
      'plain',
    );

    const unsure = scriptedExecutor({ classifier: () => ({ output: 'c', confidence: 0.1 }) });
    const mixed = [agent('classifier'), agent('low', { tier: 'CHEAP' }), agent('plain')];
    const result = await new AdaptiveStrategy({ executor: unsure.executor }).execute(mixed, {});
    expect(result.aggregatedOutput.selectedSpecialist).toBe('plain');
  });

  it('falls back to the first specialist when the classifier fails', async () => {
    const { executor, calls } = scriptedExecutor({ classifier: throws('no idea') });
    const result = await new AdaptiveStrategy({ executor }).execute(team(), {});
    expect(result.aggregatedOutput).toEqual({
      classification: undefined,
      selectedSpecialist: 'capable',
      specialistOutput: 'capable-out',
    });
    expect(calls[1]!.context).toHaveProperty('classification', undefined);
    expect(result.success).toBe(true);
    expect(result.errors).toEqual(['Agent "classifier" failed: no idea']);
  });

  it('fails when the chosen specialist fails', async () => {
    const { executor } = scriptedExecutor({
      classifier: () => ({ output: 'hard', confidence: 0.3 }),
      premium: throws('overloaded'),
    });
    const result = await new AdaptiveStrategy({ executor }).execute(team(), {});
    expect(result.success).toBe(false);
    expect(result.errors).toEqual(['Agent "premium" failed: overloaded']);
  });

  it.each([
    ['ignores', hangs],
    ['honours', honoursSignal],
  ])('fails a specialist that timed out (executor %s its signal)', async (_, slow) => {
    const { executor } = scriptedExecutor({
      classifier: () => ({ output: 'hard', confidence: 0.3 }),
      premium: slow,
    });
    const agents = team();
    agents[3] = agent('premium', { tier: 'PREMIUM', timeoutSeconds: 0.05 });
    const result = await new AdaptiveStrategy({ executor }).execute(agents, {});
    expect(result.success).toBe(false);
    expect(result.errors).toEqual(['Agent "premium" timed out after 0.05s']);
    expect(result.aggregatedOutput.selectedSpecialist).toBe('premium');
  });

  it('does not start a specialist after an abort', async () => {
    const controller = new AbortController();
    const { executor, called } = scriptedExecutor({ classifier: honoursSignal });
    setTimeout(() => controller.abort(), 20);
    const result = await new AdaptiveStrategy({ executor }).execute(
      team(),
      {},
      {
        signal: controller.signal,
      },
    );
    expect(called()).toEqual(['classifier']);
    expect(result.success).toBe(false);
    expect(result.errors).toEqual([
      'Agent "classifier" was aborted',
      'Agent "capable" was not started: the run was aborted',
    ]);
  });

  it('needs a classifier and at least one specialist', async () => {
    const { executor } = scriptedExecutor();
    await expect(
      new AdaptiveStrategy({ executor }).execute([agent('classifier')], {}),
    ).rejects.toThrow(
      'agents: the adaptive strategy needs at least 2 agents [classifier, ...specialists] (got 1)',
    );
    expect(() => new AdaptiveStrategy({ executor, confidenceThreshold: -0.1 })).toThrow(
      'confidenceThreshold: must be a number from 0 to 1 (got -0.1)',
    );
  });
});
