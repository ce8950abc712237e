import {
  type Agent,
  type AgentResult,
  createTaskGraph,
  type GraphHooks,
  type RunView,
  type TaskGraph,
  type TaskStep,
} from '@baton/core';
import type { ComplianceResult } from './security-compliance.js';
import { SECURITY_DEEP_DIVE_TASK_PATTERN, type SecurityEvidence } from './security-evidence.js';
import type { LocationVerifier } from './security-findings.js';
import {
  type AuditPhaseOutcome,
  auditContext,
  type DebatePhaseOutcome,
  debateContext,
  findingsToVoteOn,
  openFindings,
  readAuditPhase,
  readDebatePhase,
  SECURITY_DEEP_DIVE_TASK,
  type SecurityTeam,
  synthesisContext,
} from './security-phases.js';

/** The parts a step of the deep dive plays (its `role` in the graph). */
export const SECURITY_DEEP_DIVE_ROLES = Object.freeze({
  audit: 'auditor',
  debate: 'debater',
  synthesis: 'synthesizer',
} as const);

/** A phase of the deep dive that agents take part in. */
export type SecurityAgentPhase = keyof typeof SECURITY_DEEP_DIVE_ROLES;

/** The step id of an agent in a phase: `audit.<agent id>`, `debate.<agent id>`, `synthesis`. */
export function securityStepId(phase: SecurityAgentPhase, agentId: string): string {
  return phase === 'synthesis' ? 'synthesis' : `${phase}.${agentId}`;
}

/**
 * The deep dive as a task graph for the one engine: each auditor once in the audit phase (all at
 * once), each auditor once more in the debate (after every audit, failed or not), then the code
 * reviewer's synthesis (after every debate). No step's failure fails the others: a missing agent
 * is the report's business. Whether a debate or the synthesis runs, and what each step sees, are
 * {@link securityDeepDiveHooks}.
 */
export function securityDeepDiveGraph(team: SecurityTeam): TaskGraph {
  const audits = team.auditors.map((agent) => securityStepId('audit', agent.id));
  const debates = team.auditors.map((agent) => securityStepId('debate', agent.id));
  const step = (
    phase: SecurityAgentPhase,
    agent: Agent,
    dependsOn: string[],
  ): Record<string, unknown> => ({
    id: securityStepId(phase, agent.id),
    label: `${phase} ${agent.id}`,
    agent,
    dependsOn,
    onDependencyFailure: 'run',
    role: SECURITY_DEEP_DIVE_ROLES[phase],
    critical: false,
    escalate: false,
    strategy: SECURITY_DEEP_DIVE_TASK_PATTERN,
    parentId: phase,
  });
  return createTaskGraph({
    task: SECURITY_DEEP_DIVE_TASK,
    strategy: SECURITY_DEEP_DIVE_TASK_PATTERN,
    source: 'workflow',
    steps: [
      ...team.auditors.map((agent) => step('audit', agent, [])),
      ...team.auditors.map((agent) => step('debate', agent, audits)),
      ...(team.reviewer === undefined ? [] : [step('synthesis', team.reviewer, debates)]),
    ],
  });
}

/** What the phases are read against: phase 0's evidence and the caller's context. */
export interface SecurityPhaseInput {
  team: SecurityTeam;
  evidence: SecurityEvidence;
  compliance: readonly ComplianceResult[];
  verify: LocationVerifier;
  /** The caller's context, handed to every agent. */
  context: Record<string, unknown>;
}

/** A run's results as the phases read them (a live run's view, or a stopped run's outcome). */
export type PhaseResults = (stepId: string) => AgentResult | undefined;

function present(results: ReadonlyArray<AgentResult | undefined>): AgentResult[] {
  return results.filter((result): result is AgentResult => result !== undefined);
}

/** Phase 1 as read from the audit steps' results (verified, merged findings; who is missing). */
export function readAuditSteps(
  input: SecurityPhaseInput,
  results: PhaseResults,
): AuditPhaseOutcome {
  const { auditors } = input.team;
  return readAuditPhase({
    auditors,
    results: present(auditors.map((agent) => results(securityStepId('audit', agent.id)))),
    evidence: input.evidence,
    verify: input.verify,
  });
}

/** Phase 2 as read from the debate steps that ran (the majority decides each finding). */
export function readDebateSteps(
  input: SecurityPhaseInput,
  audit: AuditPhaseOutcome,
  results: PhaseResults,
): DebatePhaseOutcome {
  return readDebatePhase({
    audit,
    results: present(
      input.team.auditors.map((agent) => results(securityStepId('debate', agent.id))),
    ),
    evidence: input.evidence,
    verify: input.verify,
  });
}

/**
 * The deep dive's rules on the engine, pure functions of the run's view and phase 0:
 * - an auditor debates only when it answered in phase 1 and the others reported findings for it
 *   to vote on;
 * - the code reviewer runs only when a finding is open (measured, or confirmed by the majority);
 * - each step sees its phase's context: the evidence (audit), the others' findings (debate), the
 *   open and the disputed findings (synthesis).
 */
export function securityDeepDiveHooks(input: SecurityPhaseInput): GraphHooks {
  const results =
    (view: RunView): PhaseResults =>
    (stepId) =>
      view.result(stepId);
  const agentOf = (step: TaskStep): string => step.agent?.id ?? step.id;
  return {
    shouldRun(step, view) {
      if (step.role === SECURITY_DEEP_DIVE_ROLES.debate) {
        const audit = readAuditSteps(input, results(view));
        const agentId = agentOf(step);
        return (
          audit.answered.includes(agentId) && findingsToVoteOn(audit.findings, agentId).length > 0
        );
      }
      if (step.role === SECURITY_DEEP_DIVE_ROLES.synthesis) {
        const audit = readAuditSteps(input, results(view));
        const debate = readDebateSteps(input, audit, results(view));
        return openFindings(input.evidence.findings, debate.findings).length > 0;
      }
      return true;
    },
    contextFor(step, view) {
      const { evidence, context } = input;
      if (step.role === SECURITY_DEEP_DIVE_ROLES.debate) {
        const audit = readAuditSteps(input, results(view));
        return debateContext({
          agentId: agentOf(step),
          findings: audit.findings,
          evidence,
          context,
        });
      }
      if (step.role === SECURITY_DEEP_DIVE_ROLES.synthesis) {
        const audit = readAuditSteps(input, results(view));
        const debate = readDebateSteps(input, audit, results(view));
        return synthesisContext({ evidence, debated: debate.findings, context });
      }
      return auditContext({ evidence, compliance: input.compliance, context });
    },
    describe(step) {
      if (step.role === SECURITY_DEEP_DIVE_ROLES.debate) {
        return 'if it answered in the audit and the others reported findings for it to vote on';
      }
      if (step.role === SECURITY_DEEP_DIVE_ROLES.synthesis) {
        return 'if a finding is open (measured, or confirmed by the majority)';
      }
      return undefined;
    },
  };
}
