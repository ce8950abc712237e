/**
 * Six ways to run a team of agents over one plain async executor function.
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
export {
  AdaptiveStrategy,
  type AdaptiveStrategyOptions,
  DEFAULT_ROUTING_CONFIDENCE,
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
} from './debate-strategy.js';
export {
  aggregateResults,
  type ExecuteOptions,
  ExecutionStrategy,
  type StrategyOptions,
  type StrategyRun,
} from './execution-strategy.js';
export { ParallelStrategy, type ParallelStrategyOptions } from './parallel-strategy.js';
export { RefinementStrategy } from './refinement-strategy.js';
export {
  type AnyStrategyOptions,
  getStrategy,
  STRATEGY_REGISTRY,
  type StrategyByName,
  type StrategyName,
} from './registry.js';
export { SequentialStrategy } from './sequential-strategy.js';
export {
  DEFAULT_QUALITY_THRESHOLD,
  TeachingStrategy,
  type TeachingStrategyOptions,
} from './teaching-strategy.js';
