import type { AgentResult } from '../schemas.js';
import type { StepStatus } from './progress.js';
import type { StepCheckpoint } from './records.js';
import type { TaskGraph, TaskStep } from './task-graph.js';

/** When a step ran in this start of the run, as `performance.now()` milliseconds. */
export interface StepTiming {
  startedMs: number;
  endedMs: number;
}

/** What the hooks of a strategy may read about a run. */
export interface RunView {
  readonly graph: TaskGraph;
  /** The run's base context (including `task`). */
  readonly context: Readonly<Record<string, unknown>>;
  /** Whether the run was cancelled. */
  readonly aborted: boolean;
  step(stepId: string): TaskStep | undefined;
  status(stepId: string): StepStatus;
  checkpoint(stepId: string): StepCheckpoint | undefined;
  /** The finished step's result, if it has one (skipped steps have none). */
  result(stepId: string): AgentResult | undefined;
  /** When the step ran in this start of the run; undefined for steps finished earlier or never run. */
  timing(stepId: string): StepTiming | undefined;
}

/** A run's verdict and aggregate, as a strategy decides them. */
export interface RunOutcome {
  success: boolean;
  /** The strategy's aggregate (BEHAVIOUR §4 shapes). */
  aggregatedOutput: Record<string, unknown>;
  /** The error texts that explain the verdict, in step order. */
  errors: string[];
  /** Seconds, measured as the strategy counts them (e.g. wall time of a parallel phase). */
  totalDuration?: number | undefined;
}

/**
 * The rules a strategy gives the engine, looked up by the graph's `strategy` name. A graph is
 * data; these are the only code that decides what it means. Hooks must be pure functions of the
 * view: a resumed run asks them again.
 */
export interface GraphHooks {
  /** Whether a step whose dependencies have finished runs (false: skipped, `condition-not-met`). Default: it runs. */
  shouldRun?(step: TaskStep, view: RunView): boolean;
  /**
   * What the step's agent sees. `base` is the run's context with `task` and the step's `input`,
   * a fresh object the hook may extend. Default: {@link dependencyContext}.
   */
  contextFor?(
    step: TaskStep,
    view: RunView,
    base: Record<string, unknown>,
  ): Record<string, unknown>;
  /** The verdict once no step is left to run. Default: {@link defaultOutcome}. */
  aggregate?(view: RunView): RunOutcome;
  /**
   * When a step runs, in words for people (`baton plan --graph`), e.g. `if junior's confidence <
   * 0.7 or it failed`; undefined for a step that always runs.
   */
  describe?(step: TaskStep, graph: TaskGraph): string | undefined;
}

/**
 * The default context of a step: `base`, every succeeded direct dependency's output under its
 * agent id, and `dependencies` (status, success, output, confidence, error of each direct
 * dependency). Graphs without a strategy (a planner model's subtasks) run with it.
 */
export function dependencyContext(
  step: TaskStep,
  view: RunView,
  base: Record<string, unknown>,
): Record<string, unknown> {
  if (step.dependsOn.length === 0) return base;
  const dependencies: Record<string, unknown> = {};
  for (const id of step.dependsOn) {
    const checkpoint = view.checkpoint(id);
    const result = checkpoint?.result;
    const dependency = view.step(id);
    if (result?.success === true && dependency?.kind === 'agent') {
      base[dependency.agent?.id ?? id] = result.output;
    }
    dependencies[id] = {
      status: checkpoint?.status ?? view.status(id),
      success: result?.success ?? false,
      output: result?.output,
      confidence: result?.confidence ?? null,
      error: result?.error ?? '',
    };
  }
  base.dependencies = dependencies;
  return base;
}

/** The results of the agent steps that ran, in graph order. */
export function agentResults(view: RunView): AgentResult[] {
  const results: AgentResult[] = [];
  for (const step of view.graph.steps) {
    if (step.kind !== 'agent') continue;
    const result = view.result(step.id);
    if (result !== undefined) results.push(result);
  }
  return results;
}

/**
 * The default aggregate of a team's results (BEHAVIOUR §4): `{ numAgents, allSucceeded,
 * avgConfidence, outputs }`, with `avgConfidence` the mean of the confidences that were reported
 * (0 for no results, `null` when none reported one).
 */
export function aggregateResults(results: readonly AgentResult[]): {
  numAgents: number;
  allSucceeded: boolean;
  avgConfidence: number | null;
  outputs: unknown[];
} {
  return {
    numAgents: results.length,
    allSucceeded: results.every((result) => result.success),
    avgConfidence: averageConfidence(results),
    outputs: results.map((result) => result.output),
  };
}

/** Mean of the reported confidences: 0 for no results, `null` when none reported one. */
export function averageConfidence(results: readonly AgentResult[]): number | null {
  if (results.length === 0) return 0;
  let sum = 0;
  let count = 0;
  for (const result of results) {
    if (typeof result.confidence === 'number') {
      sum += result.confidence;
      count += 1;
    }
  }
  return count === 0 ? null : sum / count;
}

/** The error texts of the failed results, in order. */
export function errorsOf(results: readonly AgentResult[]): string[] {
  const errors: string[] = [];
  for (const result of results) if (!result.success) errors.push(result.error);
  return errors;
}

/** Sum of the results' durations in seconds. */
export function sumDurations(results: readonly AgentResult[]): number {
  let total = 0;
  for (const result of results) total += result.durationSeconds;
  return total;
}

/** Wall time in seconds from the first start to the last end of the given steps in this start of the run. */
export function wallSeconds(view: RunView, stepIds: Iterable<string>): number {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const id of stepIds) {
    const timing = view.timing(id);
    if (timing === undefined) continue;
    if (timing.startedMs < first) first = timing.startedMs;
    if (timing.endedMs > last) last = timing.endedMs;
  }
  return last >= first ? (last - first) / 1000 : 0;
}

/**
 * The default verdict: the run succeeded when every critical step succeeded or was skipped by a
 * hook (a condition that was not met); the aggregate is {@link aggregateResults} of the agent steps.
 */
export function defaultOutcome(view: RunView): RunOutcome {
  const results = agentResults(view);
  let success = !view.aborted;
  for (const step of view.graph.steps) {
    const checkpoint = view.checkpoint(step.id);
    if (checkpoint === undefined) {
      success = false;
      continue;
    }
    if (checkpoint.status === 'succeeded') continue;
    if (checkpoint.status === 'skipped' && checkpoint.reason === 'condition-not-met') continue;
    if (step.critical) success = false;
  }
  return {
    success,
    aggregatedOutput: aggregateResults(results),
    errors: errorsOf(results),
  };
}
