import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  AgentConfiguration,
  ConfigurationStore,
  createSeededRandom,
  PatternLibrary,
} from '@baton/config-store';
import type { Agent, Logger } from '@baton/core';
import { MetaOrchestrator, PrebuiltTaskPattern, spawnAgent } from '@baton/meta-orchestrator';
import { getTemplate } from '@baton/templates';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chooseCandidateComposition,
  chooseComposition,
  compositionIdFor,
  isProvenComposition,
  qualityScoreFromConfidences,
  REUSE_SUCCESS_RATE,
  recordCompositionOutcome,
  taskPatternOf,
} from './composition-learning.js';
import { RELEASE_TASK_PATTERN } from './release-evidence.js';
import { SECURITY_DEEP_DIVE_TASK_PATTERN } from './security-evidence.js';
import { TEST_COVERAGE_BOOST_TASK_PATTERN } from './test-coverage-boost-workflow.js';

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
    // Everything but the task is kept, the agent's part in its strategy too.
    expect({ ...agent, instructions: '' }).toEqual({ ...stored, instructions: '' });
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
    // Stored as the plan holds them, each with its part in the strategy.
    expect(saved?.agents).toEqual(chosen.plan.agents);

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
    expect(badScore).toMatchObject({ recorded: false });
    expect(badScore).not.toHaveProperty('previous');
    expect(badScore.recorded === false && badScore.error).toMatch(/qualityScore/);
    // A rejected outcome saves nothing, not even the new composition.
    expect(await store.load(chosen.compositionId)).toBeUndefined();
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

/**
 * One recorder process: imports this module's source (Node strips its types; its imports are the
 * built workspace packages) and, for every composition the parent names, records one outcome with
 * `recordCompositionOutcome`, as concurrent `baton run`s finishing at once do.
 */
const RECORDER = `
const [moduleUrl, storageDir, worker] = process.argv.slice(1);
const { recordCompositionOutcome } = await import(moduleUrl);
const { ConfigurationStore } = await import('@baton/config-store');
const store = new ConfigurationStore({ storageDir, lock: { timeoutSeconds: 20 } });
process.on('message', async (message) => {
  if (message === 'stop') return process.disconnect();
  const result = await recordCompositionOutcome({
    store,
    composition: message.composition,
    outcome: { success: (Number(worker) + message.round) % 4 !== 0, qualityScore: 70 },
  });
  process.send(result);
});
process.send('ready');
`;

function startRecorder(storageDir: string, worker: number) {
  const moduleUrl = pathToFileURL(path.join(import.meta.dirname, 'composition-learning.ts')).href;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(process.features.typescript ? [] : ['--experimental-strip-types']),
      '--no-warnings',
      '--input-type=module',
      '--eval',
      RECORDER,
      moduleUrl,
      storageDir,
      String(worker),
    ],
    { cwd: import.meta.dirname, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`recorder ${worker} exited (${code}): ${stderr}`));
      child.once('exit', onExit);
      child.once('message', (message) => {
        child.off('exit', onExit);
        resolve(message);
      });
    });
  return { child, next };
}

describe('recordCompositionOutcome across processes', () => {
  const WRITERS = 8;
  const ROUNDS = 10;
  const recorders: ReturnType<typeof startRecorder>[] = [];
  afterEach(() => {
    for (const recorder of recorders.splice(0)) {
      if (recorder.child.exitCode === null) recorder.child.kill();
    }
  });

  it(`records all ${WRITERS * ROUNDS} first outcomes when ${WRITERS} processes record a new composition at once, ${ROUNDS} rounds`, async () => {
    const { store, dir } = await temporaryStore();
    const storageDir = path.join(dir, 'compositions');
    recorders.push(
      ...Array.from({ length: WRITERS }, (_, worker) => startRecorder(storageDir, worker)),
    );
    expect(await Promise.all(recorders.map((recorder) => recorder.next()))).toEqual(
      Array(WRITERS).fill('ready'),
    );
    const chosen = await chooseComposition({ task: DOCS, store });
    let recorded = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const composition = {
        compositionId: `${chosen.compositionId}-round-${round}`,
        taskPattern: chosen.taskPattern,
        strategy: chosen.strategy,
        agents: chosen.agents,
        qualityGates: chosen.qualityGates,
      };
      const replies = recorders.map((recorder) => recorder.next());
      for (const recorder of recorders) recorder.child.send({ composition, round });
      const results = (await Promise.all(replies)) as Array<{
        recorded: boolean;
        previous: { usageCount: number } | null;
      }>;
      expect(results.every((result) => result.recorded)).toBe(true);
      const stored = await store.load(composition.compositionId);
      expect(stored?.usageCount, `round ${round}`).toBe(WRITERS);
      recorded += stored?.usageCount ?? 0;
      // Exactly one recorder saw the composition as new; the others saw it with 1..7 uses.
      const previous = results.map((result) => result.previous);
      expect(previous.filter((standing) => standing === null)).toHaveLength(1);
      expect(previous.map((standing) => standing?.usageCount ?? 0).sort((a, b) => a - b)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7,
      ]);
    }
    expect(recorded).toBe(WRITERS * ROUNDS);
    for (const recorder of recorders) recorder.child.send('stop');
  }, 60_000);
});

