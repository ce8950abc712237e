import {
  type AgentTemplate,
  type CompositionPattern,
  type QualityGates,
  TIERS,
  type Tier,
  tierRank,
} from '@baton/core';
import type { TemplateRegistry } from '@baton/templates';
import type { PlannedAgent, StrategyRole } from './agent-factory.js';
import type { ComposedPlan } from './composed-plan.js';
import { type AgentCostEstimate, estimateTeam, type TeamPricing } from './plan-estimates.js';
import { composeTeam } from './team-composition.js';

/** How a candidate composition differs from the composed (or pre-built) team. */
export const CandidateKind = {
  /** The team the composition rules chose. */
  COMPOSED: 'composed',
  /** A pre-built composition (release prep, coverage boost, security deep dive). */
  PREBUILT: 'prebuilt',
  /** Every agent whose tier the strategy leaves free one tier down. */
  TIER_DOWN: 'tier-down',
  /** Every agent whose tier the strategy leaves free one tier up. */
  TIER_UP: 'tier-up',
  /** One agent one tier down. */
  AGENT_TIER_DOWN: 'agent-tier-down',
  /** One agent one tier up. */
  AGENT_TIER_UP: 'agent-tier-up',
  /** The same templates with another strategy the rules can build for them. */
  STRATEGY: 'strategy',
} as const;
/** How a candidate composition differs from the composed team, e.g. `"tier-down"`. */
export type CandidateKind = (typeof CandidateKind)[keyof typeof CandidateKind];

/** One team a task pattern may run with, executable as it is, with its plan estimates. */
export interface CandidateComposition {
  kind: CandidateKind;
  /** In words, e.g. `one tier down`, `code_reviewer one tier up`, `debate instead of parallel`. */
  description: string;
  strategy: CompositionPattern;
  /** The team in the order the strategy runs it (a debate's synthesizer last). */
  agents: PlannedAgent[];
  qualityGates: QualityGates;
  /** Cost units (CHEAP 1, CAPABLE 3, PREMIUM 10 per agent). */
  estimatedCost: number;
  /** USD budget figure from the agents' token budgets at the tier models' prices. */
  estimatedCostUsd: number;
  /** Seconds, from the agents' time limits and the strategy. */
  estimatedDuration: number;
  costBreakdown: AgentCostEstimate[];
}

/** Options of {@link generateCandidates}. */
export interface CandidateOptions {
  /** Also one candidate per agent one tier up and one down (default false: the whole team only). */
  perAgentTiers?: boolean | undefined;
  /**
   * The other strategies the rules can build for the same templates (default true; never for a
   * pre-built composition, whose team is curated).
   */
  strategies?: boolean | undefined;
}

/**
 * The tiers an agent may run at given its part in the strategy, so that every candidate stays
 * executable and keeps the shape BEHAVIOUR §3 gives its strategy: steps, workers and perspectives
 * any tier; a teaching expert and a debate synthesizer at least CAPABLE; the junior, the
 * refinement stages, the classifier and the specialists are fixed (their tiers are the strategy).
 */
export function tierRange(role: StrategyRole, tier: Tier): { min: Tier; max: Tier } {
  switch (role) {
    case 'step':
    case 'worker':
    case 'perspective':
      return { min: 'CHEAP', max: 'PREMIUM' };
    case 'expert':
    case 'synthesizer':
      return { min: 'CAPABLE', max: 'PREMIUM' };
    default:
      return { min: tier, max: tier };
  }
}

/** The tier one step up (+1) or down (-1) within the agent's range; the same tier when it cannot move. */
function shifted(agent: PlannedAgent, step: 1 | -1): Tier {
  const { min, max } = tierRange(agent.strategyRole, agent.tier);
  const next = TIERS[tierRank(agent.tier) + step];
  if (next === undefined || tierRank(next) < tierRank(min) || tierRank(next) > tierRank(max)) {
    return agent.tier;
  }
  return next;
}

const signature = (strategy: string, agents: readonly PlannedAgent[]): string =>
  `${strategy}|${agents.map((agent) => `${agent.id}:${agent.templateId}:${agent.tier}`).join('|')}`;

/** The strategies the rules can build for a team's templates (see {@link generateCandidates}). */
export function alternativeStrategies(
  current: CompositionPattern,
  templateCount: number,
): CompositionPattern[] {
  // With several templates, teaching, refinement and adaptive would drop all but the first.
  // With one, parallel and sequential are the same run: only the one not in use is left out.
  const buildable: CompositionPattern[] =
    templateCount > 1
      ? ['sequential', 'parallel', 'debate']
      : [
          current === 'parallel' ? 'parallel' : 'sequential',
          'debate',
          'teaching',
          'refinement',
          'adaptive',
        ];
  return buildable.filter((strategy) => strategy !== current);
}

