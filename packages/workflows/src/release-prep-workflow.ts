import { stat } from 'node:fs/promises';
import nodePath from 'node:path';
import { type AgentConfiguration, ConfigurationStore } from '@baton/config-store';
import {
  type Agent,
  type AgentExecutor,
  type AgentResult,
  type BatonEmitter,
  type Budget,
  CompositionPattern,
  describeError,
  type Logger,
  noopLogger,
  throwIfAborted,
  ValidationError,
} from '@baton/core';
import { spawnAgent } from '@baton/meta-orchestrator';
import { compilePlan, projectLayout } from '@baton/runtime';
import { getTemplate } from '@baton/templates';
import { isProvenComposition } from './composition-learning.js';
import {
  evaluateGate,
  type GateMeasurement,
  type QualityGate,
  RELEASE_GATES,
  type ReleaseCheck,
  type ReleaseGateInput,
  type ReleaseGateThresholds,
  resolveReleaseGates,
} from './quality-gates.js';
import {
  DEFAULT_RELEASE_AGENT_IDS,
  isReleaseAgentOutput,
  RELEASE_AGENT_CHECKS,
  RELEASE_TASK_PATTERN,
  type ReleaseAgentOutput,
} from './release-evidence.js';
import {
  createReleaseExecutor,
  type ReleaseAnalyzers,
  type ReleaseMeasureOptions,
} from './release-executor.js';
import {
  type CompositionRecord,
  confidenceFor,
  ReleaseReadinessReport,
} from './release-readiness-report.js';
import { gatesPassedScore, recordWorkflowComposition } from './workflow-composition.js';
import {
  runWorkflowGraph,
  type WorkflowRun,
  type WorkflowRuntimeOption,
  workflowRuntime,
} from './workflow-run.js';

/** Options of {@link OrchestratedReleasePrepWorkflow}. */
export interface ReleasePrepWorkflowOptions extends ReleaseMeasureOptions {
  /**
   * Gate thresholds; defaults `{ min_coverage: 80, min_quality_score: 7, max_critical_issues: 0,
   * min_doc_coverage: 100 }`. camelCase aliases (`minCoverage`, ...) are accepted.
   */
  qualityGates?: ReleaseGateInput | undefined;
  /**
   * The release agents to run (default: all four). Unknown ids are skipped with a warning in the
   * report; when none is a release agent the constructor throws.
   */
  agentIds?: readonly string[] | undefined;
  /**
   * Has each agent's evidence reviewed by a model (e.g. `createModelExecutor` of
   * `@baton/executors`). Gates are always decided by the measured figures; a model-reported
   * critical finding becomes a warning for a person to confirm.
   */
  modelExecutor?: AgentExecutor<Agent> | undefined;
  /**
   * Where compositions and their outcomes are kept (task pattern `release_prep`). Default: a
   * store in `<path>/.baton/compositions`; `false`: none.
   */
  store?: ConfigurationStore | false | undefined;
  /** Replaces some of the measuring tools (see {@link ReleaseAnalyzers}). */
  analyzers?: Partial<ReleaseAnalyzers> | undefined;
  /** A time limit in seconds for every agent, instead of each template's own (600/900/300 s). */
  agentTimeoutSeconds?: number | undefined;
  /**
   * Where the check runs: a `Runtime` of `@baton/runtime`, or `false` for memory only. Default: a
   * runtime on the project's `.baton/` folder, so a check can be resumed (`baton runs resume`),
   * cancelled from another process, and budgeted.
   */
  runtime?: WorkflowRuntimeOption;
  /** Spending limits (the optional model review spends tokens). */
  budget?: Budget | undefined;
  /** Receives `strategy-start`, `agent-start`, `agent-end`, `usage-add`, `strategy-end`. */
  events?: BatonEmitter | undefined;
  logger?: Logger | undefined;
  /** The report's clock (timestamps). Default: the system clock. */
  clock?: (() => Date) | undefined;
}

/** Options of {@link OrchestratedReleasePrepWorkflow.execute}. */
export interface ReleasePrepExecuteOptions {
  /** The project to check. Default: the current directory. */
  path?: string | undefined;
  /** Extra context handed to the agents (and to the model review). */
  context?: Record<string, unknown> | undefined;
  signal?: AbortSignal | undefined;
  /** The run's id (default: a new one). */
  runId?: string | undefined;
}

