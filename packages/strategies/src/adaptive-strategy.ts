import {
  type AgentResult,
  CompositionPattern,
  type ExecutableAgent,
  errorsOf,
  type GraphHooks,
  type RunView,
  sumDurations,
  type TaskStep,
  Tier,
  tierRank,
} from '@baton/core';
import { ExecutionStrategy, type StrategyOptions } from './execution-strategy.js';
import {
  agentStep,
  requireAtLeast,
  type StrategyGraph,
  type StrategyGraphOptions,
  stepIdsFor,
  stepsWithRole,
  stepWithRole,
  strategyGraph,
  unitParam,
  validateUnitInterval,
} from './strategy-graph.js';

/** Classifier confidence above which the cheapest specialist is chosen, unless configured. */
export const DEFAULT_ROUTING_CONFIDENCE = 0.8;

/** Options of {@link AdaptiveStrategy}. */
export interface AdaptiveStrategyOptions<TAgent extends ExecutableAgent = ExecutableAgent>
  extends StrategyOptions<TAgent> {
  /**
   * A classifier confidence strictly above this (0..1) routes to the cheapest specialist; at or
   * below it, or unreported, to the most expensive. Default 0.8.
   */
  confidenceThreshold?: number | undefined;
}

function classifierResult(view: RunView): AgentResult | undefined {
  const classifier = stepWithRole(view, 'classifier');
  return classifier === undefined ? undefined : view.result(classifier.id);
}

function rankOf(step: TaskStep): number {
  return tierRank((step.agent?.tier as Tier | undefined) ?? Tier.CAPABLE);
}

/**
 * The specialist the classifier selects: classifier failed -> the first; confidence > threshold
 * (a confident, routine task) -> the cheapest; otherwise (also when no confidence was reported)
 * the most expensive. Ties: the first in the team.
 */
export function selectSpecialist(view: RunView): TaskStep | undefined {
  const specialists = stepsWithRole(view, 'specialist');
  const classification = classifierResult(view);
  if (classification === undefined || !classification.success) return specialists[0];
  const threshold = unitParam(view.graph, 'confidenceThreshold', DEFAULT_ROUTING_CONFIDENCE);
  const cheapest = classification.confidence !== null && classification.confidence > threshold;
  let best = specialists[0];
  for (const candidate of specialists.slice(1)) {
    const better = cheapest ? rankOf(candidate) < rankOf(best!) : rankOf(candidate) > rankOf(best!);
    if (better) best = candidate;
  }
  return best;
}

const hooks: GraphHooks = {
  shouldRun: (step, view) => step.role !== 'specialist' || selectSpecialist(view) === step,
  contextFor(step, view, base) {
    if (step.role === 'specialist') base.classification = classifierResult(view)?.output;
    return base;
  },
  describe(step, graph) {
    if (step.role !== 'specialist') return undefined;
    const classifier = graph.steps.find((candidate) => candidate.role === 'classifier');
    return `if selected by ${classifier?.id ?? 'the classifier'}`;
  },
  aggregate(view) {
    const classification = classifierResult(view);
    const selected = selectSpecialist(view);
    const specialist = selected === undefined ? undefined : view.result(selected.id);
    const results = [classification, specialist].filter(
      (result): result is AgentResult => result !== undefined,
    );
    return {
      success: specialist?.success === true,
      aggregatedOutput: {
        classification: classification?.output,
        selectedSpecialist: selected?.agent?.id,
        specialistOutput: specialist?.output,
      },
      totalDuration: sumDurations(results),
      errors: errorsOf(results),
    };
  },
};

/**
 * The adaptive strategy's graph (classifier → specialist): the classifier runs first (phase
 * `adaptive.classification`), then exactly one specialist (phase `adaptive.specialist`), chosen
 * by {@link selectSpecialist}, with the classification in its context. A failed classifier goes to
 * the first specialist without asking anyone.
 */
export const adaptiveGraph: StrategyGraph = {
  name: CompositionPattern.ADAPTIVE,
  validateTeam(team) {
    requireAtLeast(team, 2, 'adaptive', '[classifier, ...specialists]');
  },
  build(team: readonly ExecutableAgent[], options: StrategyGraphOptions = {}) {
    adaptiveGraph.validateTeam(team, options);
    const ids = stepIdsFor(team, options);
    const threshold = validateUnitInterval(
      options.confidenceThreshold ?? DEFAULT_ROUTING_CONFIDENCE,
      'confidenceThreshold',
    );
    return strategyGraph(
      CompositionPattern.ADAPTIVE,
      team.map((agent, index) =>
        index === 0
          ? agentStep(ids[0]!, agent, {
              role: 'classifier',
              strategy: CompositionPattern.ADAPTIVE,
              parentId: 'adaptive.classification',
              critical: false,
              escalate: false,
            })
          : agentStep(ids[index]!, agent, {
              role: 'specialist',
              strategy: CompositionPattern.ADAPTIVE,
              parentId: 'adaptive.specialist',
              dependsOn: [ids[0]!],
              onDependencyFailure: 'run',
            }),
      ),
      options,
      { confidenceThreshold: threshold },
    );
  },
  hooks,
};

/**
 * Adaptive routing (classifier → specialist). At least two agents, `[classifier, ...specialists]`.
 * The classifier runs first; then exactly one specialist runs with the classifier's output in its
 * context as `classification`:
 * - the classifier failed -> the first specialist;
 * - classifier confidence > 0.8 (a confident, simple task) -> the cheapest specialist;
 * - otherwise (also when it reported no confidence) -> the most expensive specialist.
 *
 * Cost follows the tier, CHEAP < CAPABLE < PREMIUM; an agent without a tier ranks as CAPABLE;
 * among equals the first in the list wins.
 *
 * `aggregatedOutput` is `{ classification, selectedSpecialist, specialistOutput }`. `success` is the
 * specialist's success (a classifier failure is still listed in `errors`); `totalDuration` is the
 * sum of both agents' durations.
 *
 * @example
 * ```ts
 * const adaptive = new AdaptiveStrategy({ executor });
 * const result = await adaptive.execute([classifier, cheapFixer, premiumFixer], { task });
 * console.log(result.aggregatedOutput.selectedSpecialist);
 * ```
 */
export class AdaptiveStrategy<
  TAgent extends ExecutableAgent = ExecutableAgent,
> extends ExecutionStrategy<TAgent> {
  readonly name = CompositionPattern.ADAPTIVE;
  protected readonly graph = adaptiveGraph;
  /** Classifier confidence above which the cheapest specialist is chosen. */
  readonly confidenceThreshold: number;

  constructor(options: AdaptiveStrategyOptions<TAgent>) {
    super(options);
    this.confidenceThreshold = validateUnitInterval(
      options.confidenceThreshold ?? DEFAULT_ROUTING_CONFIDENCE,
      'confidenceThreshold',
    );
  }

  protected override graphOptions(): StrategyGraphOptions {
    return { confidenceThreshold: this.confidenceThreshold };
  }
}
