import { tierRank } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { plannedAgentSchema } from './agent-factory.js';
import {
  alternativeStrategies,
  type CandidateComposition,
  generateCandidates,
  tierRange,
} from './candidate-compositions.js';
import { MetaOrchestrator } from './meta-orchestrator.js';
import { estimateTeam } from './plan-estimates.js';

const orchestrator = new MetaOrchestrator();
const pricing = { prices: orchestrator.prices, tierModels: orchestrator.tierModels };

/**
 * What `@baton/strategies` needs to run a team, and the shapes BEHAVIOUR §3 gives each
 * strategy: the problems, or [] when the team is executable.
 */
function executabilityProblems(candidate: CandidateComposition): string[] {
  const { strategy, agents } = candidate;
  const problems: string[] = [];
  const roles = agents.map((agent) => agent.strategyRole);
  const tiers = agents.map((agent) => agent.tier);
  if (new Set(agents.map((agent) => agent.id)).size !== agents.length) problems.push('ids repeat');
  for (const agent of agents) {
    if (!plannedAgentSchema.safeParse(agent).success) problems.push(`${agent.id} is not an agent`);
  }
  switch (strategy) {
    case 'sequential':
    case 'parallel':
      if (agents.length === 0) problems.push('no agent');
      break;
    case 'debate': {
      const perspectives = roles.filter((role) => role === 'perspective').length;
      if (perspectives < 2) problems.push('a debate needs two perspectives');
      if (roles.at(-1) !== 'synthesizer') problems.push('the synthesizer is not last');
      if (tierRank(tiers.at(-1)!) < tierRank('CAPABLE')) problems.push('synthesizer below CAPABLE');
      break;
    }
    case 'teaching':
      if (roles.join() !== 'junior,expert') problems.push('teaching is [junior, expert]');
      if (tiers[0] !== 'CHEAP' || tierRank(tiers[1]!) < tierRank('CAPABLE')) {
        problems.push('teaching tiers');
      }
      break;
    case 'refinement':
      if (roles.join() !== 'drafter,reviewer,polisher') problems.push('refinement stages');
      if (tiers.join() !== 'CHEAP,CAPABLE,PREMIUM') problems.push('refinement tiers');
      break;
    case 'adaptive':
      if (roles[0] !== 'classifier' || roles.slice(1).some((role) => role !== 'specialist')) {
        problems.push('adaptive is [classifier, ...specialists]');
      }
      if (new Set(tiers.slice(1)).size < 2) problems.push('specialists at one tier');
      break;
  }
  return problems;
}

const describe1 = (candidates: CandidateComposition[]) =>
  candidates.map((candidate) => [
    candidate.kind,
    candidate.description,
    candidate.strategy,
    candidate.agents.map((agent) => `${agent.id}:${agent.tier}`).join(','),
  ]);

describe('tierRange', () => {
  it('leaves steps, workers and perspectives free, keeps experts and synthesizers CAPABLE+, fixes the rest', () => {
    expect(tierRange('worker', 'CAPABLE')).toEqual({ min: 'CHEAP', max: 'PREMIUM' });
    expect(tierRange('expert', 'CAPABLE')).toEqual({ min: 'CAPABLE', max: 'PREMIUM' });
    expect(tierRange('synthesizer', 'PREMIUM')).toEqual({ min: 'CAPABLE', max: 'PREMIUM' });
    for (const role of [
      'junior',
      'drafter',
      'reviewer',
      'polisher',
      'classifier',
      'specialist',
    ] as const) {
      expect(tierRange(role, 'CHEAP')).toEqual({ min: 'CHEAP', max: 'CHEAP' });
    }
  });
});

describe('alternativeStrategies', () => {
  it('offers only strategies that use every template of the team', () => {
    expect(alternativeStrategies('parallel', 4)).toEqual(['sequential', 'debate']);
    expect(alternativeStrategies('debate', 2)).toEqual(['sequential', 'parallel']);
    // One template: any strategy can be built, but parallel and sequential are the same run.
    expect(alternativeStrategies('sequential', 1)).toEqual([
      'debate',
      'teaching',
      'refinement',
      'adaptive',
    ]);
    expect(alternativeStrategies('parallel', 1)).toEqual([
      'debate',
      'teaching',
      'refinement',
      'adaptive',
    ]);
    expect(alternativeStrategies('teaching', 1)).toEqual([
      'sequential',
      'debate',
      'refinement',
      'adaptive',
    ]);
  });
});

