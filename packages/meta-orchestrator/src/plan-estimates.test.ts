import { describe, expect, it } from 'vitest';
import { MetaOrchestrator } from './meta-orchestrator.js';
import { DEFAULT_MODEL_PRICES, DEFAULT_TIER_MODELS } from './model-prices.js';
import { estimateDuration, estimateTeam, worstCaseDuration } from './plan-estimates.js';

const orchestrator = new MetaOrchestrator();
const compose = (task: string, context?: Record<string, unknown>) =>
  orchestrator.analyzeAndCompose(task, context);
const limits = (...timeouts: number[]) =>
  timeouts.map((timeoutSeconds) => ({
    resourceRequirements: { minTokens: 0, maxTokens: 0, timeoutSeconds, memoryMb: 1 },
  }));

describe('estimateDuration', () => {
  it('follows the formulas with m = the largest time limit', () => {
    const agents = limits(300, 600, 900);
    expect(estimateDuration(agents, 'sequential')).toBe(1800);
    expect(estimateDuration(agents, 'parallel')).toBe(900);
    expect(estimateDuration(agents, 'debate')).toBe(1800);
    expect(estimateDuration(agents, 'teaching')).toBe(1350);
    expect(estimateDuration(agents, 'refinement')).toBe(2700);
    expect(estimateDuration(agents, 'adaptive')).toBe(1080);
  });

  it('floors teaching and adaptive, keeps fractions elsewhere', () => {
    const agents = limits(0.05, 0.75);
    expect(estimateDuration(agents, 'sequential')).toBeCloseTo(0.8, 10);
    expect(estimateDuration(agents, 'parallel')).toBe(0.75);
    expect(estimateDuration(agents, 'teaching')).toBe(1);
    expect(estimateDuration(limits(301), 'adaptive')).toBe(361);
    expect(estimateDuration(limits(301), 'teaching')).toBe(451);
  });

  it('uses m = 300 without agents', () => {
    expect(estimateDuration([], 'parallel')).toBe(300);
    expect(estimateDuration([], 'refinement')).toBe(900);
    expect(estimateDuration([], 'sequential')).toBe(0);
  });
});

describe('plan estimates', () => {
  it('teaching documentation: CHEAP 1 + CAPABLE 3 units, floor(1.5 x 300) s, token budget in USD', () => {
    const plan = compose('update API documentation');
    expect(plan.estimatedCost).toBe(4);
    expect(plan.estimatedDuration).toBe(450);
    // junior on claude-haiku-4-5 ($1/$5): 1000 in + 8000 out = 0.001 + 0.04
    // expert on claude-sonnet-4-5 ($3/$15): 1000 in + 8000 out = 0.003 + 0.12
    expect(plan.costBreakdown).toEqual([
      {
        agentId: 'documentation_writer__junior',
        tier: 'CHEAP',
        model: 'claude-haiku-4-5',
        inputTokens: 1000,
        outputTokens: 8000,
        costUnits: 1,
        costUsd: 0.041,
      },
      {
        agentId: 'documentation_writer__expert',
        tier: 'CAPABLE',
        model: 'claude-sonnet-4-5',
        inputTokens: 1000,
        outputTokens: 8000,
        costUnits: 3,
        costUsd: 0.123,
      },
    ]);
    expect(plan.estimatedCostUsd).toBeCloseTo(0.164, 9);
  });

  it('refinement: 1 + 3 + 10 units, 3 x 600 s, haiku + sonnet + opus', () => {
    const plan = compose('refactor code to reduce complexity');
    expect(plan.estimatedCost).toBe(14);
    expect(plan.estimatedDuration).toBe(1800);
    // 1000 in / 12000 out: haiku 0.001 + 0.06, sonnet 0.003 + 0.18, opus ($5/$25) 0.005 + 0.3
    expect(plan.costBreakdown.map((entry) => entry.costUsd)).toEqual([0.061, 0.183, 0.305]);
    expect(plan.estimatedCostUsd).toBeCloseTo(0.549, 9);
  });

  it('sequential: sum of time limits; parallel: the largest', () => {
    const sequential = compose('boost test coverage', { capabilities: ['profile_code'] });
    expect(sequential.estimatedDuration).toBe(600 + 900);
    expect(sequential.estimatedCost).toBe(6);
    const parallel = compose('perform comprehensive security audit');
    expect(parallel.estimatedDuration).toBe(900);
    expect(parallel.estimatedCost).toBe(10);
    // 5000 in / 20000 out on opus ($5/$25) = 0.025 + 0.5
    expect(parallel.estimatedCostUsd).toBeCloseTo(0.525, 9);
  });

  it('debate: 2m and every spawned agent counted, the synthesizer included', () => {
    const plan = compose('improve maintainability', {
      capabilities: ['code_review', 'vulnerability_scan'],
    });
    expect(plan.estimatedCost).toBe(3 + 10 + 3);
    expect(plan.estimatedDuration).toBe(1800);
  });

  it('adaptive: floor(1.2m) and 1 + 1 + 10 units', () => {
    const plan = compose('migrate the payment service', {
      capabilities: ['code_review', 'profile_code'],
    });
    expect(plan.estimatedCost).toBe(12);
    expect(plan.estimatedDuration).toBe(720);
  });

  it('estimateTeam sums the breakdown', () => {
    const plan = compose('refactor code to reduce complexity');
    const estimate = estimateTeam(plan.agents, plan.strategy, {
      prices: DEFAULT_MODEL_PRICES,
      tierModels: DEFAULT_TIER_MODELS.openai,
    });
    // gpt-4.1-mini ($0.4/$1.6), gpt-4.1 ($2/$8), gpt-5 ($1.25/$10); 1000 in, 12000 out each
    expect(estimate.costBreakdown.map((entry) => entry.model)).toEqual([
      'gpt-4.1-mini',
      'gpt-4.1',
      'gpt-5',
    ]);
    expect(estimate.estimatedCostUsd).toBeCloseTo(0.0196 + 0.098 + 0.12125, 9);
  });
});

describe('worstCaseDuration', () => {
  it('adds agents that run in turn and takes the longest of those that run side by side', () => {
    const teaching = compose('update API documentation');
    expect(teaching.estimatedDuration).toBe(450);
    expect(worstCaseDuration(teaching.agents)).toBe(600); // junior 300 + expert 300
    const refinement = compose('refactor code to reduce complexity');
    expect(worstCaseDuration(refinement.agents)).toBe(1800); // 3 stages x 600
    const parallel = compose('redesign the thing', {
      capabilities: ['profile_code', 'code_review'],
    });
    expect(parallel.strategy).toBe('parallel');
    expect(worstCaseDuration(parallel.agents)).toBe(900);
    const debate = compose('improve stuff', {
      capabilities: ['code_review', 'profile_code', 'code_review'],
    });
    expect(debate.strategy).toBe('debate');
    expect(worstCaseDuration(debate.agents)).toBe(900 + 600); // longest opinion + synthesizer
  });

  it('is the classifier plus the longest specialist for an adaptive team', () => {
    const plan = compose('migrate the service for speed', { capabilities: ['code_review'] });
    expect(plan.strategy).toBe('adaptive');
    expect(estimateDuration(plan.agents, 'adaptive')).toBe(1080); // floor(1.2 x 900)
    expect(worstCaseDuration(plan.agents)).toBe(1800); // classifier 900 + specialist 900
  });

  it('is 0 for no agents', () => {
    expect(worstCaseDuration([])).toBe(0);
  });
});
