import nodePath from 'node:path';
import {
  type AgentConfiguration,
  ConfigurationStore,
  type CorruptFile,
  ratingScorer,
} from '@baton/config-store';
import {
  type AgentExecutor,
  BatonError,
  BatonErrorCode,
  type Budget,
  type Checkpointer,
  type Decision,
  type DecisionAction,
  type Logger,
  mergeAbortSignals,
  noopLogger,
  type RunEvent,
  type StateProblem,
  type StepAgent,
  type StepEstimate,
  summarizeGraph,
  type TaskGraph,
  ValidationError,
} from '@baton/core';
import type { ExecutorSelection } from '@baton/executors';
import { type ComposedPlan, MetaOrchestrator } from '@baton/meta-orchestrator';
import {
  type CancelResult,
  compilePlan,
  projectLayout,
  type RunDetails,
  RunStore,
  type RunSummary,
  Runtime,
} from '@baton/runtime';
import { openCompositionStore } from './composition.js';
import type { PlanChoice } from './decompose.js';
import type { ExecutorFactory } from './executor-factory.js';
import { queueDispatch } from './queue-dispatch.js';
import {
  type RunQualityRecord,
  readRunQuality,
  withRating,
  writeRunQuality,
} from './run-quality.js';
import type {
  PreparedRun,
  RunExecution,
  TaskRunEnvironment,
  TaskRunHandle,
  TaskRunOptions,
} from './task-run.js';
import type { TestCoverageOptions, TestCoverageReport } from './test-coverage.js';
import type {
  ReleasePrepOptions,
  runReleasePrep,
  runSecurityDeepDive,
  SecurityDeepDiveOptions,
} from './workflows.js';

// What runs agents (the AI SDK, the analyzers' parser, BullMQ) loads when a command first runs
// one, so that `plan`, `runs` and `decisions` start fast.
const taskRuns = () => import('./task-run.js');
const workflows = () => import('./workflows.js');

/** Options of {@link createBaton}. */
export interface BatonOptions extends ExecutorSelection {
  /** The project the agents work on; its state goes to `<projectDir>/.baton`. Default: the current directory. */
  projectDir?: string | undefined;
  /**
   * Runs every agent (any `AgentExecutor`: a plain async function will do). Without one, the
   * executor is selected from `agentCli`, `BATON_AGENT_CLI` / `baton.config.json` `agentCli`,
   * else the model provider configured in the environment or `baton.config.json` `model`.
   * It runs in this process, also with `BATON_REDIS_URL` set (only a setup can be sent to
   * workers: they build their own executors).
   */
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executor?: AgentExecutor<any> | undefined;
  /** With a custom executor: estimates an agent run before it starts (a cost limit needs it). */
  estimate?: ((agent: StepAgent) => StepEstimate) | undefined;
  /** Builds the executors of a resolved setup (default `createExecutorFor` of `@baton/executors`). */
  createExecutor?: ExecutorFactory | undefined;
  /**
   * Where runs are kept (default: PostgreSQL with `BATON_DATABASE_URL` in `env`, else files
   * under `<projectDir>/.baton/runs`).
   */
  checkpointer?: Checkpointer | undefined;
  /**
   * The environment variables it reads (default `process.env`). With `BATON_REDIS_URL`, the
   * agent calls of runs go as jobs to `baton worker` processes (`@baton/queue`); this instance's
   * engine still schedules every step.
   */
  env?: NodeJS.ProcessEnv | undefined;
  /** Receives diagnostics (Baton never writes to the console). */
  logger?: Logger | undefined;
  /** Stops everything this instance runs. */
  signal?: AbortSignal | undefined;
}

/** What `baton.plan()` returns (what `baton plan --json` prints). */
export interface PlanReport {
  task: string;
  plan: ComposedPlan;
  /** The task graph a run would execute (with `graph: true`). */
  graph?: TaskGraph | undefined;
  graphSummary?: ReturnType<typeof summarizeGraph> | undefined;
  /** With `decompose: true`: where the graph came from and why. */
  decompose?: PlanChoice | undefined;
}

