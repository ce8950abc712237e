import { BatonError, BatonErrorCode, describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AgentResult } from '../schemas.js';
import type { Checkpointer } from './checkpointer.js';
import {
  type ApprovalRule,
  type Decision,
  type DecisionAction,
  type DecisionKind,
  matchApprovalRule,
  newDecisionId,
} from './decisions.js';
import type { AttemptRecord } from './records.js';
import type { StepFailure } from './step-runner.js';
import type { TaskStep } from './task-graph.js';

/** Escalation to a person. */
export interface EscalationOptions {
  /**
   * Ask a person when a step fails for good (retries and fallbacks exhausted) and its strategy
   * has no recovery left (`step.escalate`). Default false in the engine; runs of `@baton/runtime`
   * ask by default.
   */
  onFailure?: boolean | undefined;
  /** Risky steps whose confidence is below this (or unknown) are escalated. Default 0.7. */
  confidenceThreshold?: number | undefined;
  /** Deadline of each decision, seconds from its creation. Default: none. */
  deadlineSeconds?: number | undefined;
  /** Applied when the deadline passes. Default `reject`. */
  defaultAction?: DecisionAction | undefined;
}

/** The confidence below which a risky step's result waits for a person, unless configured. */
export const DEFAULT_ESCALATION_CONFIDENCE = 0.7;

/** Answers a decision in-process (a terminal prompt); undefined leaves it to others. */
export type DecisionHandler = (
  decision: Decision,
  options: { signal: AbortSignal },
) => Promise<{ action: DecisionAction; note?: string } | undefined>;

/** What the escalation of one run needs from that run. */
export interface EscalationHost {
  readonly runId: string;
  readonly checkpointer: Checkpointer;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  now(): Date;
}

/** Why a step should wait for a person before it runs, if it should. */
export function approvalNeeded(
  step: TaskStep,
  rules: readonly ApprovalRule[],
  approved: ReadonlySet<string>,
): ApprovalRule | undefined {
  if (rules.length === 0 || approved.has(step.id)) return undefined;
  return matchApprovalRule(step, rules);
}

/** Whether a step that failed for good goes to a person rather than failing. */
export function escalatesFailure(
  step: TaskStep,
  failure: StepFailure,
  options: EscalationOptions | undefined,
): boolean {
  return (
    options?.onFailure === true &&
    step.escalate &&
    failure.kind !== 'budget' &&
    failure.setup !== true
  );
}

/** Whether a risky step's successful result must be confirmed by a person. */
export function needsConfirmation(
  step: TaskStep,
  result: AgentResult,
  options: EscalationOptions | undefined,
): boolean {
  if (!step.risky) return false;
  const threshold = options?.confidenceThreshold ?? DEFAULT_ESCALATION_CONFIDENCE;
  return result.confidence === null || result.confidence < threshold;
}

/** Creates and stores a pending decision for a step. */
export async function createDecision(
  host: EscalationHost,
  step: TaskStep,
  input: {
    kind: DecisionKind;
    reason: string;
    rule?: string | undefined;
    result?: AgentResult | undefined;
    attempts?: readonly AttemptRecord[] | undefined;
    failure?: StepFailure | undefined;
  },
  options: EscalationOptions | undefined,
): Promise<Decision> {
  const now = host.now();
  const decision: Decision = {
    id: newDecisionId(),
    runId: host.runId,
    stepId: step.id,
    kind: input.kind,
    status: 'pending',
    reason: input.reason,
    createdAt: now.toISOString(),
    defaultAction: options?.defaultAction ?? 'reject',
  };
  if (input.rule !== undefined) decision.rule = input.rule;
  if (options?.deadlineSeconds !== undefined) {
    decision.deadline = new Date(now.getTime() + options.deadlineSeconds * 1000).toISOString();
  }
  if (input.result !== undefined) decision.result = input.result;
  if (input.attempts !== undefined && input.attempts.length > 0) {
    decision.attempts = [...input.attempts];
  }
  if (input.failure !== undefined) {
    decision.failure = { kind: input.failure.kind, message: input.failure.message };
  }
  await host.checkpointer.createDecision(decision);
  return decision;
}