describe('generateCandidates', () => {
  it('gives the composed team, the same team a tier down and up, and the other strategies', () => {
    const plan = orchestrator.analyzeAndCompose('boost test coverage to 90%');
    const candidates = orchestrator.composeCandidates(plan);
    expect(describe1(candidates)).toEqual([
      ['composed', 'as composed', 'sequential', 'test_coverage_analyzer:CAPABLE'],
      ['tier-down', 'one tier down', 'sequential', 'test_coverage_analyzer:CHEAP'],
      ['tier-up', 'one tier up', 'sequential', 'test_coverage_analyzer:PREMIUM'],
      [
        'strategy',
        'debate instead of sequential',
        'debate',
        'test_coverage_analyzer:CAPABLE,test_coverage_analyzer__2:PREMIUM,test_coverage_analyzer__synthesizer:CAPABLE',
      ],
      [
        'strategy',
        'teaching instead of sequential',
        'teaching',
        'test_coverage_analyzer__junior:CHEAP,test_coverage_analyzer__expert:CAPABLE',
      ],
      [
        'strategy',
        'refinement instead of sequential',
        'refinement',
        'test_coverage_analyzer__drafter:CHEAP,test_coverage_analyzer__reviewer:CAPABLE,test_coverage_analyzer__polisher:PREMIUM',
      ],
      [
        'strategy',
        'adaptive instead of sequential',
        'adaptive',
        'test_coverage_analyzer__classifier:CHEAP,test_coverage_analyzer__cheap_specialist:CHEAP,test_coverage_analyzer__premium_specialist:PREMIUM',
      ],
    ]);
    // The composed candidate is the plan itself, with the plan's estimates.
    expect(candidates[0]).toMatchObject({
      agents: plan.agents,
      estimatedCost: plan.estimatedCost,
      estimatedCostUsd: plan.estimatedCostUsd,
    });
    // Each candidate is priced as its own team.
    for (const candidate of candidates) {
      const estimate = estimateTeam(candidate.agents, candidate.strategy, pricing);
      expect(candidate.estimatedCostUsd).toBe(estimate.estimatedCostUsd);
      expect(candidate.qualityGates).toEqual(plan.qualityGates);
    }
    expect(candidates[1]!.estimatedCostUsd).toBeLessThan(candidates[0]!.estimatedCostUsd);
    expect(candidates[2]!.estimatedCostUsd).toBeGreaterThan(candidates[0]!.estimatedCostUsd);
  });

  it('never breaks a strategy’s shape: a teaching junior stays CHEAP, refinement stages keep their tiers', () => {
    const teaching = orchestrator.analyzeAndCompose('update API documentation');
    const kinds = orchestrator
      .composeCandidates(teaching)
      .map((candidate) => candidate.description);
    // The expert may go up to PREMIUM; nothing may go down (junior CHEAP, expert at least CAPABLE).
    expect(kinds.slice(0, 2)).toEqual(['as composed', 'one tier up']);
    expect(kinds).not.toContain('one tier down');

    const refinement = orchestrator.analyzeAndCompose('refactor code to reduce complexity');
    const descriptions = orchestrator
      .composeCandidates(refinement)
      .map((candidate) => candidate.description);
    expect(descriptions).not.toContain('one tier down');
    expect(descriptions).not.toContain('one tier up');
  });

  it('keeps every candidate of every kind of task executable', () => {
    const tasks = [
      'boost test coverage to 90%',
      'perform comprehensive security audit',
      'prepare for v3.12.0 release',
      'update API documentation',
      'refactor code to reduce complexity',
      'review system architecture and design patterns',
      'optimize code performance and reduce memory usage',
      'do something generic',
      'improve maintainability',
    ];
    const contexts = [
      undefined,
      { capabilities: ['code_review', 'vulnerability_scan', 'code_review'] },
    ];
    let count = 0;
    for (const task of tasks) {
      for (const context of contexts) {
        const plan = orchestrator.analyzeAndCompose(task, context);
        for (const candidate of orchestrator.composeCandidates(plan, { perAgentTiers: true })) {
          expect(executabilityProblems(candidate), `${task}: ${candidate.description}`).toEqual([]);
          count += 1;
        }
      }
    }
    expect(count).toBeGreaterThan(60);
  });

  it('offers each agent one tier up and down on its own when asked, without duplicates', () => {
    const plan = orchestrator.analyzeAndCompose('check the project', {
      capabilities: ['code_review', 'vulnerability_scan'],
    });
    expect(plan.strategy).toBe('parallel');
    const candidates = orchestrator.composeCandidates(plan, {
      perAgentTiers: true,
      strategies: false,
    });
    expect(describe1(candidates)).toEqual([
      ['composed', 'as composed', 'parallel', 'code_reviewer:CAPABLE,security_auditor:PREMIUM'],
      ['tier-down', 'one tier down', 'parallel', 'code_reviewer:CHEAP,security_auditor:CAPABLE'],
      // Up: only the reviewer can move (the auditor is PREMIUM already).
      ['tier-up', 'one tier up', 'parallel', 'code_reviewer:PREMIUM,security_auditor:PREMIUM'],
      [
        'agent-tier-down',
        'code_reviewer one tier down',
        'parallel',
        'code_reviewer:CHEAP,security_auditor:PREMIUM',
      ],
      [
        'agent-tier-down',
        'security_auditor one tier down',
        'parallel',
        'code_reviewer:CAPABLE,security_auditor:CAPABLE',
      ],
    ]);
    // "code_reviewer one tier up" is the same team as "one tier up": listed once.
    const signatures = candidates.map((candidate) => describe1([candidate])[0]![3]);
    expect(new Set(signatures).size).toBe(signatures.length);
  });

  it('keeps a multi-template team whole in its alternatives (no teaching that drops templates)', () => {
    const plan = orchestrator.analyzeAndCompose('check the project', {
      capabilities: ['code_review', 'vulnerability_scan'],
    });
    const strategies = generateCandidates(plan, { registry: orchestrator.registry, pricing })
      .filter((candidate) => candidate.kind === 'strategy')
      .map((candidate) => [
        candidate.strategy,
        candidate.agents.map((agent) => agent.id).join(','),
      ]);
    expect(strategies).toEqual([
      ['sequential', 'code_reviewer,security_auditor'],
      ['debate', 'code_reviewer,security_auditor,code_reviewer__synthesizer'],
    ]);
  });
});
