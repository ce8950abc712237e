import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { AgentConfiguration, ConfigurationStore, PatternLibrary } from '@baton/config-store';
import {
  type Agent,
  type CompositionPattern,
  describeError,
  type Logger,
  type QualityGates,
} from '@baton/core';
import { type ComposedPlan, MetaOrchestrator } from '@baton/meta-orchestrator';
import type { RunResult, TaskGraph } from '@baton/runtime';

/** A stored composition is reused when its success rate is at least this (BEHAVIOUR.md §5). */
export const REUSE_SUCCESS_RATE = 0.8;

/** The team a run executes and how it was chosen. */
export interface ChosenComposition {
  task: string;
  /** `<domain>_<complexity>`, e.g. `security_moderate`: the key compositions are stored under. */
  taskPattern: string;
  decision: 'reused' | 'composed';
  /** Why, in a sentence (also written to the audit log). */
  reason: string;
  /** The stored composition this run reuses or records its outcome on. */
  compositionId: string;
  strategy: CompositionPattern;
  /** Why this strategy (the meta-orchestrator's rule, or the stored composition's record). */
  strategyReason: string;
  agents: Agent[];
  qualityGates: QualityGates;
  /** The fresh analysis and plan (always computed: it gives the task pattern). */
  plan: ComposedPlan;
}

/** The project's composition store, with a pattern library so proven teams become patterns. */
export function openCompositionStore(batonDirectory: string): ConfigurationStore {
  return new ConfigurationStore({
    storageDir: resolve(batonDirectory, 'compositions'),
    patternLibrary: new PatternLibrary({ storageDir: resolve(batonDirectory, 'patterns') }),
  });
}

/** The key a task's compositions are stored under: `<domain>_<complexity>`. */
export function taskPatternOf(plan: Pick<ComposedPlan, 'domain' | 'complexity'>): string {
  return `${plan.domain}_${plan.complexity}`;
}

/** A stable id for a team: the same composed team records its outcomes on the same entry. */
export function compositionIdFor(
  taskPattern: string,
  strategy: string,
  agents: readonly Pick<Agent, 'id' | 'templateId' | 'tier'>[],
): string {
  const shape = agents.map((agent) => `${agent.id}:${agent.templateId}:${agent.tier}`).join('|');
  const digest = createHash('sha256').update(`${strategy}|${shape}`).digest('hex').slice(0, 10);
  return `${taskPattern}-${strategy}-${digest}`;
}

/**
 * An agent of a stored composition, retargeted at a new task: its instructions keep the
 * template's text and the agent's part, with the `## Task` section replaced.
 */
export function retask(agent: Agent, task: string): Agent {
  const section = /## Task\n[\s\S]*?(?=\n\n## |$)/;
  const instructions = section.test(agent.instructions)
    ? agent.instructions.replace(section, () => `## Task\n${task}`)
    : `${agent.instructions}\n\n## Task\n${task}`;
  return { ...agent, instructions };
}

/**
 * Analyses the task, then reuses the best stored composition for its task pattern when it is
 * proven (success rate >= 0.8), otherwise composes a new team with the meta-orchestrator.
 */
