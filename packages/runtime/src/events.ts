import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentResult, Usage } from '@baton/core';
import EventEmitter from 'eventemitter3';
import type { BudgetLimit, SpendReport, SpendTotals } from './budget.js';
import type { Decision } from './decisions.js';
import type { ProgressSnapshot, StepStatus } from './progress.js';
import type { RunState, RunTrigger } from './state-machine.js';

/** Correlation ids and bookkeeping on every run event. */
export interface RunEventBase {
  /** The run. */
  runId: string;
  /** Position in the stream of this start or resume (1-based). */
  seq: number;
  /** ISO 8601 time. */
  timestamp: string;
  stepId?: string | undefined;
  agentId?: string | undefined;
  /** The step's phase or group (e.g. `debate.opinions`). */
  parentId?: string | undefined;
  /** US dollars spent by what this event reports (`step-usage` only, so the deltas sum to the run's spend). */
  costDeltaUsd?: number | undefined;
  /** Tokens used by what this event reports. */
  tokensDelta?: number | undefined;
}

/** A run started or resumed. */
export interface RunStartEvent extends RunEventBase {
  type: 'run-start';
  resumed: boolean;
  totalSteps: number;
  /** Steps already finished (resume). */
  finishedSteps: number;
}

/** The lifecycle state changed. */
export interface StateChangeEvent extends RunEventBase {
  type: 'state-change';
  from: RunState;
  to: RunState;
  trigger: RunTrigger;
}

/** An agent run of a step started (the first attempt, or a fallback). */
export interface StepStartEvent extends RunEventBase {
  type: 'step-start';
  label: string;
  /** `primary` or the fallback's label. */
  via: string;
  tier?: string | undefined;
  attempt: number;
}

/** An attempt reported usage. */
export interface StepUsageEvent extends RunEventBase {
  type: 'step-usage';
  usage: Usage;
  /** Run totals after this attempt. */
  runCostUsd: number;
  runTokens: number;
}

/** An attempt failed with a retryable error and will be retried after `delayMs`. */
export interface StepRetryEvent extends RunEventBase {
  type: 'step-retry';
  attempt: number;
  delayMs: number;
  error: string;
}

/** Retries were exhausted; the step moves to its next fallback. */
export interface StepFallbackEvent extends RunEventBase {
  type: 'step-fallback';
  from: string;
  to: string;
  error: string;
}

/** A step finished (succeeded, failed or skipped). */
export interface StepEndEvent extends RunEventBase {
  type: 'step-end';
  status: StepStatus;
  /** Why a step was skipped or failed. */
  reason?: string | undefined;
  result?: AgentResult | undefined;
  progress: ProgressSnapshot;
}

/** A decision waits for a person. */
export interface DecisionPendingEvent extends RunEventBase {
  type: 'decision-pending';
  decision: Decision;
}

/** A decision was made (by a person, a handler or its deadline's default). */
export interface DecisionResolvedEvent extends RunEventBase {
  type: 'decision-resolved';
  decision: Decision;
}

/** A step was not started because it could exceed the budget. */
export interface BudgetExceededEvent extends RunEventBase {
  type: 'budget-exceeded';
  limit: BudgetLimit;
  max: number;
  committed: number;
  /** What the refused step would need; undefined when not known in advance. */
  needed?: number | undefined;
}

/** The run stopped (finished, failed, cancelled, paused or out of budget). */
export interface RunEndEvent extends RunEventBase {
  type: 'run-end';
  status: string;
  progress: ProgressSnapshot;
  spend: SpendReport;
  durationSeconds: number;
  error?: string | undefined;
}

/** Any run event. */
export type RunEvent =
  | RunStartEvent
  | StateChangeEvent
  | StepStartEvent
  | StepUsageEvent
  | StepRetryEvent
  | StepFallbackEvent
  | StepEndEvent
  | DecisionPendingEvent
  | DecisionResolvedEvent
  | BudgetExceededEvent
  | RunEndEvent;

/** The run event map: one channel per type, plus `event` carrying every event. */
export type RunEventMap = {
  [Type in RunEvent['type']]: [event: Extract<RunEvent, { type: Type }>];
} & { event: [event: RunEvent] };

/**
 * The typed emitter of a run's event stream. Listen to one type, or to `event` for all of them.
 *
 * @example
 * ```ts
 * const events = new RunEmitter();
 * events.on('step-end', (event) => console.error(event.stepId, event.status, event.progress.percent));
 * events.on('event', (event) => stream.write(`${JSON.stringify(event)}\n`));
 * ```
 */
