import type { TaskGraph } from './task-graph.js';

/** Where a step is in its life. `skipped` counts as done (a condition was not met, or a dependency failed). */
export type StepStatus =
  | 'pending'
  | 'running'
  | 'awaiting-decision'
  | 'succeeded'
  | 'failed'
  | 'skipped';

/** Statuses after which a step never runs again in this run. */
export const FINISHED_STEP_STATUSES: readonly StepStatus[] = ['succeeded', 'failed', 'skipped'];

/** Whether a step status is final. */
export function isFinishedStatus(status: StepStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'skipped';
}

/** How far a run is, derived from its graph. */
export interface ProgressSnapshot {
  total: number;
  /** Finished steps: succeeded + failed + skipped. */
  done: number;
  succeeded: number;
  failed: number;
  skipped: number;
  running: number;
  pending: number;
  awaitingDecision: number;
  /** done / total in percent, one decimal. */
  percent: number;
  /**
   * Percent of the estimated duration that is finished (one decimal); undefined when the graph
   * has no duration estimates.
   */
  weightedPercent: number | undefined;
}

/**
 * The progress of a run from its graph and the status of each step (steps without a status are
 * pending). Pure: the CLI calls it for live bars and `baton runs show`.
 *
 * @example
 * ```ts
 * computeProgress(graph, { draft: 'succeeded', review: 'running' }).percent; // 33.3 with 3 steps
 * ```
 */
export function computeProgress(
  graph: Pick<TaskGraph, 'steps'>,
  statuses: Readonly<Record<string, StepStatus | undefined>>,
): ProgressSnapshot {
  const snapshot: ProgressSnapshot = {
    total: graph.steps.length,
    done: 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    running: 0,
    pending: 0,
    awaitingDecision: 0,
    percent: 0,
    weightedPercent: undefined,
  };
  let weightTotal = 0;
  let weightDone = 0;
  for (const step of graph.steps) {
    const status = statuses[step.id] ?? 'pending';
    weightTotal += step.estimatedDurationSeconds;
    if (isFinishedStatus(status)) {
      snapshot.done += 1;
      weightDone += step.estimatedDurationSeconds;
    }
    if (status === 'succeeded') snapshot.succeeded += 1;
    else if (status === 'failed') snapshot.failed += 1;
    else if (status === 'skipped') snapshot.skipped += 1;
    else if (status === 'running') snapshot.running += 1;
    else if (status === 'awaiting-decision') snapshot.awaitingDecision += 1;
    else snapshot.pending += 1;
  }
  const round = (value: number): number => Math.round(value * 10) / 10;
  snapshot.percent = snapshot.total === 0 ? 100 : round((snapshot.done / snapshot.total) * 100);
  snapshot.weightedPercent = weightTotal > 0 ? round((weightDone / weightTotal) * 100) : undefined;
  return snapshot;
}

/**
 * A text progress bar, e.g. `[██████░░░░] 60.0%`.
 *
 * @example
 * ```ts
 * formatProgressBar(60, { width: 10 }); // '[██████░░░░] 60.0%'
 * ```
 */
export function formatProgressBar(percent: number, options: { width?: number } = {}): string {
  const width = options.width ?? 30;
  const clamped = Math.min(100, Math.max(0, percent));
  const filled = Math.round((width * clamped) / 100);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${clamped.toFixed(1)}%`;
}
