import {
  type ExecutableAgent,
  type GraphHooks,
  type TaskGraph,
  ValidationError,
} from '@baton/core';
import {
  AdaptiveStrategy,
  type AdaptiveStrategyOptions,
  adaptiveGraph,
} from './adaptive-strategy.js';
import { DebateStrategy, type DebateStrategyOptions, debateGraph } from './debate-strategy.js';
import type { ExecutionStrategy } from './execution-strategy.js';
import {
  ParallelStrategy,
  type ParallelStrategyOptions,
  parallelGraph,
} from './parallel-strategy.js';
import { RefinementStrategy, refinementGraph } from './refinement-strategy.js';
import { SequentialStrategy, sequentialGraph } from './sequential-strategy.js';
import type { StrategyGraph } from './strategy-graph.js';
import {
  TeachingStrategy,
  type TeachingStrategyOptions,
  teachingGraph,
} from './teaching-strategy.js';

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

/**
 * The six strategies as graph builders with their rules, by name: what `@baton/runtime` compiles
 * plans with and runs durably, on the same engine and with the same rules as the classes.
 *
 * @example
 * ```ts
 * const graph = STRATEGY_GRAPHS.teaching.build([junior, expert], { task: 'update the docs' });
 * const result = await new Engine({ hooks: STRATEGY_GRAPHS.teaching.hooks }).run(graph, { executor });
 * ```
 */
export const STRATEGY_GRAPHS: Readonly<Record<StrategyName, StrategyGraph>> = Object.freeze({
  sequential: sequentialGraph,
  parallel: parallelGraph,
  debate: debateGraph,
  teaching: teachingGraph,
  refinement: refinementGraph,
  adaptive: adaptiveGraph,
});

/**
 * The rules a graph runs by: its strategy's hooks, or undefined for a graph without one of the six
 * strategies (the engine's defaults then apply). Pass it as the engine's `hooks`.
 */
export function strategyHooks(graph: Pick<TaskGraph, 'strategy'>): GraphHooks | undefined {
  const name = graph.strategy;
  if (name === undefined || !Object.hasOwn(STRATEGY_GRAPHS, name)) return undefined;
  return STRATEGY_GRAPHS[name as StrategyName].hooks;
}

/** The graph builder of a strategy; `Unknown strategy: X` (a ValidationError) for any other name. */
export function strategyGraphFor(name: string): StrategyGraph {
  if (typeof name !== 'string' || !Object.hasOwn(STRATEGY_GRAPHS, name)) {
    const error = new ValidationError(
      'strategy',
      `must be one of ${Object.keys(STRATEGY_GRAPHS).join(', ')}`,
    );
    error.message = `Unknown strategy: ${String(name)}`;
    throw error;
  }
  return STRATEGY_GRAPHS[name as StrategyName];
}