export class RunEmitter extends EventEmitter<RunEventMap> {}

/**
 * Writes a run's events as JSON lines to a file (`--events jsonl`). Appends; creates the folder.
 *
 * @example
 * ```ts
 * const writer = new JsonlEventWriter('events.jsonl');
 * const detach = writer.attach(events);
 * await runtime.run(graph, { executor, events });
 * detach();
 * await writer.close();
 * ```
 */
export class JsonlEventWriter {
  readonly path: string;
  readonly #stream: WriteStream;

  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    this.#stream = createWriteStream(path, { flags: 'a', encoding: 'utf8' });
  }

  /** Writes one event as one line. */
  write(event: RunEvent): void {
    this.#stream.write(`${JSON.stringify(event)}\n`);
  }

  /** Writes every event of an emitter until the returned function is called. */
  attach(emitter: RunEmitter): () => void {
    const listener = (event: RunEvent): void => this.write(event);
    emitter.on('event', listener);
    return () => {
      emitter.off('event', listener);
    };
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
    });
  }
}

/**
 * One plain line describing an event, for non-terminal output on stderr.
 *
 * @example
 * ```ts
 * events.on('event', (event) => process.stderr.write(`${formatEventLine(event)}\n`));
 * // [run 20260101-...] step review: succeeded (confidence 0.9, 1.2s) 66.7%
 * ```
 */
export function formatEventLine(event: RunEvent): string {
  const head = `[run ${event.runId}]`;
  const cost = event.costDeltaUsd === undefined ? '' : ` +$${event.costDeltaUsd.toFixed(4)}`;
  switch (event.type) {
    case 'run-start':
      return `${head} ${event.resumed ? 'resumed' : 'started'}: ${event.totalSteps} steps${event.finishedSteps > 0 ? `, ${event.finishedSteps} already done` : ''}`;
    case 'state-change':
      return `${head} state ${event.from} -> ${event.to} (${event.trigger})`;
    case 'step-start':
      return `${head} step ${event.stepId}: started${event.via === 'primary' ? '' : ` via ${event.via}`}${event.tier === undefined ? '' : ` [${event.tier}]`}`;
    case 'step-usage':
      return `${head} step ${event.stepId}: ${event.usage.inputTokens + event.usage.outputTokens} tokens${cost}`;
    case 'step-retry':
      return `${head} step ${event.stepId}: retry ${event.attempt} in ${event.delayMs} ms (${event.error})`;
    case 'step-fallback':
      return `${head} step ${event.stepId}: falling back from ${event.from} to ${event.to} (${event.error})`;
    case 'step-end': {
      const detail =
        event.result === undefined
          ? (event.reason ?? '')
          : event.result.success
            ? `confidence ${event.result.confidence}, ${event.result.durationSeconds.toFixed(1)}s`
            : event.result.error;
      return `${head} step ${event.stepId}: ${event.status}${detail === '' ? '' : ` (${detail})`} ${event.progress.percent}%`;
    }
    case 'decision-pending':
      return `${head} decision ${event.decision.id} pending for step ${event.decision.stepId}: ${event.decision.reason}`;
    case 'decision-resolved':
      return `${head} decision ${event.decision.id}: ${event.decision.status}${event.decision.note ? ` (${event.decision.note})` : ''}`;
    case 'budget-exceeded':
      return event.needed === undefined
        ? `${head} budget ${event.limit} reached: ${event.committed} committed of ${event.max}, the next step's need not known in advance`
        : `${head} budget ${event.limit} reached: ${event.committed} committed + ${event.needed} needed > ${event.max}`;
    case 'run-end':
      return `${head} ${event.status} after ${event.durationSeconds.toFixed(1)}s, ${event.progress.done}/${event.progress.total} steps, ${spendCost(event.spend.total, 4)}${event.error ? ` (${event.error})` : ''}`;
  }
}

/**
 * The cost of a run's spend in dollars, or `cost unknown (at least $X priced)` when some attempt
 * reported no usage or had no price: never a partial sum passed off as the total.
 */
export function spendCost(total: SpendTotals, decimals: number): string {
  const cost = `$${total.costUsd.toFixed(decimals)}`;
  return total.unmeasuredAttempts + total.unpricedAttempts > 0
    ? `cost unknown (at least ${cost} priced)`
    : cost;
}

/** A run's tokens, or `tokens unknown (at least N measured)` when some attempt reported none. */
export function spendTokens(total: SpendTotals): string {
  return total.unmeasuredAttempts > 0
    ? `tokens unknown (at least ${total.totalTokens} measured)`
    : `${total.totalTokens} tokens`;
}
