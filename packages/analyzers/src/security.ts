import { type Logger, noopLogger, throwIfAborted } from '@baton/core';
import { z } from 'zod';
import { type AuditResult, auditDependencies, auditResultSchema } from './audit.js';
import { scanPythonPatterns } from './code-patterns.js';
import { isTestPath } from './paths.js';
import { createProjectIndex, type ProjectIndex } from './project-index.js';
import { SECRET_RULES, scanSecrets } from './secrets.js';
import {
  countBySeverity,
  type SecurityFinding,
  securityFindingSchema,
  severityCountsSchema,
} from './security-finding.js';
import { parseFailureSchema } from './source-file.js';

/** The result of {@link scanSecurity}. */
export const securityResultSchema = z.object({
  /**
   * Critical issues: private keys and live credentials outside test code and fixtures, and
   * critical dependency advisories. This is the figure the release gate reads.
   */
  criticalCount: z.number().int(),
  /** Findings per severity. */
  counts: severityCountsSchema,
  /** Every finding, most severe first, then by file and line. Secret values are redacted. */
  findings: z.array(securityFindingSchema),
  /** The dependency audit. */
  audit: auditResultSchema,
  /** Text files scanned for secrets. */
  scannedFiles: z.number().int(),
  /** Listed files that were not scanned (too large or unreadable; binary files are left out). */
  unscannedFiles: z.array(z.object({ path: z.string(), reason: z.string() })),
  /** JS/TS files that failed to parse (their code patterns were not checked). */
  parseFailures: z.array(parseFailureSchema),
  /** Measurements that could not be made, e.g. the advisory service was unreachable. */
  warnings: z.array(z.string()),
  /** One line for reports. */
  summary: z.string(),
});
/** The result of {@link scanSecurity}. */
export type SecurityResult = z.infer<typeof securityResultSchema>;

/** Options for {@link scanSecurity}. */
export interface ScanSecurityOptions {
  /** Project root. */
  root: string;
  /** A project index to share with other analyses. */
  index?: ProjectIndex;
  /** Read recorded `npm audit --json` / `pnpm audit --json` output. */
  auditFile?: string;
  /** Run the package manager's audit (default false). */
  runAudit?: boolean;
  /** Registry for the audit command (`--registry`). */
  auditRegistry?: string;
  /** Time limit for the audit command in seconds (default 120). */
  auditTimeoutSeconds?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

const ORDER = { critical: 0, high: 1, medium: 2, low: 3, info: 4 } as const;
const LOCKFILES = ['pnpm-lock.yaml', 'package-lock.json', 'npm-shrinkwrap.json', 'package.json'];

/**
 * Scans a project for security problems: dependency advisories (the package manager's audit),
 * secrets (cloud keys, VCS and chat tokens, payment keys, private key blocks, high-entropy
 * credentials assigned to suspicious names; values always redacted) and dangerous code patterns
 * (dynamic eval, shell commands built from strings, TLS verification disabled, unsafe
 * deserialisation, Python `shell=True`). Findings in test code and fixtures are at most `low`.
 *
 * @example
 * ```ts
 * const security = await scanSecurity({ root: '.', runAudit: true });
 * console.log(security.criticalCount, security.warnings);
 * ```
 */
export async function scanSecurity(options: ScanSecurityOptions): Promise<SecurityResult> {
  const { signal, logger = noopLogger } = options;
  throwIfAborted(signal);
  const index = options.index ?? (await createProjectIndex({ root: options.root, signal, logger }));
  const auditPromise = auditDependencies({
    root: index.root,
    ...(options.auditFile === undefined ? {} : { auditFile: options.auditFile }),
    ...(options.runAudit === undefined ? {} : { runAudit: options.runAudit }),
    ...(options.auditRegistry === undefined ? {} : { registry: options.auditRegistry }),
    ...(options.auditTimeoutSeconds === undefined
      ? {}
      : { timeoutSeconds: options.auditTimeoutSeconds }),
    ...(signal === undefined ? {} : { signal }),
    logger,
  });
  // Keep a rejection from going unhandled while the files are scanned.
  auditPromise.catch(() => {});

  const findings: SecurityFinding[] = [];
  for (const [position, file] of index.files.entries()) {
    if (position % 256 === 0) throwIfAborted(signal);
    findings.push(...scanSecrets(file, SECRET_RULES));
    if (file.language === 'python') {
      findings.push(...scanPythonPatterns(file));
    } else if (file.language !== undefined) {
      const facts = index.scriptFacts(file);
      if (facts !== undefined) findings.push(...facts.patternFindings);
    }
  }
  const parseFailures = index.parseFailures.filter(
    (failure) => index.get(failure.path) !== undefined,
  );

  const audit = await auditPromise;
  const warnings: string[] = [];
  if (audit.status === 'unavailable') {
    warnings.push(`Dependency advisories unavailable: ${audit.reason}`);
  } else if (audit.status === 'skipped') {
    warnings.push(`Dependency advisories not checked: ${audit.reason}`);
  } else {
    findings.push(...advisoryFindings(audit, index));
  }
  // Test fixtures that are broken on purpose are listed in parseFailures but raise no warning.
  const unparsedCode = parseFailures.filter((failure) => !isTestPath(failure.path));
  if (unparsedCode.length > 0) {
    warnings.push(
      `${unparsedCode.length} file(s) could not be parsed; their code patterns were not checked`,
    );
  }
  const unscanned = index.skipped.filter((file) => !file.reason.startsWith('binary'));
  if (unscanned.length > 0) {
    warnings.push(`${unscanned.length} file(s) were not scanned (too large or unreadable)`);
  }
  findings.sort(
    (a, b) =>
      ORDER[a.severity] - ORDER[b.severity] ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.ruleId.localeCompare(b.ruleId),
  );
  const counts = countBySeverity(findings);
  const criticalCount = counts.critical;
  const auditText =
    audit.status === 'ok'
      ? `${audit.advisories.length} dependency advisories`
      : `dependency advisories ${audit.status === 'unavailable' ? 'unavailable' : 'not checked'}`;
  return {
    criticalCount,
    counts,
    findings,
    audit,
    scannedFiles: index.files.length,
    unscannedFiles: index.skipped.filter((file) => !file.reason.startsWith('binary')),
    parseFailures,
    warnings,
    summary: `${criticalCount} critical, ${counts.high} high, ${counts.medium} medium, ${counts.low} low findings in ${index.files.length} files; ${auditText}`,
  };
}

function advisoryFindings(
  audit: Extract<AuditResult, { status: 'ok' }>,
  index: ProjectIndex,
): SecurityFinding[] {
  const lockfile = LOCKFILES.map((file) => index.get(file)).find((file) => file !== undefined);
  return audit.advisories.map((advisory) => {
    let line = 1;
    if (lockfile !== undefined) {
      const escaped = advisory.packageName.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      const match = new RegExp(`(["'/ ]|^)${escaped}(@|["':])`, 'm').exec(lockfile.text);
      if (match !== null) line = lockfile.text.slice(0, match.index).split('\n').length;
    }
    return {
      ruleId: `dependency/${advisory.id}`,
      category: 'dependency' as const,
      severity: advisory.severity,
      file: lockfile?.path ?? 'package.json',
      line,
      message: `${advisory.packageName}: ${advisory.title}${advisory.vulnerableVersions === undefined ? '' : ` (${advisory.vulnerableVersions})`}${advisory.url === undefined ? '' : ` ${advisory.url}`}`,
      testFixture: false,
    };
  });
}
