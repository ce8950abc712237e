import { BatonError, type CompositionPattern } from '@baton/core';
import { TemplateRegistry } from '@baton/templates';
import { describe, expect, it } from 'vitest';
import type { ComposedPlan } from './composed-plan.js';
import { MetaOrchestrator } from './meta-orchestrator.js';

const orchestrator = new MetaOrchestrator();
const compose = (task: string, context?: Record<string, unknown>) =>
  orchestrator.analyzeAndCompose(task, context);
const shape = (plan: ComposedPlan) =>
  plan.agents.map((agent) => [agent.id, agent.tier, agent.strategyRole]);

describe('strategy rules, first match wins', () => {
  const cases: Array<[string, string, Record<string, unknown> | undefined, CompositionPattern]> = [
    ['parallelizable', 'perform comprehensive security audit', undefined, 'parallel'],
    ['security_or_architecture', 'fix the security vulnerability in login', undefined, 'parallel'],
    ['security_or_architecture', 'design the module structure', undefined, 'parallel'],
    ['documentation', 'update API documentation', undefined, 'teaching'],
    ['refactoring', 'refactor code to reduce complexity', undefined, 'refinement'],
    ['single_agent', 'boost test coverage to 90%', undefined, 'sequential'],
    [
      'duplicate_capabilities',
      'improve maintainability',
      { capabilities: ['code_review', 'vulnerability_scan'] },
      'debate',
    ],
    ['testing', 'boost test coverage', { capabilities: ['profile_code'] }, 'sequential'],
    [
      'complex',
      'migrate the payment service',
      { capabilities: ['code_review', 'profile_code'] },
      'adaptive',
    ],
    ['default', 'speed up the build', { capabilities: ['code_review'] }, 'sequential'],
  ];

  it.each(cases)('rule %s: "%s" with context %o -> %s', (rule, task, context, strategy) => {
    const plan = compose(task, context);
    expect(plan.strategyRule).toBe(rule);
    expect(plan.strategy).toBe(strategy);
    expect(plan.reasons).toContainEqual(expect.stringContaining(`(rule ${rule})`));
  });

  it('parallelizable wins over the domain rules', () => {
    // A refactoring-domain task that mentions "review": refinement would apply, but parallel fires first.
    const plan = compose('review the debt cleanup');
    expect(plan.domain).toBe('refactoring');
    expect(plan.strategyRule).toBe('parallelizable');
  });

  it('one agent wins over duplicate capabilities', () => {
    const plan = compose('speed up the build', { capabilities: ['profile_code'] });
    expect(plan.strategyRule).toBe('single_agent');
  });
});

describe('agent selection', () => {
  it('takes the first template per capability, without duplicates', () => {
    const plan = compose('boost test coverage', {
      capabilities: ['profile_code', 'identify_bottlenecks'],
    });
    expect(plan.agents.map((agent) => agent.templateId)).toEqual([
      'test_coverage_analyzer',
      'performance_optimizer',
    ]);
  });

  it("falls back to the domain's default template (GENERAL -> code_reviewer)", () => {
    const plan = compose('do something generic', { capabilities: ['teleport'] });
    expect(shape(plan)).toEqual([['code_reviewer', 'CAPABLE', 'step']]);
    expect(plan.reasons).toContainEqual('no template has "teleport"');
  });

  it('prefers registered templates in registry order', () => {
    const registry = new TemplateRegistry();
    registry.register({
      id: 'sql_reviewer',
      role: 'SQL Reviewer',
      capabilities: ['query_review'],
      tierPreference: 'CHEAP',
      defaultInstructions: 'Review SQL.',
    });
    const plan = new MetaOrchestrator({ registry }).analyzeAndCompose('look at queries', {
      capabilities: ['query_review'],
    });
    expect(shape(plan)).toEqual([['sql_reviewer', 'CHEAP', 'step']]);
  });

  it('fails with "No agents available for domain: X" when even the default template is missing', () => {
    const empty = new MetaOrchestrator({ registry: new TemplateRegistry({ builtIns: false }) });
    try {
      empty.analyzeAndCompose('do something generic');
      expect.unreachable();
    } catch (error) {
      expect(BatonError.isInstance(error)).toBe(true);
      expect((error as BatonError).code).toBe('BATON_CONFIGURATION');
      expect((error as BatonError).message).toBe('No agents available for domain: general');
    }
  });
});

