import type { AgentExecutor } from '@baton/core';
import { compilePlan, Runtime, renderGraph } from '@baton/runtime';

export async function main(dir = '.baton') {
  // A plan as @baton/meta-orchestrator returns it (only strategy and agents are needed here).
  const plan = {
    strategy: 'teaching' as const,
    agents: [
      {
        id: 'junior_writer',
        tier: 'CHEAP' as const,
        resourceRequirements: { maxTokens: 2000, timeoutSeconds: 60 },
      },
      {
        id: 'expert_writer',
        tier: 'PREMIUM' as const,
        resourceRequirements: { maxTokens: 4000, timeoutSeconds: 120 },
      },
    ],
  };
  const graph = compilePlan(plan, { task: 'update API documentation' });
  const picture = renderGraph(graph); // what `baton plan --graph` prints

  // The executor is your seam to models or CLIs; this one answers without a model.
  const executor: AgentExecutor = async (agent, context) => ({
    output: `${agent.id} wrote docs for: ${String(context.task)}`,
    confidence: agent.id === 'junior_writer' ? 0.5 : 0.95,
    usage: { inputTokens: 120, outputTokens: 80, costUsd: agent.tier === 'CHEAP' ? 0.0001 : 0.002 },
  });

  const runtime = new Runtime({ dir });
  const handle = runtime.start(graph, {
    executor,
    budget: { maxCostUsd: 1 },
    prices: { CHEAP: 0.5, PREMIUM: 15 }, // USD per million tokens, to estimate before each step
  });
  const progress: number[] = [];
  handle.events.on('step-end', (event) => progress.push(event.progress.percent));
  const result = await handle.result;
  return { picture, result, progress, runs: (await runtime.store.list()).runs };
}
