import type { AgentResult, ExecutableAgent } from '@baton/core';
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
  const results = new Array<AgentResult>(agents.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < agents.length) {
      const index = next;
      next += 1;
      results[index] = await run.runAgent(agents[index]!, context);
    }
  };
  const workers = Math.min(concurrency, agents.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return { results, wallSeconds: (performance.now() - started) / 1000 };
}
