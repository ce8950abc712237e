import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AgentConfiguration, ConfigurationStore, PatternLibrary } from '@baton/config-store';
import type { Agent, Logger } from '@baton/core';
import { MetaOrchestrator, spawnAgent } from '@baton/meta-orchestrator';
import { getTemplate } from '@baton/templates';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chooseComposition,
  compositionIdFor,
  isProvenComposition,
  qualityScoreFromConfidences,
  REUSE_SUCCESS_RATE,
  recordCompositionOutcome,
  taskPatternOf,
} from './composition-learning.js';

const DOCS = 'update API documentation';
const directories: string[] = [];

afterEach(async () => {
  await Promise.all(
    directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })),
  );
});

async function temporaryStore(
  options: { patterns?: boolean } = {},
): Promise<{ store: ConfigurationStore; library: PatternLibrary | undefined; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'baton-learning-'));
  directories.push(dir);
  const library =
    options.patterns === true
      ? new PatternLibrary({ storageDir: path.join(dir, 'patterns') })
      : undefined;
  const store = new ConfigurationStore({
    storageDir: path.join(dir, 'compositions'),
    ...(library === undefined ? {} : { patternLibrary: library }),
  });
  return { store, library, dir };
}

/** A stored docs composition (one CAPABLE writer, sequential) with the given outcomes. */
async function storeComposition(
  store: ConfigurationStore,
  outcomes: boolean[],
  id = 'docs-team',
): Promise<Agent> {
  const agent = spawnAgent(getTemplate('documentation_writer')!, {
    tier: 'CAPABLE',
    task: 'the task it was composed for',
    qualityGates: { min_doc_coverage: 80 },
  });
  await store.save(
    new AgentConfiguration({
      id,
      taskPattern: taskPatternOf(new MetaOrchestrator().analyzeAndCompose(DOCS)),
      agents: [agent],
      strategy: 'sequential',
      qualityGates: { min_doc_coverage: 80, max_critical_issues: 0 },
    }),
  );
  for (const success of outcomes) {
    await store.recordOutcome(id, { success, qualityScore: success ? 90 : 10 });
  }
  return agent;
}

function recordingLogger(): Logger & { warnings: { message: string; data: unknown }[] } {
  const warnings: { message: string; data: unknown }[] = [];
  const ignore = () => {};
  return {
    warnings,
    debug: ignore,
    info: ignore,
    warn: (message: string, data?: unknown) => warnings.push({ message, data }),
    error: ignore,
  } as Logger & { warnings: typeof warnings };
}

/** A store whose reads fail (or count the calls), without touching the disk. */
class ProbeStore extends ConfigurationStore {
  reads = 0;
  constructor(readonly failure?: Error) {
    super({ storageDir: path.join(tmpdir(), 'baton-never-created') });
  }
  override async getBestForTask(): Promise<AgentConfiguration | undefined> {
    this.reads += 1;
    if (this.failure !== undefined) throw this.failure;
    return undefined;
  }
}

describe('taskPatternOf and compositionIdFor', () => {
  it('keys a task by <domain>_<complexity>', () => {
    const plan = new MetaOrchestrator().analyzeAndCompose(DOCS);
    expect(taskPatternOf(plan)).toBe(`${plan.domain}_${plan.complexity}`);
    expect(taskPatternOf({ domain: 'security', complexity: 'moderate' })).toBe('security_moderate');
  });

  it('gives the same team the same id, and any change of team or strategy another one', () => {
    const plan = new MetaOrchestrator().analyzeAndCompose(DOCS);
    const again = new MetaOrchestrator().analyzeAndCompose(DOCS);
    const id = compositionIdFor('documentation_simple', plan.strategy, plan.agents);
    expect(id).toMatch(new RegExp(`^documentation_simple-${plan.strategy}-[0-9a-f]{10}$`));
    expect(compositionIdFor('documentation_simple', again.strategy, again.agents)).toBe(id);

    const [first, second] = plan.agents as unknown as [Agent, Agent];
    const ids = new Set([
      id,
      compositionIdFor('documentation_simple', 'sequential', plan.agents),
      compositionIdFor('documentation_simple', plan.strategy, [second, first]),
      compositionIdFor('documentation_simple', plan.strategy, [
        { ...first, tier: 'PREMIUM' },
        second,
      ]),
      compositionIdFor('documentation_simple', plan.strategy, [first]),
    ]);
    expect(ids.size).toBe(5);
    // The id shown in the TSDoc example (a change here changes every stored team's id).
    expect(id).toBe('documentation_simple-teaching-84b48af43c');
    // Only id, template and tier count: new instructions keep the id.
    expect(
      compositionIdFor('documentation_simple', plan.strategy, [
        { ...first, instructions: 'other' } as Agent,
        second,
      ]),
    ).toBe(id);
  });
});