/** The task the release agents are spawned for. */
export const RELEASE_TASK = 'Check whether the project is ready for release';

/**
 * Baton's release readiness check. Four agents run in parallel through `@baton/strategies`:
 * security_auditor (secrets, dangerous code, dependency advisories), test_coverage_analyzer (the
 * project's coverage reports), code_reviewer (a 0..10 quality score) and documentation_writer
 * (documented share of the public API). Each gathers its evidence with `@baton/analyzers`; with a
 * `modelExecutor`, a model then reviews the evidence and adds findings and recommendations.
 *
 * Gates read measured figures only (BEHAVIOUR §6): Security (critical issues <= max), Test
 * Coverage (line % >= min), Code Quality (score >= min), Documentation (documented % >= min, not
 * critical). A figure that cannot be measured is `null`, never 0, and its gate fails with the
 * reason. Blockers are failed critical gates and failed agents; approved = no blockers;
 * confidence is high (approved, no warnings), medium (approved with warnings) or low. A signal
 * left out for want of an optional tool (no linter configured) is a note in its gate's message
 * and the summary, not a warning; a measurement that failed (a linter that crashed) is a warning.
 *
 * The best stored composition for `release_prep` is reused when its success rate is >= 0.8, and
 * every run records its outcome (success = approved; quality score = percent of gates passed).
 *
 * @example
 * ```ts
 * const workflow = new OrchestratedReleasePrepWorkflow({
 *   qualityGates: { min_coverage: 90 },
 *   auditFile: 'npm-audit.json',
 * });
 * const report = await workflow.execute({ path: './my-project' });
 * console.log(report.formatConsoleOutput());
 * process.exitCode = exitCodeFor(report);
 * ```
 */
export class OrchestratedReleasePrepWorkflow {
  /** The thresholds the gates are judged against. */
  readonly qualityGates: Readonly<ReleaseGateThresholds>;
  /** The release agents that run (unless a proven composition is reused). */
  readonly agentIds: readonly string[];
  readonly #skippedAgentIds: readonly string[];
  readonly #explicitAgents: boolean;
  readonly #options: ReleasePrepWorkflowOptions;
  readonly #logger: Logger;
  readonly #clock: () => Date;

