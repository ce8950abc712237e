import type { Agent, CompositionPattern, Tier } from '@baton/core';
import { createTaskGraph, executionLevels } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { compilePlan } from './compile-plan.js';
import { renderGraph } from './render-graph.js';

function agent(id: string, tier: Tier = 'CAPABLE', timeoutSeconds = 300): Agent {
  return {
    id,
    templateId: id,
    role: id,
    tier,
    instructions: `do ${id}`,
    capabilities: [],
    tools: [],
    qualityGates: {},
    resourceRequirements: { minTokens: 0, maxTokens: 1000, timeoutSeconds, memoryMb: 512 },
  };
}

const plan = (strategy: CompositionPattern, agents: Agent[]) => ({ strategy, agents });

describe('compilePlan', () => {
  it('compiles sequential into a chain that keeps going after a failure', () => {
    const graph = compilePlan(plan('sequential', [agent('a'), agent('b'), agent('c')]));
    expect(executionLevels(graph.steps)).toEqual([['a'], ['b'], ['c']]);
    expect(graph.steps.map((step) => step.onDependencyFailure)).toEqual(['run', 'run', 'run']);
  });

  it('compiles parallel into a fan-out whose verdict is every branch', () => {
    const graph = compilePlan(plan('parallel', [agent('a'), agent('b')]));
    expect(executionLevels(graph.steps)).toEqual([['a', 'b']]);
    expect(graph.strategy).toBe('parallel');
  });

  it('compiles debate into opinions then the synthesizer (the agent the factory marks, or its __synthesizer id)', () => {
    const graph = compilePlan(
      plan('debate', [agent('pro'), agent('con'), agent('debate__synthesizer', 'PREMIUM')]),
    );
    expect(executionLevels(graph.steps)).toEqual([['pro', 'con'], ['debate__synthesizer']]);
    expect(graph.steps.map((step) => step.role)).toEqual(['opinion', 'opinion', 'synthesizer']);
    const noSynth = compilePlan(plan('debate', [agent('pro'), agent('con')]));
    expect(executionLevels(noSynth.steps)).toEqual([['pro', 'con']]);
  });

  it('compiles teaching with an expert that runs only when needed and a junior the strategy recovers from', () => {
    const graph = compilePlan(plan('teaching', [agent('junior', 'CHEAP'), agent('expert')]), {
      qualityThreshold: 0.6,
    });
    expect(graph.steps[0]).toMatchObject({ role: 'junior', critical: false, escalate: false });
    expect(graph.steps[1]).toMatchObject({ role: 'expert', dependsOn: ['junior'] });
    expect(graph.params).toEqual({ qualityThreshold: 0.6 });
    // The junior is not moved up a tier: that is the expert's job.
    expect(graph.steps[0]!.fallbacks).toEqual([]);
    expect(() => compilePlan(plan('teaching', [agent('x')]))).toThrow(
      'agents: the teaching strategy needs exactly 2 agents [junior, expert] (got 1)',
    );
  });

  it('compiles refinement into a chain that stops at the first failure', () => {
    const graph = compilePlan(
      plan('refinement', [agent('d', 'CHEAP'), agent('r'), agent('p', 'PREMIUM')]),
    );
    expect(executionLevels(graph.steps)).toEqual([['d'], ['r'], ['p']]);
    expect(graph.steps.map((step) => step.onDependencyFailure)).toEqual(['skip', 'skip', 'skip']);
  });

  it('compiles adaptive into a classifier and selectable specialists', () => {
    const graph = compilePlan(
      plan('adaptive', [
        agent('cls', 'CHEAP'),
        agent('cheap', 'CHEAP'),
        agent('premium', 'PREMIUM'),
      ]),
    );
    expect(executionLevels(graph.steps)).toEqual([['cls'], ['cheap', 'premium']]);
    expect(graph.steps.map((step) => step.role)).toEqual([
      'classifier',
      'specialist',
      'specialist',
    ]);
    expect(graph.params).toEqual({ confidenceThreshold: 0.8 });
  });

  it('adds executor-chain and higher-tier fallbacks, and estimates from agent timeouts', () => {
    const graph = compilePlan(plan('sequential', [agent('a', 'CHEAP', 120)]), {
      executorChain: ['codex'],
    });
    expect(graph.steps[0]!.fallbacks.map((fallback) => fallback.label)).toEqual([
      'executor codex',
      'tier CAPABLE',
      'tier PREMIUM',
    ]);
    expect(graph.steps[0]!.fallbacks[2]!.agent!.tier).toBe('PREMIUM');
    expect(graph.steps[0]!.estimatedDurationSeconds).toBe(120);
  });

  it('rejects unknown strategies and empty teams naming the field', () => {
    expect(() =>
      compilePlan({ strategy: 'swarm' as CompositionPattern, agents: [agent('a')] }),
    ).toThrow('Unknown strategy: swarm');
    expect(() => compilePlan(plan('parallel', []))).toThrow(
      'plan.agents: must contain at least one agent',
    );
  });
});

