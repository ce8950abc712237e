import {
  agentResults,
  CompositionPattern,
  type ExecutableAgent,
  errorsOf,
  type GraphHooks,
  sumDurations,
} from '@baton/core';
import { ExecutionStrategy } from './execution-strategy.js';
import {
  agentStep,
  requireAtLeast,
  type StrategyGraph,
  type StrategyGraphOptions,
  stepIdsFor,
  strategyGraph,
} from './strategy-graph.js';

const hooks: GraphHooks = {
  // Every stage after the first sees the previous stage's output and all earlier outputs.
  contextFor(step, view, base) {
    const previous = step.dependsOn[0];
    if (previous === undefined) return base;
    const outputs: unknown[] = [];
    for (const earlier of view.graph.steps) {
      if (earlier === step) break;
      const result = view.result(earlier.id);
      if (result !== undefined) outputs.push(result.output);
    }
    base.previousOutput = view.result(previous)?.output;
    base.stageOutputs = outputs;
    return base;
  },
  aggregate(view) {
    const results = agentResults(view);
    const completed =
      results.length === view.graph.steps.length && results.every((result) => result.success);
    return {
      success: completed,
      aggregatedOutput: {
        refinementStages: results.length,
        finalOutput: completed ? results.at(-1)!.output : null,
        stageOutputs: results.map((result) => result.output),
      },
      totalDuration: sumDurations(results),
      errors: errorsOf(results),
    };
  },
};

/**
 * The refinement strategy's graph (draft → review → polish): a chain of stages (phases
 * `refinement.stage-1`, ...); the first failure stops the chain (later stages are skipped).
 */
export const refinementGraph: StrategyGraph = {
  name: CompositionPattern.REFINEMENT,
  validateTeam(team) {
    requireAtLeast(team, 2, 'refinement', 'to refine (for example drafter, reviewer, polisher)');
  },
  build(team: readonly ExecutableAgent[], options: StrategyGraphOptions = {}) {
    refinementGraph.validateTeam(team, options);
    const ids = stepIdsFor(team, options);
    return strategyGraph(
      CompositionPattern.REFINEMENT,
      team.map((agent, index) =>
        agentStep(ids[index]!, agent, {
          role: 'stage',
          strategy: CompositionPattern.REFINEMENT,
          parentId: `refinement.stage-${index + 1}`,
          dependsOn: index === 0 ? [] : [ids[index - 1]!],
        }),
      ),
      options,
    );
  },
  hooks,
};

/**
 * Progressive refinement (draft → review → polish). At least two agents, run as a chain of stages.
 * Every stage after the first sees the previous stage's output as `previousOutput` and all
 * earlier outputs, in order, as `stageOutputs`. The first failure (including a timeout or an
 * abort) stops the chain; later stages do not run.
 *
 * `aggregatedOutput` is `{ refinementStages, finalOutput, stageOutputs }`: the number of stages
 * that ran, the last stage's output when the whole chain completed (else `null`: an unfinished
 * chain has no final output), and every stage's output in order. `success` is true when every
 * stage succeeded; `totalDuration` is the sum of the stages' durations.
 *
 * @example
 * ```ts
 * const refinement = new RefinementStrategy({ executor });
 * const result = await refinement.execute([drafter, reviewer, polisher], { requirements });
 * const { finalOutput } = result.aggregatedOutput;
 * ```
 */
export class RefinementStrategy<
  TAgent extends ExecutableAgent = ExecutableAgent,
> extends ExecutionStrategy<TAgent> {
  readonly name = CompositionPattern.REFINEMENT;
  protected readonly graph = refinementGraph;
}
