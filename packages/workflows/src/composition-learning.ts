import { createHash } from 'node:crypto';
import { AgentConfiguration, type ConfigurationStore } from '@baton/config-store';
import {
  type Agent,
  type CompositionPattern,
  describeError,
  type Logger,
  noopLogger,
  type QualityGates,
  throwIfAborted,
} from '@baton/core';
import {
  type ComposedPlan,
  MetaOrchestrator,
  retaskAgent,
  type TaskContext,
} from '@baton/meta-orchestrator';

/** A stored composition is reused when its success rate is at least this (BEHAVIOUR §5). */
export const REUSE_SUCCESS_RATE = 0.8;

/**
 * Whether a stored composition has proven itself enough to be reused: it has been used at least
 * once and its success rate is >= {@link REUSE_SUCCESS_RATE}.
 */
export function isProvenComposition(
  composition: Pick<AgentConfiguration, 'successRate' | 'usageCount'>,
): boolean {
  return composition.usageCount > 0 && composition.successRate >= REUSE_SUCCESS_RATE;
}

/**
 * The key a task's compositions are stored under: `<domain>_<complexity>`, e.g.
 * `security_moderate`.
 */
export function taskPatternOf(plan: Pick<ComposedPlan, 'domain' | 'complexity'>): string {
  return `${plan.domain}_${plan.complexity}`;
}

/**
 * A stable id for a team, `<taskPattern>-<strategy>-<10 hex digits>`: the same team (agent ids,
 * templates and tiers, in order, with the same strategy) always gets the same id, so its outcomes
 * accumulate on one stored composition.
 *
 * @example
 * ```ts
 * const plan = new MetaOrchestrator().analyzeAndCompose('update API documentation');
 * compositionIdFor(taskPatternOf(plan), plan.strategy, plan.agents);
 * // "documentation_simple-teaching-84b48af43c"
 * ```
 */
export function compositionIdFor(
  taskPattern: string,
  strategy: string,
  agents: readonly Pick<Agent, 'id' | 'templateId' | 'tier'>[],
): string {
  const shape = agents.map((agent) => `${agent.id}:${agent.templateId}:${agent.tier}`).join('|');
  const digest = createHash('sha256').update(`${strategy}|${shape}`).digest('hex').slice(0, 10);
  return `${taskPattern}-${strategy}-${digest}`;
}

