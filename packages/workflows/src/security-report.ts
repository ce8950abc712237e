import { parseWith, runStatusSchema, usageSchema } from '@baton/core';
import { z } from 'zod';
import { compositionRecordSchema } from './release-readiness-report.js';
import { complianceResultSchema } from './security-compliance.js';
import { debatedFindingSchema } from './security-debate.js';
import { SECURITY_DEEP_DIVE_TASK_PATTERN, securityEvidenceSchema } from './security-evidence.js';
import { rejectedFindingSchema } from './security-findings.js';
import { securityGateSchema } from './security-gates.js';
import { missingAuditorSchema } from './security-phases.js';
import { remediationPlanSchema } from './security-remediation.js';

/** One agent run of the deep dive (an auditor runs twice: audit and debate). */
export const securityAgentRunSchema = z.object({
  phase: z.enum(['audit', 'debate', 'synthesis']),
  agentId: z.string(),
  tier: z.string().nullable(),
  success: z.boolean(),
  durationSeconds: z.number().min(0),
  error: z.string(),
  /** What the agent reported; null when it reported none (never made up). */
  confidence: z.number().min(0).max(1).nullable(),
  /** Tokens and cost the executor measured, when it reported them. */
  usage: usageSchema.optional(),
});
/** One agent run of the deep dive. */
export type SecurityAgentRun = z.output<typeof securityAgentRunSchema>;

/** The tokens and cost of every agent run, as the executors measured them. */
export const securityUsageSchema = z.object({
  /** Agent runs. */
  calls: z.number().int(),
  /** Runs that reported usage; the totals cover only those. */
  reported: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  /** Null when a run reported no usage or a model had no price. */
  costUsd: z.number().nullable(),
});
/** The tokens and cost of every agent run. */
export type SecurityUsage = z.output<typeof securityUsageSchema>;

/** Who was in the team and who is missing. */
export const securityTeamRecordSchema = z.object({
  /** Whether any auditor ran. */
  ran: z.boolean(),
  /** Why no auditor ran (e.g. no model or agent CLI configured); null when they did. */
  reason: z.string().nullable(),
  team: z.array(
    z.object({
      agentId: z.string(),
      role: z.enum(['auditor', 'reviewer']),
      /** vulnerabilities, threat_modeling, compliance; null for the reviewer. */
      focus: z.string().nullable(),
      tier: z.string(),
    }),
  ),
  /** Agents whose answer is missing from a phase (failed, timed out, wrong shape). */
  missing: z.array(missingAuditorSchema),
});

/** The JSON document of a security deep dive (`schemaVersion` 1). */
export const securityDeepDiveReportSchema = z.object({
  schemaVersion: z.literal(1),
  taskPattern: z.literal(SECURITY_DEEP_DIVE_TASK_PATTERN),
  /** The deep dive's run (`baton runs show <id>`); null when no agent ran (evidence only). */
  runId: z.string().nullable().default(null),
  /**
   * How the run ended: `succeeded`, or `budget-exceeded` when the budget stopped it before every
   * agent ran (resumable); null when no agent ran.
   */
  runStatus: runStatusSchema.nullable().default(null),
  /**
   * The deep dive's composition (task pattern `security_deep_dive`) and what was recorded for
   * this run; null when nothing was recorded (no agent ran, the budget stopped it, no store).
   */
  composition: compositionRecordSchema.nullable().default(null),
  /** True when no critical gate failed (no open critical finding, compliance met). */
  approved: z.boolean(),
  /** The project (absolute path). */
  path: z.string(),
  timestamp: z.string(),
  /** Wall time in seconds. */
  totalDuration: z.number().min(0),
  gates: z.array(securityGateSchema),
  blockers: z.array(z.string()),
  warnings: z.array(z.string()),
  summary: z.string(),
  /** Phase 0: what the tools measured. */
  evidence: securityEvidenceSchema,
  /** The compliance checklist, each check with its evidence. */
  compliance: z.array(complianceResultSchema),
  auditors: securityTeamRecordSchema,
  /** The auditors' findings after the debate (verified locations, majority status). */
  findings: z.array(debatedFindingSchema),
  /** Auditor findings that were not reported, with the reason (e.g. a line that does not exist). */
  rejectedFindings: z.array(rejectedFindingSchema),
  /** Votes of the debate that were ignored, and why. */
  debateNotes: z.array(z.string()),
  /** Phase 3: the remediation plan, or why there is none; disputed findings apart. */
  plan: remediationPlanSchema,
  agentRuns: z.array(securityAgentRunSchema),
  /** Null when no agent ran. */
  usage: securityUsageSchema.nullable(),
});
/** The JSON document of a security deep dive. */
export type SecurityDeepDiveReportData = z.output<typeof securityDeepDiveReportSchema>;

/**
 * The outcome of a security deep dive: the verdict (`approved`), the three gates, the measured
 * evidence and compliance checklist, the debated auditor findings, the remediation plan and the
 * agents' runs. `toJSON()` is the stable document; see `formatSecurityConsole`,
 * `formatSecurityMarkdown` and `formatSecuritySarif` for the other formats.
 *
 * @example
 * ```ts
 * const report = await new SecurityDeepDiveWorkflow({ executor }).execute({ path: '.' });
 * for (const step of report.plan.status === 'generated' ? report.plan.items : []) console.log(step.fix);
 * ```
 */
export class SecurityDeepDiveReport {
  /** The checked document. */
  readonly data: SecurityDeepDiveReportData;

  /** @throws ValidationError naming the offending field. */
  constructor(
    data: Omit<SecurityDeepDiveReportData, 'schemaVersion' | 'taskPattern'> &
      Partial<Pick<SecurityDeepDiveReportData, 'schemaVersion' | 'taskPattern'>>,
  ) {
    this.data = parseWith(
      securityDeepDiveReportSchema,
      { ...data, schemaVersion: 1, taskPattern: SECURITY_DEEP_DIVE_TASK_PATTERN },
      { label: 'report' },
    );
  }

  /** Reads a report back from its JSON document. */
  static fromJSON(data: unknown): SecurityDeepDiveReport {
    return new SecurityDeepDiveReport(
      parseWith(securityDeepDiveReportSchema, data, { label: 'report' }),
    );
  }

  /** True when no critical gate failed. */
  get approved(): boolean {
    return this.data.approved;
  }

  /** The project (absolute path). */
  get path(): string {
    return this.data.path;
  }

  /** The three gates. */
  get gates(): SecurityDeepDiveReportData['gates'] {
    return this.data.gates;
  }

  /** The debated auditor findings. */
  get findings(): SecurityDeepDiveReportData['findings'] {
    return this.data.findings;
  }

  /** The remediation plan, or why there is none. */
  get plan(): SecurityDeepDiveReportData['plan'] {
    return this.data.plan;
  }

  /** The JSON document (see {@link securityDeepDiveReportSchema}). */
  toJSON(): SecurityDeepDiveReportData {
    return structuredClone(this.data);
  }
}
