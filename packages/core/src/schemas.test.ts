import { describe, expect, it } from 'vitest';
import {
  CompositionPattern,
  compositionPatternSchema,
  TaskDomain,
  TIER_COST_UNITS,
  TIERS,
  Tier,
  taskComplexitySchema,
  taskDomainSchema,
  tierRank,
} from './constants.js';
import { ValidationError } from './errors.js';
import {
  agentResultSchema,
  agentTeamSchema,
  agentTemplateSchema,
  DEFAULT_RESOURCE_REQUIREMENTS,
  executionPlanSchema,
  resourceRequirementsSchema,
} from './schemas.js';
import { parseWith } from './validate.js';

const template = {
  id: 'reviewer',
  role: 'Reviewer',
  capabilities: ['code_review'],
  tierPreference: 'CAPABLE',
  tools: ['linter'],
  defaultInstructions: 'Review the code.',
  qualityGates: { min_quality_score: 7 },
};

function fieldOf(input: unknown): string {
  try {
    parseWith(agentTemplateSchema, input, { label: 'template' });
  } catch (error) {
    if (error instanceof ValidationError) return error.field;
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('tiers', () => {
  it('orders tiers by cost and prices them in units', () => {
    expect(TIERS).toEqual(['CHEAP', 'CAPABLE', 'PREMIUM']);
    expect(tierRank(Tier.PREMIUM)).toBe(2);
    expect(TIER_COST_UNITS).toEqual({ CHEAP: 1, CAPABLE: 3, PREMIUM: 10 });
  });
});

describe('constant schemas', () => {
  it('accept exactly the values of their constants, in order', () => {
    expect(taskComplexitySchema.options).toEqual(['simple', 'moderate', 'complex']);
    expect(taskDomainSchema.options).toEqual(Object.values(TaskDomain));
    expect(taskDomainSchema.options).toHaveLength(8);
    expect(compositionPatternSchema.options).toEqual(Object.values(CompositionPattern));
    expect(compositionPatternSchema.safeParse('DEBATE').success).toBe(false);
  });
});

describe('agentTemplateSchema', () => {
  it('applies resource defaults', () => {
    const parsed = parseWith(agentTemplateSchema, template);
    expect(parsed.resourceRequirements).toEqual(DEFAULT_RESOURCE_REQUIREMENTS);
    expect(DEFAULT_RESOURCE_REQUIREMENTS).toEqual({
      minTokens: 1000,
      maxTokens: 10000,
      timeoutSeconds: 300,
      memoryMb: 512,
    });
  });

  it.each([
    [{ ...template, id: '' }, 'template.id'],
    [{ ...template, role: '   ' }, 'template.role'],
    [{ ...template, capabilities: [] }, 'template.capabilities'],
    [{ ...template, capabilities: ['ok', ''] }, 'template.capabilities.1'],
    [{ ...template, tierPreference: 'GOLD' }, 'template.tierPreference'],
    [{ ...template, tools: [''] }, 'template.tools.0'],
    [{ ...template, defaultInstructions: '' }, 'template.defaultInstructions'],
    [{ ...template, qualityGates: 'high' }, 'template.qualityGates'],
    [
      { ...template, resourceRequirements: { minTokens: -1 } },
      'template.resourceRequirements.minTokens',
    ],
    [
      { ...template, resourceRequirements: { minTokens: 5000, maxTokens: 100 } },
      'template.resourceRequirements.maxTokens',
    ],
    [
      { ...template, resourceRequirements: { timeoutSeconds: 0 } },
      'template.resourceRequirements.timeoutSeconds',
    ],
    [
      { ...template, resourceRequirements: { memoryMb: -5 } },
      'template.resourceRequirements.memoryMb',
    ],
  ])('rejects bad input and names the field (%#)', (input, field) => {
    expect(fieldOf(input)).toBe(field);
  });

  it('allows fractional timeouts', () => {
    expect(resourceRequirementsSchema.parse({ timeoutSeconds: 0.05 }).timeoutSeconds).toBe(0.05);
  });
});

describe('agentResultSchema', () => {
  it('rejects a confidence outside 0..1', () => {
    const result = agentResultSchema.safeParse({
      agentId: 'a',
      success: true,
      output: {},
      confidence: 1.5,
      durationSeconds: 0,
      error: '',
    });
    expect(result.success).toBe(false);
  });
});

describe('agentTeamSchema', () => {
  const agent = (id: string) => ({
    id,
    templateId: 'code_reviewer',
    role: 'Reviewer',
    tier: 'CAPABLE',
    instructions: 'Review.',
    capabilities: ['code_review'],
    tools: [],
    qualityGates: {},
    resourceRequirements: DEFAULT_RESOURCE_REQUIREMENTS,
  });

  it('accepts a team with unique ids and names every repeated id', () => {
    expect(agentTeamSchema.safeParse([agent('a'), agent('b')]).success).toBe(true);
    expect(() =>
      parseWith(agentTeamSchema, [agent('a'), agent('b'), agent('a'), agent('b')], {
        label: 'agents',
      }),
    ).toThrow(
      'agents.2.id: must be unique in the team ("a" is already used at index 0); ' +
        'agents.3.id: must be unique in the team ("b" is already used at index 1)',
    );
  });

  it('is what an execution plan holds: agent ids are unique in the plan', () => {
    const plan = {
      agents: [agent('a'), agent('a')],
      strategy: 'parallel',
      qualityGates: {},
      estimatedCost: 6,
      estimatedCostUsd: 0.1,
      estimatedDuration: 300,
      complexity: 'moderate',
      domain: 'general',
      requirements: {
        complexity: 'moderate',
        domain: 'general',
        capabilitiesNeeded: [],
        parallelizable: true,
        qualityGates: {},
        context: {},
      },
    };
    expect(() => parseWith(executionPlanSchema, plan)).toThrow(
      'agents.1.id: must be unique in the team ("a" is already used at index 0)',
    );
    expect(
      parseWith(executionPlanSchema, { ...plan, agents: [agent('a'), agent('b')] }).agents,
    ).toHaveLength(2);
  });
});
