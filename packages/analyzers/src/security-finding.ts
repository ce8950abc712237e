import { z } from 'zod';

/** Severity levels, most severe first. */
export const severitySchema = z.enum(['critical', 'high', 'medium', 'low', 'info']);
/** A finding's severity. */
export type Severity = z.infer<typeof severitySchema>;

/** One security finding. Secret values never appear in it: `evidence` is redacted. */
export const securityFindingSchema = z.object({
  /** Stable rule id, e.g. `secret/aws-access-key-id`, `js/dynamic-eval`, `dependency/GHSA-...`. */
  ruleId: z.string(),
  category: z.enum(['secret', 'code', 'dependency']),
  severity: severitySchema,
  /** Project-relative file. */
  file: z.string(),
  /** 1-based line. */
  line: z.number().int(),
  /** What was found. */
  message: z.string(),
  /** The offending line with every secret value redacted. */
  evidence: z.string().optional(),
  /** The file is test code or a test fixture; such findings are never critical. */
  testFixture: z.boolean(),
});
/** One security finding. */
export type SecurityFinding = z.infer<typeof securityFindingSchema>;

/** Counts per severity. */
export const severityCountsSchema = z.object({
  critical: z.number().int(),
  high: z.number().int(),
  medium: z.number().int(),
  low: z.number().int(),
  info: z.number().int(),
});
/** Counts per severity. */
export type SeverityCounts = z.infer<typeof severityCountsSchema>;

/** Counts findings per severity. */
export function countBySeverity(findings: ReadonlyArray<{ severity: Severity }>): SeverityCounts {
  const counts: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

/** Severity of a finding in test code or fixtures: never above `low`. */
export function testSeverity(severity: Severity): Severity {
  return severity === 'info' ? 'info' : 'low';
}
