import { type AgentTemplateInput, ValidationError } from '@baton/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultTemplateRegistry,
  getAllTemplates,
  getTemplate,
  getTemplatesByCapability,
  getTemplatesByTier,
  registerTemplate,
  TemplateRegistry,
} from './template-registry.js';

const sqlReviewer: AgentTemplateInput = {
  id: 'sql_reviewer',
  role: 'SQL Reviewer',
  capabilities: ['query_review', 'code_review'],
  tierPreference: 'CHEAP',
  defaultInstructions: 'Review SQL queries for correctness and performance.',
};

describe('default registry lookups', () => {
  it('finds a template by id', () => {
    expect(getTemplate('test_coverage_analyzer')?.role).toBe('Test Coverage Expert');
  });

  it('returns undefined for an unknown or non-string id instead of throwing', () => {
    expect(getTemplate('nope')).toBeUndefined();
    expect(getTemplate('')).toBeUndefined();
    expect(getTemplate(42 as unknown as string)).toBeUndefined();
  });

  it('lists all seven built-ins in order', () => {
    expect(getAllTemplates().map((template) => template.id)).toEqual([
      'test_coverage_analyzer',
      'security_auditor',
      'code_reviewer',
      'documentation_writer',
      'performance_optimizer',
      'architecture_analyst',
      'refactoring_specialist',
    ]);
  });

  it('returns a fresh list each time, so callers cannot change the registry', () => {
    const list = getAllTemplates();
    list.pop();
    expect(getAllTemplates()).toHaveLength(7);
  });

  it('finds templates by capability', () => {
    expect(getTemplatesByCapability('vulnerability_scan').map((t) => t.id)).toEqual([
      'security_auditor',
    ]);
    expect(getTemplatesByCapability('no_such_capability')).toEqual([]);
    expect(getTemplatesByCapability(undefined as unknown as string)).toEqual([]);
  });

  it('finds templates by tier, case-insensitively, and [] for an unknown tier', () => {
    expect(getTemplatesByTier('CHEAP').map((t) => t.id)).toEqual(['documentation_writer']);
    expect(getTemplatesByTier('CAPABLE').map((t) => t.id)).toEqual([
      'test_coverage_analyzer',
      'code_reviewer',
      'performance_optimizer',
      'refactoring_specialist',
    ]);
    expect(getTemplatesByTier('premium').map((t) => t.id)).toEqual([
      'security_auditor',
      'architecture_analyst',
    ]);
    expect(getTemplatesByTier('ULTRA')).toEqual([]);
    expect(getTemplatesByTier(null as unknown as string)).toEqual([]);
  });
});

describe('registerTemplate (default registry)', () => {
  afterEach(() => {
    defaultTemplateRegistry.unregister('sql_reviewer');
  });

  it('validates, stores and returns the frozen template', () => {
    const template = registerTemplate(sqlReviewer);
    expect(Object.isFrozen(template)).toBe(true);
    expect(getTemplate('sql_reviewer')).toBe(template);
    expect(getTemplatesByCapability('code_review').map((t) => t.id)).toEqual([
      'code_reviewer',
      'sql_reviewer',
    ]);
  });

  it('rejects an invalid template with the field named and registers nothing', () => {
    expect(() => registerTemplate({ ...sqlReviewer, capabilities: [] })).toThrow(
      'capabilities: must list at least one capability',
    );
    expect(getTemplate('sql_reviewer')).toBeUndefined();
  });
});

describe('TemplateRegistry', () => {
  it('is isolated from the default registry and other registries', () => {
    const first = new TemplateRegistry();
    const second = new TemplateRegistry();
    first.register(sqlReviewer);
    expect(first.get('sql_reviewer')?.role).toBe('SQL Reviewer');
    expect(second.get('sql_reviewer')).toBeUndefined();
    expect(getTemplate('sql_reviewer')).toBeUndefined();
  });

  it('can start empty or with extra templates', () => {
    expect(new TemplateRegistry({ builtIns: false }).getAll()).toEqual([]);
    const registry = new TemplateRegistry({ builtIns: false, templates: [sqlReviewer] });
    expect(registry.getAll().map((t) => t.id)).toEqual(['sql_reviewer']);
  });

  it('rejects a taken id (built-in or custom) unless override is set', () => {
    const registry = new TemplateRegistry();
    const replacement = { ...sqlReviewer, id: 'code_reviewer' };
    expect(() => registry.register(replacement)).toThrow(
      'id: a template "code_reviewer" is already registered; pass { override: true } to replace it',
    );
    expect(registry.get('code_reviewer')?.role).toBe('Code Quality Reviewer');
    registry.register(sqlReviewer);
    expect(() => registry.register(sqlReviewer)).toThrow(ValidationError);
  });

  it('replaces a built-in in place with override', () => {
    const registry = new TemplateRegistry();
    const replaced = registry.register(
      { ...sqlReviewer, id: 'code_reviewer', role: 'Strict Reviewer' },
      { override: true },
    );
    expect(registry.get('code_reviewer')).toBe(replaced);
    expect(registry.getAll().map((t) => t.id)[2]).toBe('code_reviewer');
    expect(registry.getAll()).toHaveLength(7);
    expect(getTemplate('code_reviewer')?.role).toBe('Code Quality Reviewer');
  });

  it.each([
    [null, 'options: must be an object'],
    [{ builtIns: 'no' }, 'builtIns: must be a boolean'],
  ])('rejects the options %j naming the field', (options, message) => {
    const create = () => new TemplateRegistry(options as never);
    expect(create).toThrow(ValidationError);
    expect(create).toThrow(message);
  });

  it('registerAll adds all templates or none', () => {
    const registry = new TemplateRegistry();
    const broken = { ...sqlReviewer, id: 'broken', role: '' };
    expect(() => registry.registerAll([sqlReviewer, broken])).toThrow(
      '[1].role: must be a non-empty string',
    );
    expect(registry.has('sql_reviewer')).toBe(false);
    expect(() => registry.registerAll([sqlReviewer, sqlReviewer])).toThrow(
      '[1].id: duplicate id "sql_reviewer" (also at [0])',
    );
    expect(registry.has('sql_reviewer')).toBe(false);
    expect(() => registry.registerAll('x' as never)).toThrow('templates: must be a list');
  });

  it('unregisters templates', () => {
    const registry = new TemplateRegistry();
    expect(registry.unregister('security_auditor')).toBe(true);
    expect(registry.unregister('security_auditor')).toBe(false);
    expect(registry.getByCapability('vulnerability_scan')).toEqual([]);
  });
});
