import {
  type AgentExecutor,
  type AgentResult,
  type BatonEmitter,
  type BatonEventMap,
  DEFAULT_RESOURCE_REQUIREMENTS,
  describeError,
  type ExecutableAgent,
  type Logger,
  noopLogger,
  type Usage,
  usageSchema,
  ValidationError,
  withTimeout,
  zodIssues,
} from '@baton/core';
import { agentIssues, validateContext } from './validate-agents.js';

/**
 * The time limit, in seconds, of an agent that does not set `resourceRequirements.timeoutSeconds`:
 * the same 300 s a Baton agent gets by default, so agents of other frameworks are bounded too.
 */
export const DEFAULT_AGENT_TIMEOUT_SECONDS: number = DEFAULT_RESOURCE_REQUIREMENTS.timeoutSeconds;

const MAX_TIMER_MILLISECONDS = 2 ** 31 - 1;

/** Options of {@link runAgent}. */
export interface RunAgentOptions<TAgent extends ExecutableAgent = ExecutableAgent> {
  /** Runs the agent. */
  executor: AgentExecutor<TAgent>;
  /** Cancels the run; the executor sees it through its own signal. */
  signal?: AbortSignal | undefined;
  /** Receives `agent-start`, `agent-end` and `usage-add`. */
  events?: BatonEmitter | undefined;
  /** Receives diagnostics. Defaults to {@link noopLogger}. */
  logger?: Logger | undefined;
  /**
   * Time limit for an agent without `resourceRequirements.timeoutSeconds`, in seconds.
   * Defaults to {@link DEFAULT_AGENT_TIMEOUT_SECONDS}; `Infinity` means no limit.
   */
  defaultTimeoutSeconds?: number | undefined;
  /** Names the strategy in events. Defaults to `"single"`. */
  strategy?: string | undefined;
  /** Ties the events to one run. */
  runId?: string | undefined;
}

/**
 * Runs one agent through the executor and always resolves with an {@link AgentResult}; it never
 * rejects because of the agent.
 *
 * - The time limit is the agent's `resourceRequirements.timeoutSeconds` (else
 *   `defaultTimeoutSeconds`). It is enforced even when the executor ignores its signal: the
 *   result is a failure `Agent "x" timed out after 0.05s` and the executor's signal is aborted.
 * - An aborted `signal` aborts the executor's signal and gives a failure `Agent "x" was aborted`.
 *   When the signal is already aborted the executor is not called at all and the failure reads
 *   `Agent "x" was not started: the run was aborted` (duration 0, no events).
 * - A throw becomes a failure `Agent "x" failed: <message>`; `success: false` from the executor a
 *   failure `Agent "x" reported failure: <error>`.
 * - The executor's answer is checked: `success` must be a boolean, `confidence` a number 0..1,
 *   `usage` a valid {@link Usage}. Anything else is a failure naming the field; the output is kept.
 * - `confidence` is what the executor reported, also on a reported failure. When it reported
 *   none, or threw, timed out or was aborted, confidence is 0: Baton never invents a confidence.
 * - `durationSeconds` is measured with `performance.now()`.
 * - The executor receives a shallow copy of `context`, so it cannot change the caller's object.
 *
 * Bad input (an agent without an id, a context that is not an object, no executor) rejects with a
 * `ValidationError` naming the field.
 *
 * @example
 * ```ts
 * const result = await runAgent({ id: 'summariser' }, { text }, {
 *   executor: async (agent, context, { signal }) => ({ output: await summarise(context.text, signal) }),
 *   signal,
 * });
 * if (!result.success) console.error(result.error);
 * ```
 */
export async function runAgent<TAgent extends ExecutableAgent>(
  agent: TAgent,
  context: Record<string, unknown>,
  options: RunAgentOptions<TAgent>,
): Promise<AgentResult> {
  const issues = agentIssues(agent, 'agent');
  if (issues.length > 0) throw new ValidationError(issues);
  validateContext(context);
  if (typeof options?.executor !== 'function') {
    throw new ValidationError('executor', 'must be a function');
  }
  const timeout = options.defaultTimeoutSeconds;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) {
    throw new ValidationError(
      'defaultTimeoutSeconds',
      `must be a number > 0 (got ${String(timeout)})`,
    );
  }
  return runCheckedAgent(agent, context, options);
}