  /** @throws ValidationError naming the offending option, e.g. `qualityGates.min_coverage`. */
  constructor(options: ReleasePrepWorkflowOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new ValidationError('options', 'must be an object');
    }
    this.qualityGates = Object.freeze(resolveReleaseGates(options.qualityGates));
    const { valid, skipped } = checkAgentIds(options.agentIds);
    this.agentIds = Object.freeze(valid);
    this.#skippedAgentIds = Object.freeze(skipped);
    this.#explicitAgents = options.agentIds !== undefined;
    checkOptions(options);
    this.#options = options;
    this.#logger = options.logger ?? noopLogger;
    this.#clock = options.clock ?? (() => new Date());
  }

  /**
   * Checks the project at `path` and returns the report. Bad input (a path that is not a
   * directory, a context that is not an object) rejects with a ValidationError; everything that
   * goes wrong while measuring is in the report (failed agents are blockers). Aborting the
   * signal stops the agents and rejects with the abort reason; nothing is recorded then.
   */
  async execute(options: ReleasePrepExecuteOptions = {}): Promise<ReleaseReadinessReport> {
    const { signal, context = {} } = options;
    const requested = options.path ?? '.';
    if (typeof requested !== 'string' || requested.trim() === '') {
      throw new ValidationError('path', 'must be a non-empty string');
    }
    if (typeof context !== 'object' || context === null || Array.isArray(context)) {
      throw new ValidationError('context', 'must be an object');
    }
    const root = nodePath.resolve(requested);
    const info = await stat(root).catch(() => undefined);
    if (info === undefined || !info.isDirectory()) {
      throw new ValidationError('path', `is not a directory: ${root}`);
    }
    throwIfAborted(signal);
    const started = performance.now();
    const logger = this.#logger;
    const store =
      this.#options.store === false
        ? undefined
        : (this.#options.store ??
          new ConfigurationStore({
            storageDir: nodePath.join(root, '.baton', 'compositions'),
            logger,
          }));

    const team = await this.#composeTeam(store, signal);
    logger.info('release check started', { path: root, agents: team.agents.map((a) => a.id) });
    const graph = compilePlan(
      { strategy: CompositionPattern.PARALLEL, agents: team.agents },
      { task: RELEASE_TASK, tierFallback: false },
    );
    // A cancelled check has no verdict, and its aborted agents say nothing about the composition.
    const run = await runWorkflowGraph({
      runtime: workflowRuntime(this.#options.runtime, root, logger),
      graph,
      executor: this.#executor(root, context, signal),
      context: { ...context, path: root },
      metadata: {
        workflow: RELEASE_TASK_PATTERN,
        path: root,
        compositionId: team.compositionId,
        ...(team.reused === undefined ? {} : { reusedCompositionId: team.reused.id }),
      },
      signal,
      budget: this.#options.budget,
      events: this.#options.events,
      runId: options.runId,
    });
    return this.#report({ root, started, store, team, run, signal });
  }

  /**
   * Continues a release check that stopped (cancelled, out of budget, crashed) without running
   * its finished agents again, and reports on it.
   *
   * @throws BatonError `BATON_NOT_FOUND` for an unknown run; `BATON_CONFLICT` when it finished.
   */
  async resume(
    runId: string,
    options: Pick<ReleasePrepExecuteOptions, 'path' | 'signal' | 'context'> = {},
  ): Promise<ReleaseReadinessReport> {
    const { signal, context = {} } = options;
    const started = performance.now();
    const logger = this.#logger;
    const guess = nodePath.resolve(options.path ?? '.');
    const runtime = workflowRuntime(this.#options.runtime, guess, logger);
    const record = await runtime.store.loadRun(runId);
    const root = typeof record.metadata?.path === 'string' ? record.metadata.path : guess;
    const agents = record.graph.steps.flatMap((step) =>
      step.agent === undefined ? [] : [step.agent as unknown as Agent],
    );
    const store =
      this.#options.store === false
        ? undefined
        : (this.#options.store ??
          new ConfigurationStore({ storageDir: projectLayout(root).compositions, logger }));
    const compositionId =
      typeof record.metadata?.compositionId === 'string'
        ? record.metadata.compositionId
        : `release_prep-${agents
            .map((agent) => agent.templateId)
            .sort()
            .join('-')}`;
    const run = await runWorkflowGraph({
      runtime,
      graph: record.graph,
      executor: this.#executor(root, context, signal),
      signal,
      budget: this.#options.budget,
      resume: runId,
    });
    const team: Team = { agents, compositionId, reused: undefined, notes: [] };
    return this.#report({ root, started, store, team, run, signal });
  }

  #executor(root: string, context: Record<string, unknown>, signal: AbortSignal | undefined) {
    return createReleaseExecutor({
      root,
      ...this.#measureOptions(),
      analyzers: this.#options.analyzers,
      modelExecutor: this.#options.modelExecutor,
      context,
      signal,
      logger: this.#logger,
    });
  }

  async #report(input: {
    root: string;
    started: number;
    store: ConfigurationStore | undefined;
    team: Team;
    run: WorkflowRun;
    signal: AbortSignal | undefined;
  }): Promise<ReleaseReadinessReport> {
    const { root, started, store, team, run, signal } = input;
    const logger = this.#logger;
    const result = { outputs: run.outputs };

    const verdict = judge(team.agents, result.outputs, this.qualityGates);
    const warnings = [
      ...this.#skippedAgentIds.map(
        (id) =>
          `Agent "${id}" skipped: not a release agent (release agents: ${DEFAULT_RELEASE_AGENT_IDS.join(', ')})`,
      ),
      ...team.notes,
      ...verdict.warnings,
    ];
    const approved = verdict.blockers.length === 0;
    const confidence = confidenceFor(approved, warnings.length);
    const qualityScore = gatesPassedScore(verdict.gates);
    const composition =
      store === undefined
        ? null
        : await this.#record(store, team, { success: approved, qualityScore }, signal);

    const summary = summarise({
      approved,
      gates: verdict.gates,
      blockers: verdict.blockers.length,
      warnings: warnings.length,
      notes: verdict.notes,
      reusedFrom: team.reused,
    });
    const report = new ReleaseReadinessReport({
      runId: run.result.runId,
      approved,
      confidence,
      path: root,
      timestamp: this.#clock().toISOString(),
      totalDuration: (performance.now() - started) / 1000,
      thresholds: { ...this.qualityGates },
      qualityGates: verdict.gates,
      blockers: verdict.blockers,
      warnings,
      summary,
      composition,
      agentResults: result.outputs,
    });
    logger.info('release check finished', { approved, confidence });
    return report;
  }

  #measureOptions(): ReleaseMeasureOptions {
    const { coverageFile, runTests, testTimeoutSeconds, auditFile, runAudit } = this.#options;
    const { auditTimeoutSeconds, runLint } = this.#options;
    return {
      coverageFile,
      runTests,
      testTimeoutSeconds,
      auditFile,
      runAudit,
      auditTimeoutSeconds,
      runLint,
    };
  }

  async #composeTeam(
    store: ConfigurationStore | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Team> {
    const notes: string[] = [];
    let best: AgentConfiguration | undefined;
    if (store !== undefined) {
      try {
        best = await store.getBestForTask(RELEASE_TASK_PATTERN, { ...(signal && { signal }) });
      } catch (error) {
        throwIfAborted(signal);
        this.#logger.warn('could not read the configuration store', {
          error: describeError(error),
        });
      }
    }
    const reusable =
      !this.#explicitAgents &&
      best !== undefined &&
      isProvenComposition(best) &&
      best.agents.some((agent) => RELEASE_AGENT_CHECKS[agent.templateId] !== undefined);
    if (reusable && best !== undefined) {
      const agents = best.agents
        .filter((agent) => RELEASE_AGENT_CHECKS[agent.templateId] !== undefined)
        .map((agent) => this.#withTimeLimit({ ...agent }));
      const dropped = best.agents.length - agents.length;
      if (dropped > 0) {
        notes.push(
          `Reused composition "${best.id}": ${dropped} of its agents have no release check and were not run`,
        );
      }
      return { agents, compositionId: best.id, reused: best, notes };
    }
    const agents = this.agentIds.map((id) => {
      const template = getTemplate(id)!;
      const agent = spawnAgent(template, {
        tier: template.tierPreference,
        task: RELEASE_TASK,
        role: 'worker',
        qualityGates: { ...this.qualityGates },
      });
      return this.#withTimeLimit(agent);
    });
    const compositionId = `release_prep-${[...this.agentIds].sort().join('-')}`;
    return { agents, compositionId, reused: undefined, notes };
  }

  #withTimeLimit<T extends Agent>(agent: T): T {
    const limit = this.#options.agentTimeoutSeconds;
    if (limit === undefined) return agent;
    return {
      ...agent,
      resourceRequirements: { ...agent.resourceRequirements, timeoutSeconds: limit },
    };
  }

  #record(
    store: ConfigurationStore,
    team: Team,
    outcome: { success: boolean; qualityScore: number },
    signal: AbortSignal | undefined,
  ): Promise<CompositionRecord> {
    return recordWorkflowComposition({
      store,
      composition: {
        compositionId: team.compositionId,
        taskPattern: RELEASE_TASK_PATTERN,
        strategy: CompositionPattern.PARALLEL,
        agents: team.agents,
        qualityGates: { ...this.qualityGates },
        tags: ['release_prep', 'baton-workflows'],
      },
      outcome,
      reused: team.reused,
      what: 'the release check',
      signal,
      logger: this.#logger,
    });
  }
}

