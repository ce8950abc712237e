import nodePath from 'node:path';
import { createProjectIndex } from '@baton/analyzers';
import { ConfigurationStore } from '@baton/config-store';
import {
  type Agent,
  type AgentExecutor,
  type AgentResult,
  type BatonEmitter,
  type Budget,
  CompositionPattern,
  type Logger,
  noopLogger,
  type RunResult,
  type TaskGraph,
  throwIfAborted,
  ValidationError,
} from '@baton/core';
import { projectLayout } from '@baton/runtime';
import { compositionIdFor } from './composition-learning.js';
import { checkProjectInput } from './project-input.js';
import type { CompositionRecord } from './release-readiness-report.js';
import { evaluateCompliance, resolveComplianceChecks } from './security-compliance.js';
import type { DebatedFinding } from './security-debate.js';
import {
  readAuditSteps,
  readDebateSteps,
  SECURITY_DEEP_DIVE_ROLES,
  type SecurityPhaseInput,
  securityDeepDiveGraph,
  securityDeepDiveHooks,
} from './security-deep-dive-graph.js';
import {
  collectSecurityEvidence,
  SECURITY_DEEP_DIVE_TASK_PATTERN,
  type SecurityEvidence,
} from './security-evidence.js';
import { createLocationVerifier } from './security-findings.js';
import { judgeSecurityDeepDive } from './security-gates.js';
import {
  AUDITOR_FOCUSES,
  type AuditorFocus,
  type AuditPhaseOutcome,
  type MissingAuditor,
  readSynthesisPhase,
  resolveTeamSelection,
  type SecurityTeam,
  spawnSecurityTeam,
} from './security-phases.js';
import type { RemediationPlan } from './security-remediation.js';
import {
  type SecurityAgentRun,
  SecurityDeepDiveReport,
  type SecurityUsage,
} from './security-report.js';
import { gatesPassedScore, recordWorkflowComposition } from './workflow-composition.js';
import {
  runWorkflowGraph,
  stepResult,
  type WorkflowRuntimeOption,
  workflowRuntime,
} from './workflow-run.js';

/** Options of {@link SecurityDeepDiveWorkflow}. */
export interface SecurityDeepDiveOptions {
  /**
   * Runs the auditors and the code reviewer, e.g. `createModelExecutor` or `createCliExecutor`
   * of `@baton/executors` asked for `SECURITY_DEEP_DIVE_ANSWER`. Without one, phase 0 and the
   * gates run on the evidence alone and the report says that no auditor ran and why.
   */
  executor?: AgentExecutor<Agent> | undefined;
  /** Why there is no executor, for the report (default: "no executor was given"). */
  noExecutorReason?: string | undefined;
  /**
   * The team: auditor focuses (`vulnerabilities`, `threat_modeling`, `compliance`, or their ids
   * `security_auditor__<focus>`) and `code_reviewer`. Default: all four.
   */
  agents?: readonly string[] | undefined;
  /** One time limit in seconds for every agent instead of each template's own (900 / 600 s). */
  agentTimeoutSeconds?: number | undefined;
  /** A recorded `npm audit --json` / `pnpm audit --json` output, relative to the project. */
  auditFile?: string | undefined;
  /** Run the package manager's audit (default false). */
  runAudit?: boolean | undefined;
  /** Time limit of the audit in seconds (default 120). */
  auditTimeoutSeconds?: number | undefined;
  /**
   * The compliance checklist: `{ disable?: [built-in ids], checks?: [ComplianceCheck] }` (the
   * `compliance` part of `baton.config.json` `securityDeepDive`).
   */
  compliance?: unknown;
  /**
   * Where the deep dive runs: a `Runtime` of `@baton/runtime`, or `false` for memory only.
   * Default: a runtime on the project's `.baton/` folder, so a deep dive can be resumed
   * ({@link SecurityDeepDiveWorkflow.resume}, `baton runs`), cancelled from another process, and
   * budgeted.
   */
  runtime?: WorkflowRuntimeOption;
  /** Spending limits of the agents (`maxTokens`, `maxAgents`, `maxCostUsd` with priced agents). */
  budget?: Budget | undefined;
  /**
   * Where the outcome is recorded on the deep dive's composition (task pattern
   * `security_deep_dive`, strategy debate). Default: a store in `<path>/.baton/compositions`;
   * `false`: none. Only runs whose agents ran to the end are recorded.
   */
  store?: ConfigurationStore | false | undefined;
  /** Receives the run's events (`step-start`, `step-end`, `usage-add`, ...). */
  events?: BatonEmitter | undefined;
  logger?: Logger | undefined;
  /** The report's clock. Default: the system clock. */
  clock?: (() => Date) | undefined;
}

