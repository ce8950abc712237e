import { abortReason, delay, MAX_TIMER_MS } from '../abort.js';
import { BatonErrorCode, TimeoutError } from '../errors.js';
import type { AgentExecutionOptions, AgentExecutionOutput, AgentExecutor } from '../executor.js';
import { backoffDelay } from '../retry.js';
import type { AgentResult, Usage } from '../schemas.js';
import type { BudgetAdmission, BudgetTicket, StepEstimate } from './budget.js';
import { failedResult, readExecutorAnswer, thrownFailureText } from './executor-answer.js';
import { candidatesOf, type StepCandidate } from './fallbacks.js';
import type { AttemptRecord, StepFailureKind } from './records.js';
import { isRetryableError, retryAfterMsOf } from './retryable.js';
import type { RetryPolicy, StepAgent, TaskStep } from './task-graph.js';

/** Why a step's agent failed for good. */
export interface StepFailure {
  kind: StepFailureKind;
  message: string;
  /** The executor is not set up to run anything (see `isSetupFailure`): nothing on it is worth another try. */
  setup?: boolean;
}

/** What the step runner needs from the run it works for. */
export interface StepRunHost {
  readonly signal: AbortSignal;
  /**
   * Runs one executor call under `controller`, which the run aborts when it is cancelled:
   * settles with the call, or rejects promptly with `timeout` once its time passes (aborting the
   * controller with it) or with the run's abort reason, even when the call ignores its signal.
   */
  limit<T>(
    controller: AbortController,
    call: () => Promise<T>,
    timeout: { seconds: number; what: string } | undefined,
  ): Promise<T>;
  readonly retryPolicy: RetryPolicy;
  readonly defaultTimeoutSeconds: number | undefined;
  readonly random: (() => number) | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executorFor(name: string | undefined): AgentExecutor<any> | undefined;
  isSetupFailure(output: AgentExecutionOutput): boolean;
  /** Estimates an agent run for the budget. */
  estimate(agent: StepAgent): StepEstimate;
  /** Admits a fallback agent run. */
  admit(step: TaskStep, estimate: StepEstimate): BudgetAdmission;
  /** Called when a fallback is refused by the budget. */
  refused(step: TaskStep, admission: Exclude<BudgetAdmission, { kind: 'start' }>): void;
  attemptStarted(step: TaskStep, candidate: StepCandidate, attempt: number): void;
  attemptEnded(step: TaskStep, candidate: StepCandidate, record: AttemptRecord): void;
  retrying(
    step: TaskStep,
    candidate: StepCandidate,
    attempt: number,
    delayMs: number,
    error: unknown,
  ): void;
  fallingBack(step: TaskStep, from: StepCandidate, to: StepCandidate, error: string): void;
  /** The executor's `onProcess` for this step, when the run records agent processes. */
  processReporter(step: TaskStep): AgentExecutionOptions['onProcess'];
  /** An executor's notice about a call of this step (`AgentExecutionOptions.onNotice`). */
  notice(step: TaskStep, agentId: string, message: string): void;
  now(): Date;
  /** {@link now} as ISO 8601 text. */
  time(): string;
}

/** How a step's agent run ended. */
export interface StepRunOutcome {
  /** The successful result, when a candidate succeeded. */
  success: AgentResult | undefined;
  /** The last failed result, when none did. */
  lastResult: AgentResult | undefined;
  failure: StepFailure;
  /** The reservations the candidates made (the caller releases them with what they spent). */
  tickets: BudgetTicket[];
}

/**
 * Runs a step's agent: the primary candidate with its retries, then each fallback (another
 * executor, a higher tier) until one succeeds. Retries are for retryable thrown errors only (rate
 * limits, overloaded services, dropped connections; `Retry-After` is honoured); an agent's own
 * verdict (`success: false`) and its time limit passing go straight to the next fallback. A
 * setup failure skips the other candidates on the same executor. Throws only when the run is
 * aborted.
 */
export async function runStepAgent(
  host: StepRunHost,
  step: TaskStep,
  context: Record<string, unknown>,
  primaryTicket: BudgetTicket | undefined,
): Promise<StepRunOutcome> {
  const tickets: BudgetTicket[] = primaryTicket === undefined ? [] : [primaryTicket];
  if (step.fallbacks.length === 0) {
    const candidate: StepCandidate = {
      via: 'primary',
      agent: step.agent!,
      executorName: undefined,
    };
    const outcome = await runCandidate(host, step, candidate, context);
    return outcome.result.success
      ? { success: outcome.result, lastResult: undefined, failure: outcome.failure, tickets }
      : { success: undefined, lastResult: outcome.result, failure: outcome.failure, tickets };
  }
  const candidates = candidatesOf(step);
  let failure: StepFailure = { kind: 'error', message: 'not run' };
  let lastResult: AgentResult | undefined;
  let unusable: Set<string | undefined> | undefined;
  for (let index = 0; index < candidates.length; index += 1) {
    const candidate = candidates[index]!;
    if (unusable?.has(candidate.executorName)) continue;
    if (index > 0) {
      const admission = host.admit(step, host.estimate(candidate.agent));
      if (admission.kind !== 'start') {
        host.refused(step, admission);
        failure = {
          kind: 'budget',
          message: `fallback ${candidate.via} not started: ${admission.refusal.message}; last error: ${failure.message}`,
        };
        break;
      }
      tickets.push(admission.ticket);
      host.fallingBack(step, candidates[index - 1]!, candidate, failure.message);
    }
    const outcome = await runCandidate(host, step, candidate, context);
    if (outcome.result.success) return { success: outcome.result, lastResult, failure, tickets };
    lastResult = outcome.result;
    failure = outcome.failure;
    if (failure.setup === true) {
      unusable ??= new Set();
      unusable.add(candidate.executorName);
    }
  }
  return { success: undefined, lastResult, failure, tickets };
}

