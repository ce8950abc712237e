import { resolve } from 'node:path';
import { ConfigurationStore, PatternLibrary } from '@baton/config-store';
import type { Agent, CompositionPattern, Logger, QualityGates } from '@baton/core';
import type { RunResult, TaskGraph } from '@baton/runtime';
import {
  type ChosenComposition,
  chooseComposition,
  qualityScoreFromConfidences,
  recordCompositionOutcome,
} from '@baton/workflows/composition-learning';

/** The project's composition store, with a pattern library so proven teams become patterns. */
export function openCompositionStore(batonDirectory: string): ConfigurationStore {
  return new ConfigurationStore({
    storageDir: resolve(batonDirectory, 'compositions'),
    patternLibrary: new PatternLibrary({ storageDir: resolve(batonDirectory, 'patterns') }),
  });
}

/**
 * `chooseComposition` of `@baton/workflows` (reuse a proven stored team, else compose), with the
 * reasons that come from flags worded after the flags.
 */
export async function chooseRunComposition(options: {
  task: string;
  context?: Record<string, unknown> | undefined;
  store: ConfigurationStore;
  logger: Logger;
  /** `--fresh`: never reuse. */
  fresh?: boolean;
  signal?: AbortSignal | undefined;
}): Promise<ChosenComposition> {
  const chosen = await chooseComposition(options);
  if (chosen.basis === 'fresh') {
    return { ...chosen, reason: '--fresh: stored compositions not consulted' };
  }
  if (chosen.basis === 'capabilities') {
    return { ...chosen, reason: '--context names the capabilities: a team composed for them' };
  }
  return chosen;
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
 * can be resumed and is recorded when it finishes. The quality score is the average confidence
 * of the agent steps that succeeded.
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
  const qualityScore = qualityScoreFromConfidences(confidences);
  const recorded = await recordCompositionOutcome({
    store,
    composition: { ...composition, tags: ['baton-run'] },
    outcome: { success: result.success, qualityScore },
  });
  if (!recorded.recorded) {
    options.logger.warn('could not record the run outcome', { error: recorded.error });
    return { ...base, recorded: false, note: `not recorded: ${recorded.error}` };
  }
  return {
    ...base,
    recorded: true,
    success: result.success,
    qualityScore,
    successRate: recorded.successRate,
    usageCount: recorded.usageCount,
  };
}
