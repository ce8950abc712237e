import { type Agent, type AgentResult, ValidationError } from '@baton/core';
import { spawnAgent } from '@baton/meta-orchestrator';
import { getTemplate } from '@baton/templates';
import { z } from 'zod';
import {
  auditAnswerSchema,
  debateAnswerSchema,
  parseAnswerPart,
  SECURITY_ANSWER_SHAPES,
} from './security-answers.js';
import type { ComplianceResult } from './security-compliance.js';
import { type AuditorBallot, type DebatedFinding, decideFindings } from './security-debate.js';
import {
  type EvidenceFinding,
  type SecurityEvidence,
  securityEvidenceDigest,
} from './security-evidence.js';
import {
  type DeepDiveFinding,
  type LocationVerifier,
  mergeAuditorFindings,
  type RejectedFinding,
} from './security-findings.js';
import {
  buildRemediationPlan,
  disputedEntries,
  type OpenFinding,
  type RemediationPlan,
} from './security-remediation.js';

/** The three auditor focuses of the seed's security deep dive, in order. */
export const AUDITOR_FOCUSES = ['vulnerabilities', 'threat_modeling', 'compliance'] as const;
/** An auditor's focus. */
export type AuditorFocus = (typeof AUDITOR_FOCUSES)[number];

/** What each auditor is told to concentrate on (added to the security_auditor template's instructions). */
export const AUDITOR_FOCUS_INSTRUCTIONS: Readonly<Record<AuditorFocus, string>> = Object.freeze({
  vulnerabilities:
    'Your focus: vulnerabilities. Find exploitable flaws in the code and its dependencies: command, SQL and path injection, unsafe deserialisation, hard-coded secrets, disabled or weak TLS, server-side request forgery, missing authorisation, known-vulnerable packages.',
  threat_modeling:
    'Your focus: threat modeling. Start from the attack surface in the evidence (routes, user input, sinks): for each entry point say who can reach it, what they control, which trust boundary it crosses and the worst outcome; report each attack path as a finding at the line where the dangerous step happens.',
  compliance:
    'Your focus: compliance. Check the project against the compliance checklist in the evidence and common baselines (OWASP Top 10, OWASP ASVS level 1): secrets management, TLS, authentication, session and cookie settings, dependency hygiene; report each violation at the line it is in.',
});

/** The id of the code reviewer that writes the remediation plan. */
export const SECURITY_REVIEWER_ID = 'code_reviewer__synthesizer';

/** The agent id of the auditor with a focus: `security_auditor__<focus>`. */
export function auditorIdFor(focus: AuditorFocus): string {
  return `security_auditor__${focus}`;
}

/** The task every agent of the deep dive is spawned for. */
export const SECURITY_DEEP_DIVE_TASK =
  'Security deep dive: find, debate and plan the remediation of the security problems of this project';

/** The deep dive's team: the auditors (PREMIUM) and the code reviewer (CAPABLE), if it is in. */
export interface SecurityTeam {
  auditors: Agent[];
  /** The auditor's focus, by agent id. */
  focusOf: ReadonlyMap<string, AuditorFocus>;
  reviewer: Agent | undefined;
}

/** Options of {@link spawnSecurityTeam}. */
export interface SpawnSecurityTeamOptions {
  /** The auditors to run (default all three). */
  focuses?: readonly AuditorFocus[] | undefined;
  /** Whether the code reviewer writes the remediation plan (default true). */
  withReviewer?: boolean | undefined;
  /** One time limit in seconds for every agent instead of each template's own (900 / 600 s). */
  timeoutSeconds?: number | undefined;
}

/**
 * Spawns the team with `spawnAgent` of `@baton/meta-orchestrator`: one PREMIUM
 * `security_auditor` per focus (a debate perspective, id `security_auditor__<focus>`) and a
 * CAPABLE `code_reviewer` as synthesizer (`code_reviewer__synthesizer`).
 */