/**
 * Resolves a pending decision (compare-and-set in the checkpointer): a decision already resolved
 * is a `BATON_CONFLICT` error naming how.
 */
export async function resolveDecision(
  checkpointer: Checkpointer,
  decision: Decision,
  action: DecisionAction,
  options: { by: NonNullable<Decision['resolvedBy']>; note?: string | undefined; now: Date },
): Promise<Decision> {
  const resolved: Decision = {
    ...decision,
    status: action === 'approve' ? 'approved' : 'rejected',
    resolvedAt: options.now.toISOString(),
    resolvedBy: options.by,
  };
  if (options.note !== undefined) resolved.note = options.note;
  await checkpointer.updateDecision(resolved, 'pending');
  return resolved;
}

/** Resolves the run's pending decisions whose deadline has passed with their default action. */
export async function applyDeadlines(
  checkpointer: Checkpointer,
  decisions: readonly Decision[],
  now: Date,
): Promise<Decision[]> {
  const resolved: Decision[] = [];
  for (const decision of decisions) {
    if (decision.status !== 'pending' || decision.deadline === undefined) continue;
    if (Date.parse(decision.deadline) > now.getTime()) continue;
    try {
      resolved.push(
        await resolveDecision(checkpointer, decision, decision.defaultAction, {
          by: 'deadline',
          note: `deadline ${decision.deadline} passed; default action ${decision.defaultAction}`,
          now,
        }),
      );
    } catch (error) {
      if (!(BatonError.isInstance(error) && error.code === BatonErrorCode.CONFLICT)) throw error;
    }
  }
  return resolved;
}

/**
 * Asks an in-process handler (a terminal prompt) and stores its answer; a decision someone else
 * answered first stays as they answered it. Settles when the handler has answered or given up.
 */
export async function askHandler(
  host: EscalationHost,
  handler: DecisionHandler,
  decision: Decision,
): Promise<void> {
  try {
    const answer = await handler(decision, { signal: host.signal });
    if (answer === undefined) return;
    await resolveDecision(host.checkpointer, decision, answer.action, {
      by: 'handler',
      note: answer.note,
      now: host.now(),
    }).catch((error: unknown) => {
      if (!(BatonError.isInstance(error) && error.code === BatonErrorCode.CONFLICT)) throw error;
    });
  } catch (error) {
    host.logger.warn('Decision handler failed; the decision stays pending', {
      decisionId: decision.id,
      error: describeError(error),
    });
  }
}

/** What a resolved decision means for its step. */
export type DecisionEffect =
  /** Run the step (approval) or run it again with its retries and fallbacks (escalation). */
  | { kind: 'run' }
  /** Accept the held result (low-confidence approved). */
  | { kind: 'accept'; result: AgentResult }
  /** Fail the step with this result. */
  | { kind: 'fail'; result: AgentResult };

/** The effect of a resolved decision on its step. */
export function effectOf(decision: Decision, step: TaskStep): DecisionEffect {
  const approved = decision.status === 'approved';
  if (approved && (decision.kind === 'approval' || decision.kind === 'escalation')) {
    return { kind: 'run' };
  }
  if (approved && decision.kind === 'low-confidence' && decision.result !== undefined) {
    return { kind: 'accept', result: decision.result };
  }
  const base: AgentResult = decision.result ?? {
    agentId: step.agent?.id ?? step.id,
    success: false,
    output: null,
    confidence: null,
    durationSeconds: 0,
    error: '',
  };
  const note = decision.note ? `: ${decision.note}` : '';
  return {
    kind: 'fail',
    result: {
      ...base,
      success: false,
      error: `${decision.kind === 'approval' ? 'not approved' : 'rejected'} (decision ${decision.id} by ${decision.resolvedBy ?? 'person'}${note})${base.error ? `; ${base.error}` : ''}`,
    },
  };
}
