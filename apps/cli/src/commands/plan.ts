import { jsonDepthExceeds, MAX_JSON_DEPTH } from '@baton/core';
import { explainPlan } from '@baton/meta-orchestrator';
import { renderGraph } from '@baton/runtime';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode, UsageError, writeJson, writeLine } from '../io.js';
import { resolveProjectDir } from '../project.js';
import { openBaton } from '../run/session.js';

export const planCommand: Command = {
  name: 'plan',
  usage: [
    'Usage: baton plan "<task>" [--context JSON] [--graph [--decompose] [--path DIR]] [--json]',
    '',
    'Shows the task analysis (complexity, domain, capabilities) and the composed plan: agents',
    'with their tiers, the strategy and why, estimated cost in units and US dollars, duration.',
    'With --graph, also the task graph `baton run` executes: steps by level, dependencies,',
    'conditions, fallbacks and the critical path (in --json: "graph", and "graphSummary" with',
    'the order, levels and critical path).',
    'With --graph --decompose, the graph `baton run --decompose` would run: the configured model',
    "provider's CAPABLE model splits the task into subtasks (one model call, its usage shown);",
    'without a model, or when its graph is invalid, the heuristic graph and why ("plan" in --json).',
    '--path DIR is the project whose baton.config.json configures the model (default: .).',
  ].join('\n'),
  async run(argv, io, cli = {}) {
    const { values, positionals } = parseFlags(argv, {
      json: { type: 'boolean' },
      context: { type: 'string' },
      graph: { type: 'boolean' },
      decompose: { type: 'boolean' },
      path: { type: 'string' },
    });
    const task = positionals.join(' ');
    if (task.trim() === '')
      throw new UsageError('plan needs a task, e.g. baton plan "review the API"');
    const context = parseContext(values.context);
    if (values.decompose && !values.graph) throw new UsageError('--decompose needs --graph');
    const project = resolveProjectDir(io.cwd, values.path);
    const { baton } = openBaton(io, cli, project, { verbose: false });
    const report = await baton.plan(task, {
      ...(context === undefined ? {} : { context }),
      graph: values.graph === true,
      decompose: values.decompose === true,
    });
    if (values.json) {
      writeJson(io, report);
      return ExitCode.OK;
    }
    const { plan, graph, decompose: choice } = report;
    writeLine(io.stdout, explainPlan(plan));
    if (choice !== undefined) {
      writeLine(
        io.stdout,
        `\nGraph from: ${choice.source === 'planner-model' ? 'planner model' : 'heuristic plan'} (${choice.reason})`,
      );
    }
    if (graph !== undefined) writeLine(io.stdout, `\n${renderGraph(graph)}`);
    return ExitCode.OK;
  },
};

/** `--context` must be a JSON object. */
export function parseContext(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  if (jsonDepthExceeds(text)) {
    throw new UsageError(`--context: nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
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
