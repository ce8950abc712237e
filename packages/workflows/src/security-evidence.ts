import {
  attackSurfaceSchema,
  auditResultSchema,
  createProjectIndex,
  cweForRule,
  mapAttackSurface,
  type ProjectIndex,
  type SecurityFinding,
  type Severity,
  type SeverityCounts,
  scanSecurity,
  scanTlsAuthSettings,
  securityFindingSchema,
  severityCountsSchema,
} from '@baton/analyzers';
import { type Logger, noopLogger, throwIfAborted } from '@baton/core';
import { z } from 'zod';

/** The task pattern security deep dives are known by (seed "Pre-Built Compositions" 3). */
export const SECURITY_DEEP_DIVE_TASK_PATTERN = 'security_deep_dive';

/** One measured finding of phase 0, with its id in the report and its CWE. */
export const evidenceFindingSchema = securityFindingSchema.extend({
  /** Its id in the report: `E-1`, `E-2`, ... most severe first. */
  id: z.string(),
  /** The CWE of its rule, or null when none fits. */
  cwe: z.string().nullable(),
  /** Which analysis found it. */
  analysis: z.enum(['security-scan', 'tls-auth-settings', 'attack-surface']),
});
/** One measured finding of phase 0. */
export type EvidenceFinding = z.output<typeof evidenceFindingSchema>;

/** Phase 0 of the security deep dive: everything measured from the code, before any model. */
export const securityEvidenceSchema = z.object({
  /** Absolute project root. */
  root: z.string(),
  /**
   * Secrets, dangerous code, dependency advisories (`scanSecurity`), TLS and authentication
   * settings (`scanTlsAuthSettings`) and request input reaching dangerous sinks
   * (`mapAttackSurface`), most severe first. Secret values are redacted.
   */
  findings: z.array(evidenceFindingSchema),
  /** Findings per severity (test code and fixtures included, at most `low` there). */
  counts: severityCountsSchema,
  /** Critical findings outside test code and fixtures. */
  openCriticalCount: z.number().int(),
  /** HTTP routes, servers, sinks and user input, by file and line. */
  surface: attackSurfaceSchema,
  /** The dependency audit (advisories, or why there are none). */
  audit: auditResultSchema,
  /** Text files read. */
  scannedFiles: z.number().int(),
  /** Measurements that could not be made (advisories unavailable, files not parsed). */
  warnings: z.array(z.string()),
  /** One line for reports. */
  summary: z.string(),
});
/** Phase 0 of the security deep dive. */
export type SecurityEvidence = z.output<typeof securityEvidenceSchema>;

/** Options of {@link collectSecurityEvidence}. */
export interface CollectSecurityEvidenceOptions {
  /** Project root. */
  root: string;
  /** A project index to share (the workflow also checks model-reported locations against it). */
  index?: ProjectIndex | undefined;
  /** A recorded `npm audit --json` / `pnpm audit --json` output, relative to the root. */
  auditFile?: string | undefined;
  /** Run the package manager's audit (default false: no network unless asked). */
  runAudit?: boolean | undefined;
  /** Time limit of the audit in seconds (default 120). */
  auditTimeoutSeconds?: number | undefined;
  signal?: AbortSignal | undefined;
  logger?: Logger | undefined;
}

const ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/**
 * Phase 0: measures the project's security evidence with `@baton/analyzers` on one shared read
 * of its files: `scanSecurity` (secrets, dangerous code patterns, dependency advisories),
 * `scanTlsAuthSettings` and `mapAttackSurface`. Each finding gets an id (`E-1`, ...) and the CWE
 * of its rule. Nothing here comes from a model.
 *
 * @example
 * ```ts
 * const evidence = await collectSecurityEvidence({ root: '.', auditFile: 'npm-audit.json' });
 * console.log(evidence.summary, evidence.openCriticalCount);
 * ```
 */