interface Team {
  agents: Agent[];
  compositionId: string;
  /** The stored composition that was reused, if any. */
  reused: AgentConfiguration | undefined;
  notes: string[];
}

function checkAgentIds(agentIds: unknown): { valid: string[]; skipped: string[] } {
  if (agentIds === undefined) return { valid: [...DEFAULT_RELEASE_AGENT_IDS], skipped: [] };
  if (!Array.isArray(agentIds)) {
    throw new ValidationError('agentIds', 'must be a list of agent ids');
  }
  const valid: string[] = [];
  const skipped: string[] = [];
  for (const [position, id] of agentIds.entries()) {
    if (typeof id !== 'string' || id.trim() === '') {
      throw new ValidationError(`agentIds.${position}`, 'must be a non-empty string');
    }
    const trimmed = id.trim();
    const known = RELEASE_AGENT_CHECKS[trimmed] !== undefined && getTemplate(trimmed) !== undefined;
    const list = known ? valid : skipped;
    if (!list.includes(trimmed)) list.push(trimmed);
  }
  if (valid.length === 0) {
    throw new ValidationError(
      'agentIds',
      `${agentIds.length === 0 ? 'is empty' : `none of ${skipped.join(', ')} is a release agent`} (release agents: ${DEFAULT_RELEASE_AGENT_IDS.join(', ')})`,
    );
  }
  return { valid, skipped };
}

