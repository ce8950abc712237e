import {
  type AgentExecutor,
  type AgentResult,
  type BatonEmitter,
  type CompositionPattern,
  type ExecutableAgent,
  type Logger,
  noopLogger,
  type StrategyResult,
  ValidationError,
} from '@baton/core';
import { DEFAULT_AGENT_TIMEOUT_SECONDS, emit, runCheckedAgent } from './agent-runner.js';
import { validateAgents, validateContext } from './validate-agents.js';

/** Options every strategy takes. */
export interface StrategyOptions<TAgent extends ExecutableAgent = ExecutableAgent> {
  /** Runs one agent: the seam to whatever actually executes agents (a model, a framework, a test). */
  executor: AgentExecutor<TAgent>;
  /** Receives `strategy-start`, `phase-start`, `agent-start`, `agent-end`, `usage-add`, `strategy-end`. */
  events?: BatonEmitter | undefined;
  /** Receives diagnostics. Defaults to a logger that drops everything. */
  logger?: Logger | undefined;
  /**
   * Time limit, in seconds, for an agent without `resourceRequirements.timeoutSeconds`.
   * Defaults to {@link DEFAULT_AGENT_TIMEOUT_SECONDS} (300); `Infinity` means no limit.
   */
  defaultTimeoutSeconds?: number | undefined;
}

/** Options of one `execute` call. */
export interface ExecuteOptions {
  /**
   * Cancels the run: no further agent starts, running agents see the abort through their signal,
   * and `execute` resolves promptly with the results so far (see {@link ExecutionStrategy.execute}).
   */
  signal?: AbortSignal | undefined;
  /** Ties every event of this run together. Defaults to a random UUID. */
  runId?: string | undefined;
}

/** What a strategy's `run` gets to work with: one run's agent runner and event helpers. */
export interface StrategyRun<TAgent extends ExecutableAgent> {
  /** The run's abort signal, if any. */
  readonly signal: AbortSignal | undefined;
  /** Runs one agent with the strategy's executor, time limits, signal and events. Never rejects. */
  runAgent(agent: TAgent, context: Record<string, unknown>): Promise<AgentResult>;
  /** Emits `phase-start`. */
  phase(name: string): void;
}

/**
 * The base of the six strategies: validates the team and the context, emits `strategy-start` and
 * `strategy-end`, and gives the strategy a runner that turns every throw, timeout or abort of an
 * agent into a failed {@link AgentResult}.
 *
 * @typeParam TAgent - the agent type of your framework; anything with an `id`.
 */
export abstract class ExecutionStrategy<TAgent extends ExecutableAgent = ExecutableAgent> {
  /** The strategy's name, as in `getStrategy(name)`. */
  abstract readonly name: CompositionPattern;
  /** The executor that runs each agent. */
  protected readonly executor: AgentExecutor<TAgent>;
  /** Where events go, if anywhere. */
  protected readonly events: BatonEmitter | undefined;
  /** Where diagnostics go. */
  protected readonly logger: Logger;
  /** Time limit for agents that set none. */
  protected readonly defaultTimeoutSeconds: number;