export async function collectSecurityEvidence(
  options: CollectSecurityEvidenceOptions,
): Promise<SecurityEvidence> {
  const { signal, logger = noopLogger } = options;
  throwIfAborted(signal);
  const index = options.index ?? (await createProjectIndex({ root: options.root, signal, logger }));
  const shared = { root: index.root, index, ...(signal && { signal }), logger };
  const [security, settings, surface] = await Promise.all([
    scanSecurity({
      ...shared,
      ...(options.auditFile === undefined ? {} : { auditFile: options.auditFile }),
      ...(options.runAudit === undefined ? {} : { runAudit: options.runAudit }),
      ...(options.auditTimeoutSeconds === undefined
        ? {}
        : { auditTimeoutSeconds: options.auditTimeoutSeconds }),
    }),
    scanTlsAuthSettings(shared),
    mapAttackSurface(shared),
  ]);
  const tagged = [
    ...security.findings.map((finding) => ({ finding, analysis: 'security-scan' as const })),
    ...settings.findings.map((finding) => ({ finding, analysis: 'tls-auth-settings' as const })),
    ...surface.findings.map((finding) => ({ finding, analysis: 'attack-surface' as const })),
  ].sort(
    (a, b) =>
      ORDER[a.finding.severity] - ORDER[b.finding.severity] ||
      a.finding.file.localeCompare(b.finding.file) ||
      a.finding.line - b.finding.line ||
      a.finding.ruleId.localeCompare(b.finding.ruleId),
  );
  const findings: EvidenceFinding[] = tagged.map(({ finding, analysis }, position) => ({
    ...finding,
    id: `E-${position + 1}`,
    cwe: cweForRule(finding.ruleId) ?? null,
    analysis,
  }));
  const counts = countSeverities(findings);
  const openCriticalCount = findings.filter(
    (finding) => finding.severity === 'critical' && !finding.testFixture,
  ).length;
  const auditText =
    security.audit.status === 'ok'
      ? `${security.audit.advisories.length} dependency advisories`
      : `dependency advisories ${security.audit.status === 'unavailable' ? 'unavailable' : 'not checked'}`;
  return {
    root: index.root,
    findings,
    counts,
    openCriticalCount,
    surface,
    audit: security.audit,
    scannedFiles: security.scannedFiles,
    warnings: [...security.warnings],
    summary: `${findings.length} measured findings (${openCriticalCount} critical outside test code) in ${security.scannedFiles} files; ${surface.counts['http-route']} HTTP routes, ${surface.findings.length} request inputs reaching dangerous sinks; ${auditText}`,
  };
}

/** Counts findings per severity. */
export function countSeverities(findings: ReadonlyArray<{ severity: Severity }>): SeverityCounts {
  const counts: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

/** True for a finding that is in the project's own code (not test code or fixtures). */
export function isOpenFinding(finding: Pick<SecurityFinding, 'testFixture'>): boolean {
  return !finding.testFixture;
}

const FINDINGS_LIMIT = 60;
const SURFACE_LIMIT = 60;

/**
 * The evidence as the auditors and the code reviewer see it: bounded lists (the first 60
 * findings, routes, sinks that request input reaches first, user inputs), the audit and the
 * analyses' warnings. Secret values are already redacted.
 */
export function securityEvidenceDigest(evidence: SecurityEvidence): Record<string, unknown> {
  const { surface } = evidence;
  const where = (item: { file: string; line: number }) => `${item.file}:${item.line}`;
  const sinks = surface.items
    .filter((item) => item.kind !== 'http-route' && item.kind !== 'user-input')
    .sort((a, b) => (b.inputs?.length ?? 0) - (a.inputs?.length ?? 0));
  return {
    summary: evidence.summary,
    counts: evidence.counts,
    findings: evidence.findings.slice(0, FINDINGS_LIMIT).map((finding) => ({
      id: finding.id,
      ruleId: finding.ruleId,
      severity: finding.severity,
      cwe: finding.cwe,
      location: where(finding),
      message: finding.message,
      ...(finding.evidence === undefined ? {} : { evidence: finding.evidence }),
      testFixture: finding.testFixture,
    })),
    findingsNotShown: Math.max(0, evidence.findings.length - FINDINGS_LIMIT),
    attackSurface: {
      counts: surface.counts,
      routes: surface.items
        .filter((item) => item.kind === 'http-route')
        .slice(0, SURFACE_LIMIT)
        .map((item) => `${item.name} -> ${item.handler ?? '?'} (${where(item)})`),
      sinks: sinks.slice(0, SURFACE_LIMIT).map((item) => ({
        kind: item.kind,
        call: item.name,
        location: where(item),
        ...(item.inputs === undefined || item.inputs.length === 0
          ? {}
          : { inputs: item.inputs.map((input) => `${input.expression} (${input.source})`) }),
        ...(item.shell === undefined ? {} : { shell: item.shell }),
      })),
      userInputs: surface.items
        .filter((item) => item.kind === 'user-input')
        .slice(0, SURFACE_LIMIT)
        .map((item) => `${item.name} (${item.source ?? '?'}) at ${where(item)}`),
    },
    audit:
      evidence.audit.status === 'ok'
        ? { status: 'ok', advisories: evidence.audit.advisories.slice(0, 25) }
        : { status: evidence.audit.status, reason: evidence.audit.reason },
    warnings: evidence.warnings,
  };
}
