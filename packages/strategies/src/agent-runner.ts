import {
  type AgentExecutor,
  type AgentResult,
  type BatonEmitter,
  DEFAULT_STEP_TIMEOUT_SECONDS,
  Engine,
  type ExecutableAgent,
  failedResult,
  type Logger,
  MemoryCheckpointer,
  type RetryPolicyInput,
  type TaskGraph,
  ValidationError,
} from '@baton/core';
import { agentStep } from './strategy-graph.js';
import { agentIssues, validateContext } from './validate-agents.js';

/**
 * The time limit, in seconds, of an agent that does not set `resourceRequirements.timeoutSeconds`:
 * the same 300 s a Baton agent gets by default, so agents of other frameworks are bounded too.
 */
export const DEFAULT_AGENT_TIMEOUT_SECONDS: number = DEFAULT_STEP_TIMEOUT_SECONDS;

/** Options of {@link runAgent}. */
export interface RunAgentOptions<TAgent extends ExecutableAgent = ExecutableAgent> {
  /** Runs the agent. */
  executor: AgentExecutor<TAgent>;
  /** Cancels the run; the executor sees it through its own signal. */
  signal?: AbortSignal | undefined;
  /** Receives the run's events (`step-start`, `step-usage`, `step-end`, ...). */
  events?: BatonEmitter | undefined;
  /** Receives diagnostics. */
  logger?: Logger | undefined;
  /**
   * Time limit for an agent without `resourceRequirements.timeoutSeconds`, in seconds.
   * Defaults to {@link DEFAULT_AGENT_TIMEOUT_SECONDS}; `Infinity` means no limit.
   */
  defaultTimeoutSeconds?: number | undefined;
  /** Retries of thrown retryable errors. Default: up to 2 with backoff. */
  retry?: RetryPolicyInput | undefined;
}

/**
 * Runs one agent on Baton's engine and always resolves with an {@link AgentResult}; it never
 * rejects because of the agent.
 *
 * - The time limit is the agent's `resourceRequirements.timeoutSeconds` (else
 *   `defaultTimeoutSeconds`). It is enforced even when the executor ignores its signal: the
 *   result is a failure `Agent "x" timed out after 0.05s` and the executor's signal is aborted.
 * - An aborted `signal` aborts the executor's signal and gives a failure `Agent "x" was aborted`.
 *   When the signal is already aborted the executor is not called at all and the failure reads
 *   `Agent "x" was not started: the run was aborted` (duration 0).
 * - A throw becomes a failure `Agent "x" failed: <message>` (retryable errors are retried
 *   first); `success: false` from the executor a failure `Agent "x" reported failure: <error>`.
 * - The executor's answer is checked: `success` must be a boolean, `confidence` a number 0..1,
 *   `usage` a valid usage. Anything else is a failure naming the field; the output is kept.
 * - `confidence` is what the executor reported, also on a reported failure, and `null` when it
 *   reported none: Baton never invents a confidence.
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
  const graph: TaskGraph = {
    source: 'agent',
    steps: [agentStep('agent', agent, { role: 'agent', strategy: 'single' })],
  };
  const engine = new Engine({
    checkpointer: new MemoryCheckpointer({ keepEvents: false }),
    hooks: { contextFor: (_step, _view, base) => base },
    pollIntervalMs: 0,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const result = await engine.run(graph, {
    executor: options.executor,
    context,
    defaultTimeoutSeconds: timeout ?? DEFAULT_AGENT_TIMEOUT_SECONDS,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.events === undefined ? {} : { events: options.events }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const outcome = result.steps.agent;
  if (outcome?.result !== undefined) return outcome.result;
  const last = outcome?.attempts.at(-1);
  if (last !== undefined) {
    return failedResult(
      agent.id,
      last.error ?? `Agent "${agent.id}" was aborted`,
      last.durationSeconds,
    );
  }
  return failedResult(agent.id, `Agent "${agent.id}" was not started: the run was aborted`, 0);
}