describe('the agent factory makes every plan executable', () => {
  it('sequential and parallel: each template once at its preferred tier', () => {
    expect(shape(compose('boost test coverage', { capabilities: ['profile_code'] }))).toEqual([
      ['test_coverage_analyzer', 'CAPABLE', 'step'],
      ['performance_optimizer', 'CAPABLE', 'step'],
    ]);
    expect(shape(compose('perform comprehensive security audit'))).toEqual([
      ['security_auditor', 'PREMIUM', 'worker'],
    ]);
  });

  it('teaching: exactly [junior CHEAP, expert at least CAPABLE]', () => {
    const plan = compose('update API documentation');
    expect(shape(plan)).toEqual([
      ['documentation_writer__junior', 'CHEAP', 'junior'],
      ['documentation_writer__expert', 'CAPABLE', 'expert'],
    ]);
    expect(plan.agents.map((agent) => agent.role)).toEqual([
      'Documentation Writer (junior)',
      'Documentation Writer (expert)',
    ]);
  });

  it("teaching: the expert keeps a PREMIUM template's tier and extra templates are reported", () => {
    const plan = compose('write the docs', { capabilities: ['vulnerability_scan'] });
    expect(plan.strategy).toBe('teaching');
    expect(plan.agents).toHaveLength(2);
    expect(plan.reasons).toContainEqual(
      'teaching uses one template (documentation_writer); not used: security_auditor',
    );
    const registry = new TemplateRegistry();
    registry.register(
      {
        id: 'documentation_writer',
        role: 'Senior Technical Writer',
        capabilities: ['generate_docs'],
        tierPreference: 'PREMIUM',
        defaultInstructions: 'Write precise documentation.',
      },
      { override: true },
    );
    const premium = new MetaOrchestrator({ registry }).analyzeAndCompose('write the docs');
    expect(premium.agents.map((agent) => agent.tier)).toEqual(['CHEAP', 'PREMIUM']);
  });

  it('refinement: drafter CHEAP, reviewer CAPABLE, polisher PREMIUM', () => {
    expect(shape(compose('refactor code to reduce complexity'))).toEqual([
      ['refactoring_specialist__drafter', 'CHEAP', 'drafter'],
      ['refactoring_specialist__reviewer', 'CAPABLE', 'reviewer'],
      ['refactoring_specialist__polisher', 'PREMIUM', 'polisher'],
    ]);
  });

  it('adaptive: [classifier CHEAP, cheap specialist, premium specialist]', () => {
    const plan = compose('migrate the payment service', {
      capabilities: ['code_review', 'profile_code'],
    });
    expect(shape(plan)).toEqual([
      ['code_reviewer__classifier', 'CHEAP', 'classifier'],
      ['code_reviewer__cheap_specialist', 'CHEAP', 'specialist'],
      ['code_reviewer__premium_specialist', 'PREMIUM', 'specialist'],
    ]);
    expect(plan.reasons).toContainEqual(
      'adaptive uses one template (code_reviewer); not used: performance_optimizer',
    );
  });

  it('debate: at least two perspectives, then a synthesizer', () => {
    const plan = compose('improve maintainability', {
      capabilities: ['code_review', 'vulnerability_scan'],
    });
    expect(shape(plan)).toEqual([
      ['code_reviewer', 'CAPABLE', 'perspective'],
      ['security_auditor', 'PREMIUM', 'perspective'],
      ['code_reviewer__synthesizer', 'CAPABLE', 'synthesizer'],
    ]);
  });

  it('gives every agent instructions for this task and its role', () => {
    const plan = compose('update API documentation', { qualityGates: { min_doc_coverage: 90 } });
    const [junior, expert] = plan.agents;
    for (const agent of [junior!, expert!]) {
      expect(agent.instructions).toContain('You are a documentation writer.');
      expect(agent.instructions).toContain('## Task\nupdate API documentation');
      expect(agent.instructions).toContain('min_doc_coverage = 90');
    }
    expect(junior!.instructions).toContain('You are the junior of a teaching pair');
    expect(expert!.instructions).toContain('You are the expert of a teaching pair');
  });

  it('numbers the steps of a sequential pipeline', () => {
    const plan = compose('boost test coverage', { capabilities: ['profile_code'] });
    expect(plan.agents[0]!.instructions).toContain('You are step 1 of 2');
    expect(plan.agents[1]!.instructions).toContain('You are step 2 of 2');
  });

  it('keeps agent ids unique even when a custom template id looks like a spawned one', () => {
    const registry = new TemplateRegistry();
    registry.register({
      id: 'code_reviewer__synthesizer',
      role: 'Odd',
      capabilities: ['odd_capability'],
      tierPreference: 'CHEAP',
      defaultInstructions: 'Be odd.',
    });
    const plan = new MetaOrchestrator({ registry }).analyzeAndCompose('improve maintainability', {
      capabilities: ['odd_capability', 'code_review'],
    });
    const ids = plan.agents.map((agent) => agent.id);
    expect(plan.strategy).toBe('debate');
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([
      'code_reviewer',
      'code_reviewer__synthesizer',
      'code_reviewer__synthesizer__2',
    ]);
  });
});
