import {
  type AgentExecutor,
  type BatonEmitter,
  type CompositionPattern,
  Engine,
  type ExecutableAgent,
  type Logger,
  MemoryCheckpointer,
  noopLogger,
  type RetryPolicyInput,
  type StrategyResult,
  ValidationError,
} from '@baton/core';
import { DEFAULT_AGENT_TIMEOUT_SECONDS } from './agent-runner.js';
import { StoppedRunView, type StrategyGraph, type StrategyGraphOptions } from './strategy-graph.js';
import { validateAgents, validateContext } from './validate-agents.js';

/** Options every strategy takes. */
export interface StrategyOptions<TAgent extends ExecutableAgent = ExecutableAgent> {
  /** Runs one agent: the seam to whatever actually executes agents (a model, a framework, a test). */
  executor: AgentExecutor<TAgent>;
  /**
   * Receives the run's events: `run-start`, `phase-start`, `step-start`, `step-usage`,
   * `step-retry`, `step-end`, `run-end` (the one vocabulary of every Baton layer).
   */
  events?: BatonEmitter | undefined;
  /** Receives diagnostics. Defaults to a logger that drops everything. */
  logger?: Logger | undefined;
  /**
   * Time limit, in seconds, for an agent without `resourceRequirements.timeoutSeconds`.
   * Defaults to {@link DEFAULT_AGENT_TIMEOUT_SECONDS} (300); `Infinity` means no limit.
   */
  defaultTimeoutSeconds?: number | undefined;
  /**
   * How thrown retryable errors (rate limits, overloaded services, dropped connections) are
   * retried. Default: up to 2 retries with backoff; `{ maxRetries: 0 }` never retries.
   */
  retry?: RetryPolicyInput | undefined;
}

/** Options of one `execute` call. */
export interface ExecuteOptions {
  /**
   * Cancels the run: no further agent starts, running agents see the abort through their signal,
   * and `execute` resolves promptly with the results so far (see {@link ExecutionStrategy.execute}).
   */
  signal?: AbortSignal | undefined;
  /** Ties every event of this run together. Defaults to a new id. */
  runId?: string | undefined;
}

/**
 * The base of the six strategies. A strategy is a {@link StrategyGraph}: it builds the task graph
 * of a team and owns the rules that run it; `execute` runs that graph on Baton's one engine with
 * an in-memory checkpointer, the same engine that runs `baton run` durably, so a strategy means
 * the same thing wherever it runs.
 *
 * @typeParam TAgent - the agent type of your framework; anything with an `id`.
 */
export abstract class ExecutionStrategy<TAgent extends ExecutableAgent = ExecutableAgent> {
  /** The strategy's name, as in `getStrategy(name)`. */
  abstract readonly name: CompositionPattern;
  /** The strategy's graph builder and rules. */
  protected abstract readonly graph: StrategyGraph;
  /** The executor that runs each agent. */
  protected readonly executor: AgentExecutor<TAgent>;
  /** Where events go, if anywhere. */
  protected readonly events: BatonEmitter | undefined;
  /** Where diagnostics go. */
  protected readonly logger: Logger;
  /** Time limit for agents that set none. */
  protected readonly defaultTimeoutSeconds: number;
  readonly #retry: RetryPolicyInput | undefined;

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
    this.#retry = options.retry;
  }

  /** The options the strategy builds its graph with. */
  protected graphOptions(): StrategyGraphOptions {
    return {};
  }

  /** How many agents may run at once. */
  protected maxConcurrency(): number {
    return Number.POSITIVE_INFINITY;
  }

  /**
   * Runs the team. Bad input (an empty team, an agent without an id, duplicate ids, a team of the
   * wrong size for the strategy, a context or options that are not an object, a `signal` that is
   * not an AbortSignal, an empty `runId`) rejects with a
   * {@link ValidationError} naming the field. After that, `execute` always resolves: a failing,
   * throwing, timed-out or aborted agent is a failed result in `outputs` and its error text is in
   * `errors`. When the run is aborted, agents that the strategy would still have run are recorded
   * as failed results that say they were not started, and `success` is false.
   *
   * The caller's `context` is never changed; each agent gets its own shallow copy.
   */
  async execute(
    agents: readonly TAgent[],
    context: Record<string, unknown> = {},
    options: ExecuteOptions = {},
  ): Promise<StrategyResult> {
    validateAgents(agents);
    const graphOptions = this.graphOptions();
    this.graph.validateTeam(agents, graphOptions);
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
    const graph = this.graph.build(agents, graphOptions);
    const hooks = this.graph.hooks;
    const engine = new Engine({
      checkpointer: new MemoryCheckpointer({ keepEvents: false }),
      hooks,
      logger: this.logger,
      pollIntervalMs: 0,
    });
    const runId = options.runId === undefined ? undefined : runIdFor(options.runId);
    const result = await engine.run(graph, {
      executor: this.executor,
      context,
      concurrency: this.maxConcurrency(),
      defaultTimeoutSeconds: this.defaultTimeoutSeconds,
      ...(this.#retry === undefined ? {} : { retry: this.#retry }),
      ...(this.events === undefined ? {} : { events: this.events }),
      ...(signal === undefined ? {} : { signal }),
      ...(runId === undefined ? {} : { runId }),
    });
    if (
      result.progress.done === graph.steps.length &&
      result.error === undefined &&
      (result.status === 'succeeded' || result.status === 'failed')
    ) {
      // Every step finished: the engine has aggregated the run with the same hook.
      const outputs = [];
      for (const step of graph.steps) {
        const stepResult = result.steps[step.id]?.result;
        if (stepResult !== undefined) outputs.push(stepResult);
      }
      return {
        success: result.status === 'succeeded',
        outputs,
        aggregatedOutput: result.aggregatedOutput,
        totalDuration: result.totalDuration,
        errors: result.errors,
      };
    }
    // Stopped early: what the strategy would still have run counts as not started.
    const view = new StoppedRunView({
      graph,
      context,
      result,
      hooks,
      timing: (stepId) => result.timings[stepId],
    });
    const outcome = hooks.aggregate!(view);
    const outputs = [];
    for (const step of graph.steps) {
      const stepResult = view.result(step.id);
      if (stepResult !== undefined) outputs.push(stepResult);
    }
    return {
      success: outcome.success && result.status === 'succeeded',
      outputs,
      aggregatedOutput: outcome.aggregatedOutput,
      totalDuration: outcome.totalDuration ?? result.durationSeconds,
      errors: outcome.errors,
    };
  }
}

/** A run id the engine accepts, from any non-empty string a framework uses. */
function runIdFor(raw: string): string {
  const safe = raw
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[^A-Za-z0-9]/, 'r')
    .slice(0, 128);
  return safe.includes('..') ? safe.replace(/\.\.+/g, '_') : safe;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  );
}
