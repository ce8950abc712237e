import {
  ConfigurationStore,
  type CorruptFile,
  type CorruptFileHandler,
  PatternLibrary,
  type QualityScore,
  type RandomSource,
} from '@baton/config-store';
import type { Agent, CompositionPattern, Logger, QualityGates, RunResult } from '@baton/core';
import { projectLayout } from '@baton/runtime';
import {
  chooseCandidateComposition,
  compositionIdFor,
  recordCompositionOutcome,
} from '@baton/workflows/composition-learning';

/**
 * A project's composition store, with a pattern library so proven teams become patterns.
 * `onCorruptFile` is told of each stored file a listing skips (else the logger warns).
 */
export function openCompositionStore(
  projectDir: string,
  logger?: Logger,
  onCorruptFile?: CorruptFileHandler,
): ConfigurationStore {
  const layout = projectLayout(projectDir);
  const reporting = onCorruptFile === undefined ? {} : { onCorruptFile };
  return new ConfigurationStore({
    storageDir: layout.compositions,
    patternLibrary: new PatternLibrary({ storageDir: layout.patterns, ...reporting }),
    ...(logger === undefined ? {} : { logger }),
    ...reporting,
  });
}

/** The choice's reason with the stored files it could not consider, each by name. */
export function withUnreadFiles(reason: string, corrupt: readonly CorruptFile[]): string {
  // A choice may list the store more than once: each file is named once.
  const messages = [...new Map(corrupt.map((file) => [file.path, file.message])).values()];
  if (messages.length === 0) return reason;
  return `${reason}; not considered, ${messages.length} stored file(s) that cannot be read: ${messages.join('; ')}`;
}

/** The team a run uses, how it was chosen among the task pattern's candidates, and why. */
export interface RunChoice {
  task: string;
  taskPattern: string;
  /** `reused`: the candidate has run before; `composed`: it runs for the first time. */
  decision: 'reused' | 'composed';
  /**
   * The bandit policy's basis (`reused`, `explored`, `untried`, `escalated`, `below-bar`,
   * `explicit` for `--composition`), `first-run` (no candidate of the pattern ran yet: the
   * composed team runs), `fresh`, `capabilities` or `store-unreadable`.
   */
  basis: string;
  /** Why, in a sentence for the audit log and the report. */
  reason: string;
  compositionId: string;
  strategy: CompositionPattern;
  strategyReason: string;
  agents: Agent[];
  qualityGates: QualityGates;
}

/**
 * Chooses the team of a run among its task pattern's candidate compositions with the bandit
 * policy (`chooseCandidateComposition` of `@baton/workflows`, which also routes a task matching a
 * pre-built composition to it). The first run of a pattern runs the composed (or pre-built) team;
 * `compositionId` runs that stored composition; `fresh`, or capabilities named in the context,
 * run a freshly composed team without consulting the store.
 */
