import {
  type ExecutionPlan,
  type StepAgent,
  type TaskGraph,
  ValidationError,
  withFallbacks,
} from '@baton/core';
import { strategyGraphFor } from '@baton/strategies';

/** The part of an `ExecutionPlan` a graph is compiled from (a whole plan works too). */
export type CompilablePlan = Pick<ExecutionPlan, 'strategy'> & {
  agents: readonly StepAgent[];
};

/** Options of {@link compilePlan}. */
export interface CompilePlanOptions {
  /** The task text, kept with the graph. */
  task?: string;
  /** Teaching: the junior's confidence needed to skip the expert. Default 0.7. */
  qualityThreshold?: number;
  /** Adaptive: the classifier confidence above which the cheapest specialist is chosen. Default 0.8. */
  adaptiveThreshold?: number;
  /**
   * Debate: the id of the synthesizer agent. Default: the agent whose `strategyRole` is
   * `synthesizer` (as `@baton/meta-orchestrator` marks it).
   */
  synthesizerId?: string;
  /** Add fallbacks to the same agent at each higher tier. Default true. */
  tierFallback?: boolean;
  /** Names of alternative executors (e.g. CLIs) tried in order before higher tiers. */
  executorChain?: readonly string[];
  /** Marks steps whose low-confidence results must be confirmed by a person. Default: none. */
  isRisky?: (agent: StepAgent) => boolean;
}

/**
 * Compiles an execution plan into its strategy's task graph (`STRATEGY_GRAPHS` of
 * `@baton/strategies`: the same graph and rules the strategy classes run), with fallbacks to
 * other executors and higher tiers for the steps whose failure the strategy does not recover
 * from itself.
 *
 * @example
 * ```ts
 * const plan = new MetaOrchestrator().analyzeAndCompose('refactor the parser');
 * const graph = compilePlan(plan, { task: 'refactor the parser' });
 * executionLevels(graph.steps); // [['code_reviewer__drafter'], ['code_reviewer__reviewer'], ...]
 * ```
 */
export function compilePlan(plan: CompilablePlan, options: CompilePlanOptions = {}): TaskGraph {
  if (plan === null || typeof plan !== 'object' || !Array.isArray(plan.agents)) {
    throw new ValidationError('plan.agents', 'must be a list of agents');
  }
  if (plan.agents.length === 0) {
    throw new ValidationError('plan.agents', 'must contain at least one agent');
  }
  plan.agents.forEach((agent, index) => {
    if (
      agent === null ||
      typeof agent !== 'object' ||
      typeof agent.id !== 'string' ||
      agent.id === ''
    ) {
      throw new ValidationError(`plan.agents.${index}.id`, 'must be a non-empty string');
    }
  });
  const builder = strategyGraphFor(plan.strategy);
  const agents = plan.agents.map((agent) => ({ ...agent }));
  const graph = builder.build(agents, {
    ...(options.task === undefined ? {} : { task: options.task }),
    ...(options.qualityThreshold === undefined
      ? {}
      : { qualityThreshold: options.qualityThreshold }),
    ...(options.adaptiveThreshold === undefined
      ? {}
      : { confidenceThreshold: options.adaptiveThreshold }),
    ...(options.synthesizerId === undefined ? {} : { synthesizerId: options.synthesizerId }),
  });
  const withRisk =
    options.isRisky === undefined
      ? graph
      : {
          ...graph,
          steps: graph.steps.map((step) =>
            step.agent !== undefined && options.isRisky!(step.agent)
              ? { ...step, risky: true }
              : step,
          ),
        };
  return {
    ...withFallbacks(withRisk, {
      ...(options.executorChain === undefined ? {} : { executors: options.executorChain }),
      tiers: options.tierFallback !== false,
    }),
    source: 'plan',
  };
}