export function spawnSecurityTeam(options: SpawnSecurityTeamOptions = {}): SecurityTeam {
  const focuses = options.focuses ?? AUDITOR_FOCUSES;
  const withLimit = (agent: Agent): Agent =>
    options.timeoutSeconds === undefined
      ? agent
      : {
          ...agent,
          resourceRequirements: {
            ...agent.resourceRequirements,
            timeoutSeconds: options.timeoutSeconds,
          },
        };
  const auditorTemplate = getTemplate('security_auditor')!;
  const auditors = focuses.map((focus) =>
    withLimit(
      spawnAgent(auditorTemplate, {
        tier: 'PREMIUM',
        task: SECURITY_DEEP_DIVE_TASK,
        role: 'perspective',
        id: auditorIdFor(focus),
        roleInstructions: `${AUDITOR_FOCUS_INSTRUCTIONS[focus]} You are one of ${focuses.length} auditors with different focuses; later you will see the others' findings and confirm or dispute them.`,
      }),
    ),
  );
  const reviewer =
    options.withReviewer === false
      ? undefined
      : withLimit(
          spawnAgent(getTemplate('code_reviewer')!, {
            tier: 'CAPABLE',
            task: SECURITY_DEEP_DIVE_TASK,
            role: 'synthesizer',
            id: SECURITY_REVIEWER_ID,
            roleInstructions:
              'You are the synthesizer of a security debate: turn the confirmed findings and the measured findings into one deduplicated, prioritised remediation plan. Each open finding goes into exactly one step with its fix, the file that owns the change and the effort; disputed findings are not steps, you may add a note on each.',
          }),
        );
  return {
    auditors,
    focusOf: new Map(focuses.map((focus) => [auditorIdFor(focus), focus])),
    reviewer,
  };
}

/**
 * Reads an agent's answer in a phase's schema: the executor's output itself (a model
 * executor's answer fields), or its `answer` (a coding-agent CLI's parsed final message).
 */
export function answerOf<T>(
  output: unknown,
  schema: z.ZodType<T>,
): { answer: T } | { error: string } {
  const direct = parseAnswerPart(schema, output, 'answer');
  if (direct.success) return { answer: direct.data };
  const wrapped = (output as { answer?: unknown } | null | undefined)?.answer;
  if (wrapped !== undefined) {
    const inner = parseAnswerPart(schema, wrapped, 'answer');
    if (inner.success) return { answer: inner.data };
  }
  return { error: direct.error };
}

/** An auditor whose answer is missing from a phase, and why. */
export const missingAuditorSchema = z.object({
  agentId: z.string(),
  phase: z.enum(['audit', 'debate', 'synthesis']),
  reason: z.string(),
});
/** An auditor (or the reviewer) whose answer is missing from a phase. */
export type MissingAuditor = z.output<typeof missingAuditorSchema>;

const AUDIT_TASK =
  'Phase "audit": audit this project for security problems within your focus. The evidence below was measured by tools (secrets, dangerous code, TLS and auth settings, dependency advisories, the attack surface, the compliance checklist); confirm what it shows by reading the code, and find what the tools cannot. Every finding needs the file and the 1-based line where the problem is: findings at lines that do not exist are thrown away.';
const DEBATE_TASK =
  'Phase "debate": these are the other auditors\' findings (under "findings", each with the line as it is in the file). For each one, vote "confirm" if it is a real problem as described, or "dispute" with the reason (not exploitable, wrong location, wrong severity, duplicate). Add findings that you now see are missing. The majority of the auditors decides each finding.';
const SYNTHESIS_TASK =
  'Phase "synthesis": write the remediation plan. "openFindings" are the findings to fix (confirmed by the auditors\' majority, or measured by tools): put each in exactly one step, group findings that one change fixes, name the file that owns the change, and estimate the effort. "disputed" are findings the auditors did not agree on: do not make steps of them; add a note on each if you have one.';

/** Phase 1's context, the same for every auditor (their focus is in their instructions). */
export function auditContext(input: {
  evidence: SecurityEvidence;
  compliance: readonly ComplianceResult[];
  context?: Record<string, unknown> | undefined;
}): Record<string, unknown> {
  return {
    ...input.context,
    phase: 'audit',
    task: AUDIT_TASK,
    answerShape: SECURITY_ANSWER_SHAPES.audit,
    projectRoot: input.evidence.root,
    evidence: securityEvidenceDigest(input.evidence),
    compliance: input.compliance.map(({ id, name, status, summary }) => ({
      id,
      name,
      status,
      summary,
    })),
  };
}

function describeFinding(finding: DeepDiveFinding): Record<string, unknown> {
  return {
    id: finding.id,
    title: finding.title,
    severity: finding.severity,
    cwe: finding.cwe,
    location: `${finding.location.file}:${finding.location.line}`,
    code: finding.location.code,
    evidence: finding.evidence,
    exploitScenario: finding.exploitScenario,
    fix: finding.fix,
    reportedBy: finding.reportedBy.map((reporter) => reporter.agentId),
  };
}

/** The findings an auditor votes on in phase 2: those no one else but the other auditors reported. */
export function findingsToVoteOn(
  findings: readonly DeepDiveFinding[],
  agentId: string,
): DeepDiveFinding[] {
  return findings.filter((finding) => !finding.reportedBy.some((item) => item.agentId === agentId));
}

