import { resolve } from 'node:path';
import {
  type Agent,
  BatonError,
  BatonErrorCode,
  type CompositionPattern,
  type QualityGates,
} from '@baton/core';
import {
  type Budget,
  type ExecuteOptions,
  JsonlEventWriter,
  type PlanningRecord,
  RunEmitter,
  type RunEvent,
  Runtime,
  type TaskGraph,
} from '@baton/runtime';
import type { RunCliOptions } from '../command.js';
import { type CliIo, createStderrLogger, ExitCode, UsageError } from '../io.js';
import { auditingLogger } from './audit-logger.js';
import { type OutcomeRecord, openCompositionStore, recordOutcome } from './composition.js';
import type { PlanChoice } from './decompose.js';
import {
  createExecutor,
  type ExecutorSetup,
  isSetupFailure,
  tierPricesOf,
} from './executor-setup.js';
import { attachLiveOutput, createDecisionPrompt, displayStream, type LiveDisplay } from './live.js';
import { buildRunReport, type RunReport } from './report.js';

/** The composition a run records its outcome on (kept in the run's metadata). */
export interface RunComposition {
  compositionId: string;
  taskPattern: string;
  strategy: CompositionPattern;
  decision: 'reused' | 'composed';
  reason: string;
  qualityGates: QualityGates;
}

/** How to show and steer a run from the command line. */
export interface RunPresentation {
  verbose: boolean;
  /** `--events jsonl`: the event stream as JSON lines, to `eventsFile` or stderr. */
  eventsJsonl: boolean;
  eventsFile: string | undefined;
  /** Ask a person on the terminal when a decision is pending. */
  prompt: boolean;
}

/** Starting a new run or resuming one. */
export type ExecutionMode =
  | {
      kind: 'start';
      runId: string;
      graph: TaskGraph;
      budget: Budget;
      concurrency: number | undefined;
      context: Record<string, unknown>;
      metadata: Record<string, unknown>;
      planning: PlanningRecord;
    }
  | {
      kind: 'resume';
      runId: string;
      graph: TaskGraph;
      budget: Budget | undefined;
      concurrency: number | undefined;
    };