/** Options of {@link SecurityDeepDiveWorkflow.execute}. */
export interface SecurityDeepDiveExecuteOptions {
  /** The project (default: the current directory). */
  path?: string | undefined;
  /** Extra context handed to every agent. */
  context?: Record<string, unknown> | undefined;
  signal?: AbortSignal | undefined;
  /** The run's id (default: a new one). */
  runId?: string | undefined;
}

/**
 * The security deep dive (seed "Pre-Built Compositions" 3, task pattern `security_deep_dive`):
 * - phase 0: evidence measured by `@baton/analyzers` (secrets, dangerous code, dependency
 *   advisories, TLS and auth settings, the attack surface) and the compliance checklist;
 * - phase 1: three PREMIUM security auditors in parallel, each with its focus (vulnerabilities,
 *   threat modeling, compliance), answer findings in one schema; every location is checked
 *   against the files and a finding at a line that does not exist is rejected;
 * - phase 2: each auditor sees the other two's findings and confirms, disputes (with a reason)
 *   or adds; the majority of the auditors who voted decides each finding;
 * - phase 3: a CAPABLE code reviewer writes one deduplicated, prioritised remediation plan.
 * Gates: no open critical finding and compliance met (both blocking), a plan that covers every
 * open finding (a warning). A failed or timed-out agent is missing from its phase, with its
 * error in the report; the others' answers still count.
 *
 * Phases 1 to 3 are steps of one task graph on the one engine (`securityDeepDiveGraph`, with the
 * deep dive's own rules in `securityDeepDiveHooks`; the majority is `debateConsensus` of
 * `@baton/strategies`, the debate strategy's rule), run durably on the project: the report names
 * its `runId`; a cancelled deep dive, or one its `budget` stopped, continues with
 * {@link SecurityDeepDiveWorkflow.resume} without asking its finished agents again. A finished
 * run's outcome is recorded on the deep dive's composition in the configuration store.
 *
 * @example
 * ```ts
 * const report = await new SecurityDeepDiveWorkflow({ executor }).execute({ path: '.' });
 * console.log(formatSecurityConsole(report));
 * process.exitCode = exitCodeFor(report);
 * ```
 */
export class SecurityDeepDiveWorkflow {
  /** The team every run spawns. */
  readonly team: SecurityTeam;
  readonly #options: SecurityDeepDiveOptions;
  readonly #logger: Logger;
  readonly #clock: () => Date;