/** Phase 2's context for one auditor: the other auditors' findings. */
export function debateContext(input: {
  agentId: string;
  findings: readonly DeepDiveFinding[];
  evidence: SecurityEvidence;
  context?: Record<string, unknown> | undefined;
}): Record<string, unknown> {
  return {
    ...input.context,
    phase: 'debate',
    task: DEBATE_TASK,
    answerShape: SECURITY_ANSWER_SHAPES.debate,
    projectRoot: input.evidence.root,
    findings: findingsToVoteOn(input.findings, input.agentId).map(describeFinding),
    evidenceSummary: input.evidence.summary,
  };
}

/** What phase 1 established. */
export interface AuditPhaseOutcome {
  /** Verified, deduplicated findings (`A-…`). */
  findings: DeepDiveFinding[];
  /** Findings not reported: malformed or at locations that do not exist. */
  rejected: RejectedFinding[];
  /** Auditors that answered. */
  answered: string[];
  /** Auditors that failed, timed out or answered in the wrong shape. */
  missing: MissingAuditor[];
}

function resultFor(results: readonly AgentResult[], agentId: string): AgentResult | undefined {
  return results.find((result) => result.agentId === agentId);
}

/**
 * Reads phase 1 from the auditors' results: each auditor's findings are parsed, their locations
 * verified and deduplicated; a failed or timed-out auditor is missing with its error, and the
 * others' findings still count.
 */
export function readAuditPhase(input: {
  auditors: readonly Agent[];
  results: readonly AgentResult[];
  evidence: SecurityEvidence;
  verify: LocationVerifier;
}): AuditPhaseOutcome {
  const missing: MissingAuditor[] = [];
  const answers: Array<{ agentId: string; phase: 'audit'; findings: unknown[] }> = [];
  for (const auditor of input.auditors) {
    const result = resultFor(input.results, auditor.id);
    if (result === undefined || !result.success) {
      missing.push({
        agentId: auditor.id,
        phase: 'audit',
        reason: result?.error || 'it did not run',
      });
      continue;
    }
    const parsed = answerOf(result.output, auditAnswerSchema);
    if ('error' in parsed) {
      missing.push({
        agentId: auditor.id,
        phase: 'audit',
        reason: `its answer is not a list of findings (${parsed.error})`,
      });
      continue;
    }
    answers.push({ agentId: auditor.id, phase: 'audit', findings: parsed.answer.findings });
  }
  const merged = mergeAuditorFindings({
    answers,
    verify: input.verify,
    evidence: input.evidence.findings,
  });
  return { ...merged, answered: answers.map((answer) => answer.agentId), missing };
}

/** What phase 2 decided. */
export interface DebatePhaseOutcome {
  /** Every finding with its votes and status. */
  findings: DebatedFinding[];
  /** Added findings that were not reported (plus those of phase 1). */
  rejected: RejectedFinding[];
  missing: MissingAuditor[];
  /** Votes that were ignored, and why. */
  notes: string[];
}

/**
 * Reads phase 2: each auditor's votes and added findings (verified and merged like phase 1's),
 * then each finding's status by majority ({@link decideFindings}). `results` holds the results
 * of the auditors that debated; `skipped` names auditors that had nothing to vote on.
 */
export function readDebatePhase(input: {
  audit: AuditPhaseOutcome;
  results: readonly AgentResult[];
  evidence: SecurityEvidence;
  verify: LocationVerifier;
}): DebatePhaseOutcome {
  const missing: MissingAuditor[] = [];
  const ballots: AuditorBallot[] = [];
  const added: Array<{ agentId: string; phase: 'debate'; findings: unknown[] }> = [];
  for (const result of input.results) {
    if (!result.success) {
      missing.push({ agentId: result.agentId, phase: 'debate', reason: result.error });
      continue;
    }
    const parsed = answerOf(result.output, debateAnswerSchema);
    if ('error' in parsed) {
      missing.push({
        agentId: result.agentId,
        phase: 'debate',
        reason: `its answer is not a list of votes (${parsed.error})`,
      });
      continue;
    }
    ballots.push({ agentId: result.agentId, votes: parsed.answer.votes });
    added.push({ agentId: result.agentId, phase: 'debate', findings: parsed.answer.added });
  }
  const merged = mergeAuditorFindings({
    answers: added,
    verify: input.verify,
    evidence: input.evidence.findings,
    existing: input.audit.findings,
  });
  const decided = decideFindings(merged.findings, ballots);
  return {
    findings: decided.findings,
    rejected: [...input.audit.rejected, ...merged.rejected],
    missing,
    notes: decided.notes,
  };
}

/**
 * The findings the remediation plan must cover: the measured ones outside test code and the
 * auditor findings the majority confirmed.
 */
