import {
  agentResults,
  aggregateResults,
  CompositionPattern,
  type ExecutableAgent,
  errorsOf,
  type GraphHooks,
  sumDurations,
} from '@baton/core';
import { ExecutionStrategy } from './execution-strategy.js';
import {
  agentStep,
  type StrategyGraph,
  type StrategyGraphOptions,
  stepIdsFor,
  strategyGraph,
} from './strategy-graph.js';

const hooks: GraphHooks = {
  // After each success, the following agents see that output under the agent's id.
  contextFor(step, view, base) {
    for (const earlier of view.graph.steps) {
      if (earlier === step) break;
      const result = view.result(earlier.id);
      if (result?.success === true) base[earlier.agent?.id ?? earlier.id] = result.output;
    }
    return base;
  },
  aggregate(view) {
    const results = agentResults(view);
    return {
      success:
        results.length === view.graph.steps.length && results.every((result) => result.success),
      aggregatedOutput: aggregateResults(results),
      totalDuration: sumDurations(results),
      errors: errorsOf(results),
    };
  },
};

/**
 * The sequential strategy's graph (A → B → C): a chain in which each step runs after the previous
 * one even when it failed; every agent sees the outputs of the earlier agents that succeeded under
 * their ids; the run succeeds when every agent did.
 */
export const sequentialGraph: StrategyGraph = {
  name: CompositionPattern.SEQUENTIAL,
  validateTeam() {},
  build(team: readonly ExecutableAgent[], options: StrategyGraphOptions = {}) {
    const ids = stepIdsFor(team, options);
    return strategyGraph(
      CompositionPattern.SEQUENTIAL,
      team.map((agent, index) =>
        agentStep(ids[index]!, agent, {
          role: 'step',
          strategy: CompositionPattern.SEQUENTIAL,
          dependsOn: index === 0 ? [] : [ids[index - 1]!],
          onDependencyFailure: 'run',
        }),
      ),
      options,
    );
  },
  hooks,
};

/**
 * Sequential composition (A → B → C): runs the agents one after another on a copy of the context.
 * After each success, the following agents see that agent's output in their context under the
 * agent's id (`context[agent.id]`). A failure does not stop the pipeline: the next agent runs
 * without that output. `success` is true when every agent succeeded, `totalDuration` is the sum
 * of the agents' durations, and `aggregatedOutput` is the default aggregate
 * `{ numAgents, allSucceeded, avgConfidence, outputs }`.
 *
 * @example
 * ```ts
 * const strategy = new SequentialStrategy({ executor });
 * const result = await strategy.execute([analyzer, generator, validator], { projectRoot: '.' });
 * // generator's context has context.analyzer = analyzer's output
 * ```
 */
export class SequentialStrategy<
  TAgent extends ExecutableAgent = ExecutableAgent,
> extends ExecutionStrategy<TAgent> {
  readonly name = CompositionPattern.SEQUENTIAL;
  protected readonly graph = sequentialGraph;
}
