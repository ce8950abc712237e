import { type ExecutableAgent, ValidationError } from '@baton/core';
import { AdaptiveStrategy, type AdaptiveStrategyOptions } from './adaptive-strategy.js';
import { DebateStrategy, type DebateStrategyOptions } from './debate-strategy.js';
import type { ExecutionStrategy } from './execution-strategy.js';
import { ParallelStrategy, type ParallelStrategyOptions } from './parallel-strategy.js';
import { RefinementStrategy } from './refinement-strategy.js';
import { SequentialStrategy } from './sequential-strategy.js';
import { TeachingStrategy, type TeachingStrategyOptions } from './teaching-strategy.js';

/**
 * The six strategies by name, as in the plan's `strategy` field (`CompositionPattern` values).
 *
 * @example
 * ```ts
 * const Strategy = STRATEGY_REGISTRY.parallel; // ParallelStrategy
 * ```
 */
export const STRATEGY_REGISTRY = Object.freeze({
  sequential: SequentialStrategy,
  parallel: ParallelStrategy,
  debate: DebateStrategy,
  teaching: TeachingStrategy,
  refinement: RefinementStrategy,
  adaptive: AdaptiveStrategy,
});

/** A strategy name: `"sequential" | "parallel" | "debate" | "teaching" | "refinement" | "adaptive"`. */
export type StrategyName = keyof typeof STRATEGY_REGISTRY;

/** The strategy class instance for each name. */
export interface StrategyByName<TAgent extends ExecutableAgent = ExecutableAgent> {
  sequential: SequentialStrategy<TAgent>;
  parallel: ParallelStrategy<TAgent>;
  debate: DebateStrategy<TAgent>;
  teaching: TeachingStrategy<TAgent>;
  refinement: RefinementStrategy<TAgent>;
  adaptive: AdaptiveStrategy<TAgent>;
}

/**
 * Options accepted by {@link getStrategy}: the common options plus any strategy's own; a strategy
 * ignores the options of the others, so one options object can serve any plan.
 */
export type AnyStrategyOptions<TAgent extends ExecutableAgent = ExecutableAgent> =
  ParallelStrategyOptions<TAgent> &
    DebateStrategyOptions<TAgent> &
    TeachingStrategyOptions<TAgent> &
    AdaptiveStrategyOptions<TAgent>;

/**
 * Creates the strategy with the given name.
 *
 * @throws ValidationError `Unknown strategy: X` (field `name`) for any other name, and the
 *   strategy's own validation errors for bad options.
 *
 * @example
 * ```ts
 * const strategy = getStrategy(plan.strategy, { executor, events });
 * const result = await strategy.execute(plan.agents, { path: '.' }, { signal });
 * ```
 */
export function getStrategy<TAgent extends ExecutableAgent, Name extends StrategyName>(
  name: Name,
  options: AnyStrategyOptions<TAgent>,
): StrategyByName<TAgent>[Name];
export function getStrategy<TAgent extends ExecutableAgent>(
  name: string,
  options: AnyStrategyOptions<TAgent>,
): ExecutionStrategy<TAgent>;
export function getStrategy<TAgent extends ExecutableAgent>(
  name: string,
  options: AnyStrategyOptions<TAgent>,
): ExecutionStrategy<TAgent> {
  if (typeof name !== 'string' || !Object.hasOwn(STRATEGY_REGISTRY, name)) {
    const error = new ValidationError(
      'name',
      `must be one of ${Object.keys(STRATEGY_REGISTRY).join(', ')}`,
    );
    // The message is the contract (`Unknown strategy: X`); the field and the known names stay on
    // the error for programs.
    error.message = `Unknown strategy: ${String(name)}`;
    throw error;
  }
  const Strategy = STRATEGY_REGISTRY[name as StrategyName];
  return new Strategy<TAgent>(options);
}
