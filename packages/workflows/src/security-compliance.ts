import { type ProjectIndex, redactEvidence, type Severity, severitySchema } from '@baton/analyzers';
import { parseWith } from '@baton/core';
import { z } from 'zod';
import type { EvidenceFinding, SecurityEvidence } from './security-evidence.js';
import { compareSeverity } from './security-findings.js';

const checkId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a lowercase id such as "no-eval" (a-z, 0-9, - and _)');
const checkName = z.string().trim().min(1, 'must be a non-empty string');
const rulePattern = z
  .string()
  .regex(
    /^[\w/*.-]+$/,
    'must be a rule id such as "js/dynamic-eval", or a prefix such as "secret/*"',
  );
const regexSource = z.string().superRefine((value, context) => {
  try {
    new RegExp(value);
  } catch (error) {
    context.addIssue({
      code: 'custom',
      message: `is not a valid regular expression: ${(error as Error).message}`,
    });
  }
});

/**
 * A named compliance check, judged on the measured evidence only. Kinds:
 * - `forbid-rules`: fails when a measured finding's rule matches one of `rules` (an id, or a
 *   prefix with `*`: `secret/*`, `auth/jwt-*`);
 * - `max-severity`: fails when a measured finding is more severe than `severity`;
 * - `advisories`: fails when a dependency advisory is at least `failOn`; unknown when the audit
 *   could not be done;
 * - `forbid-pattern`: fails when a line of a project file matches the regular expression
 *   `pattern` (optionally only files under `paths`);
 * - `require-file`: fails when the project has no file `path`.
 * Test code and fixtures are left out unless `includeTests` is true.
 */
export const complianceCheckSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    id: checkId,
    name: checkName,
    kind: z.literal('forbid-rules'),
    rules: z.array(rulePattern).min(1, 'must list at least one rule'),
    includeTests: z.boolean().optional(),
  }),
  z.strictObject({
    id: checkId,
    name: checkName,
    kind: z.literal('max-severity'),
    severity: severitySchema,
    includeTests: z.boolean().optional(),
  }),
  z.strictObject({
    id: checkId,
    name: checkName,
    kind: z.literal('advisories'),
    failOn: severitySchema,
  }),
  z.strictObject({
    id: checkId,
    name: checkName,
    kind: z.literal('forbid-pattern'),
    pattern: regexSource,
    paths: z.array(z.string().min(1, 'must be a non-empty path')).optional(),
    includeTests: z.boolean().optional(),
  }),
  z.strictObject({
    id: checkId,
    name: checkName,
    kind: z.literal('require-file'),
    path: z.string().min(1, 'must be a non-empty path'),
  }),
]);
/** A named compliance check. */
export type ComplianceCheck = z.output<typeof complianceCheckSchema>;

/** The checks every security deep dive runs, unless `compliance.disable` names them. */
export const BUILT_IN_COMPLIANCE_CHECKS: readonly ComplianceCheck[] = Object.freeze([
  {
    id: 'no-secrets',
    name: 'No secrets in the tree',
    kind: 'forbid-rules',
    rules: ['secret/*', 'auth/hard-coded-signing-secret'],
  },
  {
    id: 'tls-verification',
    name: 'TLS verification on',
    kind: 'forbid-rules',
    rules: [
      'js/tls-verification-disabled',
      'py/tls-verification-disabled',
      'tls/server-identity-check-disabled',
      'tls/weak-protocol-version',
    ],
  },
  {
    id: 'no-critical-advisories',
    name: 'Dependencies without known critical advisories',
    kind: 'advisories',
    failOn: 'critical',
  },
  {
    id: 'no-request-input-in-dangerous-sinks',
    name: 'No request input reaching a shell, a code-running deserialiser, a file path or an outbound URL',
    kind: 'forbid-rules',
    rules: ['surface/*'],
  },
  {
    id: 'secure-auth-settings',
    name: 'Authentication, CORS and cookie settings secure',
    kind: 'forbid-rules',
    rules: ['auth/cors-*', 'auth/jwt-*', 'auth/insecure-cookie', 'config/debug-mode-enabled'],
  },
] satisfies ComplianceCheck[]);

const BUILT_IN_IDS = BUILT_IN_COMPLIANCE_CHECKS.map((check) => check.id) as [string, ...string[]];

/** The `compliance` section: built-in checks to turn off and checks of your own. */
export const complianceConfigSchema = z
  .strictObject({
    /** Ids of built-in checks not to run. */
    disable: z.array(z.enum(BUILT_IN_IDS)).default([]),
    /** Checks of your own, run after the built-in ones. */
    checks: z.array(complianceCheckSchema).default([]),
  })
  .superRefine((config, context) => {
    const seen = new Set<string>();
    for (const [position, check] of config.checks.entries()) {
      if (BUILT_IN_IDS.includes(check.id)) {
        context.addIssue({
          code: 'custom',
          path: ['checks', position, 'id'],
          message: `"${check.id}" is a built-in check (disable it and pick another id)`,
        });
      } else if (seen.has(check.id)) {
        context.addIssue({
          code: 'custom',
          path: ['checks', position, 'id'],
          message: `"${check.id}" is given twice`,
        });
      }
      seen.add(check.id);
    }
  });