function checkOptions(options: ReleasePrepWorkflowOptions): void {
  for (const field of ['coverageFile', 'auditFile'] as const) {
    const value = options[field];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
      throw new ValidationError(field, 'must be a non-empty path');
    }
  }
  for (const field of [
    'testTimeoutSeconds',
    'auditTimeoutSeconds',
    'agentTimeoutSeconds',
  ] as const) {
    const value = options[field];
    if (value !== undefined && (typeof value !== 'number' || !(value > 0))) {
      throw new ValidationError(field, `must be a number of seconds > 0 (got ${String(value)})`);
    }
  }
  for (const field of ['runTests', 'runAudit', 'runLint'] as const) {
    const value = options[field];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new ValidationError(field, 'must be true or false');
    }
  }
  if (options.modelExecutor !== undefined && typeof options.modelExecutor !== 'function') {
    throw new ValidationError('modelExecutor', 'must be an AgentExecutor function');
  }
  const { store } = options;
  if (store !== undefined && store !== false && !(store instanceof ConfigurationStore)) {
    throw new ValidationError('store', 'must be a ConfigurationStore or false');
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new ValidationError('clock', 'must be a function returning a Date');
  }
}

interface Verdict {
  gates: QualityGate[];
  blockers: string[];
  warnings: string[];
  /** The gates' notes, each with its gate's name (they are not warnings). */
  notes: string[];
}

/** Gates, blockers, warnings and notes from the agents' results (measured figures only). */
function judge(
  agents: readonly Agent[],
  results: readonly AgentResult[],
  thresholds: ReleaseGateThresholds,
): Verdict {
  const byCheck = new Map<ReleaseCheck, { agent: Agent; result: AgentResult | undefined }>();
  for (const agent of agents) {
    const check = RELEASE_AGENT_CHECKS[agent.templateId];
    if (check === undefined || byCheck.has(check)) continue;
    byCheck.set(check, { agent, result: results.find((result) => result.agentId === agent.id) });
  }
  const gates: QualityGate[] = [];
  const blockers: string[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];
  const notChecked: string[] = [];
  for (const definition of RELEASE_GATES) {
    const entry = byCheck.get(definition.check);
    if (entry === undefined) {
      notChecked.push(definition.name);
      continue;
    }
    const { agent, result } = entry;
    const output =
      result?.success === true && isReleaseAgentOutput(result.output) ? result.output : undefined;
    const measurement: GateMeasurement =
      output === undefined
        ? { failed: result?.error || `the ${agent.id} agent produced no evidence` }
        : measurementOf(output);
    const gate = evaluateGate(definition, thresholds[definition.key], measurement);
    gates.push(gate);
    if ('note' in measurement && measurement.note !== undefined) {
      notes.push(`${gate.name}: ${measurement.note}`);
    }
    if (!gate.passed) (gate.critical ? blockers : warnings).push(`${gate.name}: ${gate.message}`);
  }
  for (const result of results) {
    if (!result.success) blockers.push(result.error);
  }
  if (notChecked.length > 0) {
    warnings.push(`Not checked (their agents were not in the team): ${notChecked.join(', ')}`);
  }
  for (const result of results) {
    if (!result.success || !isReleaseAgentOutput(result.output)) continue;
    warnings.push(...measurementWarnings(result.output));
    warnings.push(...reviewWarnings(result.agentId, result.output));
  }
  return { gates, blockers, warnings, notes };
}