/** Runs one candidate, with retries; throws only when the run is aborted. */
async function runCandidate(
  host: StepRunHost,
  step: TaskStep,
  candidate: StepCandidate,
  context: Record<string, unknown>,
): Promise<{ result: AgentResult; failure: StepFailure }> {
  const agent = candidate.agent;
  const agentId = agent.id;
  const executor = host.executorFor(candidate.executorName);
  if (executor === undefined) {
    const message = `no executor named "${candidate.executorName}"`;
    return { result: failedResult(agentId, message), failure: { kind: 'error', message } };
  }
  const configured = agent.resourceRequirements?.timeoutSeconds ?? host.defaultTimeoutSeconds;
  // A limit longer than a timer can wait (or Infinity) means no limit.
  const timeoutSeconds =
    configured !== undefined && configured * 1000 <= MAX_TIMER_MS ? configured : undefined;
  const policy = step.retry ?? host.retryPolicy;
  const { signal } = host;
  const onProcess = host.processReporter(step);
  const onNotice = (message: string) => host.notice(step, agentId, String(message));
  let attempt = 0;
  let answered: { result: AgentResult; output: AgentExecutionOutput } | undefined;
  const what = `Agent "${agentId}"`;
  // Retries of thrown retryable errors, with capped exponential backoff and jitter (the policy
  // was validated when the graph or the engine options were read).
  for (;;) {
    if (signal.aborted) throw abortReason(signal);
    attempt += 1;
    host.attemptStarted(step, candidate, attempt);
    const startedAt = host.time();
    const clock = performance.now();
    const controller = new AbortController();
    const agentSignal = controller.signal;
    let thrown: unknown;
    let failed: AgentResult | undefined;
    try {
      const options: AgentExecutionOptions =
        onProcess === undefined
          ? { signal: agentSignal, onNotice }
          : { signal: agentSignal, onProcess, onNotice };
      const output = await host.limit(
        controller,
        () => executor(agent, { ...context }, options),
        timeoutSeconds === undefined ? undefined : { seconds: timeoutSeconds, what },
      );
      const result = readExecutorAnswer(agentId, output, elapsedSeconds(clock));
      host.attemptEnded(step, candidate, attemptRecord(candidate, attempt, startedAt, result));
      answered = { result, output: output as AgentExecutionOutput };
      break;
    } catch (error) {
      thrown = error;
      failed = failedResult(
        agentId,
        thrownFailureText(agentId, error, signal, agentSignal),
        elapsedSeconds(clock),
      );
      host.attemptEnded(step, candidate, attemptRecord(candidate, attempt, startedAt, failed));
    }
    if (signal.aborted) throw abortReason(signal);
    if (attempt > policy.maxRetries || !isRetryable(thrown)) {
      const kind: StepFailureKind = isTimeout(thrown) ? 'timeout' : 'error';
      return { result: failed!, failure: { kind, message: failed!.error } };
    }
    const serverWait = retryAfterMsOf(thrown);
    const delayMs =
      serverWait !== undefined && serverWait >= 0
        ? Math.min(serverWait, policy.maxDelayMs)
        : backoffDelay(attempt, {
            ...policy,
            ...(host.random === undefined ? {} : { random: host.random }),
          });
    host.retrying(step, candidate, attempt, delayMs, thrown);
    await delay(delayMs, { signal });
  }
  const { result, output } = answered!;
  if (result.success) return { result, failure: { kind: 'error', message: '' } };
  const setup = host.isSetupFailure(output);
  return {
    result,
    failure: { kind: 'agent-reported', message: result.error, ...(setup ? { setup } : {}) },
  };
}

/**
 * Whether a thrown error is worth another attempt: retryable errors (rate limits, overloaded
 * services, dropped connections, a request that timed out inside the executor), but not the
 * agent's own time limit: it had its whole time.
 */
function isRetryable(error: unknown): boolean {
  if (error instanceof TimeoutError) return false;
  return isRetryableError(error);
}

function isTimeout(error: unknown): boolean {
  return (
    error instanceof TimeoutError ||
    (typeof error === 'object' &&
      error !== null &&
      (error as { code?: unknown }).code === BatonErrorCode.TIMEOUT)
  );
}

function attemptRecord(
  candidate: StepCandidate,
  attempt: number,
  startedAt: string,
  result: AgentResult,
): AttemptRecord {
  const record: AttemptRecord = {
    via: candidate.via,
    agentId: candidate.agent.id,
    attempt,
    startedAt,
    durationSeconds: result.durationSeconds,
    success: result.success,
  };
  if (candidate.agent.tier !== undefined) record.tier = candidate.agent.tier;
  if (candidate.executorName !== undefined) record.executor = candidate.executorName;
  if (!result.success) record.error = result.error;
  if (result.usage !== undefined) record.usage = result.usage as Usage;
  return record;
}

/** Seconds since `clock` (a `performance.now()` reading), to the microsecond. */
function elapsedSeconds(clock: number): number {
  return Math.round((performance.now() - clock) * 1000) / 1_000_000;
}
