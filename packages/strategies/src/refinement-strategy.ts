import {
  type AgentResult,
  CompositionPattern,
  type ExecutableAgent,
  type StrategyResult,
} from '@baton/core';
import {
  ExecutionStrategy,
  errorsOf,
  requireAtLeast,
  type StrategyRun,
  sumDurations,
} from './execution-strategy.js';

/**
 * Progressive refinement (draft → review → polish). At least two agents, run as a chain of stages
 * (phases `stage-1`, `stage-2`, ...). Every stage after the first sees the previous stage's output
 * as `previousOutput` and all earlier outputs, in order, as `stageOutputs`. The first failure
 * (including a timeout or an abort) stops the chain; later stages do not run.
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

  protected override validateTeam(agents: readonly TAgent[]): void {
    requireAtLeast(agents, 2, 'refinement', 'to refine (for example drafter, reviewer, polisher)');
  }

  protected override async run(
    agents: readonly TAgent[],
    context: Record<string, unknown>,
    run: StrategyRun<TAgent>,
  ): Promise<StrategyResult> {
    const results: AgentResult[] = [];
    for (const [index, agent] of agents.entries()) {
      run.phase(`stage-${index + 1}`);
      const previous = results.at(-1);
      const stageContext =
        previous === undefined
          ? context
          : {
              ...context,
              previousOutput: previous.output,
              stageOutputs: results.map((result) => result.output),
            };
      const result = await run.runAgent(agent, stageContext);
      results.push(result);
      if (!result.success) break;
    }
    const completed = results.length === agents.length && results.every((result) => result.success);
    return {
      success: completed,
      outputs: results,
      aggregatedOutput: {
        refinementStages: results.length,
        finalOutput: completed ? results.at(-1)!.output : null,
        stageOutputs: results.map((result) => result.output),
      },
      totalDuration: sumDurations(results),
      errors: errorsOf(results),
    };
  }
}