/**
 * The candidate compositions of a plan: the plan's own team first (`composed`, or `prebuilt` for
 * a plan from `composePrebuilt`), then the same team one tier down and one tier up (every agent
 * whose tier its part leaves free, see {@link tierRange}), optionally each agent on its own one
 * tier up or down, then the other strategies the composition rules can build for the same
 * templates ({@link alternativeStrategies}: `composeTeam` spawns them, so every one is
 * executable). Duplicates and variants that change nothing are left out. Each candidate carries
 * the plan estimates of its own team. Deterministic.
 *
 * @example
 * ```ts
 * const plan = orchestrator.analyzeAndCompose('review the payment module');
 * const candidates = orchestrator.composeCandidates(plan);
 * candidates.map((candidate) => candidate.description);
 * // ["as composed", "one tier down", "one tier up", "debate instead of parallel", ...]
 * ```
 */
export function generateCandidates(
  plan: ComposedPlan,
  options: CandidateOptions & { registry: TemplateRegistry; pricing: TeamPricing },
): CandidateComposition[] {
  const { registry, pricing } = options;
  const seen = new Set<string>();
  const candidates: CandidateComposition[] = [];
  const add = (
    kind: CandidateKind,
    description: string,
    strategy: CompositionPattern,
    agents: PlannedAgent[],
  ): void => {
    const key = signature(strategy, agents);
    if (seen.has(key)) return;
    seen.add(key);
    const estimate = estimateTeam(agents, strategy, pricing);
    candidates.push({
      kind,
      description,
      strategy,
      agents,
      qualityGates: { ...plan.qualityGates },
      estimatedCost: estimate.estimatedCost,
      estimatedCostUsd: estimate.estimatedCostUsd,
      estimatedDuration: estimate.estimatedDuration,
      costBreakdown: estimate.costBreakdown,
    });
  };
  const prebuilt = plan.strategyRule === 'prebuilt';
  add(
    prebuilt ? 'prebuilt' : 'composed',
    prebuilt ? 'pre-built' : 'as composed',
    plan.strategy,
    plan.agents,
  );

  for (const [step, kind, words] of [
    [-1, 'tier-down', 'one tier down'],
    [1, 'tier-up', 'one tier up'],
  ] as const) {
    const agents = plan.agents.map((agent) => ({ ...agent, tier: shifted(agent, step) }));
    if (agents.some((agent, index) => agent.tier !== plan.agents[index]?.tier)) {
      add(kind, words, plan.strategy, agents);
    }
  }
  if (options.perAgentTiers === true) {
    plan.agents.forEach((agent, index) => {
      for (const [step, kind, words] of [
        [-1, 'agent-tier-down', 'one tier down'],
        [1, 'agent-tier-up', 'one tier up'],
      ] as const) {
        const tier = shifted(agent, step);
        if (tier === agent.tier) continue;
        const agents = plan.agents.map((member, at) =>
          at === index ? { ...member, tier } : member,
        );
        add(kind, `${agent.id} ${words}`, plan.strategy, agents);
      }
    });
  }

  if (options.strategies === false || prebuilt) return candidates;
  const templates = teamTemplates(plan.agents, registry);
  if (templates === undefined) return candidates;
  for (const strategy of alternativeStrategies(plan.strategy, templates.length)) {
    const team = composeTeam({
      strategy,
      templates,
      requirements: plan.requirements,
      registry,
      task: plan.task,
      qualityGates: plan.qualityGates,
    });
    add('strategy', `${strategy} instead of ${plan.strategy}`, strategy, team.agents);
  }
  return candidates;
}

/**
 * The templates a team is made of, in team order without repeats (a debate's synthesizer is the
 * strategy's addition, not part of the team); undefined when one is missing from the registry.
 */
function teamTemplates(
  agents: readonly PlannedAgent[],
  registry: TemplateRegistry,
): AgentTemplate[] | undefined {
  const ids = [
    ...new Set(
      agents
        .filter((agent) => agent.strategyRole !== 'synthesizer')
        .map((agent) => agent.templateId),
    ),
  ];
  const templates = ids.map((id) => registry.get(id));
  return templates.every((template) => template !== undefined)
    ? (templates as AgentTemplate[])
    : undefined;
}
