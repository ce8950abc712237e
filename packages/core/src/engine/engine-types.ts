import type { AgentExecutionOutput, AgentExecutor } from '../executor.js';
import { type AgentResult, DEFAULT_RESOURCE_REQUIREMENTS } from '../schemas.js';
import type { Budget, BudgetRefusal, SpendReport, StepEstimate, TierPrices } from './budget.js';
import type { ApprovalRuleInput, Decision } from './decisions.js';
import type { DecisionHandler, EscalationOptions } from './escalation.js';
import type { BatonEmitter } from './events.js';
import type { GraphHooks, StepTiming } from './graph-hooks.js';
import type { ProgressSnapshot, StepStatus } from './progress.js';
import type { AgentProcess, AttemptRecord, RunStatus, StepFailureKind } from './records.js';
import type { TransitionRecord } from './state-machine.js';
import type { RetryPolicyInput, StepAgent } from './task-graph.js';

/** One entry for an audit log: an orchestration decision and why. */
export interface AuditInput {
  type: string;
  /** What was decided and why, in a sentence. */
  message: string;
  runId?: string | undefined;
  stepId?: string | undefined;
  agentId?: string | undefined;
  data?: Record<string, unknown> | undefined;
}

/** How the engine runs a graph (a start or a resume). */
export interface EngineRunOptions {
  /** Runs every agent step: the seam to models, CLIs, frameworks. */
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executor: AgentExecutor<any>;
  /** Named executors that fallbacks may use (e.g. one per CLI). */
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executors?: Record<string, AgentExecutor<any>> | undefined;
  /** Most steps running at once. Default {@link DEFAULT_CONCURRENCY} (resume: the run's). */
  concurrency?: number | undefined;
  /**
   * The rules of this run's graph, instead of those the engine looks up by the graph's
   * `strategy` name: a workflow's own phases. Hooks are code, not data: pass them again on resume.
   */
  hooks?: GraphHooks | undefined;
  /** Spending limits. Default none (resume: the run's). */
  budget?: Budget | undefined;
  /** USD per million tokens by tier, for the default estimate (`maxTokens` × price). */
  prices?: TierPrices | undefined;
  /** Replaces the default estimate of an agent run before it starts. */
  estimate?: ((agent: StepAgent) => StepEstimate) | undefined;
  /** Cancels the run. */
  signal?: AbortSignal | undefined;
  /** Receives the run's events. */
  events?: BatonEmitter | undefined;
  /** Default retry policy of steps that have none. */
  retry?: RetryPolicyInput | undefined;
  /**
   * Whether a failed answer means the executor is not set up to run anything (e.g. credentials
   * rejected with 401): the step fails at once, without the fallbacks on the same executor and
   * without asking a person.
   */
  isSetupFailure?: ((output: AgentExecutionOutput) => boolean) | undefined;
  /** When people are asked. Default: never (a run of `@baton/runtime` asks on failure). */
  escalation?: EscalationOptions | undefined;
  /** Steps matching a rule wait for a person before they run. Default: none. */
  approvalRules?: readonly ApprovalRuleInput[] | undefined;
  /**
   * With pending decisions and nothing else to do: `pause` ends the run as `paused` (resume it
   * once they are answered), `wait` polls until they are resolved or their deadline passes.
   * Default `pause`.
   */
  decisionMode?: 'wait' | 'pause' | undefined;
  /** Asks in-process first (a terminal prompt). */
  onDecision?: DecisionHandler | undefined;
  /**
   * Time limit, seconds, of an agent without `resourceRequirements.timeoutSeconds`. Default
   * {@link DEFAULT_STEP_TIMEOUT_SECONDS}; `Infinity` means none.
   */
  defaultTimeoutSeconds?: number | undefined;
  /** Random source for retry jitter (tests). */
  random?: (() => number) | undefined;
  /**
   * Applied to every result, error text and decision before it is stored, emitted or handed to
   * a later agent (e.g. secret masking). Must return a value of the same shape.
   */
  redact?: (<T>(value: T) => T) | undefined;
  /**
   * Describes a process an executor reports (see `AgentExecutionOptions.onProcess`): when given,
   * the run records its agents' processes so that a later resume can end leftovers.
   */
  describeProcess?: ((pid: number) => { hostname: string; startTime?: string }) | undefined;
  /**
   * On resume, ends an agent process recorded by a run that stopped without ending it; returns
   * what it did (for the report), or undefined when there was nothing to do.
   */
  endLeftoverProcess?: ((process: AgentProcess) => Promise<string | undefined>) | undefined;
  /**
   * After a cancel, how long the run waits for its aborted agents to settle (an agent CLI ends its
   * process group: SIGTERM, then SIGKILL) before it reports that it stopped. Default 0 (it does
   * not wait); durable runs of `@baton/runtime` wait {@link DEFAULT_STOP_GRACE_MS}.
   */
  stopGraceMs?: number | undefined;
}

/** Options of a new run. */
export interface StartRunOptions extends EngineRunOptions {
  /** The run's id; generated when omitted. */
  runId?: string | undefined;
  /** Base context every step sees (a durable run stores it: JSON-serialisable). */
  context?: Record<string, unknown> | undefined;
  /** Anything to keep with the run (composition, workflow, options, ...). */
  metadata?: Record<string, unknown> | undefined;
  /**
   * Lifecycle transitions made before the run existed (analysing and planning the task): the run
   * continues from the last one.
   */
  lifecycle?: readonly TransitionRecord[] | undefined;
}

/** A step's outcome in a {@link RunResult}. */
export interface StepOutcome {
  status: StepStatus;
  reason?: StepFailureKind | undefined;
  result?: AgentResult | undefined;
  attempts: AttemptRecord[];
}

/** What a run returns when it stops. */
export interface RunResult {
  runId: string;
  status: RunStatus;
  /** The run finished and its strategy's verdict is a success. */
  success: boolean;
  steps: Record<string, StepOutcome>;
  progress: ProgressSnapshot;
  spend: SpendReport;
  /** Decisions still pending (a `paused` run). */
  pendingDecisions: Decision[];
  budgetStop?: BudgetRefusal | undefined;
  /** Wall time of this start or resume, seconds. */
  durationSeconds: number;
  error?: string | undefined;
  /** The strategy's aggregate (empty when the run did not finish). */
  aggregatedOutput: Record<string, unknown>;
  /** The error texts behind the verdict. */
  errors: string[];
  /** Seconds, as the strategy counts them. */
  totalDuration: number;
  /** What a person should know that is not an error (leftover agents ended, unreadable records). */
  notices: string[];
  /** When each step that ran in this start ran, as `performance.now()` milliseconds. */
  timings: Record<string, StepTiming>;
}

/** A started run. */
export interface RunHandle {
  runId: string;
  events: BatonEmitter;
  /** Settles when the run stops; rejects only for bad input or storage failure before it starts. */
  result: Promise<RunResult>;
  /** Aborts the run (saved as cancelled, resumable). */
  cancel(reason?: string): void;
}

/** The time limit of an agent that sets none, in seconds: the same 300 s a Baton agent gets by default. */
export const DEFAULT_STEP_TIMEOUT_SECONDS: number = DEFAULT_RESOURCE_REQUIREMENTS.timeoutSeconds;

/** How long a cancelled run waits for its aborted agents to end, unless configured. */
export const DEFAULT_STOP_GRACE_MS = 10_000;

/** Most steps running at once unless configured. */
export const DEFAULT_CONCURRENCY = 4;