/** Options of {@link chooseComposition}. */
export interface ChooseCompositionOptions {
  /** The task in plain words. */
  task: string;
  /** Context for the analysis (`capabilities`, `qualityGates`, ...). */
  context?: TaskContext | undefined;
  /** Where proven compositions are looked up. */
  store: ConfigurationStore;
  /** Never reuse: always compose a new team. */
  fresh?: boolean | undefined;
  /** Analyses the task and composes the team (default: `new MetaOrchestrator()`). */
  orchestrator?: MetaOrchestrator | undefined;
  /** Told when the store cannot be read. */
  logger?: Logger | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Why {@link chooseComposition} decided as it did: `fresh` (asked not to reuse), `capabilities`
 * (the context names them), `store-unreadable`, `none-stored` (nothing stored for the task
 * pattern), `not-proven` (the best stored one is below {@link REUSE_SUCCESS_RATE} or unused),
 * `proven` (reused).
 */
export type CompositionChoiceBasis =
  | 'fresh'
  | 'capabilities'
  | 'store-unreadable'
  | 'none-stored'
  | 'not-proven'
  | 'proven';

/** The team to run for a task and how it was chosen (see {@link chooseComposition}). */
export interface ChosenComposition {
  /** The task (trimmed). */
  task: string;
  /** `<domain>_<complexity>`, e.g. `security_moderate`: the key compositions are stored under. */
  taskPattern: string;
  decision: 'reused' | 'composed';
  /** Why, as a code: see {@link CompositionChoiceBasis}. */
  basis: CompositionChoiceBasis;
  /** Why, in a sentence (e.g. for an audit log). */
  reason: string;
  /** The stored composition this team reuses, or the id to record a composed team's outcomes on. */
  compositionId: string;
  strategy: CompositionPattern;
  /** Why this strategy (the meta-orchestrator's rule, or the stored composition's record). */
  strategyReason: string;
  /** The agents, retargeted at the task when reused. */
  agents: Agent[];
  /** The stored composition's gates overlaid with the analysis's when reused. */
  qualityGates: QualityGates;
  /** The fresh analysis and plan (always computed: it gives the task pattern). */
  plan: ComposedPlan;
}

/**
 * Baton's learning loop, step one: analyses the task, then reuses the best stored composition for
 * its task pattern when it is proven ({@link isProvenComposition}: success rate >= 0.8),
 * otherwise composes a new team with the meta-orchestrator. A reused team's agents get the new
 * task ({@link retaskAgent}). `fresh`, or `capabilities` in the context, always compose. A store
 * that cannot be read is logged as a warning and the team is composed (the reason says so).
 * Record the run's outcome afterwards with {@link recordCompositionOutcome}.
 *
 * @example
 * ```ts
 * const store = new ConfigurationStore({ storageDir: '.baton/compositions' });
 * const chosen = await chooseComposition({ task: 'update API documentation', store });
 * chosen.decision; // "composed" the first time
 * // ... run chosen.agents with chosen.strategy, then:
 * await recordCompositionOutcome({
 *   store,
 *   composition: chosen,
 *   outcome: { success: true, qualityScore: 85 },
 * });
 * ```
 * @throws ValidationError naming `task` or the bad context field; the abort reason when the
 *   signal is aborted.
 */
export async function chooseComposition(
  options: ChooseCompositionOptions,
): Promise<ChosenComposition> {
  const { store, signal } = options;
  const logger = options.logger ?? noopLogger;
  const orchestrator = options.orchestrator ?? new MetaOrchestrator();
  const plan = orchestrator.analyzeAndCompose(options.task, options.context);
  const taskPattern = taskPatternOf(plan);
  const composed = (basis: CompositionChoiceBasis, reason: string): ChosenComposition => ({
    task: plan.task,
    taskPattern,
    decision: 'composed',
    basis,
    reason,
    compositionId: compositionIdFor(taskPattern, plan.strategy, plan.agents),
    strategy: plan.strategy,
    strategyReason: `rule ${plan.strategyRule}; ${plan.reasons.join('; ')}`,
    agents: plan.agents,
    qualityGates: plan.qualityGates,
    plan,
  });
  if (options.fresh === true) {
    return composed('fresh', 'a fresh team was asked for: stored compositions not consulted');
  }
  if (options.context?.capabilities !== undefined) {
    return composed('capabilities', 'the context names the capabilities: a team composed for them');
  }
  let best: AgentConfiguration | undefined;
  try {
    best = await store.getBestForTask(taskPattern, signal === undefined ? {} : { signal });
  } catch (error) {
    throwIfAborted(signal);
    logger.warn('could not read the composition store', { error: describeError(error) });
    return composed(
      'store-unreadable',
      `the composition store could not be read (${describeError(error)})`,
    );
  }
  if (best === undefined) {
    return composed('none-stored', `no stored composition for task pattern ${taskPattern}`);
  }
  const rate = `${(best.successRate * 100).toFixed(0)}% over ${best.usageCount} run${best.usageCount === 1 ? '' : 's'}`;
  if (!isProvenComposition(best)) {
    return composed(
      'not-proven',
      `best stored composition ${best.id} for ${taskPattern} has success rate ${rate} (< ${REUSE_SUCCESS_RATE * 100}%)`,
    );
  }
  return {
    task: plan.task,
    taskPattern,
    decision: 'reused',
    basis: 'proven',
    reason: `stored composition ${best.id} for ${taskPattern} succeeded ${rate} (>= ${REUSE_SUCCESS_RATE * 100}%)`,
    compositionId: best.id,
    strategy: best.strategy,
    strategyReason: `reused with composition ${best.id}`,
    agents: best.agents.map((agent) => retaskAgent(agent, plan.task)),
    qualityGates: { ...best.qualityGates, ...plan.qualityGates },
    plan,
  };
}

/**
 * A quality score (0..100) from the confidences (0..1) the successful agents of a run reported:
 * their average x100, rounded to one decimal; 0 when no agent succeeded.
 */
export function qualityScoreFromConfidences(confidences: readonly number[]): number {
  if (confidences.length === 0) return 0;
  const average = confidences.reduce((sum, confidence) => sum + confidence, 0) / confidences.length;
  return Math.round(average * 1000) / 10;
}

/** The team whose outcome {@link recordCompositionOutcome} records (saved first if new). */
export interface CompositionToRecord {
  compositionId: string;
  taskPattern: string;
  strategy: CompositionPattern;
  agents: readonly Agent[];
  qualityGates: QualityGates;
  /** Labels for a newly saved composition. */
  tags?: readonly string[] | undefined;
}

/** A composition's record at one moment. */
export interface CompositionStanding {
  successRate: number;
  usageCount: number;
}

/** Options of {@link recordCompositionOutcome}. */
export interface RecordCompositionOutcomeOptions {
  store: ConfigurationStore;
  composition: CompositionToRecord;
  /** Measured: whether the run succeeded, and its quality score (0..100). */
  outcome: { success: boolean; qualityScore: number };
  signal?: AbortSignal | undefined;
}

/** What {@link recordCompositionOutcome} recorded, or why it could not. */
export type CompositionOutcomeRecord =
  | {
      recorded: true;
      compositionId: string;
      taskPattern: string;
      success: boolean;
      qualityScore: number;
      /** The composition's success rate after this outcome. */
      successRate: number;
      /** Its usage count after this outcome. */
      usageCount: number;
      /** Its record before this outcome; null when it was saved now. */
      previous: CompositionStanding | null;
    }
  | {
      recorded: false;
      compositionId: string;
      taskPattern: string;
      /** Why nothing was recorded. */
      error: string;
      /** Its record before this outcome; null when new, undefined when the store was unreadable. */
      previous?: CompositionStanding | null;
    };

/**
 * Baton's learning loop, step two: records a run's measured outcome on its composition, saving a
 * newly composed team first (see {@link chooseComposition}). Concurrent recorders lose no
 * update (`ConfigurationStore.recordOutcome`); with a pattern library on the store, a composition
 * that proves itself becomes a pattern. A store error does not throw: the result says
 * `recorded: false` with the error, for the caller to report.
 *
 * @throws the abort reason when the signal is aborted.
 */
export async function recordCompositionOutcome(
  options: RecordCompositionOutcomeOptions,
): Promise<CompositionOutcomeRecord> {
  const { store, composition, outcome, signal } = options;
  const call = signal === undefined ? {} : { signal };
  const base = { compositionId: composition.compositionId, taskPattern: composition.taskPattern };
  let previous: CompositionStanding | null | undefined;
  try {
    const stored = await store.load(composition.compositionId, call);
    previous =
      stored === undefined
        ? null
        : { successRate: stored.successRate, usageCount: stored.usageCount };
    if (stored === undefined) {
      await store.save(
        new AgentConfiguration({
          id: composition.compositionId,
          taskPattern: composition.taskPattern,
          strategy: composition.strategy,
          agents: [...composition.agents],
          qualityGates: { ...composition.qualityGates },
          tags: [...(composition.tags ?? [])],
        }),
        call,
      );
    }
    const updated = await store.recordOutcome(composition.compositionId, outcome, call);
    return {
      ...base,
      recorded: true,
      success: outcome.success,
      qualityScore: outcome.qualityScore,
      successRate: updated.successRate,
      usageCount: updated.usageCount,
      previous,
    };
  } catch (error) {
    throwIfAborted(signal);
    return {
      ...base,
      recorded: false,
      error: describeError(error),
      ...(previous === undefined ? {} : { previous }),
    };
  }
}