/** Baton in one object: see {@link createBaton}. */
export interface Baton {
  /** The project's folder. */
  readonly projectDir: string;
  /** Analyses a task and composes its plan, without running anything. */
  plan(
    task: string,
    options?: {
      context?: Record<string, unknown>;
      graph?: boolean;
      decompose?: boolean;
      signal?: AbortSignal;
    },
  ): Promise<PlanReport>;
  /** Everything a run would start, without starting it (`baton run --dry-run`). */
  prepare(task: string, options?: TaskRunOptions): Promise<PreparedRun>;
  /**
   * Starts a run that `prepare` composed, exactly as prepared (shown to a person first, say).
   * Give the same executor selection (`agentCli`, `worktree`, `validate`) as to `prepare`.
   */
  start(
    prepared: PreparedRun,
    options?: Omit<TaskRunOptions, 'fresh' | 'decompose' | 'context'> & {
      context?: Record<string, unknown> | undefined;
    },
  ): Promise<TaskRunHandle>;
  /**
   * Runs a task: reuses a proven composition or composes a team, runs it durably (checkpointed,
   * resumable, budgeted), records the outcome, and reports. The handle's `events` can be iterated
   * while it runs; `result` settles with the report when it stops.
   */
  run(task: string, options?: TaskRunOptions): Promise<TaskRunHandle>;
  /** Continues a stopped run (cancelled, paused, out of budget, crashed) without re-running finished steps. */
  resume(
    runId: string,
    options?: Omit<TaskRunOptions, 'fresh' | 'decompose' | 'context' | 'runId'>,
  ): Promise<TaskRunHandle>;
  /** Cancels a run, here or in another process. */
  cancel(runId: string, options?: { reason?: string }): Promise<CancelResult>;
  readonly runs: {
    list(options?: {
      status?: RunSummary['status'];
      limit?: number;
    }): Promise<{ runs: RunSummary[]; problems: StateProblem[] }>;
    /** A run, with the quality its scorers measured once it finished (`quality`, null before). */
    get(runId: string): Promise<RunDetails & { quality: RunQualityRecord | null }>;
    /**
     * A person's rating of a finished run, 0..100 (`baton runs rate <id> --score N`): a scorer
     * of the run's quality that weighs most; a later rating replaces an earlier one. The run's
     * quality is scored again and recorded on its composition (its use is not counted again).
     */
    rate(
      runId: string,
      rating: { score: number; note?: string | undefined; by?: string | undefined },
    ): Promise<RunQualityRecord>;
    /** A run's events after `afterSeq`; with `follow`, also those still to come, until the run ends. */
    events(
      runId: string,
      options?: {
        afterSeq?: number;
        follow?: boolean;
        signal?: AbortSignal;
        pollIntervalMs?: number;
      },
    ): AsyncIterable<RunEvent>;
  };
  readonly decisions: {
    list(filter?: {
      runId?: string;
      status?: Decision['status'];
    }): Promise<{ decisions: Decision[]; problems: StateProblem[] }>;
    approve(id: string, options?: { note?: string }): Promise<Decision>;
    reject(id: string, options?: { note?: string }): Promise<Decision>;
  };
  readonly compositions: {
    /**
     * The stored compositions, and each stored file that cannot be read (named, left untouched;
     * never silently treated as absent).
     */
    list(filter?: {
      taskPattern?: string;
    }): Promise<{ compositions: AgentConfiguration[]; problems: CorruptFile[] }>;
    get(id: string): Promise<AgentConfiguration | undefined>;
    delete(id: string): Promise<boolean>;
  };
  /** The release-readiness check (see `OrchestratedReleasePrepWorkflow`). */
  releasePrep(options?: ReleasePrepOptions): ReturnType<typeof runReleasePrep>;
  /** The coverage boost (see `TestCoverageBoostWorkflow`). */
  testCoverage(options?: TestCoverageOptions): Promise<TestCoverageReport>;
  /** The security deep dive (see `SecurityDeepDiveWorkflow`). */
  securityDeepDive(options?: SecurityDeepDiveOptions): ReturnType<typeof runSecurityDeepDive>;
  /** Closes the connections it opened for `BATON_REDIS_URL` and `BATON_DATABASE_URL`. */
  close(): Promise<void>;
}

/**
 * The one entry point: what `baton run` does, in one call. Everything not given comes from
 * `baton.config.json` and the environment, as the CLI reads them.
 *
 * @example
 * ```ts
 * import { createBaton } from '@baton/sdk';
 *
 * const baton = createBaton({
 *   projectDir: '.',
 *   executor: async (agent, context) => ({ output: `${agent.id} looked at ${String(context.task)}`, confidence: 0.8 }),
 * });
 * const run = await baton.run('review the API for breaking changes');
 * for await (const event of run.events) if (event.type === 'step-end') console.log(event.stepId, event.status);
 * const report = await run.result; // status, agents, measured tokens and cost, outcome recorded
 * ```
 */