  /** @throws ValidationError naming the offending option. */
  constructor(options: SecurityDeepDiveOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new ValidationError('options', 'must be an object');
    }
    if (options.executor !== undefined && typeof options.executor !== 'function') {
      throw new ValidationError('executor', 'must be an AgentExecutor function');
    }
    for (const field of ['agentTimeoutSeconds', 'auditTimeoutSeconds'] as const) {
      const value = options[field];
      if (value !== undefined && (typeof value !== 'number' || !(value > 0))) {
        throw new ValidationError(field, `must be a number of seconds > 0 (got ${String(value)})`);
      }
    }
    if (
      options.auditFile !== undefined &&
      (typeof options.auditFile !== 'string' || options.auditFile.trim() === '')
    ) {
      throw new ValidationError('auditFile', 'must be a non-empty path');
    }
    // Checked now so that a bad checklist is an error before anything runs.
    resolveComplianceChecks(options.compliance);
    const selection = resolveTeamSelection(options.agents);
    this.team = spawnSecurityTeam({ ...selection, timeoutSeconds: options.agentTimeoutSeconds });
    this.#options = options;
    this.#logger = options.logger ?? noopLogger;
    this.#clock = options.clock ?? (() => new Date());
  }

  /**
   * Runs the deep dive on the project at `path`, as a durable run of the project when an
   * executor is given (see `runtime`). Bad input (a path that is not a directory, a context that
   * is not an object, an audit file that does not exist) rejects with a ValidationError; what
   * goes wrong with an agent is in the report. Aborting the signal rejects with the abort reason;
   * the run is saved and {@link resume} continues it.
   */
  async execute(options: SecurityDeepDiveExecuteOptions = {}): Promise<SecurityDeepDiveReport> {
    const { signal } = options;
    const { root, context } = await checkProjectInput(options);
    throwIfAborted(signal);
    const started = performance.now();
    const phase0 = await this.#measure(root, signal);
    const input: SecurityPhaseInput = { team: this.team, ...phase0, context };
    const executor = this.#options.executor;
    if (executor === undefined) {
      const reason = this.#options.noExecutorReason ?? 'no executor was given';
      return this.#report({ root, started, input, outcome: notRun(input, reason), signal });
    }
    const graph = securityDeepDiveGraph(this.team);
    const run = await runWorkflowGraph({
      runtime: workflowRuntime(this.#options.runtime, root, this.#logger),
      graph,
      hooks: securityDeepDiveHooks(input),
      executor,
      context,
      metadata: {
        workflow: SECURITY_DEEP_DIVE_TASK_PATTERN,
        path: root,
        agents: graph.steps.flatMap((step) => (step.agent === undefined ? [] : [step.agent.id])),
      },
      signal,
      budget: this.#options.budget,
      events: this.#options.events,
      runId: options.runId,
    });
    const outcome = readRun(input, graph, run.result);
    return this.#report({ root, started, input, outcome, run: run.result, signal });
  }

  /**
   * Continues a deep dive that stopped (cancelled, out of budget, crashed) without running its
   * finished agents again: phase 0 is measured again, the team is the run's own, and the report
   * covers the whole run. The executor is needed (executors are code, not data).
   *
   * @throws ValidationError without an executor or for a run that is not a deep dive;
   *   BatonError `BATON_NOT_FOUND` for an unknown run, `BATON_CONFLICT` when it finished.
   */
  async resume(
    runId: string,
    options: Pick<SecurityDeepDiveExecuteOptions, 'path' | 'signal'> = {},
  ): Promise<SecurityDeepDiveReport> {
    const { signal } = options;
    const executor = this.#options.executor;
    if (executor === undefined) {
      throw new ValidationError(
        'executor',
        'is needed to resume a deep dive: its agents run on it',
      );
    }
    throwIfAborted(signal);
    const started = performance.now();
    const guess = nodePath.resolve(options.path ?? '.');
    const runtime = workflowRuntime(this.#options.runtime, guess, this.#logger);
    const record = await runtime.store.loadRun(runId);
    if (record.metadata?.workflow !== SECURITY_DEEP_DIVE_TASK_PATTERN) {
      throw new ValidationError('runId', `run ${runId} is not a security deep dive`);
    }
    const root = typeof record.metadata.path === 'string' ? record.metadata.path : guess;
    const team = teamOf(record.graph);
    const phase0 = await this.#measure(root, signal);
    const input: SecurityPhaseInput = { team, ...phase0, context: record.context ?? {} };
    const run = await runWorkflowGraph({
      runtime,
      graph: record.graph,
      hooks: securityDeepDiveHooks(input),
      executor,
      signal,
      budget: this.#options.budget,
      events: this.#options.events,
      resume: runId,
    });
    const outcome = readRun(input, record.graph, run.result);
    return this.#report({ root, started, input, outcome, run: run.result, signal });
  }

  /** Phase 0: the evidence, the checklist judged on it, and the checker of reported locations. */
  async #measure(
    root: string,
    signal: AbortSignal | undefined,
  ): Promise<Pick<SecurityPhaseInput, 'evidence' | 'compliance' | 'verify'>> {
    const logger = this.#logger;
    const { auditFile, runAudit, auditTimeoutSeconds } = this.#options;
    const index = await createProjectIndex({ root, logger, ...(signal && { signal }) });
    const evidence = await collectSecurityEvidence({
      root,
      index,
      auditFile,
      runAudit,
      auditTimeoutSeconds,
      signal,
      logger,
    });
    const compliance = evaluateCompliance({
      checks: resolveComplianceChecks(this.#options.compliance),
      evidence,
      index,
    });
    logger.info('security evidence collected', { summary: evidence.summary });
    return { evidence, compliance, verify: createLocationVerifier(index) };
  }

  async #report(input: {
    root: string;
    started: number;
    input: SecurityPhaseInput;
    outcome: AgentsOutcome;
    run?: RunResult | undefined;
    signal: AbortSignal | undefined;
  }): Promise<SecurityDeepDiveReport> {
    const { root, started, outcome, run, signal } = input;
    const { evidence, compliance, team } = input.input;
    const logger = this.#logger;
    const verdict = judgeSecurityDeepDive({
      evidence,
      findings: outcome.findings,
      compliance,
      plan: outcome.plan,
    });
    const warnings = [
      ...evidence.warnings,
      ...(outcome.ran ? [] : [`No auditor ran: ${outcome.reason}`]),
      ...(run?.status === 'budget-exceeded'
        ? [
            `The budget stopped the run before every agent ran (${run.budgetStop?.message ?? 'limit reached'}); resume run ${run.runId} with more budget to finish it`,
          ]
        : []),
      ...outcome.missing.map(
        (missing) =>
          `${missing.agentId} is missing from the ${missing.phase} phase: ${missing.reason}`,
      ),
      ...(outcome.rejectedCount > 0
        ? [
            `${outcome.rejectedCount} auditor finding${outcome.rejectedCount === 1 ? ' was' : 's were'} not reported (malformed or at a location that does not exist)`,
          ]
        : []),
      ...verdict.warnings,
    ];
    const agents = [...team.auditors, ...(team.reviewer === undefined ? [] : [team.reviewer])];
    // A run the budget stopped has no outcome yet: it is recorded when a resume finishes it.
    const composition =
      outcome.ran && run !== undefined && run.status !== 'budget-exceeded'
        ? await this.#record(root, agents, verdict, signal)
        : null;
    const report = new SecurityDeepDiveReport({
      runId: run?.runId ?? null,
      runStatus: run?.status ?? null,
      composition,
      approved: verdict.approved,
      path: root,
      timestamp: this.#clock().toISOString(),
      totalDuration: (performance.now() - started) / 1000,
      gates: verdict.gates,
      blockers: verdict.blockers,
      warnings,
      summary: summarise(verdict.approved, verdict.blockers.length, outcome, evidence),
      evidence,
      compliance: [...compliance],
      auditors: {
        ran: outcome.ran,
        reason: outcome.ran ? null : outcome.reason,
        team: [
          ...team.auditors.map((agent) => ({
            agentId: agent.id,
            role: 'auditor' as const,
            focus: team.focusOf.get(agent.id) ?? null,
            tier: agent.tier,
          })),
          ...(team.reviewer === undefined
            ? []
            : [
                {
                  agentId: team.reviewer.id,
                  role: 'reviewer' as const,
                  focus: null,
                  tier: team.reviewer.tier,
                },
              ]),
        ],
        missing: outcome.missing,
      },
      findings: outcome.findings,
      rejectedFindings: outcome.rejected,
      debateNotes: outcome.notes,
      plan: outcome.plan,
      agentRuns: outcome.runs,
      usage: usageOf(outcome.runs),
    });
    logger.info('security deep dive finished', { approved: verdict.approved });
    return report;
  }

  /**
   * Records the outcome on the deep dive's composition (the seed's pre-built composition: task
   * pattern `security_deep_dive`, strategy debate, this team): success = approved, quality score =
   * percent of the gates passed.
   */
  #record(
    root: string,
    agents: Agent[],
    verdict: { approved: boolean; gates: ReadonlyArray<{ passed: boolean }> },
    signal: AbortSignal | undefined,
  ): Promise<CompositionRecord> | null {
    const option = this.#options.store;
    if (option === false) return null;
    const store =
      option ??
      new ConfigurationStore({
        storageDir: projectLayout(root).compositions,
        logger: this.#logger,
      });
    return recordWorkflowComposition({
      store,
      composition: {
        compositionId: compositionIdFor(
          SECURITY_DEEP_DIVE_TASK_PATTERN,
          CompositionPattern.DEBATE,
          agents,
        ),
        taskPattern: SECURITY_DEEP_DIVE_TASK_PATTERN,
        strategy: CompositionPattern.DEBATE,
        agents,
        qualityGates: { max_critical_issues: 0 },
        tags: [SECURITY_DEEP_DIVE_TASK_PATTERN, 'baton-workflows'],
      },
      outcome: { success: verdict.approved, qualityScore: gatesPassedScore(verdict.gates) },
      what: 'the security deep dive',
      signal,
      logger: this.#logger,
    });
  }
}

