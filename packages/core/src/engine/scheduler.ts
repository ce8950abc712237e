import { isFinishedStatus, type ProgressSnapshot, type StepStatus } from './progress.js';
import type { TaskGraph, TaskStep } from './task-graph.js';

/**
 * The step bookkeeping of one run: each step's status, how many of its dependencies are
 * unfinished, the ready set (pending steps whose dependencies have all finished) in graph order,
 * and the progress counters, all kept up to date in O(1) per change.
 */
export class Scheduler {
  readonly graph: TaskGraph;
  readonly #steps: readonly TaskStep[];
  /** Each step's position in the graph, by id; the other tables are by position. */
  readonly #position = new Map<string, number>();
  readonly #dependents: number[][];
  readonly #waitingOn: number[];
  readonly #statuses: StepStatus[];
  /** Positions of the ready steps. */
  readonly #ready = new Set<number>();
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
  constructor(graph: TaskGraph, finished?: ReadonlyMap<string, StepStatus>) {
    this.graph = graph;
    const steps = graph.steps;
    this.#steps = steps;
    const count = steps.length;
    this.#dependents = new Array<number[]>(count);
    this.#waitingOn = new Array<number>(count);
    this.#statuses = new Array<StepStatus>(count);
    for (let index = 0; index < count; index += 1) {
      const step = steps[index]!;
      this.#position.set(step.id, index);
      this.#dependents[index] = [];
      const status = finished?.get(step.id) ?? 'pending';
      this.#statuses[index] = status;
      this.#counts[status] += 1;
      this.#totalWeight += step.estimatedDurationSeconds;
      if (isFinishedStatus(status)) this.#doneWeight += step.estimatedDurationSeconds;
    }
    for (let index = 0; index < count; index += 1) {
      const dependsOn = steps[index]!.dependsOn;
      let waiting = 0;
      const seen = dependsOn.length > 1 ? new Set<number>() : undefined;
      for (const dependency of dependsOn) {
        const at = this.#position.get(dependency)!;
        if (seen !== undefined) {
          if (seen.has(at)) continue;
          seen.add(at);
        }
        this.#dependents[at]!.push(index);
        if (!isFinishedStatus(this.#statuses[at]!)) waiting += 1;
      }
      this.#waitingOn[index] = waiting;
      if (waiting === 0 && this.#statuses[index] === 'pending') this.#ready.add(index);
    }
  }

  step(stepId: string): TaskStep | undefined {
    const index = this.#position.get(stepId);
    return index === undefined ? undefined : this.#steps[index];
  }

  status(stepId: string): StepStatus {
    const index = this.#position.get(stepId);
    return index === undefined ? 'pending' : this.#statuses[index]!;
  }

  /** How many steps have a status. */
  count(status: StepStatus): number {
    return this.#counts[status];
  }

  /** Whether every step is finished. */
  get allFinished(): boolean {
    const counts = this.#counts;
    return counts.succeeded + counts.failed + counts.skipped === this.#steps.length;
  }

  /** Whether some step is ready. */
  get hasReady(): boolean {
    return this.#ready.size > 0;
  }

  /** The ready steps in graph order (a snapshot: statuses may change while it is walked). */
  ready(): TaskStep[] {
    const positions = [...this.#ready];
    if (positions.length > 1) positions.sort((a, b) => a - b);
    return positions.map((index) => this.#steps[index]!);
  }

  /** Sets a step's status, keeping the ready set and the counters in step. */
  setStatus(stepId: string, status: StepStatus): void {
    const index = this.#position.get(stepId);
    if (index === undefined) return;
    const previous = this.#statuses[index]!;
    if (previous === status) return;
    const weight = this.#steps[index]!.estimatedDurationSeconds;
    this.#counts[previous] -= 1;
    this.#counts[status] += 1;
    const wasFinished = isFinishedStatus(previous);
    const isFinished = isFinishedStatus(status);
    if (wasFinished) this.#doneWeight -= weight;
    if (isFinished) this.#doneWeight += weight;
    this.#statuses[index] = status;
    if (status === 'pending' && this.#waitingOn[index] === 0) this.#ready.add(index);
    else this.#ready.delete(index);
    if (isFinished && !wasFinished) {
      for (const dependent of this.#dependents[index]!) {
        const waiting = this.#waitingOn[dependent]! - 1;
        this.#waitingOn[dependent] = waiting;
        if (waiting === 0 && this.#statuses[dependent] === 'pending') this.#ready.add(dependent);
      }
    }
  }

  /** The progress now. */
  progress(): ProgressSnapshot {
    const counts = this.#counts;
    const total = this.#steps.length;
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
