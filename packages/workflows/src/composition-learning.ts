import { createHash } from 'node:crypto';
import {
  AgentConfiguration,
  type CandidateChoice,
  type CandidateChoiceBasis,
  type CandidatePolicy,
  type ConfigurationStore,
  chooseCandidate,
  type Outcome,
  type RandomSource,
} from '@baton/config-store';
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
  type CandidateOptions,
  type ComposedPlan,
  MetaOrchestrator,
  matchPrebuiltComposition,
  type PrebuiltMatch,
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

/** Options of {@link chooseCandidateComposition}. */
export interface ChooseCandidateCompositionOptions {
  /** The task in plain words. */
  task: string;
  /** Context for the analysis (`capabilities`, `qualityGates`, ...). */
  context?: TaskContext | undefined;
  /** Where the task pattern's candidates and their outcomes are kept. */
  store: ConfigurationStore;
  /** Run the freshly composed team; the store is not consulted. */
  fresh?: boolean | undefined;
  /** Run this stored composition (e.g. `--composition <id>`); the policy is not consulted. */
  compositionId?: string | undefined;
  /** Route a task that matches a pre-built composition to it (default true). */
  prebuilt?: boolean | undefined;
  /** Which candidates to generate (see `composeCandidates` of `@baton/meta-orchestrator`). */
  candidates?: CandidateOptions | undefined;
  /** The bandit policy's parameters over `DEFAULT_CANDIDATE_POLICY`. */
  policy?: Partial<CandidatePolicy> | undefined;
  /** The policy's random source; `createSeededRandom(seed)` makes the choice replayable. */
  random?: RandomSource | undefined;
  /** Analyses the task and composes the teams (default: `new MetaOrchestrator()`). */
  orchestrator?: MetaOrchestrator | undefined;
  /** Told when the store cannot be read or written. */
  logger?: Logger | undefined;
  signal?: AbortSignal | undefined;
}

/** The team chosen among a task pattern's candidates, and why (see {@link chooseCandidateComposition}). */
export interface ChosenCandidateComposition {
  /** The task (trimmed). */
  task: string;
  /** The pre-built composition's pattern when the task matched one, else `<domain>_<complexity>`. */
  taskPattern: string;
  /** Why: the policy's basis, `fresh`, or `store-unreadable` (the composed team runs). */
  basis: CandidateChoiceBasis | 'fresh' | 'store-unreadable';
  /** Why, in a sentence for the audit log and the report. */
  reason: string;
  /** The stored composition that runs; record the outcome on it with {@link recordCompositionOutcome}. */
  compositionId: string;
  strategy: CompositionPattern;
  /** The agents, retargeted at this task. */
  agents: Agent[];
  /** The composition's gates overlaid with the analysis's. */
  qualityGates: QualityGates;
  /** The pre-built composition the task matched, if any. */
  prebuilt?: PrebuiltMatch | undefined;
  /** The policy's choice with every candidate's assessment; absent for a fresh or fallback team. */
  choice?: CandidateChoice<AgentConfiguration> | undefined;
  /** The fresh analysis and plan of the task. */
  plan: ComposedPlan;
}

/**
 * Baton's learning loop with compositions that change: analyses the task (routing it to a
 * pre-built composition it matches, e.g. "prepare for the 2.0 release" -> `release_prep`),
 * generates the task pattern's candidate compositions (the team, one tier down and up, other
 * strategies; the pre-built team's too), registers new ones in the store without touching the
 * outcomes of known ones, and lets the bandit policy (`chooseCandidate` of `@baton/config-store`)
 * choose among every candidate stored for the pattern. `fresh` runs the composed team without
 * consulting the store; `compositionId` runs that stored composition. A store that cannot be read
 * or written is logged and the composed team runs (`store-unreadable`). Record the outcome with
 * {@link recordCompositionOutcome}, passing the result as the composition.
 *
 * @example
 * ```ts
 * const chosen = await chooseCandidateComposition({ task, store, random: createSeededRandom(runId) });
 * audit.write(chosen.reason); // "tried general_complex-parallel-... (one tier down): not run yet, ..."
 * // ... run chosen.agents with chosen.strategy, score the run, then:
 * await recordCompositionOutcome({ store, composition: chosen, outcome: { success, qualityScore, costUsd } });
 * ```
 * @throws ValidationError naming `task`, the bad context field or a policy parameter;
 *   BatonError `BATON_NOT_FOUND` when `compositionId` is not stored; the abort reason when aborted
 */