/** The outcome when no agent ran: phase 0 and the gates only, and why. */
function notRun(input: SecurityPhaseInput, reason: string): AgentsOutcome {
  return {
    ran: false,
    reason,
    findings: [],
    rejected: [],
    rejectedCount: 0,
    missing: [],
    notes: [],
    runs: [],
    plan: readSynthesisPhase({
      result: undefined,
      notRunReason: `no auditor ran: ${reason}`,
      evidence: input.evidence,
      debated: [],
      verify: input.verify,
    }),
  };
}

/**
 * Phases 1 to 3 as a stopped run left them: a step that did not run because the run stopped (the
 * budget) is a missing agent with that reason; a step its hook skipped had nothing to do.
 */
function readRun(input: SecurityPhaseInput, graph: TaskGraph, result: RunResult): AgentsOutcome {
  const byId = new Map(graph.steps.map((step) => [step.id, step]));
  const results = (stepId: string): AgentResult | undefined => {
    const step = byId.get(stepId);
    return step === undefined ? undefined : stepResult(result, step);
  };
  const audit = readAuditSteps(input, results);
  const debate = readDebateSteps(input, audit, results);
  const synthesis = graph.steps.find((step) => step.role === SECURITY_DEEP_DIVE_ROLES.synthesis);
  const reviewResult = synthesis === undefined ? undefined : stepResult(result, synthesis);
  const { evidence, verify } = input;
  const plan = readSynthesisPhase({
    result: reviewResult,
    notRunReason: synthesis === undefined ? 'the code reviewer is not in the team' : undefined,
    evidence,
    debated: debate.findings,
    verify,
  });
  const missing: MissingAuditor[] = [...audit.missing, ...debate.missing];
  if (reviewResult !== undefined && !reviewResult.success) {
    missing.push({ agentId: reviewResult.agentId, phase: 'synthesis', reason: reviewResult.error });
  }
  const runs: SecurityAgentRun[] = [];
  for (const step of graph.steps) {
    const ran = result.steps[step.id]?.result;
    if (ran === undefined || step.agent === undefined) continue;
    const phase = step.parentId as SecurityAgentRun['phase'];
    runs.push(runRecord(phase, step.agent as unknown as Agent, ran));
  }
  return {
    ran: true,
    reason: '',
    findings: debate.findings,
    rejected: debate.rejected,
    rejectedCount: debate.rejected.length,
    missing,
    notes: debate.notes,
    runs,
    plan,
  };
}