function measurementOf(output: ReleaseAgentOutput): GateMeasurement {
  const base = { figure: output.figure, summary: output.summary, reason: output.reason };
  switch (output.check) {
    case 'security': {
      const critical = output.measured.findings.filter(
        (finding) => finding.severity === 'critical',
      );
      if (critical.length === 0) return base;
      const listed = critical
        .slice(0, 5)
        .map((finding) => `${finding.ruleId} at ${finding.file}:${finding.line}`)
        .join(', ');
      const more = critical.length > 5 ? ` and ${critical.length - 5} more` : '';
      return { ...base, hint: `Critical: ${listed}${more}` };
    }
    case 'coverage': {
      const { measured } = output;
      if (measured.status !== 'measured' || measured.leastCovered.length === 0) return base;
      const listed = measured.leastCovered
        .slice(0, 3)
        .map((file) => `${file.path} (${file.percent}%)`)
        .join(', ');
      return { ...base, hint: `Least covered: ${listed}` };
    }
    case 'quality': {
      const { measured } = output;
      if (measured.status !== 'measured') return base;
      const noted =
        measured.notes.length === 0 ? base : { ...base, note: measured.notes.join('; ') };
      const deductions = measured.deductions
        .filter((deduction) => deduction.points > 0)
        .sort((a, b) => b.points - a.points)
        .slice(0, 3)
        .map((deduction) => `${deduction.signal} -${deduction.points}`)
        .join(', ');
      return deductions === '' ? noted : { ...noted, hint: `Largest deductions: ${deductions}` };
    }
    case 'documentation': {
      const { measured } = output;
      if (measured.status !== 'measured' || measured.undocumented.length === 0) return base;
      const listed = measured.undocumented
        .slice(0, 5)
        .map((symbol) => `${symbol.name} (${symbol.file}:${symbol.line})`)
        .join(', ');
      const more =
        measured.undocumented.length > 5 ? ` and ${measured.undocumented.length - 5} more` : '';
      return { ...base, hint: `Undocumented: ${listed}${more}` };
    }
  }
}

/** Measurements that could not (fully) be made, as the analyzers reported them. */
function measurementWarnings(output: ReleaseAgentOutput): string[] {
  const label = RELEASE_GATES.find((gate) => gate.check === output.check)!.name;
  return output.measured.warnings.map((warning) => `${label}: ${warning}`);
}

/** A failed model review, and each critical model finding for a person to confirm. */
function reviewWarnings(agentId: string, output: ReleaseAgentOutput): string[] {
  const review = output.review;
  if (review === undefined) return [];
  if (review.status === 'failed') return [`Model review of ${agentId} failed: ${review.error}`];
  return review.findings
    .filter((finding) => finding.severity === 'critical')
    .map((finding) => {
      const where =
        finding.location === undefined
          ? ''
          : ` (${finding.location.file}${finding.location.line === undefined ? '' : `:${finding.location.line}`})`;
      return `Model review of ${agentId} reports a critical finding for a person to confirm: ${finding.message}${where}`;
    });
}

function summarise(input: {
  approved: boolean;
  gates: readonly QualityGate[];
  blockers: number;
  warnings: number;
  notes: readonly string[];
  reusedFrom: AgentConfiguration | undefined;
}): string {
  const { approved, gates, blockers, warnings } = input;
  const passed = gates.filter((gate) => gate.passed).length;
  const failed = gates.filter((gate) => !gate.passed).map((gate) => gate.name);
  const parts = [
    approved
      ? `Ready for release: ${passed} of ${gates.length} gates passed${failed.length > 0 ? ` (below threshold: ${failed.join(', ')})` : ''}.`
      : `Not ready for release: ${blockers} blocker${blockers === 1 ? '' : 's'}${failed.length > 0 ? `; failed gates: ${failed.join(', ')}` : ''}.`,
  ];
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'} to review.`);
  for (const note of input.notes) parts.push(`${note}.`);
  const reused = input.reusedFrom;
  if (reused !== undefined) {
    parts.push(
      `Reused the proven composition "${reused.id}" (success rate ${Math.round(reused.successRate * 100)}% over ${reused.usageCount} runs).`,
    );
  }
  return parts.join(' ');
}