  constructor(options: StrategyOptions<TAgent>) {
    if (typeof options !== 'object' || options === null) {
      throw new ValidationError('options', 'must be an object with an executor function');
    }
    if (typeof options.executor !== 'function') {
      throw new ValidationError(
        'executor',
        'must be a function (agent, context, { signal }) => Promise<{ output }>',
      );
    }
    if (options.events !== undefined && typeof options.events?.emit !== 'function') {
      throw new ValidationError('events', 'must be a BatonEmitter');
    }
    const timeout = options.defaultTimeoutSeconds ?? DEFAULT_AGENT_TIMEOUT_SECONDS;
    if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout <= 0) {
      throw new ValidationError(
        'defaultTimeoutSeconds',
        `must be a number > 0 (got ${String(timeout)})`,
      );
    }
    this.executor = options.executor;
    this.events = options.events;
    this.logger = options.logger ?? noopLogger;
    this.defaultTimeoutSeconds = timeout;
  }

  /**
   * Runs the team. Bad input (an empty team, an agent without an id, duplicate ids, a team of the
   * wrong size for the strategy, a context or options that are not an object, a `signal` that is
   * not an AbortSignal, an empty `runId`) rejects with a
   * {@link ValidationError} naming the field. After that, `execute` always resolves: a failing,
   * throwing, timed-out or aborted agent is a failed result in `outputs` and its error text is in
   * `errors`. When the run is aborted, agents that had not started are recorded as failed results
   * that say so, the strategy stops, and `success` is false.
   *
   * The caller's `context` is never changed; each agent gets its own shallow copy.
   */
  async execute(
    agents: readonly TAgent[],
    context: Record<string, unknown> = {},
    options: ExecuteOptions = {},
  ): Promise<StrategyResult> {
    validateAgents(agents);
    this.validateTeam(agents);
    validateContext(context);
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ValidationError('options', 'must be an object');
    }
    const { signal } = options;
    if (signal !== undefined && !isAbortSignal(signal)) {
      throw new ValidationError('signal', 'must be an AbortSignal');
    }
    if (
      options.runId !== undefined &&
      (typeof options.runId !== 'string' || options.runId.trim() === '')
    ) {
      throw new ValidationError('runId', 'must be a non-empty string');
    }
    const runId = options.runId ?? createRunId();
    const strategy = this.name;
    const { events, logger } = this;
    emit(events, logger, 'strategy-start', {
      strategy,
      agentIds: agents.map((agent) => agent.id),
      runId,
      timestamp: Date.now(),
    });
    logger.debug('strategy started', { strategy, runId, agents: agents.length });
    const run: StrategyRun<TAgent> = {
      signal,
      runAgent: (agent, agentContext) =>
        runCheckedAgent(agent, agentContext, {
          executor: this.executor,
          signal,
          events,
          logger,
          defaultTimeoutSeconds: this.defaultTimeoutSeconds,
          strategy,
          runId,
        }),
      phase: (phase) => {
        logger.debug('phase started', { strategy, runId, phase });
        emit(events, logger, 'phase-start', { strategy, phase, runId, timestamp: Date.now() });
      },
    };
    const result = await this.run(agents, { ...context }, run);
    logger.debug('strategy ended', { strategy, runId, success: result.success });
    emit(events, logger, 'strategy-end', { strategy, result, runId, timestamp: Date.now() });
    return result;
  }

  /** Checks the team size the strategy needs; throws a {@link ValidationError} naming `agents`. */
  protected validateTeam(_agents: readonly TAgent[]): void {}

  /** The strategy itself. `context` is already a copy the strategy may extend. */
  protected abstract run(
    agents: readonly TAgent[],
    context: Record<string, unknown>,
    run: StrategyRun<TAgent>,
  ): Promise<StrategyResult>;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  );
}

let runCounter = 0;

/** A random UUID where the runtime offers one (Node, Deno, Bun, secure browser pages), else a unique local id. */
function createRunId(): string {
  const uuid = globalThis.crypto?.randomUUID?.();
  runCounter += 1;
  return uuid ?? `run-${Date.now().toString(36)}-${runCounter}`;
}

/**
 * The default aggregate of a team's results: `{ numAgents, allSucceeded, avgConfidence, outputs }`
 * (`avgConfidence` is 0 for an empty list, `outputs` the agents' outputs in order).
 */
export function aggregateResults(results: readonly AgentResult[]): {
  numAgents: number;
  allSucceeded: boolean;
  avgConfidence: number;
  outputs: unknown[];
} {
  return {
    numAgents: results.length,
    allSucceeded: results.every((result) => result.success),
    avgConfidence: averageConfidence(results),
    outputs: results.map((result) => result.output),
  };
}

/** Mean confidence of the results, 0 for none. */
export function averageConfidence(results: readonly AgentResult[]): number {
  if (results.length === 0) return 0;
  return results.reduce((sum, result) => sum + result.confidence, 0) / results.length;
}

/** The error texts of the failed results, in order. */
export function errorsOf(results: readonly AgentResult[]): string[] {
  return results.filter((result) => !result.success).map((result) => result.error);
}

/** Sum of the results' durations in seconds. */
export function sumDurations(results: readonly AgentResult[]): number {
  return results.reduce((sum, result) => sum + result.durationSeconds, 0);
}

/** Throws a {@link ValidationError} on `agents` when the team is smaller than `minimum`. */
export function requireAtLeast(
  agents: readonly unknown[],
  minimum: number,
  strategy: string,
  shape: string,
): void {
  if (agents.length < minimum) {
    throw new ValidationError(
      'agents',
      `the ${strategy} strategy needs at least ${minimum} agents ${shape} (got ${agents.length})`,
    );
  }
}
