import { type Logger, ValidationError } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { explainPlan, teamForStrategy } from './composed-plan.js';
import { MetaOrchestrator } from './meta-orchestrator.js';

describe('MetaOrchestrator options', () => {
  it('prices the default tiers as Anthropic Haiku / Sonnet / Opus', () => {
    expect(new MetaOrchestrator().tierModels).toEqual({
      CHEAP: 'claude-haiku-4-5',
      CAPABLE: 'claude-sonnet-4-5',
      PREMIUM: 'claude-opus-4-5',
    });
  });

  it('uses overridden prices', () => {
    const plan = new MetaOrchestrator({
      prices: { 'claude-sonnet-4-5': { inputPerMillion: 10, outputPerMillion: 100 } },
    }).analyzeAndCompose('boost test coverage to 90%');
    // test_coverage_analyzer: 2000 in, 16000 out -> 0.02 + 1.6
    expect(plan.estimatedCostUsd).toBeCloseTo(1.62, 9);
    expect(
      new MetaOrchestrator().analyzeAndCompose('boost test coverage to 90%').estimatedCostUsd,
    ).toBeCloseTo(0.246, 9);
  });

  it('uses overridden tier models with their prices', () => {
    const orchestrator = new MetaOrchestrator({
      tierModels: { CAPABLE: 'local-llama' },
      prices: { 'local-llama': { inputPerMillion: 1, outputPerMillion: 2 } },
    });
    const plan = orchestrator.analyzeAndCompose('boost test coverage to 90%');
    expect(plan.costBreakdown[0]?.model).toBe('local-llama');
    expect(plan.estimatedCostUsd).toBeCloseTo(0.002 + 0.032, 9);
    expect(orchestrator.tierModels.CHEAP).toBe('claude-haiku-4-5');
  });

  it('accepts a free local model priced at zero, and dated snapshots of priced models', () => {
    const free = new MetaOrchestrator({
      tierModels: { CHEAP: 'qwen', CAPABLE: 'qwen', PREMIUM: 'qwen' },
      prices: { qwen: { inputPerMillion: 0, outputPerMillion: 0 } },
    });
    expect(free.analyzeAndCompose('update API documentation').estimatedCostUsd).toBe(0);
    const dated = new MetaOrchestrator({ tierModels: { CAPABLE: 'claude-sonnet-4-5-20250929' } });
    expect(dated.analyzeAndCompose('boost test coverage to 90%').estimatedCostUsd).toBeCloseTo(
      0.246,
      9,
    );
  });

  it('switches default models by provider', () => {
    expect(new MetaOrchestrator({ provider: 'openai' }).tierModels.PREMIUM).toBe('gpt-5');
  });

  it('rejects a tier model without a price instead of reporting a made-up cost', () => {
    expect(() => new MetaOrchestrator({ tierModels: { PREMIUM: 'mystery-model' } })).toThrow(
      'tierModels.PREMIUM: no price known for model "mystery-model"; add it to prices',
    );
  });

  it('finds no price for a model named like an Object.prototype member (no NaN cost)', () => {
    expect(() => new MetaOrchestrator({ tierModels: { CHEAP: 'toString' } })).toThrow(
      'tierModels.CHEAP: no price known for model "toString"; add it to prices',
    );
  });

  it('rejects bad options, naming the field', () => {
    expect(
      () =>
        new MetaOrchestrator({
          prices: { x: { inputPerMillion: -1, outputPerMillion: 1 } },
        }),
    ).toThrow('prices.x.inputPerMillion: must be >= 0');
    expect(() => new MetaOrchestrator({ provider: 'acme' as never })).toThrow(
      'provider: must be one of anthropic, openai',
    );
    expect(() => new MetaOrchestrator({ tierModels: { CHEAP: '' } })).toThrow(ValidationError);
    expect(() => new MetaOrchestrator({ tierModels: { ULTRA: 'x' } as never })).toThrow(
      /tierModels/,
    );
  });

  it.each([
    [null, 'options: must be an object'],
    [5, 'options: must be an object'],
    [{ registry: {} }, 'registry: must be a TemplateRegistry (with get and getByCapability)'],
  ])('rejects the options %j naming the field', (options, message) => {
    const create = () => new MetaOrchestrator(options as never);
    expect(create).toThrow(ValidationError);
    expect(create).toThrow(message);
  });

  it('logs each composed plan at debug level through the injected logger', () => {
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const logger: Logger = {
      debug: (message, data) => lines.push([message, data]),
      info: () => {},
      warn: () => {},
      error: () => {},
    };
    new MetaOrchestrator({ logger }).analyzeAndCompose('update API documentation');
    expect(lines).toEqual([
      [
        'composed plan',
        expect.objectContaining({ strategy: 'teaching', rule: 'documentation', estimatedCost: 4 }),
      ],
    ]);
  });
});