/** The `compliance` section. */
export type ComplianceConfig = z.output<typeof complianceConfigSchema>;

/**
 * The `securityDeepDive` section of `baton.config.json`:
 *
 * ```json
 * {
 *   "securityDeepDive": {
 *     "auditFile": "audit/npm-audit.json",
 *     "agents": ["vulnerabilities", "threat_modeling", "compliance", "code_reviewer"],
 *     "agentTimeoutSeconds": 600,
 *     "compliance": {
 *       "disable": ["secure-auth-settings"],
 *       "checks": [
 *         { "id": "no-eval", "name": "No dynamic eval", "kind": "forbid-rules", "rules": ["js/dynamic-eval", "py/dynamic-eval"] },
 *         { "id": "no-md5", "name": "No MD5", "kind": "forbid-pattern", "pattern": "createHash\\(['\"]md5", "paths": ["src/"] },
 *         { "id": "security-policy", "name": "A security policy", "kind": "require-file", "path": "SECURITY.md" }
 *       ]
 *     }
 *   }
 * }
 * ```
 */
export const securityDeepDiveConfigSchema = z.strictObject({
  compliance: complianceConfigSchema.optional(),
  /** A recorded `npm audit --json` / `pnpm audit --json`, relative to the project. */
  auditFile: z.string().min(1, 'must be a non-empty path').optional(),
  /** Run the package manager's audit when no audit file is given. */
  runAudit: z.boolean().optional(),
  /** The team: auditor focuses and/or `code_reviewer` (default all four). */
  agents: z.array(z.string().min(1)).min(1, 'must name at least one agent').optional(),
  /** One time limit in seconds for every agent instead of each template's own. */
  agentTimeoutSeconds: z.number().positive('must be a number of seconds > 0').optional(),
});
/** The `securityDeepDive` section of `baton.config.json`. */
export type SecurityDeepDiveConfig = z.output<typeof securityDeepDiveConfigSchema>;

/**
 * Reads the `securityDeepDive` section of a parsed `baton.config.json`. Errors name the file and
 * the field, e.g. `baton.config.json securityDeepDive.compliance.checks.0.kind: ...`.
 */
export function parseSecurityDeepDiveConfig(
  section: unknown,
  label = 'baton.config.json securityDeepDive',
): SecurityDeepDiveConfig {
  return parseWith(securityDeepDiveConfigSchema, section ?? {}, { label });
}

/** The checks to run: the built-in ones not disabled, then the user's. */
export function resolveComplianceChecks(config: unknown = {}): ComplianceCheck[] {
  const parsed = parseWith(complianceConfigSchema, config ?? {}, { label: 'compliance' });
  return [
    ...BUILT_IN_COMPLIANCE_CHECKS.filter((check) => !parsed.disable.includes(check.id)),
    ...parsed.checks,
  ];
}

/** One location or fact a check's verdict rests on. */
export const complianceEvidenceSchema = z.object({
  file: z.string().nullable(),
  line: z.number().int().nullable(),
  /** What is there (redacted), e.g. `secret/aws-access-key-id: AWS access key id`. */
  text: z.string(),
});

/** One check's verdict with its evidence. */
export const complianceResultSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['forbid-rules', 'max-severity', 'advisories', 'forbid-pattern', 'require-file']),
  builtIn: z.boolean(),
  /** `unknown` when the check could not be made (e.g. the advisory service was unreachable). */
  status: z.enum(['pass', 'fail', 'unknown']),
  /** One line: what was checked and what was found. */
  summary: z.string(),
  /** The first 20 offending locations (or facts). */
  evidence: z.array(complianceEvidenceSchema),
  /** How many offending locations there are in all. */
  evidenceCount: z.number().int(),
});
/** One check's verdict with its evidence. */
export type ComplianceResult = z.output<typeof complianceResultSchema>;

const EVIDENCE_LIMIT = 20;

