/**
 * Six ways to run a team of agents over one plain async executor function. Each strategy is a
 * graph builder with its rules (`STRATEGY_GRAPHS`); every one runs on Baton's one engine, in
 * memory here and durably in `@baton/runtime`, with the same meaning.
 *
 * @example
 * ```ts
 * import { getStrategy } from '@baton/strategies';
 *
 * const strategy = getStrategy('parallel', {
 *   executor: async (agent, context, { signal }) => ({ output: await run(agent, context, signal) }),
 * });
 * const result = await strategy.execute(agents, { path: '.' }, { signal });
 * ```
 *
 * @packageDocumentation
 */

export { aggregateResults } from '@baton/core';
export {
  AdaptiveStrategy,
  type AdaptiveStrategyOptions,
  adaptiveGraph,
  DEFAULT_ROUTING_CONFIDENCE,
  selectSpecialist,
} from './adaptive-strategy.js';
export {
  DEFAULT_AGENT_TIMEOUT_SECONDS,
  type RunAgentOptions,
  runAgent,
} from './agent-runner.js';
export {
  type DebateConsensus,
  DebateStrategy,
  type DebateStrategyOptions,
  debateConsensus,
  debateGraph,
} from './debate-strategy.js';
export {
  type ExecuteOptions,
  ExecutionStrategy,
  type StrategyOptions,
} from './execution-strategy.js';
export {
  ParallelStrategy,
  type ParallelStrategyOptions,
  parallelGraph,
} from './parallel-strategy.js';
export { RefinementStrategy, refinementGraph } from './refinement-strategy.js';
export {
  type AnyStrategyOptions,
  getStrategy,
  STRATEGY_GRAPHS,
  STRATEGY_REGISTRY,
  type StrategyByName,
  type StrategyName,
  strategyGraphFor,
  strategyHooks,
} from './registry.js';
export { SequentialStrategy, sequentialGraph } from './sequential-strategy.js';
export {
  StoppedRunView,
  type StrategyGraph,
  type StrategyGraphOptions,
} from './strategy-graph.js';
export {
  DEFAULT_QUALITY_THRESHOLD,
  TeachingStrategy,
  type TeachingStrategyOptions,
  teachingGraph,
} from './teaching-strategy.js';