describe('isProvenComposition', () => {
  it('is true from a success rate of exactly 0.8 on, and never for an unused composition', () => {
    expect(REUSE_SUCCESS_RATE).toBe(0.8);
    expect(isProvenComposition({ successRate: 0.8, usageCount: 5 })).toBe(true);
    expect(isProvenComposition({ successRate: 1, usageCount: 1 })).toBe(true);
    expect(isProvenComposition({ successRate: 0.75, usageCount: 4 })).toBe(false);
    expect(isProvenComposition({ successRate: 0, usageCount: 0 })).toBe(false);
  });
});

describe('chooseComposition', () => {
  it('composes with the meta-orchestrator when nothing is stored for the task pattern', async () => {
    const { store } = await temporaryStore();
    const chosen = await chooseComposition({ task: `  ${DOCS}  `, store });
    const plan = new MetaOrchestrator().analyzeAndCompose(DOCS);
    expect(chosen).toMatchObject({
      task: DOCS,
      taskPattern: taskPatternOf(plan),
      decision: 'composed',
      basis: 'none-stored',
      reason: `no stored composition for task pattern ${taskPatternOf(plan)}`,
      compositionId: compositionIdFor(taskPatternOf(plan), plan.strategy, plan.agents),
      strategy: plan.strategy,
      strategyReason: `rule ${plan.strategyRule}; ${plan.reasons.join('; ')}`,
      qualityGates: plan.qualityGates,
    });
    expect(chosen.agents).toEqual(plan.agents);
    expect(chosen.plan).toEqual(plan);
  });

  it('reuses a stored composition at exactly 0.8, retargeted at the new task', async () => {
    const { store } = await temporaryStore();
    const stored = await storeComposition(store, [true, true, true, true, false]);
    const chosen = await chooseComposition({
      task: DOCS,
      context: { qualityGates: { min_doc_coverage: 95 } },
      store,
    });
    expect(chosen).toMatchObject({
      decision: 'reused',
      basis: 'proven',
      compositionId: 'docs-team',
      strategy: 'sequential',
      strategyReason: 'reused with composition docs-team',
      reason: `stored composition docs-team for ${chosen.taskPattern} succeeded 80% over 5 runs (>= 80%)`,
      // The stored gates, overlaid with the ones the task asks for.
      qualityGates: { min_doc_coverage: 95, max_critical_issues: 0 },
    });
    expect(chosen.agents).toHaveLength(1);
    const [agent] = chosen.agents as [Agent];
    expect(agent.instructions).toContain(`## Task\n${DOCS}\n\n## Your part`);
    expect(agent.instructions).not.toContain('the task it was composed for');
    // Stored agents are core agents (no strategyRole); everything but the task is kept.
    const { strategyRole: _, ...storedAgent } = stored as Agent & { strategyRole?: string };
    expect({ ...agent, instructions: '' }).toEqual({ ...storedAgent, instructions: '' });
  });

  it('composes when the best stored composition is below 0.8', async () => {
    const { store } = await temporaryStore();
    await storeComposition(store, [true, true, true, false]);
    const chosen = await chooseComposition({ task: DOCS, store });
    expect(chosen).toMatchObject({ decision: 'composed', basis: 'not-proven' });
    expect(chosen.reason).toBe(
      `best stored composition docs-team for ${chosen.taskPattern} has success rate 75% over 4 runs (< 80%)`,
    );
    expect(chosen.compositionId).not.toBe('docs-team');
  });

  it('composes when the stored composition was never used', async () => {
    const { store } = await temporaryStore();
    await storeComposition(store, []);
    const chosen = await chooseComposition({ task: DOCS, store });
    expect(chosen).toMatchObject({ decision: 'composed', basis: 'not-proven' });
    expect(chosen.reason).toContain('has success rate 0% over 0 runs (< 80%)');
  });

  it('composes, warns and says why when the store cannot be read', async () => {
    const store = new ProbeStore(new Error('disk on fire'));
    const logger = recordingLogger();
    const chosen = await chooseComposition({ task: DOCS, store, logger });
    expect(chosen).toMatchObject({
      decision: 'composed',
      basis: 'store-unreadable',
      reason: 'the composition store could not be read (disk on fire)',
    });
    expect(logger.warnings).toEqual([
      { message: 'could not read the composition store', data: { error: 'disk on fire' } },
    ]);
  });

  it('rejects with the abort reason, not a composed team, when aborted while reading', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    const store = new ProbeStore(new Error('aborted read'));
    await expect(
      chooseComposition({ task: DOCS, store, signal: controller.signal }),
    ).rejects.toThrow('stop now');
  });

  it('does not consult the store when asked for a fresh team or given capabilities', async () => {
    const { store } = await temporaryStore();
    await storeComposition(store, [true, true]);
    const fresh = await chooseComposition({ task: DOCS, store, fresh: true });
    expect(fresh).toMatchObject({ decision: 'composed', basis: 'fresh' });
    expect(fresh.reason).toBe('a fresh team was asked for: stored compositions not consulted');

    const probe = new ProbeStore();
    const withCapabilities = await chooseComposition({
      task: DOCS,
      store: probe,
      context: { capabilities: ['code_review'] },
    });
    expect(withCapabilities).toMatchObject({ decision: 'composed', basis: 'capabilities' });
    await chooseComposition({ task: DOCS, store: probe, fresh: true });
    expect(probe.reads).toBe(0);
    await chooseComposition({ task: DOCS, store: probe });
    expect(probe.reads).toBe(1);
  });

  it('rejects a bad task with a ValidationError naming it', async () => {
    const { store } = await temporaryStore();
    await expect(chooseComposition({ task: ' ', store })).rejects.toThrow(/^task: /);
  });
});

