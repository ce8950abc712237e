import EventEmitter from 'eventemitter3';
import type { AgentResult, Usage } from '../schemas.js';
import type { BudgetLimit, SpendTotals } from './budget.js';
import type { Decision } from './decisions.js';
import type { ProgressSnapshot } from './progress.js';
import type { AttemptRecord, StepFailureKind } from './records.js';
import type { RunState, RunTrigger } from './state-machine.js';

/** Correlation ids and bookkeeping on every run event. */
export interface RunEventBase {
  /** The run. */
  runId: string;
  /**
   * Position in the run's event stream, 1-based and increasing over the run's whole life (a
   * resumed run continues the count): the id a reconnecting reader resumes after.
   */
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
  /** The strategy whose rules run the graph, if any. */
  strategy?: string | undefined;
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

/** The first step of a phase (a step group such as `debate.synthesis`) started. */
export interface PhaseStartEvent extends RunEventBase {
  type: 'phase-start';
  phase: string;
}

/** An agent run of a step started (the first attempt, a retry, or a fallback). */
export interface StepStartEvent extends RunEventBase {
  type: 'step-start';
  label: string;
  /** `primary` or the fallback's label. */
  via: string;
  tier?: string | undefined;
  /** 1-based within its `via`. */
  attempt: number;
}

/** An attempt reported usage. */
export interface StepUsageEvent extends RunEventBase {
  type: 'step-usage';
  usage: Usage;
  /** 1-based attempt number within its `via`. */
  attempt: number;
  via: string;
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

/**
 * A step finished (succeeded, failed or skipped). The event is the step's checkpoint: a durable
 * run that has recorded it never runs the step again.
 */
export interface StepEndEvent extends RunEventBase {
  type: 'step-end';
  stepId: string;
  status: 'succeeded' | 'failed' | 'skipped';
  /** Why a step was skipped or failed. */
  reason?: StepFailureKind | undefined;
  result?: AgentResult | undefined;
  /** Every executor call of the step, oldest first. */
  attempts: AttemptRecord[];
  startedAt?: string | undefined;
  endedAt: string;
  /** Which start or resume of the run (1-based) finished the step. */
  runAttempt: number;
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
  /** Why, in a sentence. */
  message: string;
}

/** Something worth a person's attention that is not a failure (leftover agent ended, unreadable record found). */
export interface RunNoticeEvent extends RunEventBase {
  type: 'run-notice';
  message: string;
}

/** The run stopped (finished, failed, cancelled, paused or out of budget). */
export interface RunEndEvent extends RunEventBase {
  type: 'run-end';
  status: string;
  success: boolean;
  progress: ProgressSnapshot;
  /** The run's spend totals (the full attribution is in the run's result and record). */
  spend: SpendTotals;
  durationSeconds: number;
  error?: string | undefined;
}

/** Any run event: the one vocabulary every layer of Baton emits (strategies, runs, workflows). */
export type RunEvent =
  | RunStartEvent
  | StateChangeEvent
  | PhaseStartEvent
  | StepStartEvent
  | StepUsageEvent
  | StepRetryEvent
  | StepFallbackEvent
  | StepEndEvent
  | DecisionPendingEvent
  | DecisionResolvedEvent
  | BudgetExceededEvent
  | RunNoticeEvent
  | RunEndEvent;

/** The type names of {@link RunEvent}. */
export type RunEventType = RunEvent['type'];

/** The typed event map: one channel per event type, plus `event` carrying every event. */
export type BatonEventMap = {
  [Type in RunEventType]: [event: Extract<RunEvent, { type: Type }>];
} & { event: [event: RunEvent] };

/** The same map under the runtime's name. */
export type RunEventMap = BatonEventMap;

/**
 * The typed eventemitter3 emitter of a run's event stream, shared by every layer. Listen to one
 * type, or to `event` for all of them.
 *
 * @example
 * ```ts
 * const events = new BatonEmitter();
 * events.on('step-end', (event) => console.error(event.stepId, event.status, event.progress.percent));
 * events.on('event', (event) => stream.write(`${JSON.stringify(event)}\n`));
 * ```
 */
export class BatonEmitter extends EventEmitter<BatonEventMap> {}

/** The same emitter under the runtime's name. */
export const RunEmitter = BatonEmitter;
/** The same emitter under the runtime's name. */
export type RunEmitter = BatonEmitter;

/**
 * One plain line describing an event, for non-terminal output on stderr.
 *
 * @example
 * ```ts
 * events.on('event', (event) => process.stderr.write(`${formatEventLine(event)}\n`));
 * // [run 20260101-...] step review: succeeded (confidence 0.90, 1.2s) 66.7%
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
    case 'phase-start':
      return `${head} phase ${event.phase}`;
    case 'step-start':
      return `${head} step ${event.stepId}: started${event.via === 'primary' ? '' : ` via ${event.via}`}${event.tier === undefined ? '' : ` [${event.tier}]`}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
    case 'step-usage':
      return `${head} step ${event.stepId}: ${event.usage.inputTokens + event.usage.outputTokens} tokens${cost}`;
    case 'step-retry':
      return `${head} step ${event.stepId}: retry ${event.attempt} in ${event.delayMs} ms (${event.error})`;
    case 'step-fallback':
      return `${head} step ${event.stepId}: falling back from ${event.from} to ${event.to} (${event.error})`;
    case 'step-end': {
      const result = event.result;
      const detail =
        result === undefined
          ? (event.reason ?? '')
          : result.success
            ? `confidence ${formatConfidence(result.confidence)}, ${result.durationSeconds.toFixed(1)}s`
            : result.error;
      return `${head} step ${event.stepId}: ${event.status}${detail === '' ? '' : ` (${detail})`} ${event.progress.percent}%`;
    }
    case 'decision-pending':
      return `${head} decision ${event.decision.id} pending for step ${event.decision.stepId}: ${event.decision.reason}`;
    case 'decision-resolved':
      return `${head} decision ${event.decision.id}: ${event.decision.status}${event.decision.note ? ` (${event.decision.note})` : ''}`;
    case 'budget-exceeded':
      return `${head} budget ${event.limit} reached: ${event.message}`;
    case 'run-notice':
      return `${head} note: ${event.message}`;
    case 'run-end':
      return `${head} ${event.status} after ${event.durationSeconds.toFixed(1)}s, ${event.progress.done}/${event.progress.total} steps, ${spendCost(event.spend, 4)}${event.error ? ` (${event.error})` : ''}`;
  }
}

/** A confidence for people: two decimals, or `-` when nobody reported one. */
export function formatConfidence(confidence: number | null | undefined): string {
  return typeof confidence === 'number' ? confidence.toFixed(2) : '-';
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