/** The team of a stored run's graph: its auditors with their focus, and its code reviewer. */
function teamOf(graph: TaskGraph): SecurityTeam {
  const agentsIn = (role: string): Agent[] =>
    graph.steps.flatMap((step) =>
      step.role === role && step.agent !== undefined ? [step.agent as unknown as Agent] : [],
    );
  const auditors = agentsIn(SECURITY_DEEP_DIVE_ROLES.audit);
  const focusOf = new Map<string, AuditorFocus>();
  for (const agent of auditors) {
    const focus = agent.id.replace(/^security_auditor__/, '');
    if ((AUDITOR_FOCUSES as readonly string[]).includes(focus)) {
      focusOf.set(agent.id, focus as AuditorFocus);
    }
  }
  return { auditors, focusOf, reviewer: agentsIn(SECURITY_DEEP_DIVE_ROLES.synthesis)[0] };
}

interface AgentsOutcome {
  ran: boolean;
  reason: string;
  findings: DebatedFinding[];
  rejected: AuditPhaseOutcome['rejected'];
  rejectedCount: number;
  missing: MissingAuditor[];
  notes: string[];
  runs: SecurityAgentRun[];
  plan: RemediationPlan;
}

function runRecord(
  phase: SecurityAgentRun['phase'],
  agent: Agent,
  result: AgentResult,
): SecurityAgentRun {
  return {
    phase,
    agentId: agent.id,
    tier: agent.tier ?? null,
    success: result.success,
    durationSeconds: result.durationSeconds,
    error: result.error,
    confidence: result.confidence ?? null,
    ...(result.usage === undefined ? {} : { usage: result.usage }),
  };
}

