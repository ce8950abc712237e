import { join } from 'node:path';
import {
  type CorruptFile,
  createSeededRandom,
  JUDGE_ANSWER_FORMAT,
  judgeScorer,
  runJudge,
  type ScorerResult,
  scoreQuality,
} from '@baton/config-store';
import {
  type Agent,
  type AgentExecutor,
  BatonEmitter,
  type Budget,
  type CompositionPattern,
  type DecisionHandler,
  type Logger,
  newRunId,
  type QualityGates,
  type RunResult,
  type StepAgent,
  type StepEstimate,
  type TaskGraph,
} from '@baton/core';
import {
  type AgentLaunch,
  createExecutorFor,
  describeLaunch,
  type ExecutorSelection,
  type ExecutorSetup,
  type ExecutorSpec,
  estimateFor,
  isSetupFailure,
} from '@baton/executors';
import {
  compilePlan,
  type PlanningRecord,
  projectLayout,
  Runtime,
  type RuntimeOptions,
} from '@baton/runtime';
import { auditingLogger } from './audit-logger.js';
import {
  chooseRunComposition,
  type OutcomeRecord,
  openCompositionStore,
  recordOutcome,
  withUnreadFiles,
} from './composition.js';
import { decomposeTask, type PlanChoice } from './decompose.js';
import { type EventStream, eventStream } from './event-stream.js';
import type { ExecutorFactory } from './executor-factory.js';
import { measuredScorers, writeRunQuality } from './run-quality.js';
import { buildRunReport, measuredCostUsd, type RunReport } from './run-report.js';

/** How agents are executed for a run: a setup resolved from the environment, or the caller's own executor. */
export type RunExecution =
  | {
      kind: 'setup';
      setup: ExecutorSetup;
      spec: ExecutorSpec;
      /** Builds the executor of the setup (default `createExecutorFor`). */
      create?: ExecutorFactory | undefined;
    }
  | {
      kind: 'custom';
      // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
      executor: AgentExecutor<any>;
      /** Estimates an agent run before it starts (a cost limit needs it). */
      estimate?: ((agent: StepAgent) => StepEstimate) | undefined;
    };

/** The composition a run records its outcome on (kept in the run's metadata). */
export interface RunComposition {
  compositionId: string;
  taskPattern: string;
  strategy: CompositionPattern;
  decision: 'reused' | 'composed';
  /** How the policy chose it (see `RunChoice.basis`). */
  basis?: string | undefined;
  reason: string;
  qualityGates: QualityGates;
}

/** What a task run is, before anything runs (what `baton run --dry-run` prints). */
export interface PreparedRun {
  task: string;
  composition: RunComposition & { strategyReason: string };
  /** With `decompose`: whether the planner model's graph or the composed team runs, and why. */
  plan: PlanChoice | null;
  graph: TaskGraph;
  budget: Budget;
  /** How each agent would be started (known for a resolved setup; a custom executor says so). */
  agents: Array<{ stepId: string } & AgentLaunch>;
  executor: Record<string, unknown>;
}

/** A run of a task: its id, its events as they happen, and its report when it stops. */
export interface TaskRunHandle {
  id: string;
  /** The run's events: iterate them (`for await`), or listen with `events.on(type, listener)`. */
  events: EventStream;
  /** The report when the run stops (also when it failed, paused or was cancelled). */
  result: Promise<RunReport>;
  /** Stops the run: it is saved as cancelled and can be resumed. */
  cancel(reason?: string): void;
}

/** What every task run of a Baton instance shares. */
export interface TaskRunEnvironment {
  projectDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  signal: AbortSignal | undefined;
  runtimeOptions: Omit<RuntimeOptions, 'dir' | 'logger'>;
}

