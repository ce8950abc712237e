import {
  CompositionPattern,
  type ExecutableAgent,
  type StrategyResult,
  ValidationError,
} from '@baton/core';
import {
  aggregateResults,
  ExecutionStrategy,
  errorsOf,
  type StrategyOptions,
  type StrategyRun,
} from './execution-strategy.js';
import { runAll } from './run-all.js';

/** Options of {@link ParallelStrategy}. */
export interface ParallelStrategyOptions<TAgent extends ExecutableAgent = ExecutableAgent>
  extends StrategyOptions<TAgent> {
  /** How many agents may run at once: a positive integer, default `Infinity` (all at once). */
  concurrency?: number | undefined;
}

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
  /** How many agents may run at once. */
  readonly concurrency: number;

  constructor(options: ParallelStrategyOptions<TAgent>) {
    super(options);
    this.concurrency = validateConcurrency(options.concurrency);
  }

  protected override async run(
    agents: readonly TAgent[],
    context: Record<string, unknown>,
    run: StrategyRun<TAgent>,
  ): Promise<StrategyResult> {
    const { results, wallSeconds } = await runAll(agents, context, run, this.concurrency);
    return {
      success: results.every((result) => result.success),
      outputs: results,
      aggregatedOutput: aggregateResults(results),
      totalDuration: wallSeconds,
      errors: errorsOf(results),
    };
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
