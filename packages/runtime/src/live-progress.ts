import {
  computeProgress,
  formatProgressBar,
  type ProgressSnapshot,
  type RunEvent,
  type StepStatus,
  stepLabel,
  type TaskGraph,
} from '@baton/core';

/** A step that is running now. */
export interface RunningStep {
  stepId: string;
  label: string;
  agentId: string | undefined;
  /** `primary` or the fallback it runs on. */
  via: string;
  tier: string | undefined;
  attempt: number;
  /** Epoch milliseconds. */
  startedAt: number;
  elapsedSeconds: number;
  /** The step's estimated duration; undefined when the graph has none. */
  estimatedSeconds: number | undefined;
  /** elapsed / estimate, capped at 0.99 (a step is never shown done before it ends); undefined without an estimate. */
  fraction: number | undefined;
}

/** What a live display shows. */
export interface LiveProgress {
  runId: string | undefined;
  /** `running` until `run-end`, then the run's status. */
  status: string;
  overall: ProgressSnapshot;
  running: RunningStep[];
  /** Measured spend so far (priced usage only). */
  costUsd: number;
  tokens: number;
  pendingDecisions: number;
}

/**
 * Follows a run's event stream and answers "where is it now?" for live displays (bars per
 * running step on a terminal). Pure bookkeeping: feed it events, ask for a snapshot.
 *
 * @example
 * ```ts
 * const tracker = new ProgressTracker(graph);
 * handle.events.on('event', (event) => tracker.apply(event));
 * setInterval(() => redraw(renderProgress(tracker.snapshot())), 100);
 * ```
 */
export class ProgressTracker {
  readonly #graph: TaskGraph;
  readonly #statuses: Record<string, StepStatus> = {};
  readonly #running = new Map<string, Omit<RunningStep, 'elapsedSeconds' | 'fraction'>>();
  #runId: string | undefined;
  #status = 'running';
  #costUsd = 0;
  #tokens = 0;
  #pendingDecisions = 0;

  constructor(graph: TaskGraph) {
    this.#graph = graph;
  }

  /** Updates the picture with one event. */
  apply(event: RunEvent): void {
    this.#runId = event.runId;
    switch (event.type) {
      case 'step-start': {
        const step = this.#graph.steps.find((candidate) => candidate.id === event.stepId);
        this.#statuses[event.stepId!] = 'running';
        this.#running.set(event.stepId!, {
          stepId: event.stepId!,
          label: step === undefined ? event.stepId! : stepLabel(step),
          agentId: event.agentId,
          via: event.via,
          tier: event.tier,
          attempt: event.attempt,
          startedAt: Date.parse(event.timestamp),
          estimatedSeconds:
            step !== undefined && step.estimatedDurationSeconds > 0
              ? step.estimatedDurationSeconds
              : undefined,
        });
        break;
      }
      case 'step-usage':
        this.#costUsd += event.costDeltaUsd ?? 0;
        this.#tokens += event.tokensDelta ?? 0;
        break;
      case 'step-end':
        this.#statuses[event.stepId!] = event.status;
        this.#running.delete(event.stepId!);
        break;
      case 'decision-pending':
        this.#pendingDecisions += 1;
        this.#statuses[event.decision.stepId] = 'awaiting-decision';
        this.#running.delete(event.decision.stepId);
        break;
      case 'decision-resolved':
        this.#pendingDecisions = Math.max(0, this.#pendingDecisions - 1);
        if (this.#statuses[event.decision.stepId] === 'awaiting-decision')
          this.#statuses[event.decision.stepId] = 'pending';
        break;
      case 'run-end':
        this.#status = event.status;
        this.#running.clear();
        break;
      default:
        break;
    }
  }

  /** The picture at `now` (epoch ms). */
  snapshot(now: number = Date.now()): LiveProgress {
    const running = [...this.#running.values()].map((step) => {
      const elapsedSeconds = Math.max(0, (now - step.startedAt) / 1000);
      return {
        ...step,
        elapsedSeconds,
        fraction:
          step.estimatedSeconds === undefined
            ? undefined
            : Math.min(0.99, elapsedSeconds / step.estimatedSeconds),
      };
    });
    return {
      runId: this.#runId,
      status: this.#status,
      overall: computeProgress(this.#graph, this.#statuses),
      running,
      costUsd: this.#costUsd,
      tokens: this.#tokens,
      pendingDecisions: this.#pendingDecisions,
    };
  }
}

/**
 * Lines for a terminal: an overall bar, then one bar per running step (elapsed against its
 * estimate; a spinner-free `…` when there is no estimate).
 *
 * @example
 * ```ts
 * renderProgress(tracker.snapshot(), { width: 20 });
 * // Overall [████████░░░░░░░░░░░░] 40.0%  2/5 steps  $0.0123  1.2k tokens
 * //   review  [███████░░░░░░░░░░░░░] 35.0%  10.5s of ~30s  tier CAPABLE
 * ```
 */
export function renderProgress(live: LiveProgress, options: { width?: number } = {}): string[] {
  const width = options.width ?? 20;
  const tokens = live.tokens >= 1000 ? `${(live.tokens / 1000).toFixed(1)}k` : String(live.tokens);
  const lines = [
    `Overall ${formatProgressBar(live.overall.percent, { width })}  ${live.overall.done}/${live.overall.total} steps  $${live.costUsd.toFixed(4)}  ${tokens} tokens${live.pendingDecisions > 0 ? `  ${live.pendingDecisions} decision(s) pending` : ''}`,
  ];
  const labelWidth = Math.max(0, ...live.running.map((step) => step.label.length));
  for (const step of live.running) {
    const timing =
      step.estimatedSeconds === undefined
        ? `${step.elapsedSeconds.toFixed(1)}s`
        : `${step.elapsedSeconds.toFixed(1)}s of ~${step.estimatedSeconds}s`;
    const bar =
      step.fraction === undefined
        ? `[${'…'.padEnd(width, ' ')}]`
        : formatProgressBar(step.fraction * 100, { width });
    const via =
      step.via === 'primary'
        ? step.tier === undefined
          ? ''
          : `  ${step.tier}`
        : `  via ${step.via}`;
    const attempt = step.attempt > 1 ? `  attempt ${step.attempt}` : '';
    lines.push(`  ${step.label.padEnd(labelWidth)}  ${bar}  ${timing}${via}${attempt}`);
  }
  return lines;
}