/** Runs (or resumes) a graph on the runtime, shows it, records the outcome and builds the report. */
export async function executeRun(options: {
  io: CliIo;
  cli: RunCliOptions;
  batonDirectory: string;
  setup: ExecutorSetup;
  mode: ExecutionMode;
  composition: RunComposition | undefined;
  /** `--decompose`: whether the planner model's graph or the heuristic plan runs, and why. */
  plan?: PlanChoice | undefined;
  presentation: RunPresentation;
  /** A step that fails after retries and fallbacks waits for a person (else it fails). */
  escalateFailures: boolean;
}): Promise<{ report: RunReport; exitCode: ExitCode }> {
  const { io, cli, batonDirectory, setup, mode, presentation } = options;
  const events = new RunEmitter();
  let writer: JsonlEventWriter | undefined;
  let detachWriter: (() => void) | undefined;
  let display: LiveDisplay;
  if (presentation.eventsJsonl && presentation.eventsFile === undefined) {
    const listener = (event: RunEvent): void => {
      io.stderr.write(`${JSON.stringify(event)}\n`);
    };
    events.on('event', listener);
    display = {
      stop: () => events.off('event', listener),
      pause() {},
      resume() {},
      print: (text) => io.stderr.write(text),
    };
  } else {
    if (presentation.eventsFile !== undefined) {
      writer = new JsonlEventWriter(presentation.eventsFile);
      detachWriter = writer.attach(events);
    }
    display = attachLiveOutput(io, events, mode.graph, { verbose: presentation.verbose });
  }
  // Log lines go through the display so they appear above the progress bars.
  const logger = createStderrLogger(
    { ...io, stderr: displayStream(io, display) },
    presentation.verbose,
  );
  const runtime = new Runtime({ dir: batonDirectory, logger });
  const factory = cli.executorFactory ?? createExecutor;
  // The executors' own retries and CLI fallbacks go to the audit log too.
  const executorLogger = auditingLogger(logger, runtime.audit, mode.runId);
  const executor = factory(setup, { runId: mode.runId, logger: executorLogger });
  const prices = tierPricesOf(setup);
  const input = cli.stdin;
  const interactive =
    presentation.prompt && input?.isTTY === true && io.stderr.isTTY === true && input !== undefined;

  const execute: ExecuteOptions = {
    executor,
    events,
    escalation: { onFailure: options.escalateFailures },
    ...(setup.kind === 'model' ? { isSetupFailure } : {}),
    ...(prices === undefined ? {} : { prices }),
    ...(mode.budget === undefined ? {} : { budget: mode.budget }),
    ...(mode.concurrency === undefined ? {} : { concurrency: mode.concurrency }),
    ...(cli.signal === undefined ? {} : { signal: cli.signal }),
    ...(interactive ? { onDecision: createDecisionPrompt(io, input, display) } : {}),
  };
  let result: Awaited<ReturnType<Runtime['run']>>;
  try {
    const handle =
      mode.kind === 'start'
        ? runtime.start(mode.graph, {
            ...execute,
            runId: mode.runId,
            context: mode.context,
            metadata: mode.metadata,
            planning: mode.planning,
          })
        : runtime.resume(mode.runId, execute);
    result = await handle.result;
  } catch (error) {
    // Another process runs it, or it is already finished: nothing ran here.
    if (BatonError.isInstance(error) && error.code === BatonErrorCode.CONFLICT)
      throw new UsageError(error.message);
    throw error;
  } finally {
    display.stop();
    detachWriter?.();
    await writer?.close();
    await executorLogger.flush();
  }

  let outcome: OutcomeRecord | null = null;
  if (options.composition !== undefined) {
    const composition = options.composition;
    outcome = await recordOutcome({
      store: openCompositionStore(batonDirectory),
      composition: {
        ...composition,
        agents: mode.graph.steps.flatMap((step) =>
          step.kind === 'agent' && step.agent !== undefined ? [step.agent as unknown as Agent] : [],
        ),
      },
      result,
      graph: mode.graph,
      logger,
    });
    if (outcome.recorded) {
      await runtime.audit?.append({
        type: 'outcome',
        runId: result.runId,
        message: `outcome recorded on composition ${outcome.compositionId}: ${outcome.success ? 'success' : 'failure'}, quality ${outcome.qualityScore}, success rate now ${outcome.successRate} over ${outcome.usageCount} run(s)`,
        data: { ...outcome },
      });
    }
  }
  const record = await runtime.store.loadRun(result.runId).catch(() => undefined);
  const report = buildRunReport({
    result,
    graph: mode.graph,
    budget: { ...(record?.budget ?? mode.budget ?? {}) } as Record<string, number>,
    composition:
      options.composition === undefined
        ? null
        : {
            decision: options.composition.decision,
            reason: options.composition.reason,
            compositionId: options.composition.compositionId,
            taskPattern: options.composition.taskPattern,
          },
    outcome,
    plan: options.plan ?? planOf(record?.metadata),
    runDir: resolve(runtime.store.runDir(result.runId)),
    eventsFile: presentation.eventsFile ?? null,
  });
  return { report, exitCode: result.success ? ExitCode.OK : ExitCode.NEGATIVE };
}

/** The `--decompose` choice a run keeps in its metadata (for the report of a resumed run). */
function planOf(metadata: Record<string, unknown> | undefined): PlanChoice | null {
  const plan = metadata?.plan as Partial<PlanChoice> | undefined;
  if (plan === undefined || typeof plan.reason !== 'string') return null;
  if (plan.source !== 'planner-model' && plan.source !== 'heuristic') return null;
  return { source: plan.source, reason: plan.reason, planner: plan.planner ?? null };
}
