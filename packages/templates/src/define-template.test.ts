import { type AgentTemplateInput, BatonError, ValidationError } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { defineTemplate } from './define-template.js';

const valid: AgentTemplateInput = {
  id: 'data_pipeline_expert',
  role: 'Data Pipeline Specialist',
  capabilities: ['pipeline_design', 'data_validation'],
  tierPreference: 'CAPABLE',
  tools: ['spark', 'dbt'],
  defaultInstructions: 'You are a data pipeline expert.',
  qualityGates: { min_data_quality: 99 },
  resourceRequirements: { minTokens: 3000, maxTokens: 20000, timeoutSeconds: 900, memoryMb: 2048 },
};

function errorOf(input: unknown): ValidationError {
  try {
    defineTemplate(input as AgentTemplateInput);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('defineTemplate accepted invalid input');
}

describe('defineTemplate', () => {
  it('returns the validated template with every field', () => {
    expect(defineTemplate(valid)).toEqual(valid);
  });

  it('applies the defaults: no tools, no gates, 1000/10000 tokens, 300 s, 512 MB', () => {
    const template = defineTemplate({
      id: 'minimal',
      role: 'Minimal',
      capabilities: ['one'],
      tierPreference: 'CHEAP',
      defaultInstructions: 'Do one thing well.',
    });
    expect(template.tools).toEqual([]);
    expect(template.qualityGates).toEqual({});
    expect(template.resourceRequirements).toEqual({
      minTokens: 1000,
      maxTokens: 10000,
      timeoutSeconds: 300,
      memoryMb: 512,
    });
  });

  it('fills in resource defaults field by field', () => {
    const template = defineTemplate({ ...valid, resourceRequirements: { timeoutSeconds: 0.05 } });
    expect(template.resourceRequirements).toEqual({
      minTokens: 1000,
      maxTokens: 10000,
      timeoutSeconds: 0.05,
      memoryMb: 512,
    });
  });

  it('returns a deeply frozen template without freezing the caller’s objects', () => {
    const gates = { thresholds: { coverage: 80 } };
    const template = defineTemplate({ ...valid, qualityGates: gates });
    expect(Object.isFrozen(template)).toBe(true);
    expect(Object.isFrozen(template.tools)).toBe(true);
    expect(Object.isFrozen(template.resourceRequirements)).toBe(true);
    expect(Object.isFrozen(template.qualityGates.thresholds)).toBe(true);
    expect(Object.isFrozen(gates.thresholds)).toBe(false);
    gates.thresholds.coverage = 10;
    expect(template.qualityGates).toEqual({ thresholds: { coverage: 80 } });
  });

  const rules: Array<[string, Partial<Record<string, unknown>>, string, RegExp]> = [
    ['empty id', { id: '' }, 'id', /non-empty/],
    ['blank id', { id: '   ' }, 'id', /non-empty/],
    ['missing role', { role: undefined }, 'role', /^role: is required$/],
    ['empty role', { role: '' }, 'role', /non-empty/],
    ['empty capability list', { capabilities: [] }, 'capabilities', /at least one/],
    ['empty capability name', { capabilities: ['ok', ''] }, 'capabilities.1', /non-empty/],
    ['capabilities not a list', { capabilities: 'code_review' }, 'capabilities', /array/],
    ['unknown tier', { tierPreference: 'ULTRA' }, 'tierPreference', /CHEAP|CAPABLE|PREMIUM/],
    ['lower-case tier', { tierPreference: 'cheap' }, 'tierPreference', /CHEAP/],
    ['empty tool name', { tools: ['spark', ''] }, 'tools.1', /non-empty/],
    ['tools not a list', { tools: 'spark' }, 'tools', /array/],
    ['empty instructions', { defaultInstructions: '' }, 'defaultInstructions', /non-empty/],
    ['gates not an object', { qualityGates: 'strict' }, 'qualityGates', /must be an object/],
    ['gates a list', { qualityGates: [80] }, 'qualityGates', /must be an object/],
    [
      'negative minTokens',
      { resourceRequirements: { minTokens: -1 } },
      'resourceRequirements.minTokens',
      /must be >= 0/,
    ],
    [
      'fractional minTokens',
      { resourceRequirements: { minTokens: 1.5 } },
      'resourceRequirements.minTokens',
      /integer/,
    ],
    [
      'maxTokens below minTokens',
      { resourceRequirements: { minTokens: 2000, maxTokens: 1000 } },
      'resourceRequirements.maxTokens',
      /must be >= minTokens \(2000\)/,
    ],
    [
      'zero timeout',
      { resourceRequirements: { timeoutSeconds: 0 } },
      'resourceRequirements.timeoutSeconds',
      /must be > 0/,
    ],
    [
      'negative timeout',
      { resourceRequirements: { timeoutSeconds: -5 } },
      'resourceRequirements.timeoutSeconds',
      /must be > 0/,
    ],
    [
      'zero memory',
      { resourceRequirements: { memoryMb: 0 } },
      'resourceRequirements.memoryMb',
      /must be > 0/,
    ],
  ];

  it.each(rules)('rejects %s with an error naming %s', (_name, change, field, message) => {
    const error = errorOf({ ...valid, ...change });
    expect(error.field).toBe(field);
    expect(error.code).toBe('BATON_VALIDATION');
    expect(BatonError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: `));
    expect(error.message).toMatch(message);
  });

  it('reports every problem at once', () => {
    const error = errorOf({ id: '', role: '', capabilities: [] });
    expect(error.issues.map((issue) => issue.field)).toEqual([
      'id',
      'role',
      'capabilities',
      'tierPreference',
      'defaultInstructions',
    ]);
  });

  it('prefixes fields with the label', () => {
    try {
      defineTemplate({ ...valid, role: '' }, { label: '[3]' });
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).message).toBe('[3].role: must be a non-empty string');
    }
  });

  it('rejects quality gates that are not plain data', () => {
    const error = errorOf({ ...valid, qualityGates: { check: () => true } });
    expect(error.field).toBe('qualityGates');
    expect(error.message).toMatch(/plain data/);
  });

  it('rejects input that is not an object, naming the template', () => {
    expect(errorOf(null).message).toBe('template: must be an object (got null)');
    expect(errorOf(['x']).message).toBe('template: must be an object (got an array)');
    expect(errorOf('x').field).toBe('template');
    expect(() => defineTemplate(null as never, { label: '[1]' })).toThrow(
      '[1]: must be an object (got null)',
    );
  });
});
