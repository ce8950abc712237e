import { checkUniqueAgentIds, executionPlanSchema } from '@baton/core';
import { z } from 'zod';
import { type PlannedAgent, plannedAgentSchema } from './agent-factory.js';
import { agentCostEstimateSchema, worstCaseDuration } from './plan-estimates.js';
import { strategyRuleSchema } from './team-composition.js';

/**
 * A plan from `MetaOrchestrator`: core's `executionPlanSchema` (so any consumer of an
 * `ExecutionPlan` accepts it) extended with the task, why the strategy was chosen, and the cost
 * of each agent.
 */
export const composedPlanSchema = executionPlanSchema.extend({
  /** The team, in the order the strategy runs it (a debate's synthesizer last); ids unique. */
  agents: z.array(plannedAgentSchema).superRefine(checkUniqueAgentIds),
  /** The task, trimmed. */
  task: z.string().min(1),
  /** The strategy rule that fired. */
  strategyRule: strategyRuleSchema,
  /** Why: complexity, domain, capabilities, agents, strategy and team shape, one sentence each. */
  reasons: z.array(z.string()),
  /** The cost estimate of each agent, in team order. */
  costBreakdown: z.array(agentCostEstimateSchema),
});
/** A plan from `MetaOrchestrator`; assignable to core's `ExecutionPlan`. */
export type ComposedPlan = z.output<typeof composedPlanSchema>;

/** The arguments a strategy of `@baton/strategies` takes for a plan's team. */
export interface StrategyTeam {
  /** The agents to pass to `strategy.execute(agents, ...)`. */
  agents: PlannedAgent[];
  /** A debate's synthesizer, to pass as the `synthesizer` option; absent otherwise. */
  synthesizer?: PlannedAgent;
}

/**
 * Splits a plan's team into what a strategy takes: the debate's synthesizer goes to the
 * `synthesizer` option, every other agent to `execute`.
 *
 * @example
 * ```ts
 * const { agents, synthesizer } = teamForStrategy(plan);
 * const strategy = getStrategy(plan.strategy, { executor, synthesizer });
 * const result = await strategy.execute(agents, context);
 * ```
 */
export function teamForStrategy(plan: Pick<ComposedPlan, 'agents'>): StrategyTeam {
  const synthesizer = plan.agents.find((agent) => agent.strategyRole === 'synthesizer');
  const agents = plan.agents.filter((agent) => agent !== synthesizer);
  return synthesizer === undefined ? { agents } : { agents, synthesizer };
}

const usd = (value: number): string => `$${value.toFixed(4)}`;

/**
 * A human-readable account of a plan: the analysis, the rule that chose the strategy and why, the
 * team, and the estimates (used by `baton plan` and audit logs).
 *
 * @example
 * ```ts
 * process.stderr.write(`${explainPlan(plan)}\n`);
 * ```
 */
export function explainPlan(plan: ComposedPlan): string {
  const width = Math.max(...plan.agents.map((agent) => agent.id.length));
  const lines = [
    `Task: ${plan.task}`,
    `Analysis: ${plan.complexity} ${plan.domain} task, ${
      plan.requirements.parallelizable ? 'parallelizable' : 'not parallelizable'
    }`,
    `Strategy: ${plan.strategy} (rule: ${plan.strategyRule})`,
    'Why:',
    ...plan.reasons.map((reason) => `  - ${reason}`),
    'Team:',
    ...plan.agents.map((agent, index) => {
      const cost = plan.costBreakdown[index];
      const model = cost === undefined ? '' : ` on ${cost.model}, about ${usd(cost.costUsd)}`;
      return `  - ${agent.id.padEnd(width)}  ${agent.strategyRole}, ${agent.tier}${model}, ${agent.resourceRequirements.timeoutSeconds} s limit`;
    }),
    `Estimated cost: ${plan.estimatedCost} units, about ${usd(plan.estimatedCostUsd)} (each agent reads its minTokens and writes its full maxTokens; agents the strategy may skip count too)`,
    `Estimated duration: ${plan.estimatedDuration} s (${plan.strategy} heuristic from the longest time limit); at most ${worstCaseDuration(plan.agents)} s if every agent that runs uses its full time limit`,
  ];
  const gates = Object.entries(plan.qualityGates);
  if (gates.length > 0) {
    lines.push(
      `Quality gates: ${gates.map(([name, value]) => `${name} = ${JSON.stringify(value)}`).join(', ')}`,
    );
  }
  return lines.join('\n');
}