describe('qualityScoreFromConfidences', () => {
  it('averages the confidences as a percentage with one decimal; 0 without any', () => {
    expect(qualityScoreFromConfidences([0.9, 0.8])).toBe(85);
    expect(qualityScoreFromConfidences([1, 0, 0])).toBe(33.3);
    expect(qualityScoreFromConfidences([0.876])).toBe(87.6);
    expect(qualityScoreFromConfidences([])).toBe(0);
  });
});

describe('recordCompositionOutcome', () => {
  it('saves a newly composed team, records each outcome, and reports the standing before', async () => {
    const { store } = await temporaryStore();
    const chosen = await chooseComposition({ task: DOCS, store });
    const composition = { ...chosen, tags: ['my-tool'] };
    const first = await recordCompositionOutcome({
      store,
      composition,
      outcome: { success: true, qualityScore: 85 },
    });
    expect(first).toEqual({
      recorded: true,
      compositionId: chosen.compositionId,
      taskPattern: chosen.taskPattern,
      success: true,
      qualityScore: 85,
      successRate: 1,
      usageCount: 1,
      previous: null,
    });
    const saved = await store.load(chosen.compositionId);
    expect(saved).toMatchObject({
      taskPattern: chosen.taskPattern,
      strategy: chosen.strategy,
      tags: ['my-tool'],
      avgQualityScore: 85,
    });
    // Stored as core agents: the plan's strategyRole is not part of the stored shape.
    expect(saved?.agents).toEqual(chosen.plan.agents.map(({ strategyRole: _, ...agent }) => agent));

    const second = await recordCompositionOutcome({
      store,
      composition,
      outcome: { success: false, qualityScore: 20 },
    });
    expect(second).toMatchObject({
      recorded: true,
      successRate: 0.5,
      usageCount: 2,
      previous: { successRate: 1, usageCount: 1 },
    });
  });

  it('closes the loop: a team that keeps succeeding is reused and becomes a pattern', async () => {
    const { store, library, dir } = await temporaryStore({ patterns: true });
    const ids: string[] = [];
    const decisions: string[] = [];
    for (let run = 0; run < 3; run++) {
      const chosen = await chooseComposition({ task: DOCS, store });
      decisions.push(chosen.decision);
      ids.push(chosen.compositionId);
      await recordCompositionOutcome({
        store,
        composition: chosen,
        outcome: { success: true, qualityScore: 90 },
      });
    }
    expect(decisions).toEqual(['composed', 'reused', 'reused']);
    expect(new Set(ids).size).toBe(1);
    const patterns = await library!.list({ type: 'agent_composition' });
    expect(patterns.map((pattern) => pattern.id)).toEqual([`composition_${ids[0]}`]);
    expect(patterns[0]).toMatchObject({ name: 'documentation_simple', confidence: 1 });
    const file = JSON.parse(
      await readFile(path.join(dir, 'compositions', `${ids[0]}.json`), 'utf8'),
    ) as { usageCount: number };
    expect(file.usageCount).toBe(3);
  });

  it('does not throw on a store error: recorded false with the error', async () => {
    const { store } = await temporaryStore();
    const chosen = await chooseComposition({ task: DOCS, store });
    const result = await recordCompositionOutcome({
      store,
      composition: { ...chosen, compositionId: '../escape' },
      outcome: { success: true, qualityScore: 50 },
    });
    expect(result).toMatchObject({ recorded: false, compositionId: '../escape' });
    expect(result.recorded === false && result.error).toMatch(/^id: /);

    const badScore = await recordCompositionOutcome({
      store,
      composition: chosen,
      outcome: { success: true, qualityScore: 150 },
    });
    expect(badScore).toMatchObject({ recorded: false, previous: null });
    expect(badScore.recorded === false && badScore.error).toMatch(/qualityScore/);
  });

  it('rejects with the abort reason when aborted', async () => {
    const { store } = await temporaryStore();
    const chosen = await chooseComposition({ task: DOCS, store });
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await expect(
      recordCompositionOutcome({
        store,
        composition: chosen,
        outcome: { success: true, qualityScore: 50 },
        signal: controller.signal,
      }),
    ).rejects.toThrow('stop now');
    expect(await store.load(chosen.compositionId)).toBeUndefined();
  });
});
