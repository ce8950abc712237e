import {
  type AgentResult,
  CompositionPattern,
  type ExecutableAgent,
  type StrategyResult,
} from '@baton/core';
import {
  aggregateResults,
  ExecutionStrategy,
  errorsOf,
  type StrategyRun,
  sumDurations,
} from './execution-strategy.js';

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

  protected override async run(
    agents: readonly TAgent[],
    context: Record<string, unknown>,
    run: StrategyRun<TAgent>,
  ): Promise<StrategyResult> {
    const results: AgentResult[] = [];
    for (const agent of agents) {
      const result = await run.runAgent(agent, context);
      results.push(result);
      if (result.success) context[agent.id] = result.output;
    }
    return {
      success: results.every((result) => result.success),
      outputs: results,
      aggregatedOutput: aggregateResults(results),
      totalDuration: sumDurations(results),
      errors: errorsOf(results),
    };
  }
}
