import { BatonEmitter } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { DebateStrategy } from './debate-strategy.js';
import { agent, hangs, honoursSignal, scriptedExecutor, throws, traced } from './test-helpers.js';

const architects = () => [agent('scale'), agent('cost'), agent('simple')];

describe('DebateStrategy', () => {
  it('collects opinions in parallel and reports the consensus', async () => {
    const log: string[] = [];
    const { executor, calls } = scriptedExecutor({
      scale: traced(log, 'scale', 30, { output: 'shard', confidence: 0.9 }),
      cost: traced(log, 'cost', 20, { output: 'monolith', confidence: 0.6 }),
      simple: traced(log, 'simple', 10, { output: 'monolith', confidence: 0.6 }),
    });
    const result = await new DebateStrategy({ executor }).execute(architects(), { req: 'r' });
    expect(calls.map((call) => call.context)).toEqual([{ req: 'r' }, { req: 'r' }, { req: 'r' }]);
    expect(result.success).toBe(true);
    expect(result.errors).toEqual([]);
    expect(result.aggregatedOutput).toEqual({
      debateParticipants: ['scale', 'cost', 'simple'],
      opinions: ['shard', 'monolith', 'monolith'],
      consensus: {
        consensusReached: true,
        successVotes: 3,
        totalVotes: 3,
        avgConfidence: expect.closeTo(0.7, 10),
      },
    });
    // In parallel: every participant started before the first one finished.
    expect(log.slice(0, 3)).toEqual(['start:scale', 'start:cost', 'start:simple']);
    const slowest = Math.max(...result.outputs.map((output) => output.durationSeconds));
    expect(result.totalDuration).toBeGreaterThanOrEqual(slowest);
  });

  it('gives the synthesizer the successful opinions, names the failed ones, and reports its synthesis', async () => {
    const { executor, calls } = scriptedExecutor({
      cost: throws('no budget data'),
      moderator: (context) => ({
        output: `synthesis of ${(context.opinions as Array<{ agentId: string }>).length}`,
        confidence: 0.8,
      }),
    });
    const events = new BatonEmitter();
    const phases: string[] = [];
    events.on('phase-start', (event) => phases.push(event.phase));
    const result = await new DebateStrategy({
      executor,
      events,
      synthesizer: agent('moderator'),
    }).execute(architects(), { req: 'r' });

    const moderatorCall = calls.find((call) => call.agentId === 'moderator')!;
    expect(moderatorCall.context).toMatchObject({
      req: 'r',
      consensus: { consensusReached: true, successVotes: 2, totalVotes: 3 },
    });
    expect(moderatorCall.context.opinions).toEqual([
      expect.objectContaining({ agentId: 'scale', success: true, output: 'scale-out' }),
      expect.objectContaining({ agentId: 'simple', success: true }),
    ]);
    expect(moderatorCall.context.failedOpinions).toEqual([
      { agentId: 'cost', error: 'Agent "cost" failed: no budget data' },
    ]);
    expect(phases).toEqual(['debate.opinions', 'debate.synthesis']);
    expect(result.outputs.map((output) => output.agentId)).toEqual([
      'scale',
      'cost',
      'simple',
      'moderator',
    ]);
    expect(result.aggregatedOutput).toMatchObject({
      opinions: ['scale-out', undefined, 'simple-out'],
      // The failed participant reported no confidence: the mean is of the two that did.
      consensus: { consensusReached: true, successVotes: 2, totalVotes: 3, avgConfidence: 0.9 },
      synthesis: 'synthesis of 2',
    });
    // Consensus reached and synthesis produced: the debate succeeded; the failure is still listed.
    expect(result.success).toBe(true);
    expect(result.errors).toEqual(['Agent "cost" failed: no budget data']);
  });

  it('needs a strict majority: one success out of two is no consensus', async () => {
    const { executor } = scriptedExecutor({ b: throws('x') });
    const result = await new DebateStrategy({ executor }).execute([agent('a'), agent('b')], {});
    expect(result.aggregatedOutput.consensus).toEqual({
      consensusReached: false,
      successVotes: 1,
      totalVotes: 2,
      avgConfidence: 0.9,
    });
    expect(result.success).toBe(false);
    expect(result.aggregatedOutput).not.toHaveProperty('synthesis');
  });

  it('does not run the synthesizer when no opinion succeeded', async () => {
    const { executor, called } = scriptedExecutor({ a: throws('x'), b: throws('y') });
    const result = await new DebateStrategy({ executor, synthesizer: agent('s') }).execute(
      [agent('a'), agent('b')],
      {},
    );
    expect(called()).not.toContain('s');
    expect(result.success).toBe(false);
    expect(result.errors.at(-1)).toBe('Synthesizer "s" was not run: no opinion succeeded');
  });

  it('fails the debate when the synthesizer fails', async () => {
    const { executor } = scriptedExecutor({ s: throws('cannot merge') });
    const result = await new DebateStrategy({ executor, synthesizer: agent('s') }).execute(
      [agent('a'), agent('b')],
      {},
    );
    expect(result.success).toBe(false);
    expect(result.aggregatedOutput).not.toHaveProperty('synthesis');
    expect(result.errors).toEqual(['Agent "s" failed: cannot merge']);
  });

  it.each([
    ['ignores', hangs],
    ['honours', honoursSignal],
  ])(
    'counts a timed-out participant whose executor %s its signal as a failed vote',
    async (_, slow) => {
      const { executor } = scriptedExecutor({ simple: slow });
      const team = [agent('scale'), agent('cost'), agent('simple', { timeoutSeconds: 0.05 })];
      const result = await new DebateStrategy({ executor }).execute(team, {});
      expect(result.outputs[2]!.error).toBe('Agent "simple" timed out after 0.05s');
      expect(result.aggregatedOutput.consensus).toMatchObject({
        successVotes: 2,
        consensusReached: true,
      });
      expect(result.totalDuration).toBeLessThan(0.5);
    },
  );

  it('stops on abort: running opinions aborted, synthesizer not started', async () => {
    const controller = new AbortController();
    const { executor, called } = scriptedExecutor({ a: honoursSignal, b: hangs });
    setTimeout(() => controller.abort(), 30);
    const result = await new DebateStrategy({ executor, synthesizer: agent('s') }).execute(
      [agent('a'), agent('b'), agent('c')],
      {},
      { signal: controller.signal },
    );
    expect(called()).toEqual(['a', 'b', 'c']);
    expect(result.success).toBe(false);
    expect(result.errors).toEqual([
      'Agent "a" was aborted',
      'Agent "b" was aborted',
      'Agent "s" was not started: the run was aborted',
    ]);
  });

  it('needs at least two participants and a synthesizer id of its own', async () => {
    const { executor } = scriptedExecutor();
    await expect(new DebateStrategy({ executor }).execute([agent('a')], {})).rejects.toThrow(
      'agents: the debate strategy needs at least 2 agents to give opinions (got 1)',
    );
    await expect(
      new DebateStrategy({ executor, synthesizer: agent('a') }).execute(
        [agent('a'), agent('b')],
        {},
      ),
    ).rejects.toMatchObject({ field: 'synthesizer.id' });
    expect(() => new DebateStrategy({ executor, synthesizer: { id: '' } })).toThrow(
      'synthesizer.id: must be a non-empty string',
    );
  });
});
