import { ValidationError } from '@baton/core';
import { getTemplate, TemplateRegistry } from '@baton/templates';
import { describe, expect, it } from 'vitest';
import { makeAgent, steppingClock } from '../test/fixtures.js';
import { AgentConfiguration, type AgentConfigurationInit } from './agent-configuration.js';

const base: AgentConfigurationInit = {
  id: 'release-prep-v1',
  taskPattern: 'release_prep',
  agents: [makeAgent()],
  strategy: 'parallel',
  qualityGates: { min_coverage: 80 },
};

function validationError(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('AgentConfiguration', () => {
  it('starts with zeroed metrics, never used, created now', () => {
    const config = new AgentConfiguration(base, {
      clock: steppingClock('2026-01-02T03:04:05.000Z'),
    });
    expect(config).toMatchObject({
      id: 'release-prep-v1',
      taskPattern: 'release_prep',
      strategy: 'parallel',
      qualityGates: { min_coverage: 80 },
      successRate: 0,
      avgQualityScore: 0,
      usageCount: 0,
      successCount: 0,
      failureCount: 0,
      lastUsed: null,
      tags: [],
    });
    expect(config.createdAt.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(config.agents).toEqual([makeAgent()]);
  });

  it('takes the team as the user guide writes it: references to templates, hydrated', () => {
    const config = new AgentConfiguration({
      id: 'comp_release_001',
      taskPattern: 'release_preparation',
      agents: [
        { role: 'security_auditor', tier: 'PREMIUM' },
        { templateId: 'test_coverage_analyzer', tier: 'CAPABLE' },
        { templateId: 'documentation_writer', id: 'docs' },
        makeAgent(),
      ],
      strategy: 'parallel',
      qualityGates: { min_coverage: 80 },
    });
    const auditor = getTemplate('security_auditor')!;
    expect(config.agents[0]).toEqual({
      id: 'security_auditor',
      templateId: 'security_auditor',
      role: auditor.role,
      tier: 'PREMIUM',
      instructions: auditor.defaultInstructions,
      capabilities: auditor.capabilities,
      tools: auditor.tools,
      qualityGates: auditor.qualityGates,
      resourceRequirements: auditor.resourceRequirements,
    });
    expect(config.agents.map((agent) => [agent.id, agent.templateId, agent.tier])).toEqual([
      ['security_auditor', 'security_auditor', 'PREMIUM'],
      ['test_coverage_analyzer', 'test_coverage_analyzer', 'CAPABLE'],
      ['docs', 'documentation_writer', getTemplate('documentation_writer')!.tierPreference],
      [makeAgent().id, makeAgent().templateId, makeAgent().tier],
    ]);
    // Stored hydrated: the file reads back without the templates.
    const copy = AgentConfiguration.fromJSON(JSON.parse(JSON.stringify(config)));
    expect(copy.agents).toEqual(config.agents);
  });

  it("runs the user guide's own example: role names the template by id, words or role", () => {
    const config = new AgentConfiguration({
      id: 'comp_release_001',
      taskPattern: 'release_preparation',
      agents: [
        { role: 'security_auditor', tier: 'PREMIUM' },
        { role: 'test_analyzer', tier: 'CAPABLE' },
        { role: 'Documentation Writer' },
      ],
      strategy: 'parallel',
      qualityGates: { min_coverage: 80 },
    });
    expect(config.agents.map((agent) => [agent.templateId, agent.tier])).toEqual([
      ['security_auditor', 'PREMIUM'],
      ['test_coverage_analyzer', 'CAPABLE'],
      ['documentation_writer', getTemplate('documentation_writer')!.tierPreference],
    ]);
  });

  it.each([
    [{ role: 'database_wizard' }, 'agents.0.role: no template "database_wizard" (known: '],
    [{ role: 'analyst_or_analyzer' }, 'agents.0.role: no template "analyst_or_analyzer"'],
    [{ templateId: 'test_analyzer' }, 'agents.0.templateId: no template "test_analyzer"'],
    [{ templateId: 'code_reviewer', tier: 'GOLD' }, 'agents.0.tier: '],
    [
      { templateId: 'code_reviewer', model: 'x' },
      'agents.0.model: is not a field of an agent reference',
    ],
    [{ templateId: 'code_reviewer', id: '' }, 'agents.0.id: '],
  ])('names what is wrong with an agent reference %j', (reference, message) => {
    const error = validationError(
      () => new AgentConfiguration({ ...base, agents: [reference as never] }),
    );
    expect(error.message.startsWith(message)).toBe(true);
  });

  it('takes templates from the registry given, and refuses a role that names several', () => {
    const templates = new TemplateRegistry();
    templates.register({
      id: 'sql_reviewer',
      role: 'SQL Reviewer',
      capabilities: ['query_review'],
      tierPreference: 'CHEAP',
      defaultInstructions: 'Review SQL queries.',
    });
    const config = new AgentConfiguration(
      { ...base, agents: [{ role: 'sql_reviewer' }] },
      { templates },
    );
    expect(config.agents[0]).toMatchObject({ templateId: 'sql_reviewer', tier: 'CHEAP' });
    // "reviewer" is a word of code_reviewer and of sql_reviewer: not guessed.
    const error = validationError(
      () => new AgentConfiguration({ ...base, agents: [{ role: 'reviewer' }] }, { templates }),
    );
    expect(error.message).toMatch(
      /^agents\.0\.role: no template "reviewer" \(known: .*sql_reviewer/,
    );
    expect(
      new AgentConfiguration({ ...base, agents: [{ role: 'reviewer' }] }).agents[0]?.templateId,
    ).toBe('code_reviewer');
  });

  it('generates a UUID when no id is given', () => {
    const { id: _id, ...withoutId } = base;
    const config = new AgentConfiguration(withoutId);
    expect(config.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it.each([
    [{ taskPattern: '' }, 'taskPattern: must be a non-empty string'],
    [{ agents: [] }, 'agents: must list at least one agent'],
    [{ agents: [makeAgent({ tier: 'HUGE' as never })] }, 'agents.0.tier: '],
    [{ agents: ['code_reviewer'] as never }, 'agents.0: '],
    [
      { agents: [makeAgent(), makeAgent()] },
      'agents.1.id: must be unique in the team ("code_reviewer" is already used at index 0)',
    ],
    [{ strategy: 'random' as never }, 'strategy: '],
    [{ id: '../escape' }, 'id: must not contain path separators'],
    [{ tags: [''] }, 'tags.0: must be a non-empty string'],
    [{ createdAt: 'yesterday' }, 'createdAt: must be an ISO 8601 date-time string'],
  ])('rejects %j naming the field', (override, message) => {
    const error = validationError(() => new AgentConfiguration({ ...base, ...override }));
    expect(error.message).toContain(message);
  });

  describe('recordOutcome', () => {
    it('counts uses, successes and failures and derives the success rate', () => {
      const config = new AgentConfiguration(base);
      config.recordOutcome(true, 80).recordOutcome(false, 40).recordOutcome(true, 90);
      expect(config.usageCount).toBe(3);
      expect(config.successCount).toBe(2);
      expect(config.failureCount).toBe(1);
      expect(config.successRate).toBeCloseTo(2 / 3, 12);
    });

    it('takes the first score as the average, then weighs new scores 0.7 and the old average 0.3', () => {
      const config = new AgentConfiguration(base);
      config.recordOutcome(true, 80);
      expect(config.avgQualityScore).toBe(80);
      config.recordOutcome(true, 40);
      expect(config.avgQualityScore).toBeCloseTo(0.7 * 40 + 0.3 * 80, 12); // 52
      config.recordOutcome(false, 100);
      expect(config.avgQualityScore).toBeCloseTo(0.7 * 100 + 0.3 * 52, 12); // 85.6
    });

    it('sets lastUsed to the clock time of each outcome', () => {
      const clock = steppingClock(
        '2026-01-01T00:00:00.000Z',
        '2026-01-05T10:00:00.000Z',
        '2026-01-06T11:00:00.000Z',
      );
      const config = new AgentConfiguration(base, { clock });
      config.recordOutcome(true, 90);
      expect(config.lastUsed?.toISOString()).toBe('2026-01-05T10:00:00.000Z');
      config.recordOutcome(true, 90);
      expect(config.lastUsed?.toISOString()).toBe('2026-01-06T11:00:00.000Z');
      expect(config.createdAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    });

    it('leaves the average unchanged by an unknown score (null) and counts only known scores', () => {
      const config = new AgentConfiguration(base);
      config.recordOutcome(true, null);
      // No score known yet: the average is not a measurement of 0.
      expect(config).toMatchObject({ usageCount: 1, qualityScoreCount: 0, avgQualityScore: 0 });
      config.recordOutcome(true, 80); // the first known score is taken as it is
      expect(config).toMatchObject({ qualityScoreCount: 1, avgQualityScore: 80 });
      config.recordOutcome(false, null);
      expect(config).toMatchObject({ usageCount: 3, failureCount: 1, avgQualityScore: 80 });
      config.recordOutcome(true, 40);
      expect(config.avgQualityScore).toBeCloseTo(0.7 * 40 + 0.3 * 80, 12);
      expect(config.qualityScoreCount).toBe(2);
      expect(config.successRate).toBe(0.75);
    });

    it('averages the known costs and the measured durations; null while none is known', () => {
      const config = new AgentConfiguration(base);
      config.recordOutcome(true, 90);
      expect(config.avgCostUsd).toBeNull();
      expect(config.avgDurationSeconds).toBeNull();
      config.recordOutcome(true, 90, { costUsd: 0.02, durationSeconds: 30 });
      config.recordOutcome(false, 10, { costUsd: null, durationSeconds: 50 });
      config.recordOutcome(true, 90, { costUsd: 0.04 });
      expect(config).toMatchObject({ costCount: 2, durationCount: 2, totalDurationSeconds: 80 });
      expect(config.avgCostUsd).toBeCloseTo(0.03, 12);
      expect(config.avgDurationSeconds).toBe(40);
    });

    it.each([
      [{ costUsd: -0.01 }, 'costUsd: must be a finite number >= 0, or null when unknown'],
      [
        { costUsd: Number.POSITIVE_INFINITY },
        'costUsd: must be a finite number >= 0, or null when unknown',
      ],
      [{ durationSeconds: Number.NaN }, 'durationSeconds: must be a finite number >= 0'],
      ['fast', 'measures: must be an object'],
    ])('rejects the measures %j naming the field and changes nothing', (measures, message) => {
      const config = new AgentConfiguration(base);
      const before = config.toJSON();
      const error = validationError(() => config.recordOutcome(true, 50, measures as never));
      expect(error.message).toBe(message);
      expect(config.toJSON()).toEqual(before);
    });

    it('accepts the bounds 0 and 100', () => {
      const config = new AgentConfiguration(base);
      config.recordOutcome(false, 0).recordOutcome(true, 100);
      expect(config.avgQualityScore).toBe(70);
    });

    it.each([
      [true, -1, 'qualityScore: must be between 0 and 100 (got -1)'],
      [true, 100.5, 'qualityScore: must be between 0 and 100 (got 100.5)'],
      [true, Number.NaN, 'qualityScore: must be a finite number, or null when unknown'],
      [
        true,
        '90' as unknown as number,
        'qualityScore: must be a finite number, or null when unknown',
      ],
      [
        true,
        undefined as unknown as number,
        'qualityScore: must be a finite number, or null when unknown',
      ],
      ['yes' as unknown as boolean, 90, 'success: must be a boolean'],
    ])('rejects success %j with score %j and changes nothing', (success, score, message) => {
      const config = new AgentConfiguration(base);
      config.recordOutcome(true, 50);
      const before = config.toJSON();
      const error = validationError(() => config.recordOutcome(success, score));
      expect(error.message).toBe(message);
      expect(error.field).toBe(message.split(':')[0]);
      expect(config.toJSON()).toEqual(before);
    });
  });

  describe('JSON', () => {
    it('writes timestamps as ISO strings and reads them back', () => {
      const clock = steppingClock('2026-03-01T08:00:00.000Z', '2026-03-02T09:30:00.000Z');
      const config = new AgentConfiguration({ ...base, tags: ['nightly'] }, { clock });
      config.recordOutcome(true, 75);
      const json = JSON.parse(JSON.stringify(config));
      expect(json).toEqual({
        id: 'release-prep-v1',
        taskPattern: 'release_prep',
        agents: [makeAgent()],
        strategy: 'parallel',
        qualityGates: { min_coverage: 80 },
        successRate: 1,
        avgQualityScore: 75,
        qualityScoreCount: 1,
        usageCount: 1,
        successCount: 1,
        failureCount: 0,
        costCount: 0,
        totalCostUsd: 0,
        durationCount: 0,
        totalDurationSeconds: 0,
        createdAt: '2026-03-01T08:00:00.000Z',
        lastUsed: '2026-03-02T09:30:00.000Z',
        tags: ['nightly'],
      });
      const copy = AgentConfiguration.fromJSON(json);
      expect(copy.toJSON()).toEqual(json);
      expect(copy.lastUsed).toBeInstanceOf(Date);
    });

    it('keeps the agents of the plan it was given, independent of later changes', () => {
      const agents = [makeAgent(), makeAgent({ id: 'code_reviewer__cheap', tier: 'CHEAP' })];
      const config = new AgentConfiguration({ ...base, agents });
      agents[0]!.role = 'changed';
      expect(config.agents[0]!.role).toBe('Code Reviewer');
      expect(config.toJSON().agents.map((agent) => agent.id)).toEqual([
        'code_reviewer',
        'code_reviewer__cheap',
      ]);
    });

    const stored = () =>
      JSON.parse(JSON.stringify(new AgentConfiguration(base).recordOutcome(true, 90)));

    it.each([
      [{ successRate: 1.5 }, 'successRate: must be <= 1'],
      [{ avgQualityScore: -3 }, 'avgQualityScore: must be >= 0'],
      [{ usageCount: 1.5 }, 'usageCount: must be an integer'],
      [{ usageCount: 2 }, 'usageCount: must equal successCount + failureCount (1)'],
      [{ successRate: 0.5 }, 'successRate: must equal successCount / usageCount (1)'],
      [{ lastUsed: 'soon' }, 'lastUsed: must be an ISO 8601 date-time string'],
      [{ createdAt: undefined }, 'createdAt: '],
      [{ id: undefined }, 'id: is required'],
      [{ id: 5 }, 'id: must be a string'],
      [{ id: 'a/b' }, 'id: must not contain path separators'],
      [{ agents: [{ id: 'x' }] }, 'agents.0.templateId: '],
    ])('fromJSON rejects %j naming the field', (override, message) => {
      const error = validationError(() =>
        AgentConfiguration.fromJSON({ ...stored(), ...override }),
      );
      expect(error.message).toContain(message);
    });

    it('reads a file written before unknown scores existed as one score per outcome', () => {
      const {
        qualityScoreCount: _,
        costCount: _c,
        totalCostUsd: _t,
        durationCount: _d,
        totalDurationSeconds: _s,
        ...legacy
      } = JSON.parse(
        JSON.stringify(
          new AgentConfiguration(base).recordOutcome(true, 90).recordOutcome(true, 70),
        ),
      );
      const config = AgentConfiguration.fromJSON(legacy);
      expect(config).toMatchObject({ usageCount: 2, qualityScoreCount: 2, costCount: 0 });
      expect(config.avgCostUsd).toBeNull();
      // The next known score is averaged with the stored one, not taken as a first score.
      config.recordOutcome(true, 100);
      expect(config.avgQualityScore).toBeCloseTo(0.7 * 100 + 0.3 * (0.7 * 70 + 0.3 * 90), 12);
    });

    it.each([
      [{ qualityScoreCount: 2 }, 'qualityScoreCount: must be <= usageCount (1)'],
      [
        { qualityScoreCount: 0 },
        'avgQualityScore: must be 0 when qualityScoreCount is 0 (no known score)',
      ],
      [{ totalCostUsd: 0.5 }, 'totalCostUsd: must be 0 when costCount is 0'],
      [{ durationCount: 3 }, 'durationCount: must be <= usageCount (1)'],
      [{ variant: { kind: 'tier-down' } }, 'variant.description: '],
    ])('fromJSON rejects inconsistent measures %j naming the field', (override, message) => {
      const error = validationError(() =>
        AgentConfiguration.fromJSON({ ...stored(), ...override }),
      );
      expect(error.message).toContain(message);
    });

    it('keeps how a candidate was derived', () => {
      const variant = {
        kind: 'tier-down',
        description: 'one tier down',
        estimatedCost: 4,
        estimatedCostUsd: 0.05,
      };
      const config = new AgentConfiguration({ ...base, variant });
      const copy = AgentConfiguration.fromJSON(JSON.parse(JSON.stringify(config)));
      expect(copy.variant).toEqual(variant);
      expect(new AgentConfiguration(base).toJSON()).not.toHaveProperty('variant');
    });

    it('fromJSON rejects an average quality score on a never-used composition', () => {
      const data = {
        ...JSON.parse(JSON.stringify(new AgentConfiguration(base))),
        avgQualityScore: 50,
      };
      expect(() => AgentConfiguration.fromJSON(data)).toThrow(
        'avgQualityScore: must be 0 when usageCount is 0',
      );
    });

    it('fromJSON rejects input that is not an object', () => {
      expect(() => AgentConfiguration.fromJSON('{}')).toThrow(ValidationError);
      expect(() => AgentConfiguration.fromJSON(null)).toThrow(ValidationError);
      expect(() => AgentConfiguration.fromJSON(null)).toThrow('data: must be an object');
      expect(() => AgentConfiguration.fromJSON([])).toThrow('data: must be an object');
    });

    it('the constructor rejects init that is not an object, naming it', () => {
      expect(() => new AgentConfiguration(null as never)).toThrow(ValidationError);
      expect(() => new AgentConfiguration(null as never)).toThrow('init: must be an object');
    });
  });
});
