import { type AgentResult, type ExecutableAgent, mapWithConcurrency } from '@baton/core';
import type { StrategyRun } from './execution-strategy.js';

/**
 * Runs every agent with the same context, at most `concurrency` at a time, and returns the results
 * in the agents' order together with the measured wall time in seconds.
 */
export async function runAll<TAgent extends ExecutableAgent>(
  agents: readonly TAgent[],
  context: Record<string, unknown>,
  run: StrategyRun<TAgent>,
  concurrency: number,
): Promise<{ results: AgentResult[]; wallSeconds: number }> {
  const started = performance.now();
  // runAgent never rejects (failures, timeouts and aborts are failed results), so neither does this.
  const results = await mapWithConcurrency(agents, concurrency, (agent) =>
    run.runAgent(agent, context),
  );
  return { results, wallSeconds: (performance.now() - started) / 1000 };
}