/** Tokens and cost summed over the runs that reported usage; the cost only when every run was priced. */
function usageOf(runs: readonly SecurityAgentRun[]): SecurityUsage | null {
  if (runs.length === 0) return null;
  const reported = runs.filter((run) => run.usage !== undefined);
  const priced =
    reported.length === runs.length && reported.every((run) => run.usage?.costUsd !== undefined);
  return {
    calls: runs.length,
    reported: reported.length,
    inputTokens: reported.reduce((total, run) => total + (run.usage?.inputTokens ?? 0), 0),
    outputTokens: reported.reduce((total, run) => total + (run.usage?.outputTokens ?? 0), 0),
    costUsd: priced
      ? Math.round(reported.reduce((total, run) => total + (run.usage?.costUsd ?? 0), 0) * 1e6) /
        1e6
      : null,
  };
}

function summarise(
  approved: boolean,
  blockers: number,
  outcome: AgentsOutcome,
  evidence: SecurityEvidence,
): string {
  const confirmed = outcome.findings.filter((finding) => finding.status === 'confirmed').length;
  const disputed = outcome.findings.length - confirmed;
  const parts = [
    approved
      ? 'No blocker: no open critical finding and the compliance checklist is met.'
      : `Blocked: ${blockers} blocker${blockers === 1 ? '' : 's'}.`,
    `Measured: ${evidence.summary}.`,
    outcome.ran
      ? `Auditors: ${confirmed} finding${confirmed === 1 ? '' : 's'} confirmed, ${disputed} disputed, ${outcome.rejectedCount} rejected${outcome.missing.length === 0 ? '' : `; missing: ${[...new Set(outcome.missing.map((item) => item.agentId))].join(', ')}`}.`
      : `No auditor ran: ${outcome.reason}.`,
  ];
  if (outcome.plan.status === 'generated') {
    parts.push(
      `Remediation plan: ${outcome.plan.items.length} step${outcome.plan.items.length === 1 ? '' : 's'}.`,
    );
  } else {
    parts.push(`No remediation plan: ${outcome.plan.reason}.`);
  }
  return parts.join(' ');
}
