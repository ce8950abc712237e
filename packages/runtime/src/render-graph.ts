import {
  executionLevels,
  type GraphHooks,
  stepLabel,
  summarizeGraph,
  type TaskGraph,
  type TaskStep,
} from '@baton/core';
import { strategyHooks } from '@baton/strategies';

/** Options of {@link renderGraph}. */
export interface RenderGraphOptions {
  /** `text` (default): levels, dependencies and the critical path; `mermaid`: a flowchart. */
  format?: 'text' | 'mermaid';
  /** The graph's rules, which say when its conditional steps run. Default: its strategy's. */
  hooks?: GraphHooks | undefined;
}

function describeStep(step: TaskStep, graph: TaskGraph, hooks: GraphHooks | undefined): string {
  const parts: string[] = [];
  if (step.kind === 'join') parts.push('join');
  else {
    const agent = step.agent!;
    parts.push(agent.tier === undefined ? `agent ${agent.id}` : `agent ${agent.id} ${agent.tier}`);
  }
  if (step.estimatedDurationSeconds > 0) parts.push(`~${step.estimatedDurationSeconds}s`);
  const when = hooks?.describe?.(step, graph);
  if (when !== undefined) parts.push(when);
  if (!step.critical) parts.push('non-critical');
  if (step.risky) parts.push('risky');
  if (step.fallbacks.length > 0) {
    parts.push(`fallbacks: ${step.fallbacks.map((fallback) => fallback.label).join(', ')}`);
  }
  return parts.join(', ');
}

/**
 * A pure text rendering of a task graph (what `baton plan --graph` prints): the steps by
 * execution level with their dependencies, then the critical path.
 *
 * @example
 * ```ts
 * process.stderr.write(`${renderGraph(compilePlan(plan))}\n`);
 * // Task graph: 4 steps in 2 levels (strategy parallel)
 * // Level 1 (3 in parallel)
 * //   security_auditor  [agent security_auditor PREMIUM, ~900s]
 * // ...
 * ```
 */
export function renderGraph(graph: TaskGraph, options: RenderGraphOptions = {}): string {
  const hooks = options.hooks ?? strategyHooks(graph);
  if (options.format === 'mermaid') return renderMermaid(graph, hooks);
  const summary = summarizeGraph(graph);
  const byId = new Map(graph.steps.map((step) => [step.id, step]));
  const lines: string[] = [];
  const strategy = graph.strategy === undefined ? '' : ` (strategy ${graph.strategy})`;
  lines.push(
    `Task graph: ${graph.steps.length} step${graph.steps.length === 1 ? '' : 's'} in ${summary.levels.length} level${summary.levels.length === 1 ? '' : 's'}${strategy}`,
  );
  summary.levels.forEach((level, index) => {
    const together = level.length > 1 ? ` (${level.length} in parallel)` : '';
    lines.push(`Level ${index + 1}${together}`);
    for (const id of level) {
      const step = byId.get(id)!;
      const name = stepLabel(step) === step.id ? step.id : `${step.id} "${stepLabel(step)}"`;
      lines.push(`  ${name}  [${describeStep(step, graph, hooks)}]`);
      if (step.dependsOn.length > 0) {
        const after = step.onDependencyFailure === 'run' ? ' (even if they fail)' : '';
        lines.push(`    after ${step.dependsOn.join(', ')}${after}`);
      }
    }
  });
  const path = summary.criticalPath;
  lines.push(
    `Critical path: ${path.steps.join(' -> ')} (${path.durationSeconds > 0 ? `~${path.durationSeconds}s` : 'no duration estimates'})`,
  );
  return lines.join('\n');
}

function mermaidId(id: string): string {
  return id.replace(/[^A-Za-z0-9_]/g, '_');
}

function renderMermaid(graph: TaskGraph, hooks: GraphHooks | undefined): string {
  executionLevels(graph.steps); // validates: throws on cycles
  const lines = ['flowchart TD'];
  for (const step of graph.steps) {
    const text = `${stepLabel(step)}`.replace(/"/g, "'");
    lines.push(
      step.kind === 'join'
        ? `  ${mermaidId(step.id)}{{"${text}"}}`
        : `  ${mermaidId(step.id)}["${text}"]`,
    );
  }
  for (const step of graph.steps) {
    for (const dependency of step.dependsOn) {
      // A step that runs only under a condition is drawn dashed.
      const arrow = hooks?.describe?.(step, graph) === undefined ? '-->' : '-.->';
      lines.push(`  ${mermaidId(dependency)} ${arrow} ${mermaidId(step.id)}`);
    }
  }
  return lines.join('\n');
}