export async function chooseComposition(options: {
  task: string;
  context?: Record<string, unknown> | undefined;
  store: ConfigurationStore;
  logger: Logger;
  /** `--fresh`: never reuse. */
  fresh?: boolean;
  signal?: AbortSignal | undefined;
}): Promise<ChosenComposition> {
  const plan = new MetaOrchestrator().analyzeAndCompose(options.task, options.context);
  const taskPattern = taskPatternOf(plan);
  const composedId = compositionIdFor(taskPattern, plan.strategy, plan.agents);
  const composed = (reason: string): ChosenComposition => ({
    task: plan.task,
    taskPattern,
    decision: 'composed',
    reason,
    compositionId: composedId,
    strategy: plan.strategy,
    strategyReason: `rule ${plan.strategyRule}; ${plan.reasons.join('; ')}`,
    agents: plan.agents,
    qualityGates: plan.qualityGates,
    plan,
  });
  if (options.fresh === true) return composed('--fresh: stored compositions not consulted');
  if (options.context?.capabilities !== undefined) {
    return composed('--context names the capabilities: a team composed for them');
  }
  let best: AgentConfiguration | undefined;
  try {
    best = await options.store.getBestForTask(taskPattern, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    options.signal?.throwIfAborted();
    options.logger.warn('could not read the composition store', { error: describeError(error) });
    return composed(`the composition store could not be read (${describeError(error)})`);
  }
  if (best === undefined) {
    return composed(`no stored composition for task pattern ${taskPattern}`);
  }
  const rate = `${(best.successRate * 100).toFixed(0)}% over ${best.usageCount} run${best.usageCount === 1 ? '' : 's'}`;
  if (best.usageCount === 0 || best.successRate < REUSE_SUCCESS_RATE) {
    return composed(
      `best stored composition ${best.id} for ${taskPattern} has success rate ${rate} (< ${REUSE_SUCCESS_RATE * 100}%)`,
    );
  }
  return {
    task: plan.task,
    taskPattern,
    decision: 'reused',
    reason: `stored composition ${best.id} for ${taskPattern} succeeded ${rate} (>= ${REUSE_SUCCESS_RATE * 100}%)`,
    compositionId: best.id,
    strategy: best.strategy,
    strategyReason: `reused with composition ${best.id}`,
    agents: best.agents.map((agent) => retask(agent, plan.task)),
    qualityGates: { ...best.qualityGates, ...plan.qualityGates },
    plan,
  };
}

/** What was recorded in the composition store after a run. */
export interface OutcomeRecord {
  compositionId: string;
  taskPattern: string;
  /** False when the run did not finish (cancelled, paused, out of budget): nothing recorded. */
  recorded: boolean;
  success?: boolean;
  /** Average confidence the successful agents reported, x100 (0 when none succeeded). */
  qualityScore?: number;
  successRate?: number;
  usageCount?: number;
  /** Why nothing was recorded, or the error that prevented it. */
  note?: string;
}

/**
 * Records a finished run's outcome on its composition (saving a newly composed team first).
 * Only runs that ended `succeeded` or `failed` count; a cancelled, paused or budget-stopped run
 * can be resumed and is recorded when it finishes.
 */
export async function recordOutcome(options: {
  store: ConfigurationStore;
  composition: {
    compositionId: string;
    taskPattern: string;
    strategy: CompositionPattern;
    agents: Agent[];
    qualityGates: QualityGates;
  };
  result: RunResult;
  /** The run's graph: only agent steps count towards the quality score. */
  graph: TaskGraph;
  logger: Logger;
}): Promise<OutcomeRecord> {
  const { store, composition, result } = options;
  const base = { compositionId: composition.compositionId, taskPattern: composition.taskPattern };
  if (result.status !== 'succeeded' && result.status !== 'failed') {
    return {
      ...base,
      recorded: false,
      note: `run ${result.status}: outcome recorded when it finishes`,
    };
  }
  const agentSteps = new Set(
    options.graph.steps.filter((step) => step.kind === 'agent').map((step) => step.id),
  );
  const confidences = Object.entries(result.steps)
    .filter(([id, step]) => agentSteps.has(id) && step.status === 'succeeded')
    .flatMap(([, step]) => (step.result === undefined ? [] : [step.result.confidence]));
  const qualityScore =
    confidences.length === 0
      ? 0
      : Math.round((confidences.reduce((a, b) => a + b, 0) / confidences.length) * 1000) / 10;
  try {
    if ((await store.load(composition.compositionId)) === undefined) {
      await store.save(
        new AgentConfiguration({
          id: composition.compositionId,
          taskPattern: composition.taskPattern,
          strategy: composition.strategy,
          agents: composition.agents,
          qualityGates: composition.qualityGates,
          tags: ['baton-run'],
        }),
      );
    }
    const updated = await store.recordOutcome(composition.compositionId, {
      success: result.success,
      qualityScore,
    });
    return {
      ...base,
      recorded: true,
      success: result.success,
      qualityScore,
      successRate: updated.successRate,
      usageCount: updated.usageCount,
    };
  } catch (error) {
    options.logger.warn('could not record the run outcome', { error: describeError(error) });
    return { ...base, recorded: false, note: `not recorded: ${describeError(error)}` };
  }
}