/** {@link runAgent} for input that was already validated (the strategies validate a team once). */
export async function runCheckedAgent<TAgent extends ExecutableAgent>(
  agent: TAgent,
  context: Record<string, unknown>,
  options: RunAgentOptions<TAgent>,
): Promise<AgentResult> {
  const {
    executor,
    signal,
    events,
    logger = noopLogger,
    defaultTimeoutSeconds = DEFAULT_AGENT_TIMEOUT_SECONDS,
    strategy = 'single',
    runId,
  } = options;
  const agentId = agent.id;
  if (signal?.aborted) {
    return failedResult(agentId, `Agent "${agentId}" was not started: the run was aborted`, 0);
  }
  const configured = agent.resourceRequirements?.timeoutSeconds ?? defaultTimeoutSeconds;
  // Timers cannot wait longer than 2^31 - 1 ms (about 24.8 days); a longer limit would fire at once.
  const timeoutSeconds = configured * 1000 > MAX_TIMER_MILLISECONDS ? undefined : configured;
  emit(events, logger, 'agent-start', {
    agentId,
    tier: agent.tier,
    strategy,
    runId,
    timestamp: Date.now(),
  });
  logger.debug('agent started', { agentId, strategy, timeoutSeconds: configured });

  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;
  let agentSignal: AbortSignal | undefined;
  let result: AgentResult;
  try {
    const answer = await withTimeout(
      (operationSignal) => {
        agentSignal = operationSignal;
        return executor(agent, { ...context }, { signal: operationSignal });
      },
      { timeoutSeconds, signal, what: `Agent "${agentId}"` },
    );
    result = readAnswer(agentId, answer, elapsed());
  } catch (error) {
    result = failedResult(agentId, failureText(agentId, error, signal, agentSignal), elapsed());
  }

  if (result.success) {
    logger.debug('agent succeeded', { agentId, durationSeconds: result.durationSeconds });
  } else {
    logger.warn('agent failed', { agentId, error: result.error });
  }
  if (result.usage !== undefined) {
    emit(events, logger, 'usage-add', {
      agentId,
      usage: result.usage,
      runId,
      timestamp: Date.now(),
    });
  }
  emit(events, logger, 'agent-end', { agentId, strategy, result, runId, timestamp: Date.now() });
  return result;
}

/** Emits an event; a listener that throws is logged and never breaks the run. */
export function emit<Name extends keyof BatonEventMap>(
  events: BatonEmitter | undefined,
  logger: Logger,
  name: Name,
  ...payload: BatonEventMap[Name]
): void {
  if (events === undefined) return;
  try {
    // eventemitter3's typings cannot follow a generic event name; the payload type is checked above.
    (events.emit as (name: string, ...args: unknown[]) => boolean)(name, ...payload);
  } catch (error) {
    logger.error('event listener threw', { event: name, error: describeError(error) });
  }
}

function failedResult(agentId: string, error: string, durationSeconds: number): AgentResult {
  return { agentId, success: false, output: undefined, confidence: 0, durationSeconds, error };
}

function failureText(
  agentId: string,
  error: unknown,
  runSignal: AbortSignal | undefined,
  agentSignal: AbortSignal | undefined,
): string {
  if (runSignal?.aborted) {
    const reason: unknown = runSignal.reason;
    const custom =
      typeof reason === 'string' || (reason instanceof Error && reason.name !== 'AbortError');
    return `Agent "${agentId}" was aborted${custom ? `: ${describeError(reason)}` : ''}`;
  }
  // The run was not aborted, so an aborted agent signal means the time limit passed; its reason
  // is the TimeoutError, whose message names the agent and the limit.
  if (agentSignal?.aborted) return describeError(agentSignal.reason);
  return `Agent "${agentId}" failed: ${describeError(error)}`;
}

/** Turns the executor's answer into a result, checking every field it reported. */
function readAnswer(agentId: string, answer: unknown, durationSeconds: number): AgentResult {
  if (typeof answer !== 'object' || answer === null) {
    return failedResult(
      agentId,
      `Agent "${agentId}" returned invalid output: the executor must resolve with an object { output, confidence?, success?, usage? } (got ${answer === null ? 'null' : typeof answer})`,
      durationSeconds,
    );
  }
  const fields = answer as Record<string, unknown>;
  const problems: string[] = [];

  const success = fields.success ?? true;
  if (typeof success !== 'boolean')
    problems.push(`success: must be a boolean (got ${show(success)})`);

  const reported = fields.confidence;
  let confidence = 0;
  if (reported !== undefined && reported !== null) {
    if (typeof reported === 'number' && reported >= 0 && reported <= 1) confidence = reported;
    else problems.push(`confidence: must be a number from 0 to 1 (got ${show(reported)})`);
  }

  let usage: Usage | undefined;
  if (fields.usage !== undefined) {
    const parsed = usageSchema.safeParse(fields.usage);
    if (parsed.success) usage = parsed.data;
    else {
      for (const issue of zodIssues(parsed.error, 'usage')) {
        problems.push(`${issue.field}: ${issue.message}`);
      }
    }
  }

  const base = { agentId, output: fields.output, durationSeconds };
  const withUsage = usage === undefined ? {} : { usage };
  if (problems.length > 0) {
    return {
      ...base,
      ...withUsage,
      success: false,
      confidence: 0,
      error: `Agent "${agentId}" returned invalid output: ${problems.join('; ')}`,
    };
  }
  if (success === false) {
    const reason =
      typeof fields.error === 'string' && fields.error !== '' ? `: ${fields.error}` : '';
    return {
      ...base,
      ...withUsage,
      success: false,
      confidence,
      error: `Agent "${agentId}" reported failure${reason}`,
    };
  }
  return { ...base, ...withUsage, success: true, confidence, error: '' };
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return typeof value;
}