/** Options of one task run. */
export interface TaskRunOptions extends ExecutorSelection {
  context?: Record<string, unknown> | undefined;
  budget?: Budget | undefined;
  concurrency?: number | undefined;
  /** Never reuse a stored composition. */
  fresh?: boolean | undefined;
  /** Run this stored composition (`--composition <id>`); the bandit policy is not consulted. */
  compositionId?: string | undefined;
  /** Seeds the bandit policy's random source, so the same records give the same choice. */
  seed?: number | string | undefined;
  /**
   * Grade the run's answer with a judge model (a CAPABLE-tier agent with a rubric; its tokens and
   * cost count in the quality's usage): `true` uses the run's executor setup, or give an executor.
   */
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  judge?: boolean | AgentExecutor<any> | undefined;
  /** Let the planner model decompose the task. */
  decompose?: boolean | undefined;
  /** Ask a person when a step fails for good (default true). */
  escalate?: boolean | undefined;
  /** Answers decisions in-process (a terminal prompt). */
  onDecision?: DecisionHandler | undefined;
  runId?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Also receives every event (e.g. a live display). */
  events?: BatonEmitter | undefined;
}

/** Composes (or reuses) the team for a task and builds the graph that would run. */
export async function prepareTaskRun(
  environment: TaskRunEnvironment,
  execution: RunExecution,
  task: string,
  options: TaskRunOptions,
): Promise<PreparedRun> {
  const { projectDir, logger } = environment;
  const signal = options.signal ?? environment.signal;
  const corrupt: CorruptFile[] = [];
  const chosen = await chooseRunComposition({
    task,
    context: options.context,
    store: openCompositionStore(projectDir, logger, (file) => corrupt.push(file)),
    logger,
    fresh: options.fresh === true,
    compositionId: options.compositionId,
    ...(options.seed === undefined ? {} : { random: createSeededRandom(options.seed) }),
    signal,
  });
  const heuristic = compilePlan(
    { strategy: chosen.strategy, agents: chosen.agents },
    { task: chosen.task },
  );
  let graph = heuristic;
  let plan: PlanChoice | null = null;
  if (options.decompose === true) {
    const decomposed = await decomposeTask({
      task: chosen.task,
      heuristic: () => heuristic,
      modelConfig:
        execution.kind === 'setup' && execution.setup.kind === 'model'
          ? execution.setup.config
          : undefined,
      projectRoot: projectDir,
      env: environment.env,
      logger,
      signal,
    });
    graph = decomposed.graph;
    plan = { source: decomposed.source, reason: decomposed.reason, planner: decomposed.planner };
  }
  const agents =
    execution.kind === 'setup'
      ? graph.steps.flatMap((step) =>
          step.kind === 'agent' && step.agent !== undefined
            ? [{ stepId: step.id, ...describeLaunch(execution.setup, step.agent, chosen.task) }]
            : [],
        )
      : [];
  return {
    task: chosen.task,
    composition: {
      compositionId: chosen.compositionId,
      taskPattern: chosen.taskPattern,
      strategy: chosen.strategy,
      decision: chosen.decision,
      basis: chosen.basis,
      reason: withUnreadFiles(chosen.reason, corrupt),
      qualityGates: chosen.qualityGates,
      strategyReason: chosen.strategyReason,
    },
    plan,
    graph,
    budget: options.budget ?? {},
    agents,
    executor: describeExecution(execution),
  };
}

/** The executor as a report shows it (never with secrets). */
export function describeExecution(execution: RunExecution): Record<string, unknown> {
  if (execution.kind === 'custom') return { kind: 'custom' };
  const { setup } = execution;
  return setup.kind === 'model'
    ? {
        kind: 'model',
        provider: setup.config.provider,
        models: setup.config.models,
        baseURL: setup.config.baseURL ?? null,
      }
    : {
        kind: 'agent-cli',
        chain: setup.chain,
        found: setup.found,
        worktree: setup.worktree,
        validate: setup.validate ?? null,
      };
}

