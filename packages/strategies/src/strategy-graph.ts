import {
  type AgentResult,
  type CompositionPattern,
  DEFAULT_RESOURCE_REQUIREMENTS,
  type ExecutableAgent,
  type GraphHooks,
  type RunResult,
  type RunView,
  type StepTiming,
  type TaskGraph,
  type TaskStep,
  ValidationError,
} from '@baton/core';

/** Options every strategy's graph builder understands (each reads its own). */
export interface StrategyGraphOptions {
  /** The task, kept with the graph (and given to every step as `task`). */
  task?: string | undefined;
  /** Teaching: the junior's confidence needed for its answer to stand (0..1). Default 0.7. */
  qualityThreshold?: number | undefined;
  /** Adaptive: classifier confidence above which the cheapest specialist runs (0..1). Default 0.8. */
  confidenceThreshold?: number | undefined;
  /** Debate: the synthesizer, when it is not one of the team's agents. */
  synthesizer?: ExecutableAgent | undefined;
  /**
   * Debate: the id of the team's synthesizer. Default: the agent marked `strategyRole:
   * "synthesizer"` (as the meta-orchestrator marks it), else one whose id ends in
   * `__synthesizer` (the agent factory's id for it), else none.
   */
  synthesizerId?: string | undefined;
  /** Keep each agent's own id as its step id when it is a valid step id. Default true. */
  agentIdsAsStepIds?: boolean | undefined;
}

/**
 * One composition strategy as the engine runs it: it validates a team, builds the task graph for
 * it (pure data), and owns every rule of the strategy in its hooks (which steps run, what each
 * sees, the verdict). Nothing outside the strategy's file knows these rules.
 */
export interface StrategyGraph {
  readonly name: CompositionPattern;
  /**
   * Checks the team's shape for the strategy; throws a `ValidationError` naming `agents` (or
   * the option) when it cannot run.
   */
  validateTeam(team: readonly ExecutableAgent[], options?: StrategyGraphOptions): void;
  /** The task graph for a team (validated first). */
  build(team: readonly ExecutableAgent[], options?: StrategyGraphOptions): TaskGraph;
  readonly hooks: GraphHooks;
}

const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9._@+-]*$/;

/** Step ids for a team: the agent ids where they are valid step ids, else safe variants (unique). */
export function stepIdsFor(
  team: readonly ExecutableAgent[],
  options: StrategyGraphOptions = {},
): string[] {
  const used = new Set<string>();
  return team.map((agent) => {
    const raw = agent.id;
    if (
      options.agentIdsAsStepIds !== false &&
      STEP_ID.test(raw) &&
      raw.length <= 180 &&
      !used.has(raw)
    ) {
      used.add(raw);
      return raw;
    }
    let base = raw.replace(/[^A-Za-z0-9._@+-]/g, '_');
    if (!/^[A-Za-z0-9]/.test(base)) base = `s${base}`;
    base = base.slice(0, 180);
    let id = base;
    for (let n = 2; used.has(id); n += 1) id = `${base}-${n}`;
    used.add(id);
    return id;
  });
}

/** An agent step of a strategy graph, with every default filled in (no parsing needed). */
export function agentStep(
  id: string,
  agent: ExecutableAgent,
  fields: {
    role: string;
    strategy: CompositionPattern | string;
    parentId?: string | undefined;
    dependsOn?: string[] | undefined;
    onDependencyFailure?: 'skip' | 'run' | undefined;
    critical?: boolean | undefined;
    escalate?: boolean | undefined;
  },
): TaskStep {
  const step: TaskStep = {
    id,
    label: agent.id,
    kind: 'agent',
    // The caller's own object: the executor gets back exactly the agent it was given.
    agent: agent as TaskStep['agent'],
    dependsOn: fields.dependsOn ?? [],
    onDependencyFailure: fields.onDependencyFailure ?? 'skip',
    role: fields.role,
    critical: fields.critical ?? true,
    escalate: fields.escalate ?? true,
    risky: false,
    estimatedDurationSeconds:
      agent.resourceRequirements?.timeoutSeconds ?? DEFAULT_RESOURCE_REQUIREMENTS.timeoutSeconds,
    strategy: fields.strategy,
    fallbacks: [],
  };
  if (fields.parentId !== undefined) step.parentId = fields.parentId;
  return step;
}

/** A graph of a strategy. */
export function strategyGraph(
  strategy: CompositionPattern,
  steps: TaskStep[],
  options: StrategyGraphOptions,
  params?: Record<string, unknown>,
): TaskGraph {
  const graph: TaskGraph = { strategy, source: 'strategy', steps };
  if (options.task !== undefined) graph.task = options.task;
  if (params !== undefined) graph.params = params;
  return graph;
}

/** The steps of a graph that play `role`, in order. */
export function stepsWithRole(view: RunView, role: string): TaskStep[] {
  return view.graph.steps.filter((step) => step.role === role);
}

