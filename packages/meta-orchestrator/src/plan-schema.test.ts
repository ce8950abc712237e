import { executionPlanSchema } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { StrategyRole, strategyRoleSchema } from './agent-factory.js';
import { composedPlanSchema } from './composed-plan.js';
import { MetaOrchestrator } from './meta-orchestrator.js';
import { StrategyRule, strategyRuleSchema } from './team-composition.js';

const tasks: Array<[string, Record<string, unknown>?]> = [
  ['boost test coverage to 90%', { qualityGates: { min_coverage: 90 } }],
  ['perform comprehensive security audit'],
  ['prepare for v3.12.0 release', { version: '3.12.0', current_coverage: 75 }],
  ['update API documentation'],
  ['refactor code to reduce complexity'],
  ['review system architecture and design patterns'],
  ['optimize code performance and reduce memory usage'],
  ['do something generic'],
  ['fix the security vulnerability in login'],
  ['design the module structure'],
  ['improve maintainability', { capabilities: ['code_review', 'vulnerability_scan'] }],
  ['boost test coverage', { capabilities: ['profile_code'] }],
  ['migrate the payment service', { capabilities: ['code_review', 'profile_code'] }],
  ['speed up the build', { capabilities: ['code_review'] }],
  ['Lint the code and check best practices', { quality_gates: { min_quality_score: 8 } }],
  ['write a tutorial and a README guide'],
  ['profile and benchmark the hot path'],
  ['cleanup technical debt', { capabilities: ['teleport'] }],
  ['create integration test suite'],
  ['threat model the penetration test findings'],
];

const minimumAgents: Record<string, number> = {
  sequential: 1,
  parallel: 1,
  teaching: 2,
  refinement: 2,
  adaptive: 2,
  debate: 3,
};

describe('every plan is a valid, executable ExecutionPlan', () => {
  const orchestrator = new MetaOrchestrator();
  it.each(tasks)('"%s"', (task, context) => {
    const plan = orchestrator.analyzeAndCompose(task, context);
    expect(executionPlanSchema.safeParse(plan).success).toBe(true);
    expect(composedPlanSchema.parse(plan)).toEqual(plan);

    const ids = plan.agents.map((agent) => agent.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(plan.agents.length).toBeGreaterThanOrEqual(minimumAgents[plan.strategy]!);
    if (plan.strategy === 'teaching') expect(plan.agents).toHaveLength(2);
    if (plan.strategy === 'debate') {
      expect(plan.agents.at(-1)?.strategyRole).toBe('synthesizer');
    }
    expect(plan.costBreakdown.map((entry) => entry.agentId)).toEqual(ids);
    expect(plan.estimatedCostUsd).toBeGreaterThan(0);
    expect(plan.estimatedDuration).toBeGreaterThan(0);
  });
});

describe('the role and rule schemas', () => {
  it('accept exactly the values of StrategyRole and StrategyRule', () => {
    expect(strategyRoleSchema.options).toEqual(Object.values(StrategyRole));
    expect(strategyRuleSchema.options).toEqual(Object.values(StrategyRule));
    expect(strategyRoleSchema.safeParse('JUNIOR').success).toBe(false);
    expect(strategyRuleSchema.parse('duplicate_capabilities')).toBe('duplicate_capabilities');
  });
});

describe('composedPlanSchema', () => {
  it('rejects a plan whose agent ids repeat, naming the agent', () => {
    const plan = new MetaOrchestrator().analyzeAndCompose('update API documentation');
    const [junior] = plan.agents;
    const broken = { ...plan, agents: [junior, { ...junior }] };
    const result = composedPlanSchema.safeParse(broken);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      [
        'agents.1.id',
        'must be unique in the team ("documentation_writer__junior" is already used at index 0)',
      ],
    ]);
  });
});
