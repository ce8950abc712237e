import { explainPlan, MetaOrchestrator } from '@baton/meta-orchestrator';
import { compilePlan, renderGraph, summarizeGraph } from '@baton/runtime';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode, UsageError, writeJson, writeLine } from '../io.js';

export const planCommand: Command = {
  name: 'plan',
  usage: [
    'Usage: baton plan "<task>" [--context JSON] [--graph] [--json]',
    '',
    'Shows the task analysis (complexity, domain, capabilities) and the composed plan: agents',
    'with their tiers, the strategy and why, estimated cost in units and US dollars, duration.',
    'With --graph, also the task graph `baton run` executes: steps by level, dependencies,',
    'conditions, fallbacks and the critical path (in --json: "graph", and "graphSummary" with',
    'the order, levels and critical path).',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, {
      json: { type: 'boolean' },
      context: { type: 'string' },
      graph: { type: 'boolean' },
    });
    const task = positionals.join(' ');
    if (task.trim() === '')
      throw new UsageError('plan needs a task, e.g. baton plan "review the API"');
    const context = parseContext(values.context);
    const plan = new MetaOrchestrator().analyzeAndCompose(task, context);
    const graph = values.graph ? compilePlan(plan, { task: plan.task }) : undefined;
    if (values.json) {
      writeJson(
        io,
        graph === undefined
          ? { task, plan }
          : { task, plan, graph, graphSummary: summarizeGraph(graph) },
      );
      return ExitCode.OK;
    }
    writeLine(io.stdout, explainPlan(plan));
    if (graph !== undefined) writeLine(io.stdout, `\n${renderGraph(graph)}`);
    return ExitCode.OK;
  },
};

/** `--context` must be a JSON object. */
export function parseContext(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--context is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError('--context must be a JSON object');
  }
  return value as Record<string, unknown>;
}