describe('createTaskGraph', () => {
  it('rejects cycles naming them, and bad fields naming the field', () => {
    expect(() =>
      createTaskGraph({
        steps: [
          { id: 'a', agent: { id: 'x' }, dependsOn: ['b'] },
          { id: 'b', agent: { id: 'y' }, dependsOn: ['a'] },
        ],
      }),
    ).toThrow('graph.steps: dependency cycle: a -> b -> a');
    expect(() => createTaskGraph({ steps: [{ id: 'a' }] })).toThrow(
      'graph.steps.0.agent: is required for an agent step',
    );
    expect(() => createTaskGraph({ steps: [{ id: '../etc', agent: { id: 'x' } }] })).toThrow(
      'graph.steps.0.id',
    );
    // A delay no timer can wait would fire at once: the policy says so, naming the field.
    expect(() =>
      createTaskGraph({
        steps: [{ id: 'a', agent: { id: 'x' }, retry: { maxDelayMs: 40 * 86_400_000 } }],
      }),
    ).toThrow('graph.steps.0.retry.maxDelayMs: must be <= 2147483647');
  });
});

describe('renderGraph', () => {
  it('shows levels, dependencies, conditions and the critical path', () => {
    const graph = compilePlan(
      plan('teaching', [agent('junior', 'CHEAP', 100), agent('expert', 'PREMIUM', 200)]),
      {
        tierFallback: false,
      },
    );
    expect(renderGraph(graph)).toBe(
      [
        'Task graph: 2 steps in 2 levels (strategy teaching)',
        'Level 1',
        '  junior  [agent junior CHEAP, ~100s, non-critical]',
        'Level 2',
        '  expert  [agent expert PREMIUM, ~200s, if junior fails or reports confidence < 0.7]',
        '    after junior (even if they fail)',
        'Critical path: junior -> expert (~300s)',
      ].join('\n'),
    );
  });

  it('renders a mermaid flowchart with dashed edges to conditional steps', () => {
    const graph = compilePlan(plan('adaptive', [agent('cls'), agent('s1'), agent('s2')]));
    const text = renderGraph(graph, { format: 'mermaid' });
    expect(text.split('\n')[0]).toBe('flowchart TD');
    expect(text).toContain('  cls -.-> s1');
  });
});

describe('compilePlan with meta-orchestrator style agents', () => {
  it('finds the debate synthesizer by strategyRole', () => {
    const graph = compilePlan({
      strategy: 'debate',
      agents: [
        { ...agent('security_auditor'), strategyRole: 'perspective' },
        { ...agent('code_reviewer'), strategyRole: 'perspective' },
        { ...agent('architecture_analyst__judge'), strategyRole: 'synthesizer' },
      ],
    });
    expect(executionLevels(graph.steps)).toEqual([
      ['security_auditor', 'code_reviewer'],
      ['architecture_analyst__judge'],
    ]);
  });
});
