import { describe, expect, it } from 'vitest';
import { TeachingStrategy } from './teaching-strategy.js';
import { agent, hangs, honoursSignal, scriptedExecutor, throws } from './test-helpers.js';

const team = () => [agent('junior', { tier: 'CHEAP' }), agent('expert', { tier: 'CAPABLE' })];

describe('TeachingStrategy', () => {
  it('keeps a confident junior answer without calling the expert', async () => {
    const { executor, called } = scriptedExecutor({
      junior: () => ({ output: 'docs v1', confidence: 0.7 }),
    });
    const result = await new TeachingStrategy({ executor }).execute(team(), { topic: 'API' });
    expect(called()).toEqual(['junior']);
    expect(result.success).toBe(true);
    expect(result.aggregatedOutput).toEqual({ outcome: 'junior_success', juniorOutput: 'docs v1' });
    expect(result.outputs).toHaveLength(1);
    expect(result.totalDuration).toBe(result.outputs[0]!.durationSeconds);
  });

  it('lets the expert take over below the threshold, with the junior attempt in its context', async () => {
    const { executor, calls } = scriptedExecutor({
      junior: () => ({ output: 'docs v1', confidence: 0.69 }),
      expert: () => ({ output: 'docs v2', confidence: 0.95 }),
    });
    const result = await new TeachingStrategy({ executor }).execute(team(), { topic: 'API' });
    expect(calls[1]).toMatchObject({
      agentId: 'expert',
      context: { topic: 'API', juniorAttempt: 'docs v1' },
    });
    expect(result.aggregatedOutput).toEqual({
      outcome: 'expert_takeover',
      juniorOutput: 'docs v1',
      expertOutput: 'docs v2',
    });
    expect(result.success).toBe(true);
    expect(result.errors).toEqual([]);
    const [junior, expert] = result.outputs;
    expect(result.totalDuration).toBeCloseTo(junior!.durationSeconds + expert!.durationSeconds, 10);
  });

  it('uses the configured threshold and treats an unreported confidence as 0', async () => {
    const strict = scriptedExecutor({ junior: () => ({ output: 'x', confidence: 0.85 }) });
    const result = await new TeachingStrategy({
      executor: strict.executor,
      qualityThreshold: 0.9,
    }).execute(team(), {});
    expect(result.aggregatedOutput.outcome).toBe('expert_takeover');

    const silent = scriptedExecutor({ junior: () => ({ output: 'x' }) });
    const second = await new TeachingStrategy({ executor: silent.executor }).execute(team(), {});
    expect(second.aggregatedOutput.outcome).toBe('expert_takeover');
  });

  it('takes over from a failed junior; success is the expert’s, the junior error is kept', async () => {
    const { executor } = scriptedExecutor({ junior: throws('rate limited') });
    const result = await new TeachingStrategy({ executor }).execute(team(), {});
    expect(result.aggregatedOutput).toMatchObject({
      outcome: 'expert_takeover',
      expertOutput: 'expert-out',
    });
    expect(result.success).toBe(true);
    expect(result.errors).toEqual(['Agent "junior" failed: rate limited']);
  });

  it('fails when the expert fails too', async () => {
    const { executor } = scriptedExecutor({ junior: throws('a'), expert: throws('b') });
    const result = await new TeachingStrategy({ executor }).execute(team(), {});
    expect(result.success).toBe(false);
    expect(result.errors).toEqual(['Agent "junior" failed: a', 'Agent "expert" failed: b']);
  });

  it.each([
    ['ignores', hangs],
    ['honours', honoursSignal],
  ])('hands over from a junior that timed out (executor %s its signal)', async (_, slow) => {
    const { executor } = scriptedExecutor({ junior: slow });
    const result = await new TeachingStrategy({ executor }).execute(
      [agent('junior', { timeoutSeconds: 0.05 }), agent('expert')],
      {},
    );
    expect(result.outputs[0]!.error).toBe('Agent "junior" timed out after 0.05s');
    expect(result.aggregatedOutput.outcome).toBe('expert_takeover');
    expect(result.success).toBe(true);
  });

  it('does not start the expert after an abort', async () => {
    const controller = new AbortController();
    const { executor, called } = scriptedExecutor({ junior: honoursSignal });
    setTimeout(() => controller.abort(), 20);
    const result = await new TeachingStrategy({ executor }).execute(
      team(),
      {},
      {
        signal: controller.signal,
      },
    );
    expect(called()).toEqual(['junior']);
    expect(result.success).toBe(false);
    expect(result.errors).toEqual([
      'Agent "junior" was aborted',
      'Agent "expert" was not started: the run was aborted',
    ]);
  });

  it('needs exactly two agents and a threshold in 0..1', async () => {
    const { executor } = scriptedExecutor();
    const strategy = new TeachingStrategy({ executor });
    for (const agents of [[agent('a')], [agent('a'), agent('b'), agent('c')]]) {
      await expect(strategy.execute(agents, {})).rejects.toMatchObject({
        name: 'ValidationError',
        field: 'agents',
      });
    }
    await expect(strategy.execute([agent('a')], {})).rejects.toThrow(
      'agents: the teaching strategy needs exactly 2 agents [junior, expert] (got 1)',
    );
    expect(() => new TeachingStrategy({ executor, qualityThreshold: 1.5 })).toThrow(
      'qualityThreshold: must be a number from 0 to 1 (got 1.5)',
    );
    expect(new TeachingStrategy({ executor }).qualityThreshold).toBe(0.7);
  });
});
