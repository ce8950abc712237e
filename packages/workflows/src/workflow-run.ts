import nodePath from 'node:path';
import {
  AbortedError,
  type AgentExecutor,
  type AgentResult,
  type BatonEmitter,
  type Budget,
  type EngineRunOptions,
  failedResult,
  type GraphHooks,
  type Logger,
  MemoryCheckpointer,
  type RunResult,
  type TaskGraph,
  type TaskStep,
  throwIfAborted,
} from '@baton/core';
import { projectLayout, Runtime } from '@baton/runtime';

/**
 * Where a workflow's runs are kept: a `Runtime` of `@baton/runtime` (durable: resumable,
 * cancellable from another process, budgeted), or `false` for a run in memory only. Default: a
 * runtime on the checked project's `.baton/` folder.
 */
export type WorkflowRuntimeOption = Runtime | false | undefined;

/** The runtime a workflow runs on for a project. */
export function workflowRuntime(
  option: WorkflowRuntimeOption,
  projectDir: string,
  logger: Logger,
): Runtime {
  if (option instanceof Runtime) return option;
  if (option === false) {
    return new Runtime({
      checkpointer: new MemoryCheckpointer(),
      audit: false,
      retention: false,
      logger,
    });
  }
  return new Runtime({ dir: projectLayout(nodePath.resolve(projectDir)).dir, logger });
}

/** What a workflow runs its graph with. */
export interface WorkflowRunOptions {
  runtime: Runtime;
  graph: TaskGraph;
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executor: AgentExecutor<any>;
  /** The base context of every step (a new run only: a resume has the run's own). */
  context?: Record<string, unknown> | undefined;
  /**
   * Kept with a new run, so a resume knows which workflow it belongs to and how it was set up
   * (`workflow`, `path`, ...).
   */
  metadata?: Record<string, unknown> | undefined;
  signal?: AbortSignal | undefined;
  budget?: Budget | undefined;
  events?: BatonEmitter | undefined;
  /** The workflow's own rules for its graph (its phases); the graph's strategy's otherwise. */
  hooks?: GraphHooks | undefined;
  /** What an agent step may spend before it runs (a step of the workflow's own tools: nothing). */
  estimate?: EngineRunOptions['estimate'];
  /** Continue this stopped run instead of starting a new one. */
  resume?: string | undefined;
  runId?: string | undefined;
}

/** The run of a workflow's graph and each agent's result, in graph order. */
export interface WorkflowRun {
  result: RunResult;
  /** One result per agent step that ran (steps that never ran are left out). */
  outputs: AgentResult[];
}

/**
 * Runs a workflow's graph on the one engine: measuring agents whose failure is the workflow's
 * verdict (never a question for a person), no retries of their deterministic tools, all at once.
 * A cancelled run rejects with the abort reason (it is saved and resumable); a run stopped by its
 * budget resolves, and its unfinished agents are failed results that say why.
 */
export async function runWorkflowGraph(options: WorkflowRunOptions): Promise<WorkflowRun> {
  const { runtime, graph, signal } = options;
  throwIfAborted(signal);
  const execute = {
    executor: options.executor,
    escalation: { onFailure: false },
    approvalRules: [],
    retry: { maxRetries: 0 },
    ...(options.budget === undefined ? {} : { budget: options.budget }),
    ...(options.events === undefined ? {} : { events: options.events }),
    ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
    ...(options.estimate === undefined ? {} : { estimate: options.estimate }),
    ...(signal === undefined ? {} : { signal }),
  };
  const handle =
    options.resume === undefined
      ? runtime.start(graph, {
          ...execute,
          concurrency: Math.max(1, graph.steps.length),
          context: options.context ?? {},
          metadata: options.metadata ?? {},
          ...(options.runId === undefined ? {} : { runId: options.runId }),
        })
      : runtime.resume(options.resume, execute);
  const result = await handle.result;
  if (result.status === 'cancelled') {
    throwIfAborted(signal);
    throw new AbortedError(result.error ?? 'Run cancelled');
  }
  const outputs: AgentResult[] = [];
  for (const step of graph.steps) {
    const output = stepResult(result, step);
    if (output !== undefined) outputs.push(output);
  }
  return { result, outputs };
}

/**
 * The result of one agent step of a stopped run: its own, or a failed result saying why it did
 * not run (the budget stopped the run, ...); undefined for a step that was skipped or is no agent.
 */
export function stepResult(
  result: RunResult,
  step: Pick<TaskStep, 'id' | 'kind' | 'agent'>,
): AgentResult | undefined {
  if (step.kind !== 'agent' || step.agent === undefined) return undefined;
  const outcome = result.steps[step.id];
  if (outcome?.result !== undefined) return outcome.result;
  if (outcome === undefined || outcome.status === 'skipped') return undefined;
  const why =
    result.status === 'budget-exceeded'
      ? `not run: the budget stopped the run (${result.budgetStop?.message ?? 'limit reached'})`
      : `not run: the run ${result.status}`;
  return failedResult(step.agent.id, `Agent "${step.agent.id}" ${why}`);
}
