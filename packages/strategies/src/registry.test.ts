import {
  type Agent,
  type AgentExecutor,
  BatonError,
  CompositionPattern,
  type ExecutionPlan,
  ValidationError,
} from '@baton/core';
import { describe, expect, it } from 'vitest';
import { AdaptiveStrategy } from './adaptive-strategy.js';
import { DebateStrategy } from './debate-strategy.js';
import { ParallelStrategy } from './parallel-strategy.js';
import { RefinementStrategy } from './refinement-strategy.js';
import { getStrategy, STRATEGY_REGISTRY } from './registry.js';
import { SequentialStrategy } from './sequential-strategy.js';
import { TeachingStrategy } from './teaching-strategy.js';
import { agent, scriptedExecutor } from './test-helpers.js';

describe('getStrategy and STRATEGY_REGISTRY', () => {
  const { executor } = scriptedExecutor();

  it('knows exactly the six composition patterns', () => {
    expect(Object.keys(STRATEGY_REGISTRY).sort()).toEqual(Object.values(CompositionPattern).sort());
    expect(STRATEGY_REGISTRY).toEqual({
      sequential: SequentialStrategy,
      parallel: ParallelStrategy,
      debate: DebateStrategy,
      teaching: TeachingStrategy,
      refinement: RefinementStrategy,
      adaptive: AdaptiveStrategy,
    });
    expect(Object.isFrozen(STRATEGY_REGISTRY)).toBe(true);
  });

  it('creates each strategy by name with its own options', () => {
    for (const [name, Strategy] of Object.entries(STRATEGY_REGISTRY)) {
      const strategy = getStrategy(name, { executor });
      expect(strategy).toBeInstanceOf(Strategy);
      expect(strategy.name).toBe(name);
    }
    expect(getStrategy('teaching', { executor, qualityThreshold: 0.9 }).qualityThreshold).toBe(0.9);
    expect(getStrategy('parallel', { executor, concurrency: 3 }).concurrency).toBe(3);
    expect(getStrategy('debate', { executor, synthesizer: agent('s') }).synthesizer).toEqual({
      id: 's',
    });
  });

  it('runs a plan end to end', async () => {
    const result = await getStrategy('parallel', { executor }).execute(
      [agent('a'), agent('b')],
      {},
    );
    expect(result.aggregatedOutput).toMatchObject({ numAgents: 2, outputs: ['a-out', 'b-out'] });
  });

  it('runs Baton plan agents with a plan-typed executor', async () => {
    const reviewer: Agent = {
      id: 'code_reviewer',
      templateId: 'code_reviewer',
      role: 'Code Quality Reviewer',
      tier: 'CAPABLE',
      instructions: 'Review the code.',
      capabilities: ['code_review'],
      tools: [],
      qualityGates: {},
      resourceRequirements: { minTokens: 0, maxTokens: 10, timeoutSeconds: 0.05, memoryMb: 1 },
    };
    const planExecutor: AgentExecutor<Agent> = async (planAgent) => ({
      output: planAgent.role,
      confidence: 0.8,
    });
    const strategyName: ExecutionPlan['strategy'] = 'sequential';
    const result = await getStrategy(strategyName, { executor: planExecutor }).execute(
      [reviewer],
      {},
    );
    expect(result.outputs[0]).toMatchObject({
      agentId: 'code_reviewer',
      output: 'Code Quality Reviewer',
    });
  });

  it.each(['nope', 'Parallel', 'toString', ''])('rejects the unknown name %j', (name) => {
    let thrown: unknown;
    try {
      getStrategy(name, { executor });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(BatonError.isInstance(thrown)).toBe(true);
    expect((thrown as ValidationError).message).toBe(`Unknown strategy: ${name}`);
    expect((thrown as ValidationError).field).toBe('name');
  });

  it('passes option errors through', () => {
    expect(() => getStrategy('sequential', {} as never)).toThrow(/^executor: must be a function/);
  });
});
