import {
  agentResults,
  aggregateResults,
  CompositionPattern,
  type ExecutableAgent,
  errorsOf,
  type GraphHooks,
  ValidationError,
  wallSeconds,
} from '@baton/core';
import { ExecutionStrategy, type StrategyOptions } from './execution-strategy.js';
import {
  agentStep,
  type StrategyGraph,
  type StrategyGraphOptions,
  stepIdsFor,
  strategyGraph,
} from './strategy-graph.js';

/** Options of {@link ParallelStrategy}. */
export interface ParallelStrategyOptions<TAgent extends ExecutableAgent = ExecutableAgent>
  extends StrategyOptions<TAgent> {
  /** How many agents may run at once: a positive integer, default `Infinity` (all at once). */
  concurrency?: number | undefined;
}

const hooks: GraphHooks = {
  contextFor: (_step, _view, base) => base,
  aggregate(view) {
    const results = agentResults(view);
    return {
      success:
        results.length === view.graph.steps.length && results.every((result) => result.success),
      aggregatedOutput: aggregateResults(results),
      totalDuration: wallSeconds(
        view,
        view.graph.steps.map((step) => step.id),
      ),
      errors: errorsOf(results),
    };
  },
};

/**
 * The parallel strategy's graph (A ‖ B ‖ C): every agent at once with the same input; a failure
 * does not cancel the others; the run succeeds when every agent did; its duration is the wall time.
 */
export const parallelGraph: StrategyGraph = {
  name: CompositionPattern.PARALLEL,
  validateTeam() {},
  build(team: readonly ExecutableAgent[], options: StrategyGraphOptions = {}) {
    const ids = stepIdsFor(team, options);
    return strategyGraph(
      CompositionPattern.PARALLEL,
      team.map((agent, index) =>
        agentStep(ids[index]!, agent, {
          role: 'worker',
          strategy: CompositionPattern.PARALLEL,
          parentId: 'parallel',
        }),
      ),
      options,
    );
  },
  hooks,
};

/**
 * Parallel composition (A ‖ B ‖ C): runs all agents at once (at most `concurrency` at a time), each
 * with the same input context. A failure does not cancel the others. `success` is true when every
 * agent succeeded; `totalDuration` is the measured wall time of the whole run (the slowest agent
 * plus orchestration, or longer when `concurrency` queues agents); `outputs` keep the agents'
 * order; `aggregatedOutput` is the default aggregate `{ numAgents, allSucceeded, avgConfidence, outputs }`.
 *
 * @example
 * ```ts
 * const strategy = new ParallelStrategy({ executor, concurrency: 4 });
 * const result = await strategy.execute([security, coverage, quality, docs], { path: '.' });
 * ```
 */
export class ParallelStrategy<
  TAgent extends ExecutableAgent = ExecutableAgent,
> extends ExecutionStrategy<TAgent> {
  readonly name = CompositionPattern.PARALLEL;
  protected readonly graph = parallelGraph;
  /** How many agents may run at once. */
  readonly concurrency: number;

  constructor(options: ParallelStrategyOptions<TAgent>) {
    super(options);
    this.concurrency = validateConcurrency(options.concurrency);
  }

  protected override maxConcurrency(): number {
    return this.concurrency;
  }
}

/** Checks a `concurrency` option: a positive integer or `Infinity`; undefined means `Infinity`. */
export function validateConcurrency(concurrency: number | undefined): number {
  if (concurrency === undefined) return Number.POSITIVE_INFINITY;
  const valid =
    typeof concurrency === 'number' &&
    (concurrency === Number.POSITIVE_INFINITY ||
      (Number.isInteger(concurrency) && concurrency >= 1));
  if (!valid) {
    throw new ValidationError(
      'concurrency',
      `must be a positive integer or Infinity (got ${String(concurrency)})`,
    );
  }
  return concurrency;
}
