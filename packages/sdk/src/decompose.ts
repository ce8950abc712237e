import { describeError, type Logger } from '@baton/core';
import {
  createPlannerModel,
  type ModelConfig,
  type PlannerCall,
  resolveModelConfig,
} from '@baton/executors';
import { planTask, type TaskGraph } from '@baton/runtime';
import { usd } from './run-report.js';

/** Where a `--decompose` run's graph came from, and why: kept in the run and its report. */
export interface PlanChoice {
  /** `planner-model`: the model's subtask graph; `heuristic`: the composed team's plan. */
  source: 'planner-model' | 'heuristic';
  /** Why this graph (for the heuristic: why the planner's was not used). */
  reason: string;
  /** The planner model's call, with its measured usage and cost; null when none was made. */
  planner: PlannerCall | null;
}

function usageText(call: PlannerCall | null): string {
  if (call === null) return '';
  const usage = call.usage;
  if (usage === undefined) return ` (${call.model}: token usage not reported)`;
  const cost = usage.costUsd === undefined ? 'cost unknown: no price' : usd(usage.costUsd);
  return ` (${call.model}: ${usage.inputTokens + usage.outputTokens} tokens, ${cost})`;
}

/**
 * `--decompose`: asks the configured model provider's CAPABLE model to decompose the task into
 * subtasks (`planTask` of `@baton/runtime` validates their schema and cycles); without a model,
 * or when its answer is unusable, the heuristic plan is used and the reason is logged. Never
 * throws for a missing or failing planner: the run goes on with the heuristic plan.
 */
export async function decomposeTask(options: {
  task: string;
  heuristic: () => TaskGraph;
  /** The model the run's agents use, when they run on one. */
  modelConfig?: ModelConfig | undefined;
  projectRoot: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  signal?: AbortSignal | undefined;
}): Promise<{ graph: TaskGraph } & PlanChoice> {
  const { logger } = options;
  let config = options.modelConfig;
  let missing: string | undefined;
  if (config === undefined) {
    try {
      config = resolveModelConfig({ env: options.env, projectRoot: options.projectRoot });
    } catch (error) {
      missing = describeError(error);
    }
  }
  let planner: PlannerCall | null = null;
  const model =
    config === undefined
      ? undefined
      : createPlannerModel({
          ...config,
          logger,
          onCall: (call) => {
            planner = call;
          },
        });
  const planned = await planTask(options.task, {
    model,
    heuristic: options.heuristic,
    logger,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const call = planner as PlannerCall | null;
  if (planned.source === 'planner-model') {
    return {
      graph: planned.graph,
      source: 'planner-model',
      reason: `planner model decomposed the task into ${planned.graph.steps.length} subtasks${usageText(call)}`,
      planner: call,
    };
  }
  const why =
    missing === undefined
      ? (planned.reason ?? 'the planner model was not used')
      : `no planner model configured (${missing})`;
  return {
    graph: planned.graph,
    source: 'heuristic',
    reason: `${why}; used the heuristic plan${usageText(call)}`,
    planner: call,
  };
}
