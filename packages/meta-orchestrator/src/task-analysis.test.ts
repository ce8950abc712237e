import { ValidationError } from '@baton/core';
import { TemplateRegistry } from '@baton/templates';
import { describe, expect, it } from 'vitest';
import { MetaOrchestrator } from './meta-orchestrator.js';

const orchestrator = new MetaOrchestrator();
const analyze = (task: string, context?: Record<string, unknown>) =>
  orchestrator.analyzeTask(task, context);

describe('analyzeTask: the reference examples', () => {
  it.each([
    ['boost test coverage to 90%', 'moderate', 'testing', 'sequential'],
    ['perform comprehensive security audit', 'moderate', 'security', 'parallel'],
    ['prepare for v3.12.0 release', 'complex', 'general', 'parallel'],
    ['update API documentation', 'simple', 'documentation', 'teaching'],
    ['refactor code to reduce complexity', 'moderate', 'refactoring', 'refinement'],
    ['review system architecture and design patterns', 'complex', 'architecture', 'parallel'],
    ['optimize code performance and reduce memory usage', 'moderate', 'performance', 'sequential'],
    ['do something generic', 'moderate', 'general', 'sequential'],
  ])('"%s" -> %s / %s / %s', (task, complexity, domain, strategy) => {
    const requirements = analyze(task);
    expect(requirements.complexity).toBe(complexity);
    expect(requirements.domain).toBe(domain);
    const plan = orchestrator.analyzeAndCompose(task);
    expect([plan.complexity, plan.domain, plan.strategy]).toEqual([complexity, domain, strategy]);
  });
});

describe('complexity', () => {
  it('tries complex, then moderate, then simple keywords; the first level with a hit wins', () => {
    expect(analyze('lint and test before the release').complexity).toBe('complex');
    expect(analyze('format and review the parser').complexity).toBe('moderate');
    expect(analyze('FORMAT the files').complexity).toBe('simple');
  });

  it('is moderate when no keyword matches', () => {
    expect(analyze('make it nicer').complexity).toBe('moderate');
  });

  it('matches substrings case-insensitively (the reference heuristic)', () => {
    expect(analyze('PREPARED statements').complexity).toBe('complex');
    expect(analyze('Document the CLI').complexity).toBe('simple');
  });
});

describe('domain', () => {
  it('scores one point per keyword and picks the highest', () => {
    expect(analyze('security audit of the test suite').domain).toBe('security');
    expect(analyze('unit test and integration test coverage').domain).toBe('testing');
  });

  it('breaks ties in favour of the earlier domain', () => {
    // testing (test) and security (audit) both score 1: testing comes first.
    expect(analyze('test audit').domain).toBe('testing');
    // performance (speed) and refactoring (cleanup) both score 1: performance comes first.
    expect(analyze('cleanup for speed').domain).toBe('performance');
  });

  it('is general with no hits', () => {
    expect(analyze('hello world').domain).toBe('general');
  });
});

describe('capabilities', () => {
  it("are the domain template's three capabilities", () => {
    expect(analyze('boost test coverage').capabilitiesNeeded).toEqual([
      'analyze_gaps',
      'suggest_tests',
      'validate_coverage',
    ]);
  });

  it('are none for a general task', () => {
    expect(analyze('do something generic').capabilitiesNeeded).toEqual([]);
  });

  it('add context.capabilities after the domain ones, keeping repeats', () => {
    expect(
      analyze('improve maintainability', { capabilities: ['code_review', 'vulnerability_scan'] })
        .capabilitiesNeeded,
    ).toEqual([
      'code_review',
      'quality_assessment',
      'best_practices_check',
      'code_review',
      'vulnerability_scan',
    ]);
  });

  it('come from the registry in use', () => {
    const registry = new TemplateRegistry();
    registry.register(
      {
        id: 'test_coverage_analyzer',
        role: 'Mutation Tester',
        capabilities: ['mutation_testing'],
        tierPreference: 'CHEAP',
        defaultInstructions: 'Run mutation tests.',
      },
      { override: true },
    );
    const custom = new MetaOrchestrator({ registry });
    expect(custom.analyzeTask('improve tests').capabilitiesNeeded).toEqual(['mutation_testing']);
  });
});

describe('parallelizable', () => {
  it('is false with migrate/refactor/generate/create, even with a parallel keyword', () => {
    expect(analyze('review and refactor the parser').parallelizable).toBe(false);
    expect(analyze('migrate before release').parallelizable).toBe(false);
    expect(analyze('generate docs').parallelizable).toBe(false);
    expect(analyze('create an audit log').parallelizable).toBe(false);
  });

  it('is true with release/audit/check/validate/review', () => {
    for (const task of [
      'cut the release',
      'audit deps',
      'check links',
      'validate input',
      'review pr',
    ]) {
      expect(analyze(task).parallelizable).toBe(true);
    }
  });

  it('otherwise is true only for complex tasks', () => {
    expect(analyze('redesign the storage layer').parallelizable).toBe(true);
    expect(analyze('improve the parser').parallelizable).toBe(false);
    expect(analyze('format the files').parallelizable).toBe(false);
  });
});

describe('quality gates and context', () => {
  it('pass context.qualityGates through unchanged', () => {
    const qualityGates = { min_coverage: 90, nested: { strict: true } };
    const requirements = analyze('boost test coverage', { qualityGates });
    expect(requirements.qualityGates).toEqual(qualityGates);
    expect(
      orchestrator.analyzeAndCompose('boost test coverage', { qualityGates }).qualityGates,
    ).toEqual(qualityGates);
  });

  it('accept the snake_case quality_gates', () => {
    expect(
      analyze('boost test coverage', { quality_gates: { min_coverage: 85 } }).qualityGates,
    ).toEqual({
      min_coverage: 85,
    });
  });

  it('default to no gates and keep the context', () => {
    const requirements = analyze('boost test coverage', { version: '3.12.0' });
    expect(requirements.qualityGates).toEqual({});
    expect(requirements.context).toEqual({ version: '3.12.0' });
  });
});

describe('validation', () => {
  it.each([
    ['an empty task', ''],
    ['a blank task', '   \n\t'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
  ])('rejects %s with a ValidationError naming task', (_name, task) => {
    for (const call of [
      () => orchestrator.analyzeTask(task as string),
      () => orchestrator.analyzeAndCompose(task as string),
    ]) {
      expect(call).toThrow(ValidationError);
      expect(call).toThrow('task: must be a non-empty string');
    }
  });

  it('rejects a context that is not an object', () => {
    expect(() => analyze('test', 'fast' as never)).toThrow('context: must be an object');
    expect(() => analyze('test', [1] as never)).toThrow('context: must be an object');
  });

  it('rejects bad context.capabilities and gates, naming the field', () => {
    expect(() => analyze('test', { capabilities: 'code_review' })).toThrow(
      'context.capabilities: must be a list of capability names',
    );
    expect(() => analyze('test', { capabilities: ['ok', ''] })).toThrow(
      'context.capabilities.1: must be a non-empty string',
    );
    expect(() => analyze('test', { qualityGates: 80 })).toThrow(
      'context.qualityGates: must be an object',
    );
    expect(() => analyze('test', { quality_gates: [80] })).toThrow(
      'context.quality_gates: must be an object',
    );
  });
});