export async function chooseRunComposition(options: {
  task: string;
  context?: Record<string, unknown> | undefined;
  store: ConfigurationStore;
  logger: Logger;
  /** `--fresh`: never reuse. */
  fresh?: boolean;
  /** `--composition <id>`: run this stored composition. */
  compositionId?: string | undefined;
  /** The policy's random source (`createSeededRandom(seed)` replays a choice). */
  random?: RandomSource | undefined;
  signal?: AbortSignal | undefined;
}): Promise<RunChoice> {
  const capabilities =
    options.context?.capabilities !== undefined && options.compositionId === undefined;
  const base = {
    task: options.task,
    context: options.context,
    store: options.store,
    logger: options.logger,
    signal: options.signal,
    ...(options.random === undefined ? {} : { random: options.random }),
  };
  let chosen = await chooseCandidateComposition({
    ...base,
    fresh: options.fresh === true || capabilities,
    compositionId: options.compositionId,
  });
  let basis: string = chosen.basis;
  let reason = chosen.reason;
  const assessments = chosen.choice?.assessments ?? [];
  if (
    chosen.choice !== undefined &&
    options.compositionId === undefined &&
    assessments.every((assessment) => assessment.candidate.usageCount === 0)
  ) {
    const first =
      assessments.find((assessment) => assessment.candidate.variant?.kind === 'prebuilt') ??
      assessments.find(
        (assessment) =>
          assessment.candidate.id ===
          compositionIdFor(chosen.taskPattern, chosen.plan.strategy, chosen.plan.agents),
      );
    if (first !== undefined) {
      chosen = await chooseCandidateComposition({ ...base, compositionId: first.candidate.id });
      basis = 'first-run';
      const routed = chosen.prebuilt === undefined ? '' : `${chosen.prebuilt.reason}; `;
      reason = `${routed}first run of task pattern ${chosen.taskPattern}: the ${first.candidate.variant?.description ?? 'composed'} team ${first.candidate.id} runs; ${assessments.length} candidate(s) registered for the policy to try`;
    }
  }
  if (basis === 'fresh') {
    reason = capabilities
      ? '--context names the capabilities: a team composed for them'
      : '--fresh: stored compositions not consulted';
    if (capabilities) basis = 'capabilities';
  }
  const runs = chosen.choice?.chosen.usageCount ?? 0;
  return {
    task: chosen.task,
    taskPattern: chosen.taskPattern,
    decision: runs > 0 ? 'reused' : 'composed',
    basis,
    reason,
    compositionId: chosen.compositionId,
    strategy: chosen.strategy,
    strategyReason:
      chosen.choice === undefined || basis === 'first-run'
        ? `rule ${chosen.plan.strategyRule}; ${chosen.plan.reasons.join('; ')}`
        : `candidate composition ${chosen.compositionId}`,
    agents: chosen.agents,
    qualityGates: chosen.qualityGates,
  };
}

/** What was recorded in the composition store after a run. */
export interface OutcomeRecord {
  compositionId: string;
  taskPattern: string;
  /** False when the run did not finish (cancelled, paused, out of budget): nothing recorded. */
  recorded: boolean;
  success?: boolean;
  /** The run's quality from its scorers, 0..100; null when no scorer measured it (unknown, not 0). */
  qualityScore?: number | null;
  /** Every scorer with its value and weight, and how the score was made. */
  quality?: QualityScore;
  /** The run's measured cost in USD recorded with the outcome; null when unknown. */
  costUsd?: number | null;
  successRate?: number;
  usageCount?: number;
  /** Why nothing was recorded, or the error that prevented it. */
  note?: string;
}

/**
 * Records a finished run's outcome on its composition (saving a newly composed team first):
 * success, the quality its scorers measured (see `scoreQuality` of `@baton/config-store`; null
 * when nothing was measured), cost and duration. Only runs that ended `succeeded` or `failed`
 * count; a cancelled, paused or budget-stopped run can be resumed and is recorded when it
 * finishes.
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
  /** The run's quality from its scorers. */
  quality: QualityScore;
  /** Its measured cost, null when unknown. */
  costUsd: number | null;
  logger: Logger;
}): Promise<OutcomeRecord> {
  const { store, composition, result, quality, costUsd } = options;
  const base = { compositionId: composition.compositionId, taskPattern: composition.taskPattern };
  if (result.status !== 'succeeded' && result.status !== 'failed') {
    return {
      ...base,
      recorded: false,
      note: `run ${result.status}: outcome recorded when it finishes`,
    };
  }
  const recorded = await recordCompositionOutcome({
    store,
    composition: { ...composition, tags: ['baton-run'] },
    outcome: {
      success: result.success,
      qualityScore: quality.score,
      costUsd,
      durationSeconds: result.durationSeconds,
    },
  });
  if (!recorded.recorded) {
    options.logger.warn('could not record the run outcome', { error: recorded.error });
    return { ...base, recorded: false, note: `not recorded: ${recorded.error}` };
  }
  return {
    ...base,
    recorded: true,
    success: result.success,
    qualityScore: quality.score,
    quality,
    costUsd,
    successRate: recorded.successRate,
    usageCount: recorded.usageCount,
  };
}