function ruleMatcher(patterns: readonly string[]): (ruleId: string) => boolean {
  const expressions = patterns.map(
    (pattern) =>
      new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`),
  );
  return (ruleId) => expressions.some((expression) => expression.test(ruleId));
}

function findingEvidence(finding: EvidenceFinding): z.output<typeof complianceEvidenceSchema> {
  return {
    file: finding.file,
    line: finding.line,
    text: `${finding.ruleId}: ${finding.message}${finding.evidence === undefined ? '' : ` — ${finding.evidence}`}`,
  };
}

/** Options of {@link evaluateCompliance}. */
export interface EvaluateComplianceOptions {
  checks: readonly ComplianceCheck[];
  evidence: SecurityEvidence;
  /** The project's files, for `forbid-pattern` and `require-file`. */
  index: ProjectIndex;
}

/**
 * Judges each compliance check on the measured evidence (never on a model's answer): pass or
 * fail with the offending locations, or unknown with the reason when it could not be checked.
 */
export function evaluateCompliance(options: EvaluateComplianceOptions): ComplianceResult[] {
  const builtIn = new Set(BUILT_IN_COMPLIANCE_CHECKS.map((check) => check.id));
  return options.checks.map((check) => ({
    id: check.id,
    name: check.name,
    kind: check.kind,
    builtIn: builtIn.has(check.id),
    ...judgeCheck(check, options),
  }));
}

type Verdict = Pick<ComplianceResult, 'status' | 'summary' | 'evidence' | 'evidenceCount'>;

function verdictOf(
  offending: ReadonlyArray<z.output<typeof complianceEvidenceSchema>>,
  passed: string,
  failed: (count: number) => string,
): Verdict {
  return {
    status: offending.length === 0 ? 'pass' : 'fail',
    summary: offending.length === 0 ? passed : failed(offending.length),
    evidence: offending.slice(0, EVIDENCE_LIMIT),
    evidenceCount: offending.length,
  };
}

function judgeCheck(check: ComplianceCheck, options: EvaluateComplianceOptions): Verdict {
  const { evidence, index } = options;
  const inScope = (finding: EvidenceFinding, includeTests: boolean | undefined) =>
    includeTests === true || !finding.testFixture;
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  switch (check.kind) {
    case 'forbid-rules': {
      const matches = ruleMatcher(check.rules);
      const offending = evidence.findings.filter(
        (finding) => inScope(finding, check.includeTests) && matches(finding.ruleId),
      );
      return verdictOf(
        offending.map(findingEvidence),
        `no finding of ${check.rules.join(', ')} in ${evidence.scannedFiles} files`,
        (count) => `${plural(count, 'finding')} of ${check.rules.join(', ')}`,
      );
    }
    case 'max-severity': {
      const offending = evidence.findings.filter(
        (finding) =>
          inScope(finding, check.includeTests) &&
          compareSeverity(finding.severity, check.severity) < 0,
      );
      return verdictOf(
        offending.map(findingEvidence),
        `no measured finding above ${check.severity}`,
        (count) => `${plural(count, 'finding')} above ${check.severity}`,
      );
    }
    case 'advisories': {
      const { audit } = evidence;
      if (audit.status !== 'ok') {
        return {
          status: 'unknown',
          summary: `not checked: dependency advisories ${audit.status === 'unavailable' ? 'unavailable' : 'not checked'} (${audit.reason})`,
          evidence: [],
          evidenceCount: 0,
        };
      }
      const threshold: Severity = check.failOn;
      const offending = audit.advisories.filter(
        (advisory) => compareSeverity(advisory.severity, threshold) <= 0,
      );
      return verdictOf(
        offending.map((advisory) => ({
          file: null,
          line: null,
          text: `${advisory.severity} ${advisory.packageName}: ${advisory.title} (${advisory.id})`,
        })),
        `${plural(audit.advisories.length, 'advisory')} in ${audit.origin}, none ${threshold === 'critical' ? 'critical' : `at or above ${threshold}`}`,
        (count) => `${plural(count, 'advisory')} at or above ${threshold} in ${audit.origin}`,
      );
    }
    case 'forbid-pattern': {
      const expression = new RegExp(check.pattern);
      const offending: Array<z.output<typeof complianceEvidenceSchema>> = [];
      let files = 0;
      for (const file of index.files) {
        if (file.isTest && check.includeTests !== true) continue;
        if (
          check.paths !== undefined &&
          !check.paths.some((prefix) => file.path.startsWith(prefix))
        ) {
          continue;
        }
        files += 1;
        for (const [position, line] of file.text.split('\n').entries()) {
          if (expression.test(line)) {
            offending.push({ file: file.path, line: position + 1, text: redactEvidence(line) });
          }
        }
      }
      return verdictOf(
        offending,
        `no line matches /${check.pattern}/ in ${plural(files, 'file')}`,
        (count) => `${plural(count, 'line')} match /${check.pattern}/`,
      );
    }
    case 'require-file': {
      const present =
        index.get(check.path) !== undefined ||
        index.skipped.some((file) => file.path === check.path);
      return present
        ? { status: 'pass', summary: `${check.path} is present`, evidence: [], evidenceCount: 0 }
        : {
            status: 'fail',
            summary: `${check.path} is missing`,
            evidence: [{ file: null, line: null, text: `no file ${check.path} in the project` }],
            evidenceCount: 1,
          };
    }
  }
}
