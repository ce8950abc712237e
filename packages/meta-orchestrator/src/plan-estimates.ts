import {
  type Agent,
  BatonError,
  BatonErrorCode,
  CompositionPattern,
  DEFAULT_RESOURCE_REQUIREMENTS,
  TIER_COST_UNITS,
  type Tier,
} from '@baton/core';
import { z } from 'zod';
import { findModelPrice, type ModelPriceTable, type TierModels } from './model-prices.js';

/** The cost estimate of one agent of a plan. */
export const agentCostEstimateSchema = z.object({
  agentId: z.string(),
  tier: z.enum(['CHEAP', 'CAPABLE', 'PREMIUM']),
  /** The model the tier maps to. */
  model: z.string(),
  /** Input tokens assumed: the agent's `minTokens`. */
  inputTokens: z.number().int().min(0),
  /** Output tokens assumed: the agent's `maxTokens` (its upper bound). */
  outputTokens: z.number().int().min(0),
  /** Cost units of the tier (CHEAP 1, CAPABLE 3, PREMIUM 10). */
  costUnits: z.number().min(0),
  /** USD from the model's price for those tokens. */
  costUsd: z.number().min(0),
});
/** The cost estimate of one agent of a plan. */
export type AgentCostEstimate = z.output<typeof agentCostEstimateSchema>;

/** Cost and duration estimates of a team. */
export interface TeamEstimate {
  /** Sum of the agents' tier cost units. */
  estimatedCost: number;
  /** Sum of the agents' `costUsd`. */
  estimatedCostUsd: number;
  /** Seconds, from the agents' time limits and the strategy. */
  estimatedDuration: number;
  /** One entry per agent, in team order. */
  costBreakdown: AgentCostEstimate[];
}

/** Pricing used by {@link estimateTeam}. */
export interface TeamPricing {
  /** Model id -> price. */
  prices: ModelPriceTable;
  /** The model each tier runs on; every one must have a price. */
  tierModels: TierModels;
}

const roundUsd = (value: number): number => Math.round(value * 1e9) / 1e9;

/**
 * Estimated duration in seconds with m = the largest agent time limit (300 s with no agents):
 * sequential = the sum of the time limits, parallel = m, debate = 2m, teaching = floor(1.5m),
 * refinement = 3m, adaptive = floor(1.2m).
 */
export function estimateDuration(
  agents: readonly Pick<Agent, 'resourceRequirements'>[],
  strategy: CompositionPattern,
): number {
  const timeouts = agents.map((agent) => agent.resourceRequirements.timeoutSeconds);
  const longest =
    timeouts.length === 0 ? DEFAULT_RESOURCE_REQUIREMENTS.timeoutSeconds : Math.max(...timeouts);
  switch (strategy) {
    case CompositionPattern.SEQUENTIAL:
      return timeouts.reduce((sum, timeout) => sum + timeout, 0);
    case CompositionPattern.PARALLEL:
      return longest;
    case CompositionPattern.DEBATE:
      return 2 * longest;
    case CompositionPattern.TEACHING:
      return Math.floor(1.5 * longest);
    case CompositionPattern.REFINEMENT:
      return 3 * longest;
    case CompositionPattern.ADAPTIVE:
      return Math.floor(1.2 * longest);
  }
}

/** Roles of which exactly one, or all at once, run in their phase: the phase takes the longest. */
const CONCURRENT_ROLES: ReadonlySet<string> = new Set(['worker', 'perspective', 'specialist']);

/**
 * The longest a planned team can take in seconds when every agent that runs uses its full time
 * limit: agents that run one after another (steps, junior and expert, refinement stages, the
 * classifier, the synthesizer) add up; of the agents that run side by side or of which one is
 * chosen (workers, perspectives, specialists) only the longest counts. Unlike
 * {@link estimateDuration}, which follows the reference's formulas (teaching floor(1.5m),
 * adaptive floor(1.2m)), this is a true upper bound on agent time, orchestration overhead aside.
 *
 * @example
 * ```ts
 * worstCaseDuration(plan.agents); // 600 for a teaching pair of two 300 s agents (estimate: 450)
 * ```
 */
export function worstCaseDuration(
  agents: readonly (Pick<Agent, 'resourceRequirements'> & { strategyRole: string })[],
): number {
  let inTurn = 0;
  let longestConcurrent = 0;
  for (const agent of agents) {
    const limit = agent.resourceRequirements.timeoutSeconds;
    if (CONCURRENT_ROLES.has(agent.strategyRole)) {
      longestConcurrent = Math.max(longestConcurrent, limit);
    } else {
      inTurn += limit;
    }
  }
  return inTurn + longestConcurrent;
}

/**
 * Cost and duration estimates of a team run with a strategy.
 *
 * Cost in units: the sum of the agents' tier units (`TIER_COST_UNITS`: CHEAP 1, CAPABLE 3,
 * PREMIUM 10). Cost in USD, a budget figure rather than a forecast or a bound: each agent is
 * assumed to read `minTokens` input tokens (the context its template says it needs; a real prompt
 * with instructions, task and context can be longer) and to write its full `maxTokens` output
 * budget, priced at the model its tier maps to. Every spawned agent counts, including ones a
 * strategy may not run (an expert after a confident junior, the specialist the classifier does not
 * pick). The measured cost of a run is in its `usage`.
 *
 * @example
 * ```ts
 * const { estimatedCostUsd } = estimateTeam(plan.agents, plan.strategy, {
 *   prices: DEFAULT_MODEL_PRICES,
 *   tierModels: DEFAULT_TIER_MODELS.anthropic,
 * });
 * ```
 * @throws BatonError `BATON_CONFIGURATION` when a tier's model has no price (MetaOrchestrator checks this up front).
 */
export function estimateTeam(
  agents: readonly Pick<Agent, 'id' | 'tier' | 'resourceRequirements'>[],
  strategy: CompositionPattern,
  pricing: TeamPricing,
): TeamEstimate {
  const costBreakdown = agents.map((agent): AgentCostEstimate => {
    const tier: Tier = agent.tier;
    const model = pricing.tierModels[tier];
    const price = findModelPrice(model, pricing.prices);
    if (price === undefined) {
      throw new BatonError(
        BatonErrorCode.CONFIGURATION,
        `No price known for model ${model} (tier ${tier}); add it to the prices`,
      );
    }
    const inputTokens = agent.resourceRequirements.minTokens;
    const outputTokens = agent.resourceRequirements.maxTokens;
    return {
      agentId: agent.id,
      tier,
      model,
      inputTokens,
      outputTokens,
      costUnits: TIER_COST_UNITS[tier],
      costUsd: roundUsd(
        (inputTokens * price.inputPerMillion + outputTokens * price.outputPerMillion) / 1_000_000,
      ),
    };
  });
  return {
    estimatedCost: costBreakdown.reduce((sum, entry) => sum + entry.costUnits, 0),
    estimatedCostUsd: roundUsd(costBreakdown.reduce((sum, entry) => sum + entry.costUsd, 0)),
    estimatedDuration: estimateDuration(agents, strategy),
    costBreakdown,
  };
}
