import { isFinishedStatus, type ProgressSnapshot, type StepStatus } from './progress.js';
import type { TaskGraph, TaskStep } from './task-graph.js';

/**
 * The step bookkeeping of one run: each step's status, how many of its dependencies are
 * unfinished, the ready set (pending steps whose dependencies have all finished) in graph order,
 * and the progress counters, all kept up to date in O(1) per change.
 */
export class Scheduler {
  readonly graph: TaskGraph;
  readonly #byId = new Map<string, TaskStep>();
  readonly #position = new Map<string, number>();
  readonly #dependents = new Map<string, string[]>();
  readonly #waitingOn = new Map<string, number>();
  readonly #statuses = new Map<string, StepStatus>();
  readonly #ready = new Set<string>();
  readonly #counts: Record<StepStatus, number> = {
    pending: 0,
    running: 0,
    'awaiting-decision': 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
  };
  #doneWeight = 0;
  #totalWeight = 0;

  /** `finished` gives the status of steps that are already finished (a resume). */
  constructor(graph: TaskGraph, finished: ReadonlyMap<string, StepStatus> = new Map()) {
    this.graph = graph;
    graph.steps.forEach((step, index) => {
      this.#byId.set(step.id, step);
      this.#position.set(step.id, index);
      this.#dependents.set(step.id, []);
    });
    for (const step of graph.steps) {
      const status = finished.get(step.id) ?? 'pending';
      this.#statuses.set(step.id, status);
      this.#counts[status] += 1;
      this.#totalWeight += step.estimatedDurationSeconds;
      if (isFinishedStatus(status)) this.#doneWeight += step.estimatedDurationSeconds;
    }
    for (const step of graph.steps) {
      let waiting = 0;
      const seen = step.dependsOn.length > 1 ? new Set<string>() : undefined;
      for (const dependency of step.dependsOn) {
        if (seen !== undefined) {
          if (seen.has(dependency)) continue;
          seen.add(dependency);
        }
        this.#dependents.get(dependency)!.push(step.id);
        if (!isFinishedStatus(this.#statuses.get(dependency)!)) waiting += 1;
      }
      this.#waitingOn.set(step.id, waiting);
      if (waiting === 0 && this.#statuses.get(step.id) === 'pending') this.#ready.add(step.id);
    }
  }

  step(stepId: string): TaskStep | undefined {
    return this.#byId.get(stepId);
  }

  status(stepId: string): StepStatus {
    return this.#statuses.get(stepId) ?? 'pending';
  }

  /** How many steps have a status. */
  count(status: StepStatus): number {
    return this.#counts[status];
  }

  /** Whether every step is finished. */
  get allFinished(): boolean {
    const counts = this.#counts;
    return counts.succeeded + counts.failed + counts.skipped === this.graph.steps.length;
  }

  /** Whether some step is ready. */
  get hasReady(): boolean {
    return this.#ready.size > 0;
  }

  /** The ready steps in graph order (a snapshot: statuses may change while it is walked). */
  ready(): TaskStep[] {
    const ids = [...this.#ready];
    if (ids.length > 1) ids.sort((a, b) => this.#position.get(a)! - this.#position.get(b)!);
    return ids.map((id) => this.#byId.get(id)!);
  }

  /** Sets a step's status, keeping the ready set and the counters in step. */
  setStatus(stepId: string, status: StepStatus): void {
    const previous = this.#statuses.get(stepId) ?? 'pending';
    if (previous === status) return;
    const weight = this.#byId.get(stepId)?.estimatedDurationSeconds ?? 0;
    this.#counts[previous] -= 1;
    this.#counts[status] += 1;
    const wasFinished = isFinishedStatus(previous);
    const isFinished = isFinishedStatus(status);
    if (wasFinished) this.#doneWeight -= weight;
    if (isFinished) this.#doneWeight += weight;
    this.#statuses.set(stepId, status);
    if (status === 'pending' && this.#waitingOn.get(stepId) === 0) this.#ready.add(stepId);
    else this.#ready.delete(stepId);
    if (isFinished && !wasFinished) {
      for (const dependent of this.#dependents.get(stepId) ?? []) {
        const waiting = (this.#waitingOn.get(dependent) ?? 1) - 1;
        this.#waitingOn.set(dependent, waiting);
        if (waiting === 0 && this.#statuses.get(dependent) === 'pending') {
          this.#ready.add(dependent);
        }
      }
    }
  }

  /** The progress now. */
  progress(): ProgressSnapshot {
    const counts = this.#counts;
    const total = this.graph.steps.length;
    const done = counts.succeeded + counts.failed + counts.skipped;
    return {
      total,
      done,
      succeeded: counts.succeeded,
      failed: counts.failed,
      skipped: counts.skipped,
      running: counts.running,
      pending: counts.pending,
      awaitingDecision: counts['awaiting-decision'],
      percent: total === 0 ? 100 : Math.round((done / total) * 1000) / 10,
      weightedPercent:
        this.#totalWeight > 0
          ? Math.round((this.#doneWeight / this.#totalWeight) * 1000) / 10
          : undefined,
    };
  }
}