describe('chooseCandidateComposition', () => {
  const REVIEW = 'do something generic';

  it('registers the candidates once and lets the seeded policy choose among them', async () => {
    const { store } = await temporaryStore();
    const first = await chooseCandidateComposition({
      task: REVIEW,
      store,
      random: createSeededRandom(1),
    });
    const stored = await store.listForTask(first.taskPattern);
    expect(first.taskPattern).toBe('general_moderate');
    expect(stored.map((config) => config.variant?.description).sort()).toEqual(
      [
        'adaptive instead of sequential',
        'as composed',
        'debate instead of sequential',
        'one tier down',
        'one tier up',
        'refinement instead of sequential',
        'teaching instead of sequential',
      ].sort(),
    );
    expect(stored.map((config) => config.id)).toContain(first.compositionId);
    expect(first.basis).toBe('untried');
    expect(first.reason).toMatch(/^tried general_moderate-/);
    expect(first.agents.every((agent) => agent.instructions.includes(`## Task\n${REVIEW}`))).toBe(
      true,
    );
    // The same seed and records give the same choice; registering again changes nothing.
    const again = await chooseCandidateComposition({
      task: REVIEW,
      store,
      random: createSeededRandom(1),
    });
    expect(again.compositionId).toBe(first.compositionId);
    expect(await store.listForTask(first.taskPattern)).toHaveLength(stored.length);
  });

  it('changes what the next run uses when a composition keeps failing', async () => {
    const { store } = await temporaryStore();
    const used: string[] = [];
    let chosen = await chooseCandidateComposition({
      task: REVIEW,
      store,
      random: createSeededRandom(2),
    });
    for (let run = 0; run < 2; run += 1) {
      await recordCompositionOutcome({
        store,
        composition: chosen,
        outcome: { success: false, qualityScore: 10, costUsd: 0.01 },
      });
      used.push(chosen.compositionId);
      // Force the same team twice: it fails its first two runs.
      chosen = await chooseCandidateComposition({ task: REVIEW, store, compositionId: used[0] });
    }
    const next = await chooseCandidateComposition({
      task: REVIEW,
      store,
      random: createSeededRandom(2),
    });
    expect(next.compositionId).not.toBe(used[0]);
    const failing = next.choice?.assessments.find(
      (assessment) => assessment.candidate.id === used[0],
    );
    expect(failing?.excluded).toBe('failed its first 2 runs');
    expect(next.reason).toContain(`${used[0]} (`);
  });

  it('routes a release task to the pre-built composition and offers the composed team too', async () => {
    const { store } = await temporaryStore();
    const chosen = await chooseCandidateComposition({
      task: 'prepare for the 2.0 release',
      store,
      random: createSeededRandom(3),
    });
    expect(chosen.taskPattern).toBe('release_prep');
    expect(chosen.prebuilt?.taskPattern).toBe('release_prep');
    expect(chosen.reason).toMatch(
      /^"prepare for the 2.0 release" matches the pre-built release preparation composition \(release_prep\); /,
    );
    const kinds = (await store.listForTask('release_prep')).map((config) => config.variant?.kind);
    expect(kinds).toContain('prebuilt');
    expect(kinds).toContain('composed');
    const prebuilt = (await store.listForTask('release_prep')).find(
      (config) => config.variant?.kind === 'prebuilt',
    );
    expect(prebuilt?.agents).toHaveLength(5);
  });

  it('routes to the task patterns the workflows store their compositions under', () => {
    expect(PrebuiltTaskPattern).toEqual({
      RELEASE_PREP: RELEASE_TASK_PATTERN,
      TEST_COVERAGE_BOOST: TEST_COVERAGE_BOOST_TASK_PATTERN,
      SECURITY_DEEP_DIVE: SECURITY_DEEP_DIVE_TASK_PATTERN,
    });
  });

  it('keeps fresh and an explicit composition possible', async () => {
    const { store } = await temporaryStore();
    const fresh = await chooseCandidateComposition({ task: REVIEW, store, fresh: true });
    expect(fresh).toMatchObject({ basis: 'fresh', strategy: fresh.plan.strategy });
    expect(fresh.choice).toBeUndefined();
    expect(await store.listAll()).toEqual([]);

    const chosen = await chooseCandidateComposition({
      task: REVIEW,
      store,
      random: createSeededRandom(4),
    });
    const other = (await store.listForTask(chosen.taskPattern)).find(
      (config) => config.id !== chosen.compositionId,
    )!;
    const explicit = await chooseCandidateComposition({
      task: REVIEW,
      store,
      compositionId: other.id,
    });
    expect(explicit).toMatchObject({ basis: 'explicit', compositionId: other.id });
    await expect(
      chooseCandidateComposition({ task: REVIEW, store, compositionId: 'nope' }),
    ).rejects.toThrow('Composition "nope" is not a candidate');
  });

  it('runs the composed team and says why when the store cannot be used', async () => {
    const { dir } = await temporaryStore();
    const file = path.join(dir, 'not-a-directory');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, 'x'));
    const logger = recordingLogger();
    const chosen = await chooseCandidateComposition({
      task: REVIEW,
      store: new ConfigurationStore({ storageDir: file }),
      logger,
    });
    expect(chosen.basis).toBe('store-unreadable');
    expect(chosen.reason).toMatch(/^the composition store could not be used \(/);
    expect(logger.warnings).toHaveLength(1);
  });
});