/** Starts a prepared run (or resumes a stopped one) on the runtime and reports it. */
export function startTaskRun(
  environment: TaskRunEnvironment,
  execution: RunExecution,
  mode:
    | { kind: 'start'; prepared: PreparedRun; options: TaskRunOptions }
    | {
        kind: 'resume';
        runId: string;
        options: TaskRunOptions & { graph: TaskGraph; metadata: Record<string, unknown> };
      },
): TaskRunHandle {
  const { projectDir, logger } = environment;
  const runId = mode.kind === 'start' ? (mode.options.runId ?? newRunId()) : mode.runId;
  const emitter = new BatonEmitter();
  const events = eventStream(emitter);
  const options = mode.options;
  if (options.events !== undefined) {
    const forward = options.events;
    emitter.on('event', (event) => {
      (forward.emit as (name: string, value: unknown) => boolean)(event.type, event);
      forward.emit('event', event);
    });
  }
  const runtime = new Runtime({
    ...environment.runtimeOptions,
    dir: projectLayout(projectDir).dir,
    logger,
  });
  // The executors' own retries and CLI fallbacks go to the audit log too.
  const executorLogger = auditingLogger(logger, runtime.audit, runId);
  const executor =
    execution.kind === 'custom'
      ? execution.executor
      : (execution.create ?? createExecutorFor)(execution.setup, { runId, logger: executorLogger });
  const estimate = execution.kind === 'custom' ? execution.estimate : estimateFor(execution.setup);
  const signal = options.signal ?? environment.signal;
  const execute = {
    executor,
    events: emitter,
    escalation: { onFailure: options.escalate !== false },
    ...(execution.kind === 'setup' && execution.setup.kind === 'model' ? { isSetupFailure } : {}),
    ...(estimate === undefined ? {} : { estimate }),
    ...(options.budget === undefined ? {} : { budget: options.budget }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(signal === undefined ? {} : { signal }),
    ...(options.onDecision === undefined ? {} : { onDecision: options.onDecision }),
  };
  let composition: RunComposition | undefined;
  let graph: TaskGraph;
  let plan: PlanChoice | null;
  let handle: ReturnType<Runtime['start']>;
  if (mode.kind === 'start') {
    const { prepared } = mode;
    const fromPlanner = prepared.plan?.source === 'planner-model';
    const { strategyReason, ...stored } = prepared.composition;
    composition = fromPlanner ? undefined : stored;
    graph = prepared.graph;
    plan = prepared.plan;
    const planning: PlanningRecord = fromPlanner
      ? { source: 'planner-model', reason: prepared.plan?.reason ?? '' }
      : {
          composition: {
            decision: stored.decision,
            reason: stored.reason,
            compositionId: stored.compositionId,
          },
          strategyReason,
          source: stored.decision === 'reused' ? 'stored composition' : 'meta-orchestrator',
          ...(prepared.plan === null ? {} : { reason: `--decompose: ${prepared.plan.reason}` }),
        };
    handle = runtime.start(graph, {
      ...execute,
      runId,
      context: { ...(options.context ?? {}), task: prepared.task },
      metadata: {
        executor: execution.kind === 'setup' ? execution.spec : { kind: 'custom' },
        ...(composition === undefined ? {} : { composition }),
        ...(plan === null ? {} : { plan }),
        projectRoot: projectDir,
        escalateFailures: options.escalate !== false,
      },
      planning,
    });
  } else {
    graph = mode.options.graph;
    composition = mode.options.metadata.composition as RunComposition | undefined;
    plan = planOf(mode.options.metadata);
    handle = runtime.resume(runId, execute);
  }
  const result = (async (): Promise<RunReport> => {
    let run: RunResult;
    try {
      run = await handle.result;
    } finally {
      await executorLogger.flush();
    }
    let outcome: OutcomeRecord | null = null;
    if (run.status === 'succeeded' || run.status === 'failed') {
      const { decisions } = await runtime.store
        .decisions({ runId: run.runId })
        .catch(() => ({ decisions: [] }));
      const scorers = measuredScorers({ result: run, graph, decisions });
      const judge = await judgeRun({ execution, options, run, graph, logger, signal });
      if (judge !== undefined) scorers.push(judge);
      const quality = scoreQuality(scorers);
      const costUsd = measuredCostUsd(run.spend.total);
      if (composition !== undefined) {
        outcome = await recordOutcome({
          store: openCompositionStore(projectDir, logger),
          composition: {
            ...composition,
            agents: graph.steps.flatMap((step) =>
              step.kind === 'agent' && step.agent !== undefined
                ? [step.agent as unknown as Agent]
                : [],
            ),
          },
          result: run,
          quality,
          costUsd,
          logger,
        });
      }
      const recorded = outcome?.recorded === true;
      await writeRunQuality(projectDir, {
        runId: run.runId,
        compositionId: recorded ? (outcome?.compositionId ?? null) : null,
        taskPattern: recorded ? (outcome?.taskPattern ?? null) : null,
        success: run.success,
        quality,
        recordedScore: recorded ? quality.score : null,
        ratings: [],
        updatedAt: new Date().toISOString(),
      }).catch((error: unknown) =>
        logger.warn('could not keep the run quality', { error: String(error) }),
      );
      if (outcome?.recorded) {
        await runtime.audit?.append({
          type: 'outcome',
          runId: run.runId,
          message: `outcome recorded on composition ${outcome.compositionId}: ${outcome.success ? 'success' : 'failure'}, quality ${quality.summary}, success rate now ${outcome.successRate} over ${outcome.usageCount} run(s)`,
          data: { ...outcome },
        });
      }
    } else if (composition !== undefined) {
      outcome = {
        compositionId: composition.compositionId,
        taskPattern: composition.taskPattern,
        recorded: false,
        note: `run ${run.status}: outcome recorded when it finishes`,
      };
    }
    const record = await runtime.store.loadRun(run.runId).catch(() => undefined);
    return buildRunReport({
      result: run,
      graph,
      budget: { ...(record?.budget ?? options.budget ?? {}) } as Record<string, number>,
      composition:
        composition === undefined
          ? null
          : {
              decision: composition.decision,
              ...(composition.basis === undefined ? {} : { basis: composition.basis }),
              reason: composition.reason,
              compositionId: composition.compositionId,
              taskPattern: composition.taskPattern,
            },
      outcome,
      plan,
      runDir: join(projectLayout(projectDir).runs, run.runId),
      eventsFile: null,
    });
  })();
  void result.then(
    () => events.end(),
    (error: unknown) => events.end(error),
  );
  return { id: runId, events, result, cancel: (reason) => handle.cancel(reason) };
}

/** The judge model's verdict on a finished run, when asked for (`judge`). */
async function judgeRun(options: {
  execution: RunExecution;
  options: TaskRunOptions;
  run: RunResult;
  graph: TaskGraph;
  logger: Logger;
  signal: AbortSignal | undefined;
}): Promise<ScorerResult | undefined> {
  const { judge } = options.options;
  if (judge === undefined || judge === false) return undefined;
  const { execution, run, graph } = options;
  let executor: AgentExecutor<Agent>;
  if (typeof judge === 'function') executor = judge;
  else if (execution.kind === 'setup') {
    executor = (execution.create ?? createExecutorFor)(execution.setup, {
      runId: run.runId,
      logger: options.logger,
      answerFormat: JUDGE_ANSWER_FORMAT,
      readOnly: true,
    }) as AgentExecutor<Agent>;
  } else {
    return judgeScorer({
      status: 'failed',
      error:
        'judge: true needs a model or agent CLI setup; with a custom executor give the judge its own',
      durationSeconds: 0,
    });
  }
  const answers = graph.steps.flatMap((step) => {
    const output = run.steps[step.id]?.result?.output;
    return step.kind === 'agent' && output !== undefined ? [{ agent: step.id, output }] : [];
  });
  const verdict = await runJudge({
    executor,
    task: graph.task ?? '',
    answer: JSON.stringify(answers, null, 2),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return judgeScorer(verdict);
}

/** The `--decompose` choice a run keeps in its metadata (for the report of a resumed run). */
function planOf(metadata: Record<string, unknown> | undefined): PlanChoice | null {
  const plan = metadata?.plan as Partial<PlanChoice> | undefined;
  if (plan === undefined || typeof plan.reason !== 'string') return null;
  if (plan.source !== 'planner-model' && plan.source !== 'heuristic') return null;
  return { source: plan.source, reason: plan.reason, planner: plan.planner ?? null };
}