export async function chooseCandidateComposition(
  options: ChooseCandidateCompositionOptions,
): Promise<ChosenCandidateComposition> {
  const { store, signal } = options;
  const call = signal === undefined ? {} : { signal };
  const logger = options.logger ?? noopLogger;
  const orchestrator = options.orchestrator ?? new MetaOrchestrator();
  const plan = orchestrator.analyzeAndCompose(options.task, options.context);
  const prebuilt = options.prebuilt === false ? undefined : matchPrebuiltComposition(plan.task);
  const plans =
    prebuilt === undefined
      ? [plan]
      : [orchestrator.composePrebuilt(prebuilt.taskPattern, plan.task, options.context), plan];
  const taskPattern = prebuilt?.taskPattern ?? taskPatternOf(plan);
  const routed = prebuilt === undefined ? '' : `${prebuilt.reason}; `;
  const first = plans[0]!;
  const unstored = (
    basis: 'fresh' | 'store-unreadable',
    reason: string,
  ): ChosenCandidateComposition => ({
    task: plan.task,
    taskPattern,
    basis,
    reason: `${routed}${reason}`,
    compositionId: compositionIdFor(taskPattern, first.strategy, first.agents),
    strategy: first.strategy,
    agents: first.agents,
    qualityGates: first.qualityGates,
    ...(prebuilt === undefined ? {} : { prebuilt }),
    plan,
  });
  if (options.fresh === true && options.compositionId === undefined) {
    return unstored('fresh', 'a fresh team was asked for: stored compositions not consulted');
  }

  let arms: AgentConfiguration[];
  try {
    const ids = new Set<string>();
    for (const base of plans) {
      for (const candidate of orchestrator.composeCandidates(base, options.candidates)) {
        const id = compositionIdFor(taskPattern, candidate.strategy, candidate.agents);
        if (ids.has(id)) continue;
        ids.add(id);
        await store.saveIfMissing(
          new AgentConfiguration({
            id,
            taskPattern,
            strategy: candidate.strategy,
            agents: candidate.agents,
            qualityGates: { ...candidate.qualityGates },
            tags: ['candidate'],
            variant: {
              kind: candidate.kind,
              description: candidate.description,
              estimatedCost: candidate.estimatedCost,
              estimatedCostUsd: candidate.estimatedCostUsd,
            },
          }),
          call,
        );
      }
    }
    const stored = await store.listForTask(taskPattern, call);
    // Candidates of earlier runs count too; compositions stored by other paths (no variant) only
    // when asked for by id.
    arms = stored.filter(
      (config) =>
        ids.has(config.id) || config.variant !== undefined || config.id === options.compositionId,
    );
    if (
      options.compositionId !== undefined &&
      !arms.some((config) => config.id === options.compositionId)
    ) {
      const explicit = await store.load(options.compositionId, call);
      if (explicit !== undefined) arms.push(explicit);
    }
  } catch (error) {
    throwIfAborted(signal);
    if (options.compositionId !== undefined) throw error;
    logger.warn('could not read or write the composition store', { error: describeError(error) });
    return unstored(
      'store-unreadable',
      `the composition store could not be used (${describeError(error)}): the composed team runs`,
    );
  }

  const choice = chooseCandidate(arms, {
    ...options.policy,
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.compositionId === undefined ? {} : { compositionId: options.compositionId }),
  });
  const chosen = choice.chosen;
  return {
    task: plan.task,
    taskPattern,
    basis: choice.basis,
    reason: `${routed}${choice.reason}`,
    compositionId: chosen.id,
    strategy: chosen.strategy,
    agents: chosen.agents.map((agent) => retaskAgent(agent, plan.task)),
    qualityGates: { ...chosen.qualityGates, ...plan.qualityGates },
    ...(prebuilt === undefined ? {} : { prebuilt }),
    choice,
    plan,
  };
}

/**
 * A quality score (0..100) from the confidences (0..1) the successful agents of a run reported:
 * their average x100, rounded to one decimal; 0 when no agent succeeded.
 *
 * @deprecated Self-reported confidence is a weak signal and "none reported" is not 0: score runs
 *   with `scoreQuality` of `@baton/config-store` (validate command, gates, judge, ratings, with
 *   `confidenceScorer` as one weak signal), which gives null when nothing was measured.
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
  /**
   * Measured: whether the run succeeded, its quality score (0..100, or null when no scorer
   * measured it: see `scoreQuality` of `@baton/config-store`), and its cost and duration.
   */
  outcome: Outcome;
  signal?: AbortSignal | undefined;
}

/** What {@link recordCompositionOutcome} recorded, or why it could not. */
export type CompositionOutcomeRecord =
  | {
      recorded: true;
      compositionId: string;
      taskPattern: string;
      success: boolean;
      /** The quality score recorded; null when it was unknown. */
      qualityScore: number | null;
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
      /**
       * Always absent now: the record before an outcome is read under the store's lock, so it is
       * known only when the outcome was recorded. Kept so that existing readers still compile.
       */
      previous?: CompositionStanding | null;
    };

/** A composition's record before the outcome that produced `updated` (read under the same lock). */
function standingBefore(updated: AgentConfiguration, success: boolean): CompositionStanding {
  const usageCount = updated.usageCount - 1;
  const successCount = updated.successCount - (success ? 1 : 0);
  return { successRate: usageCount === 0 ? 0 : successCount / usageCount, usageCount };
}

/**
 * Baton's learning loop, step two: records a run's measured outcome on its composition, saving a
 * newly composed team with it (see {@link chooseComposition}). Creating and updating are one
 * locked step of the store (`ConfigurationStore.recordOutcome` with `create`), so concurrent
 * recorders, also of a composition nobody stored yet, lose no update; with a pattern library on
 * the store, a composition
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
  let created = false;
  try {
    // One locked create-or-update: concurrent recorders of a new composition lose no update.
    const updated = await store.recordOutcome(composition.compositionId, outcome, {
      ...call,
      create: () => {
        created = true;
        return new AgentConfiguration({
          id: composition.compositionId,
          taskPattern: composition.taskPattern,
          strategy: composition.strategy,
          agents: [...composition.agents],
          qualityGates: { ...composition.qualityGates },
          tags: [...(composition.tags ?? [])],
        });
      },
    });
    return {
      ...base,
      recorded: true,
      success: outcome.success,
      qualityScore: outcome.qualityScore,
      successRate: updated.successRate,
      usageCount: updated.usageCount,
      previous: created ? null : standingBefore(updated, outcome.success),
    };
  } catch (error) {
    throwIfAborted(signal);
    return { ...base, recorded: false, error: describeError(error) };
  }
}