/** The first step that plays `role`. */
export function stepWithRole(view: RunView, role: string): TaskStep | undefined {
  return view.graph.steps.find((step) => step.role === role);
}

/** A number parameter of the graph, checked to lie in 0..1, else `fallback`. */
export function unitParam(graph: TaskGraph, name: string, fallback: number): number {
  const value = graph.params?.[name];
  return typeof value === 'number' && value >= 0 && value <= 1 ? value : fallback;
}

/** Checks a number in 0..1 for option `field`. */
export function validateUnitInterval(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new ValidationError(field, `must be a number from 0 to 1 (got ${String(value)})`);
  }
  return value;
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

/**
 * The view the hooks see once a run has stopped, in which steps that were interrupted or never
 * started count as failed with the result that says so. An aborted strategy run reports its
 * agents through it: the interrupted ones as aborted, and those the strategy would still have
 * run as not started.
 */
export class StoppedRunView implements RunView {
  readonly graph: TaskGraph;
  readonly context: Readonly<Record<string, unknown>>;
  readonly aborted: boolean;
  readonly #results = new Map<string, AgentResult>();
  readonly #statuses = new Map<string, 'succeeded' | 'failed' | 'skipped'>();
  readonly #reasons = new Map<string, 'dependency-failed' | 'condition-not-met'>();
  readonly #byId: Map<string, TaskStep>;
  readonly #timings: (stepId: string) => StepTiming | undefined;

  constructor(options: {
    graph: TaskGraph;
    context: Readonly<Record<string, unknown>>;
    result: RunResult;
    hooks: GraphHooks;
    timing: (stepId: string) => StepTiming | undefined;
  }) {
    const { graph, result, hooks } = options;
    this.graph = graph;
    this.context = options.context;
    this.aborted = result.status === 'cancelled';
    this.#byId = new Map(graph.steps.map((step) => [step.id, step]));
    this.#timings = options.timing;
    const reason = abortReasonText(result);
    for (const step of graph.steps) {
      const outcome = result.steps[step.id];
      if (
        outcome?.result !== undefined &&
        (outcome.status === 'succeeded' || outcome.status === 'failed')
      ) {
        this.#results.set(step.id, outcome.result);
        this.#statuses.set(step.id, outcome.status);
        continue;
      }
      if (outcome?.status === 'skipped') {
        this.#statuses.set(step.id, 'skipped');
        if (outcome.reason === 'dependency-failed' || outcome.reason === 'condition-not-met') {
          this.#reasons.set(step.id, outcome.reason);
        }
        continue;
      }
      const agentId = step.agent?.id ?? step.id;
      const last = outcome?.attempts.at(-1);
      if (last !== undefined) {
        // Interrupted while it ran.
        this.#results.set(step.id, {
          agentId,
          success: false,
          output: undefined,
          confidence: null,
          durationSeconds: last.durationSeconds,
          error: last.error ?? `Agent "${agentId}" was aborted`,
        });
        this.#statuses.set(step.id, 'failed');
        continue;
      }
      // Never started: would the strategy have run it?
      const dependencyFailed =
        step.onDependencyFailure === 'skip' &&
        step.dependsOn.some(
          (id) => this.status(id) === 'failed' || this.#reasons.get(id) === 'dependency-failed',
        );
      if (dependencyFailed) {
        this.#statuses.set(step.id, 'skipped');
        this.#reasons.set(step.id, 'dependency-failed');
        continue;
      }
      if (hooks.shouldRun !== undefined && !hooks.shouldRun(step, this)) {
        this.#statuses.set(step.id, 'skipped');
        this.#reasons.set(step.id, 'condition-not-met');
        continue;
      }
      this.#results.set(step.id, {
        agentId,
        success: false,
        output: undefined,
        confidence: null,
        durationSeconds: 0,
        error: `Agent "${agentId}" was not started: ${reason}`,
      });
      this.#statuses.set(step.id, 'failed');
    }
  }

  step(stepId: string): TaskStep | undefined {
    return this.#byId.get(stepId);
  }

  status(stepId: string) {
    return this.#statuses.get(stepId) ?? 'pending';
  }

  checkpoint(stepId: string) {
    const status = this.#statuses.get(stepId);
    if (status === undefined) return undefined;
    const result = this.#results.get(stepId);
    const reason = this.#reasons.get(stepId);
    return {
      stepId,
      status,
      attempts: [],
      endedAt: '',
      runAttempt: 1,
      ...(result === undefined ? {} : { result }),
      ...(reason === undefined ? {} : { reason }),
    };
  }

  result(stepId: string): AgentResult | undefined {
    return this.#results.get(stepId);
  }

  timing(stepId: string): StepTiming | undefined {
    return this.#timings(stepId);
  }
}

function abortReasonText(result: RunResult): string {
  return result.status === 'cancelled' ? 'the run was aborted' : `the run ${result.status}`;
}
