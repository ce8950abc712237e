import {
  CompositionPattern,
  type ExecutableAgent,
  type StrategyResult,
  Tier,
  tierRank,
} from '@baton/core';
import {
  ExecutionStrategy,
  errorsOf,
  requireAtLeast,
  type StrategyOptions,
  type StrategyRun,
  sumDurations,
} from './execution-strategy.js';
import { validateUnitInterval } from './teaching-strategy.js';

/** Classifier confidence above which the cheapest specialist is chosen, unless configured. */
export const DEFAULT_ROUTING_CONFIDENCE = 0.8;

/** Options of {@link AdaptiveStrategy}. */
export interface AdaptiveStrategyOptions<TAgent extends ExecutableAgent = ExecutableAgent>
  extends StrategyOptions<TAgent> {
  /**
   * A classifier confidence strictly above this (0..1) routes to the cheapest specialist; at or
   * below it, to the most expensive. Default 0.8.
   */
  confidenceThreshold?: number | undefined;
}

/**
 * Adaptive routing (classifier → specialist). At least two agents, `[classifier, ...specialists]`.
 * The classifier runs first (phase `classification`); then exactly one specialist runs (phase
 * `specialist`) with the classifier's output in its context as `classification`:
 * - the classifier failed -> the first specialist;
 * - classifier confidence > 0.8 (a confident, simple task) -> the cheapest specialist;
 * - otherwise -> the most expensive specialist.
 *
 * Cost follows the tier, CHEAP < CAPABLE < PREMIUM; an agent without a tier ranks as CAPABLE;
 * among equals the first in the list wins. A classifier that reports no confidence counts as 0.
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
  /** Classifier confidence above which the cheapest specialist is chosen. */
  readonly confidenceThreshold: number;

  constructor(options: AdaptiveStrategyOptions<TAgent>) {
    super(options);
    this.confidenceThreshold = validateUnitInterval(
      options.confidenceThreshold ?? DEFAULT_ROUTING_CONFIDENCE,
      'confidenceThreshold',
    );
  }

  protected override validateTeam(agents: readonly TAgent[]): void {
    requireAtLeast(agents, 2, 'adaptive', '[classifier, ...specialists]');
  }

  protected override async run(
    agents: readonly TAgent[],
    context: Record<string, unknown>,
    run: StrategyRun<TAgent>,
  ): Promise<StrategyResult> {
    const [classifier, ...specialists] = agents as readonly [TAgent, TAgent, ...TAgent[]];
    run.phase('classification');
    const classification = await run.runAgent(classifier, context);

    let selected: TAgent;
    let reason: string;
    if (!classification.success) {
      selected = specialists[0]!;
      reason = 'classifier failed: first specialist';
    } else if (classification.confidence > this.confidenceThreshold) {
      selected = pick(specialists, (rank, best) => rank < best);
      reason = `confidence ${classification.confidence} > ${this.confidenceThreshold}: cheapest specialist`;
    } else {
      selected = pick(specialists, (rank, best) => rank > best);
      reason = `confidence ${classification.confidence} <= ${this.confidenceThreshold}: most expensive specialist`;
    }
    this.logger.info('adaptive routing', { specialist: selected.id, reason });

    run.phase('specialist');
    const specialist = await run.runAgent(selected, {
      ...context,
      classification: classification.output,
    });
    const results = [classification, specialist];
    return {
      success: specialist.success,
      outputs: results,
      aggregatedOutput: {
        classification: classification.output,
        selectedSpecialist: selected.id,
        specialistOutput: specialist.output,
      },
      totalDuration: sumDurations(results),
      errors: errorsOf(results),
    };
  }
}

/** The first agent whose tier rank beats every earlier one according to `better`. */
function pick<TAgent extends ExecutableAgent>(
  agents: readonly TAgent[],
  better: (rank: number, best: number) => boolean,
): TAgent {
  let best = agents[0]!;
  for (const agent of agents.slice(1)) {
    if (better(rankOf(agent), rankOf(best))) best = agent;
  }
  return best;
}

function rankOf(agent: ExecutableAgent): number {
  return tierRank(agent.tier ?? Tier.CAPABLE);
}