export function createBaton(options: BatonOptions = {}): Baton {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('options', 'must be an object');
  }
  if (options.executor !== undefined && typeof options.executor !== 'function') {
    throw new ValidationError(
      'executor',
      'must be a function (agent, context, { signal }) => Promise<{ output }>',
    );
  }
  if (options.executor !== undefined && options.agentCli !== undefined) {
    throw new ValidationError('agentCli', 'conflicts with executor: give one');
  }
  const projectDir = nodePath.resolve(options.projectDir ?? process.cwd());
  const env = options.env ?? process.env;
  const logger = options.logger ?? noopLogger;
  const layout = projectLayout(projectDir);
  const dispatch = queueDispatch({ env, logger });
  const checkpointer = options.checkpointer ?? dispatch.checkpointer();
  const runtimeOptions = checkpointer === undefined ? {} : { checkpointer };
  const environment = (signal: AbortSignal | undefined): TaskRunEnvironment => ({
    projectDir,
    env,
    logger,
    signal: mergeAbortSignals(options.signal, signal),
    runtimeOptions,
  });
  const store = (): RunStore =>
    new RunStore(checkpointer === undefined ? { dir: layout.dir } : { checkpointer });
  const compositions = (onCorruptFile?: (file: CorruptFile) => void): ConfigurationStore =>
    new ConfigurationStore({
      storageDir: layout.compositions,
      logger,
      ...(onCorruptFile === undefined ? {} : { onCorruptFile }),
    });

  /** How agents run: the caller's executor, or the setup the selection and the environment give. */
  const execution = async (
    selection: ExecutorSelection,
    metadata?: Record<string, unknown>,
  ): Promise<RunExecution> => {
    if (options.executor !== undefined) {
      return { kind: 'custom', executor: options.executor, estimate: options.estimate };
    }
    const { executorSpecFor, executorSpecFromMetadata, resolveExecutorSetup } = await import(
      '@baton/executors'
    );
    const spec =
      metadata === undefined
        ? executorSpecFor(
            {
              agentCli: selection.agentCli ?? options.agentCli,
              worktree: selection.worktree ?? options.worktree,
              validate: selection.validate ?? options.validate,
            },
            { projectRoot: projectDir, env },
          )
        : executorSpecFromMetadata(metadata);
    const setup = await resolveExecutorSetup(spec, { projectRoot: projectDir, env });
    return {
      kind: 'setup',
      setup,
      spec,
      create: dispatch.createExecutor ?? options.createExecutor,
    };
  };

  const baton: Baton = {
    projectDir,
    async plan(task, planOptions = {}) {
      const plan = new MetaOrchestrator().analyzeAndCompose(task, planOptions.context);
      if (planOptions.decompose === true && planOptions.graph !== true) {
        throw new ValidationError('decompose', 'needs graph: true');
      }
      if (planOptions.graph !== true) return { task, plan };
      let graph = compilePlan(plan, { task: plan.task });
      let decompose: PlanChoice | undefined;
      if (planOptions.decompose === true) {
        const heuristic = graph;
        const { decomposeTask } = await import('./decompose.js');
        const decomposed = await decomposeTask({
          task: plan.task,
          heuristic: () => heuristic,
          projectRoot: projectDir,
          env,
          logger,
          signal: mergeAbortSignals(options.signal, planOptions.signal),
        });
        graph = decomposed.graph;
        decompose = {
          source: decomposed.source,
          reason: decomposed.reason,
          planner: decomposed.planner,
        };
      }
      return {
        task,
        plan,
        graph,
        graphSummary: summarizeGraph(graph),
        ...(decompose === undefined ? {} : { decompose }),
      };
    },
    async prepare(task, runOptions = {}) {
      checkTask(task);
      const { prepareTaskRun } = await taskRuns();
      return prepareTaskRun(
        environment(runOptions.signal),
        await execution(runOptions),
        task,
        runOptions,
      );
    },
    async start(prepared, runOptions = {}) {
      if (
        typeof prepared !== 'object' ||
        prepared === null ||
        !Array.isArray(prepared.graph?.steps)
      ) {
        throw new ValidationError('prepared', 'must be what baton.prepare() returned');
      }
      const run = await execution(runOptions);
      const { startTaskRun } = await taskRuns();
      return startTaskRun(environment(runOptions.signal), run, {
        kind: 'start',
        prepared,
        options: runOptions,
      });
    },
    async run(task, runOptions = {}) {
      checkTask(task);
      const run = await execution(runOptions);
      const env = environment(runOptions.signal);
      const { prepareTaskRun, startTaskRun } = await taskRuns();
      const prepared = await prepareTaskRun(env, run, task, runOptions);
      return startTaskRun(env, run, { kind: 'start', prepared, options: runOptions });
    },
    async resume(runId, resumeOptions = {}) {
      const record = await store().loadRun(runId);
      const details = await store().show(runId);
      if (!details.resumable && details.status !== 'running') {
        throw new BatonError(
          BatonErrorCode.CONFLICT,
          `Run ${runId} ${details.status}: there is nothing to resume`,
        );
      }
      const metadata = record.metadata ?? {};
      if (typeof metadata.workflow === 'string') await refuseWorkflowRun(runId, metadata.workflow);
      const run = await execution({}, metadata);
      const { startTaskRun } = await taskRuns();
      return startTaskRun(environment(resumeOptions.signal), run, {
        kind: 'resume',
        runId,
        options: {
          ...resumeOptions,
          escalate: resumeOptions.escalate ?? metadata.escalateFailures !== false,
          ...(resumeOptions.budget === undefined
            ? {}
            : { budget: { ...record.budget, ...resumeOptions.budget } }),
          graph: record.graph,
          metadata,
        },
      });
    },
    async cancel(runId, cancelOptions = {}) {
      const runtime = new Runtime({ dir: layout.dir, logger, ...runtimeOptions });
      return runtime.cancel(runId, {
        reason: cancelOptions.reason ?? 'cancelled',
        interrupt: true,
      });
    },
    runs: {
      list: (listOptions = {}) => store().list(listOptions),
      async get(runId) {
        const details = await store().show(runId);
        return { ...details, quality: (await readRunQuality(projectDir, runId)) ?? null };
      },
      rate: (runId, rating) => rateRun(runId, rating),
      events(runId, eventOptions = {}) {
        const runs = store();
        if (eventOptions.follow === true) {
          return runs.followEvents(runId, {
            ...(eventOptions.afterSeq === undefined ? {} : { afterSeq: eventOptions.afterSeq }),
            ...(eventOptions.signal === undefined ? {} : { signal: eventOptions.signal }),
            ...(eventOptions.pollIntervalMs === undefined
              ? {}
              : { pollIntervalMs: eventOptions.pollIntervalMs }),
          });
        }
        return (async function* () {
          yield* await runs.readEvents(runId, { afterSeq: eventOptions.afterSeq ?? 0 });
        })();
      },
    },
    decisions: {
      list: (filter = {}) => store().decisions(filter),
      approve: (id, decideOptions = {}) => decide(id, 'approve', decideOptions.note),
      reject: (id, decideOptions = {}) => decide(id, 'reject', decideOptions.note),
    },
    compositions: {
      async list(filter = {}) {
        const problems: CorruptFile[] = [];
        const all = await compositions((file) => problems.push(file)).listAll();
        return {
          compositions:
            filter.taskPattern === undefined
              ? all
              : all.filter((config) => config.taskPattern === filter.taskPattern),
          problems,
        };
      },
      get: (id) => compositions().load(id),
      delete: (id) => compositions().delete(id),
    },
    releasePrep: async (releaseOptions = {}) =>
      (await workflows()).runReleasePrep({
        projectDir,
        env,
        logger,
        executor: options.executor,
        signal: options.signal,
        options: releaseOptions,
      }),
    testCoverage: async (coverageOptions = {}) =>
      (await import('./test-coverage.js')).runTestCoverage({
        projectDir,
        env,
        logger,
        executor: options.executor,
        createExecutor: options.createExecutor,
        options: coverageOptions,
        signal: mergeAbortSignals(options.signal, coverageOptions.signal),
      }),
    securityDeepDive: async (securityOptions = {}) =>
      (await workflows()).runSecurityDeepDive({
        projectDir,
        env,
        logger,
        executor: options.executor,
        createExecutor: options.createExecutor,
        signal: options.signal,
        options: securityOptions,
      }),
    close: () => dispatch.close(),
  };

  /** Adds a person's rating to a finished run's quality and records it on its composition. */
  async function rateRun(
    runId: string,
    rating: { score: number; note?: string | undefined; by?: string | undefined },
  ): Promise<RunQualityRecord> {
    if (typeof rating !== 'object' || rating === null) {
      throw new ValidationError('rating', 'must be an object with a score from 0 to 100');
    }
    const scorer = ratingScorer(rating);
    const details = await store().show(runId);
    const record = await readRunQuality(projectDir, runId);
    if (record === undefined) {
      throw new BatonError(
        BatonErrorCode.CONFLICT,
        `Run ${runId} is ${details.status}: only a finished run (succeeded or failed) can be rated`,
      );
    }
    const quality = withRating(record.quality, scorer);
    let recordedScore = record.recordedScore;
    if (record.compositionId !== null && quality.score !== null) {
      await openCompositionStore(projectDir, logger).recordQuality(record.compositionId, {
        qualityScore: quality.score,
        previousScore: record.recordedScore,
      });
      recordedScore = quality.score;
    }
    const updated: RunQualityRecord = {
      ...record,
      quality,
      recordedScore,
      ratings: [
        ...record.ratings,
        {
          score: rating.score,
          ...(rating.note === undefined ? {} : { note: rating.note }),
          ...(rating.by === undefined ? {} : { by: rating.by }),
          at: new Date().toISOString(),
        },
      ],
      updatedAt: new Date().toISOString(),
    };
    await writeRunQuality(projectDir, updated);
    const runtime = new Runtime({ dir: layout.dir, logger, ...runtimeOptions });
    await runtime.audit?.append({
      type: 'rating',
      runId,
      message: `run ${runId} rated ${rating.score} by a person${rating.note ? `: ${rating.note}` : ''}; quality now ${quality.summary}${record.compositionId === null ? '' : ` (recorded on composition ${record.compositionId})`}`,
      data: { score: rating.score, quality: quality.score },
    });
    return updated;
  }

  /** Answers a decision and records who did in the audit log. */
  async function decide(
    id: string,
    action: DecisionAction,
    note: string | undefined,
  ): Promise<Decision> {
    const decided = await store().decide(id, action, note === undefined ? {} : { note });
    const runtime = new Runtime({ dir: layout.dir, logger, ...runtimeOptions });
    await runtime.audit?.append({
      type: 'decision',
      runId: decided.runId,
      stepId: decided.stepId,
      message: `decision ${decided.id} (${decided.kind}) ${decided.status} by a person${note ? `: ${note}` : ''}`,
      data: { decisionId: decided.id },
    });
    return decided;
  }

  return baton;
}

