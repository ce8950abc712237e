import { strategyResultSchema, ValidationError } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { getStrategy, STRATEGY_REGISTRY, type StrategyName } from './registry.js';
import { agent, type Behaviour, hangs, scriptedExecutor, throws } from './test-helpers.js';

const teams: Record<StrategyName, string[]> = {
  sequential: ['a', 'b', 'c'],
  parallel: ['a', 'b', 'c'],
  debate: ['a', 'b', 'c'],
  teaching: ['a', 'b'],
  refinement: ['a', 'b', 'c'],
  adaptive: ['a', 'b', 'c'],
};

describe.each(Object.keys(STRATEGY_REGISTRY) as StrategyName[])('%s strategy contract', (name) => {
  it('returns a result that satisfies core’s strategyResultSchema, with and without failures', async () => {
    const ids = teams[name];
    const scripts: Array<Record<string, Behaviour>> = [
      {},
      { a: throws('boom') },
      { b: hangs },
      { a: () => ({ output: 'x', confidence: 2 }) },
    ];
    for (const script of scripts) {
      const { executor } = scriptedExecutor(script);
      const strategy = getStrategy(name, { executor, synthesizer: agent('s') });
      const team = ids.map((id) => agent(id, { timeoutSeconds: 0.05 }));
      const result = await strategy.execute(team, { task: 't' });
      expect(strategyResultSchema.safeParse(result).error).toBeUndefined();
      expect(result.errors).toEqual(
        result.outputs.filter((output) => !output.success).map((output) => output.error),
      );
    }
  });

  it('leaves the caller’s context and agents untouched', async () => {
    const context = { task: 't', nested: { list: [1, 2] } };
    const team = teams[name].map((id) => agent(id, { tier: 'CHEAP' }));
    const before = structuredClone({ context, team });
    const { executor } = scriptedExecutor({
      a: (received) => {
        received.task = 'overwritten';
        return { output: 'a' };
      },
    });
    await getStrategy(name, { executor }).execute(team, context);
    expect({ context, team }).toEqual(before);
  });

  it('rejects a signal that is not an AbortSignal', async () => {
    const { executor } = scriptedExecutor();
    const team = teams[name].map((id) => agent(id));
    await expect(
      getStrategy(name, { executor }).execute(team, {}, { signal: {} as AbortSignal }),
    ).rejects.toThrow('signal: must be an AbortSignal');
  });

  it.each([
    [null, 'options: must be an object'],
    [5, 'options: must be an object'],
    [{ runId: 5 }, 'runId: must be a non-empty string'],
    [{ runId: '' }, 'runId: must be a non-empty string'],
  ])(
    'rejects the execute options %j naming the field, before any agent runs',
    async (options, message) => {
      const { executor, calls } = scriptedExecutor();
      const team = teams[name].map((id) => agent(id));
      const error = await getStrategy(name, { executor })
        .execute(team, {}, options as never)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toBe(message);
      expect(calls).toEqual([]);
    },
  );
});