export function openFindings(
  evidence: readonly EvidenceFinding[],
  debated: readonly DebatedFinding[],
): OpenFinding[] {
  return [
    ...evidence
      .filter((finding) => !finding.testFixture)
      .map((finding) => ({ id: finding.id, severity: finding.severity, file: finding.file })),
    ...debated
      .filter((finding) => finding.status === 'confirmed')
      .map((finding) => ({
        id: finding.id,
        severity: finding.severity,
        file: finding.location.file,
      })),
  ];
}

/** Phase 3's context: the open findings to plan and the disputed ones with both sides. */
export function synthesisContext(input: {
  evidence: SecurityEvidence;
  debated: readonly DebatedFinding[];
  context?: Record<string, unknown> | undefined;
}): Record<string, unknown> {
  const measured = input.evidence.findings
    .filter((finding) => !finding.testFixture)
    .map((finding) => ({
      id: finding.id,
      source: 'measured',
      ruleId: finding.ruleId,
      severity: finding.severity,
      cwe: finding.cwe,
      location: `${finding.file}:${finding.line}`,
      message: finding.message,
      ...(finding.evidence === undefined ? {} : { evidence: finding.evidence }),
    }));
  const confirmed = input.debated
    .filter((finding) => finding.status === 'confirmed')
    .map((finding) => ({
      ...describeFinding(finding),
      source: 'auditors',
      confirmations: finding.confirmations,
      voters: finding.votes.length,
      measuredAlso: finding.evidenceIds,
    }));
  return {
    ...input.context,
    phase: 'synthesis',
    task: SYNTHESIS_TASK,
    answerShape: SECURITY_ANSWER_SHAPES.synthesis,
    projectRoot: input.evidence.root,
    openFindings: [...measured, ...confirmed],
    disputed: disputedEntries(input.debated),
  };
}

/**
 * Reads phase 3: the code reviewer's plan checked against the findings and the files (see
 * `buildRemediationPlan`), or why there is none. With no open finding the plan is empty and
 * generated without asking anyone.
 */
export function readSynthesisPhase(input: {
  result: AgentResult | undefined;
  /** Why the reviewer did not run, when it did not. */
  notRunReason?: string | undefined;
  evidence: SecurityEvidence;
  debated: readonly DebatedFinding[];
  verify: LocationVerifier;
}): RemediationPlan {
  const open = openFindings(input.evidence.findings, input.debated);
  if (open.length === 0) {
    return {
      status: 'generated',
      summary: 'Nothing to remediate: no open finding.',
      items: [],
      disputed: disputedEntries(input.debated),
      missing: [],
      notes: [],
    };
  }
  if (input.result === undefined || !input.result.success) {
    return {
      status: 'not-generated',
      reason:
        input.result === undefined
          ? (input.notRunReason ?? 'the code reviewer did not run')
          : `the code reviewer failed: ${input.result.error}`,
      disputed: disputedEntries(input.debated),
    };
  }
  const output = input.result.output as { answer?: unknown } | undefined;
  const direct = buildRemediationPlan({
    answer: output,
    open,
    debated: input.debated,
    verify: input.verify,
  });
  if (direct.status === 'generated' || output?.answer === undefined) return direct;
  return buildRemediationPlan({
    answer: output.answer,
    open,
    debated: input.debated,
    verify: input.verify,
  });
}

/** The team members `agents` names: auditor focuses, auditor ids, `code_reviewer` or its id. */
export function resolveTeamSelection(agents: readonly string[] | undefined): {
  focuses: AuditorFocus[];
  withReviewer: boolean;
} {
  if (agents === undefined) return { focuses: [...AUDITOR_FOCUSES], withReviewer: true };
  if (!Array.isArray(agents)) throw new ValidationError('agents', 'must be a list of agent names');
  const known = [...AUDITOR_FOCUSES, 'code_reviewer'];
  const focuses: AuditorFocus[] = [];
  let withReviewer = false;
  for (const [position, raw] of agents.entries()) {
    const name = typeof raw === 'string' ? raw.trim().replace(/^security_auditor__/, '') : '';
    if (name === 'code_reviewer' || name === SECURITY_REVIEWER_ID) withReviewer = true;
    else if ((AUDITOR_FOCUSES as readonly string[]).includes(name)) {
      if (!focuses.includes(name as AuditorFocus)) focuses.push(name as AuditorFocus);
    } else {
      throw new ValidationError(
        `agents.${position}`,
        `unknown agent ${JSON.stringify(raw)} (known: ${known.join(', ')})`,
      );
    }
  }
  if (focuses.length === 0) {
    throw new ValidationError(
      'agents',
      `must name at least one auditor (${AUDITOR_FOCUSES.join(', ')})`,
    );
  }
  return { focuses: AUDITOR_FOCUSES.filter((focus) => focuses.includes(focus)), withReviewer };
}