/**
 * A workflow's run is resumed by its workflow, which reports on it: `resume` says which call
 * continues it.
 */
async function refuseWorkflowRun(runId: string, workflow: string): Promise<void> {
  const {
    RELEASE_TASK_PATTERN,
    SECURITY_DEEP_DIVE_TASK_PATTERN,
    TEST_COVERAGE_BOOST_TASK_PATTERN,
  } = await import('@baton/workflows');
  const call: Record<string, string> = {
    [RELEASE_TASK_PATTERN]: 'releasePrep',
    [TEST_COVERAGE_BOOST_TASK_PATTERN]: 'testCoverage',
    [SECURITY_DEEP_DIVE_TASK_PATTERN]: 'securityDeepDive',
  };
  const method = call[workflow];
  if (method === undefined) return;
  throw new ValidationError(
    'runId',
    `run ${runId} is a ${workflow} run: continue it with baton.${method}({ resume: '${runId}' })`,
  );
}

function checkTask(task: unknown): asserts task is string {
  if (typeof task !== 'string' || task.trim() === '') {
    throw new ValidationError('task', 'must be a non-empty string, e.g. "review the API"');
  }
}

/** A budget as the CLI flags give it (`--max-cost-usd`, `--max-tokens`, `--max-agents`). */
export function budgetOf(limits: {
  maxCostUsd?: number | undefined;
  maxTokens?: number | undefined;
  maxAgents?: number | undefined;
}): Budget {
  return {
    ...(limits.maxCostUsd === undefined ? {} : { maxCostUsd: limits.maxCostUsd }),
    ...(limits.maxTokens === undefined ? {} : { maxTokens: limits.maxTokens }),
    ...(limits.maxAgents === undefined ? {} : { maxAgents: limits.maxAgents }),
  };
}