describe('determinism', () => {
  it('gives equal plans for the same input, from one or two orchestrators', () => {
    const context = { capabilities: ['code_review', 'vulnerability_scan'], qualityGates: { q: 1 } };
    const first = new MetaOrchestrator().analyzeAndCompose('improve maintainability', context);
    const second = new MetaOrchestrator().analyzeAndCompose('improve maintainability', context);
    expect(second).toEqual(first);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  it('does not share mutable state between plans', () => {
    const orchestrator = new MetaOrchestrator();
    const first = orchestrator.analyzeAndCompose('update API documentation');
    first.agents[0]!.tools.push('changed');
    (first.agents[0]!.qualityGates as Record<string, unknown>).min_doc_coverage = 1;
    const second = orchestrator.analyzeAndCompose('update API documentation');
    expect(second.agents[0]!.tools).not.toContain('changed');
    expect(second.agents[0]!.qualityGates).toEqual({ min_doc_coverage: 100 });
  });
});

describe('teamForStrategy', () => {
  it('hands a debate synthesizer to the strategy option and the rest to execute', () => {
    const plan = new MetaOrchestrator().analyzeAndCompose('improve maintainability', {
      capabilities: ['code_review', 'vulnerability_scan'],
    });
    const team = teamForStrategy(plan);
    expect(team.agents.map((agent) => agent.id)).toEqual(['code_reviewer', 'security_auditor']);
    expect(team.synthesizer?.id).toBe('code_reviewer__synthesizer');
  });

  it('passes every agent through for other strategies', () => {
    const plan = new MetaOrchestrator().analyzeAndCompose('update API documentation');
    expect(teamForStrategy(plan)).toEqual({ agents: plan.agents });
  });
});

describe('explain', () => {
  it('tells the rule that chose the strategy, the team and the estimates', () => {
    const plan = new MetaOrchestrator().analyzeAndCompose('update API documentation', {
      qualityGates: { min_doc_coverage: 90 },
    });
    const text = MetaOrchestrator.explain(plan);
    expect(text).toBe(explainPlan(plan));
    expect(text).toContain('Task: update API documentation');
    expect(text).toContain('Analysis: simple documentation task, not parallelizable');
    expect(text).toContain('Strategy: teaching (rule: documentation)');
    expect(text).toContain('  - complexity simple: the task mentions "document"');
    expect(text).toContain('  - domain documentation: 1 keyword hit ("documentation")');
    expect(text).toMatch(
      /documentation_writer__junior +junior, CHEAP on claude-haiku-4-5, about \$0\.0410, 300 s limit/,
    );
    expect(text).toContain(
      'Estimated cost: 4 units, about $0.1640 (each agent reads its minTokens and writes its full maxTokens; agents the strategy may skip count too)',
    );
    // 450 s is the reference's teaching formula, not a bound: junior and expert may each take 300 s.
    expect(text).toContain(
      'Estimated duration: 450 s (teaching heuristic from the longest time limit); at most 600 s if every agent that runs uses its full time limit',
    );
    expect(text).not.toContain('up to 450 s');
    expect(text).toContain('Quality gates: min_doc_coverage = 90');
  });

  it('lists the reasons in order: analysis, agents, strategy, team', () => {
    const plan = new MetaOrchestrator().analyzeAndCompose('boost test coverage to 90%');
    expect(plan.reasons).toEqual([
      'complexity moderate: the task mentions "test"',
      'domain testing: 2 keyword hits ("test", "coverage")',
      'capabilities: analyze_gaps, suggest_tests, validate_coverage from test_coverage_analyzer (testing)',
      'not parallelizable: no ordering keyword and the task is moderate',
      'agent test_coverage_analyzer: first template with analyze_gaps, suggest_tests, validate_coverage',
      'strategy sequential: exactly one agent (rule single_agent)',
    ]);
  });
});
