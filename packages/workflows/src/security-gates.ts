import { z } from 'zod';
import type { ComplianceResult } from './security-compliance.js';
import type { DebatedFinding } from './security-debate.js';
import type { SecurityEvidence } from './security-evidence.js';
import type { RemediationPlan } from './security-remediation.js';

/** One gate of the security deep dive. */
export const securityGateSchema = z.object({
  key: z.enum(['critical_findings', 'compliance', 'remediation_plan']),
  /** Critical Findings, Compliance, Remediation Plan. */
  name: z.string(),
  /**
   * The figure: open critical findings, failed compliance checks, open findings missing from
   * the plan; null when it could not be established (no plan).
   */
  actual: z.number().int().nullable(),
  /** The most allowed (0 for every gate). */
  threshold: z.number().int(),
  passed: z.boolean(),
  /** A failed critical gate blocks; a failed non-critical gate is a warning. */
  critical: z.boolean(),
  message: z.string(),
});
/** One gate of the security deep dive. */
export type SecurityGate = z.output<typeof securityGateSchema>;

/** What the gates judge. */
export interface SecurityVerdictInput {
  evidence: SecurityEvidence;
  /** The debated auditor findings (empty when no auditor ran). */
  findings: readonly DebatedFinding[];
  compliance: readonly ComplianceResult[];
  plan: RemediationPlan;
}

/** The gates with the blockers and warnings they raise. */
export interface SecurityVerdict {
  gates: SecurityGate[];
  blockers: string[];
  warnings: string[];
  /** No failed critical gate. */
  approved: boolean;
}

/**
 * The open critical findings: measured critical findings outside test code, plus critical
 * auditor findings the majority confirmed at a verified location that no measured critical
 * finding already covers (same file and line).
 */
export function openCriticalFindings(
  input: Pick<SecurityVerdictInput, 'evidence' | 'findings'>,
): Array<{ id: string; where: string; what: string }> {
  const measured = input.evidence.findings.filter(
    (finding) => finding.severity === 'critical' && !finding.testFixture,
  );
  const covered = new Set(measured.map((finding) => `${finding.file}:${finding.line}`));
  const confirmed = input.findings.filter(
    (finding) =>
      finding.status === 'confirmed' &&
      finding.severity === 'critical' &&
      !covered.has(`${finding.location.file}:${finding.location.line}`),
  );
  return [
    ...measured.map((finding) => ({
      id: finding.id,
      where: `${finding.file}:${finding.line}`,
      what: finding.ruleId,
    })),
    ...confirmed.map((finding) => ({
      id: finding.id,
      where: `${finding.location.file}:${finding.location.line}`,
      what: finding.title,
    })),
  ];
}

function listed(items: readonly string[], limit = 5): string {
  const more = items.length > limit ? ` and ${items.length - limit} more` : '';
  return `${items.slice(0, limit).join(', ')}${more}`;
}

/**
 * Judges the three gates of the seed's security deep dive:
 * - Critical Findings (critical): no open critical finding (see {@link openCriticalFindings});
 * - Compliance (critical): no compliance check failed; a check that could not be made is a
 *   warning with its reason;
 * - Remediation Plan (not critical): a plan was generated and covers every open finding.
 * Disputed findings, rejected auditor findings and plan corrections are warnings.
 */
export function judgeSecurityDeepDive(input: SecurityVerdictInput): SecurityVerdict {
  const gates: SecurityGate[] = [];
  const warnings: string[] = [];

  const critical = openCriticalFindings(input);
  gates.push({
    key: 'critical_findings',
    name: 'Critical Findings',
    actual: critical.length,
    threshold: 0,
    passed: critical.length === 0,
    critical: true,
    message:
      critical.length === 0
        ? 'no open critical finding'
        : `${critical.length} open critical finding${critical.length === 1 ? '' : 's'}: ${listed(critical.map((item) => `${item.id} ${item.what} at ${item.where}`))}`,
  });

  const failed = input.compliance.filter((check) => check.status === 'fail');
  const unknown = input.compliance.filter((check) => check.status === 'unknown');
  const passedChecks = input.compliance.length - failed.length - unknown.length;
  gates.push({
    key: 'compliance',
    name: 'Compliance',
    actual: failed.length,
    threshold: 0,
    passed: failed.length === 0,
    critical: true,
    message: `${passedChecks} of ${input.compliance.length} checks passed${failed.length === 0 ? '' : `; failed: ${failed.map((check) => check.name).join(', ')}`}${unknown.length === 0 ? '' : `; not verified: ${unknown.map((check) => check.name).join(', ')}`}`,
  });
  for (const check of unknown) warnings.push(`Compliance check "${check.name}" ${check.summary}`);

  const { plan } = input;
  if (plan.status === 'generated') {
    gates.push({
      key: 'remediation_plan',
      name: 'Remediation Plan',
      actual: plan.missing.length,
      threshold: 0,
      passed: plan.missing.length === 0,
      critical: false,
      message:
        plan.missing.length === 0
          ? `${plan.items.length} step${plan.items.length === 1 ? '' : 's'} cover every open finding`
          : `${plan.items.length} steps; not covered: ${listed(plan.missing, 10)}`,
    });
    for (const note of plan.notes) warnings.push(`Remediation plan: ${note}`);
  } else {
    gates.push({
      key: 'remediation_plan',
      name: 'Remediation Plan',
      actual: null,
      threshold: 0,
      passed: false,
      critical: false,
      message: `not generated: ${plan.reason}`,
    });
  }

  const disputed = input.findings.filter((finding) => finding.status === 'disputed');
  if (disputed.length > 0) {
    warnings.push(
      `${disputed.length} auditor finding${disputed.length === 1 ? ' is' : 's are'} disputed (no majority), listed apart: ${listed(disputed.map((finding) => finding.id))}`,
    );
  }
  const blockers: string[] = [];
  for (const gate of gates) {
    if (!gate.passed) (gate.critical ? blockers : warnings).push(`${gate.name}: ${gate.message}`);
  }
  return { gates, blockers, warnings, approved: blockers.length === 0 };
}
