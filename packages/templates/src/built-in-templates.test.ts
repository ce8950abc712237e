import { agentTemplateSchema } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_TEMPLATES } from './built-in-templates.js';

const table = [
  [
    'test_coverage_analyzer',
    'Test Coverage Expert',
    'CAPABLE',
    ['analyze_gaps', 'suggest_tests', 'validate_coverage'],
    ['coverage_analyzer', 'ast_parser'],
    { min_coverage: 80 },
    600,
    2000,
  ],
  [
    'security_auditor',
    'Security Auditor',
    'PREMIUM',
    ['vulnerability_scan', 'threat_modeling', 'compliance_check'],
    ['security_scanner'],
    { max_critical_issues: 0 },
    900,
    5000,
  ],
  [
    'code_reviewer',
    'Code Quality Reviewer',
    'CAPABLE',
    ['code_review', 'quality_assessment', 'best_practices_check'],
    ['linter'],
    { min_quality_score: 7 },
    600,
    1000,
  ],
  [
    'documentation_writer',
    'Documentation Writer',
    'CHEAP',
    ['generate_docs', 'check_completeness', 'update_examples'],
    ['doc_generator'],
    { min_doc_coverage: 100 },
    300,
    1000,
  ],
  [
    'performance_optimizer',
    'Performance Optimizer',
    'CAPABLE',
    ['profile_code', 'identify_bottlenecks', 'suggest_optimizations'],
    ['profiler'],
    { min_performance_improvement: 20 },
    900,
    1000,
  ],
  [
    'architecture_analyst',
    'Architecture Analyst',
    'PREMIUM',
    ['analyze_architecture', 'identify_patterns', 'suggest_improvements'],
    ['dependency_analyzer'],
    { max_circular_dependencies: 0 },
    900,
    1000,
  ],
  [
    'refactoring_specialist',
    'Refactoring Specialist',
    'CAPABLE',
    ['identify_code_smells', 'suggest_refactorings', 'validate_changes'],
    ['ast_parser'],
    { max_duplication_percent: 5 },
    600,
    1000,
  ],
] as const;

describe('built-in templates', () => {
  it('are the seven templates of the reference, in order', () => {
    expect(BUILT_IN_TEMPLATES.map((template) => template.id)).toEqual(table.map((row) => row[0]));
  });

  it.each(table)(
    '%s has the reference role, tier, capabilities, tools, gate, timeout and tokens',
    (id, role, tier, capabilities, tools, gates, timeout, minTokens) => {
      const template = BUILT_IN_TEMPLATES.find((candidate) => candidate.id === id)!;
      expect(template.role).toBe(role);
      expect(template.tierPreference).toBe(tier);
      expect(template.capabilities).toEqual(capabilities);
      expect(template.tools).toEqual(expect.arrayContaining([...tools]));
      expect(template.qualityGates).toEqual(gates);
      expect(template.resourceRequirements.timeoutSeconds).toBe(timeout);
      expect(template.resourceRequirements.minTokens).toBe(minTokens);
      expect(template.resourceRequirements.maxTokens).toBeGreaterThanOrEqual(minTokens);
      expect(template.defaultInstructions.length).toBeGreaterThan(200);
      expect(agentTemplateSchema.parse(template)).toEqual(template);
    },
  );

  it('give every role its own instructions', () => {
    const instructions = new Set(
      BUILT_IN_TEMPLATES.map((template) => template.defaultInstructions),
    );
    expect(instructions.size).toBe(7);
  });

  it('are deeply frozen', () => {
    const template = BUILT_IN_TEMPLATES[0]!;
    expect(Object.isFrozen(BUILT_IN_TEMPLATES)).toBe(true);
    expect(Object.isFrozen(template)).toBe(true);
    expect(Object.isFrozen(template.capabilities)).toBe(true);
    expect(Object.isFrozen(template.qualityGates)).toBe(true);
    expect(Object.isFrozen(template.resourceRequirements)).toBe(true);
    expect(() => {
      (template.capabilities as string[]).push('hack');
    }).toThrow(TypeError);
    expect(() => {
      (template as { role: string }).role = 'changed';
    }).toThrow(TypeError);
    expect(template.role).toBe('Test Coverage Expert');
  });
});
