import nodePath from 'node:path';
import {
  type ProjectIndex,
  redactEvidence,
  redactSecrets,
  type Severity,
  severitySchema,
} from '@baton/analyzers';
import { z } from 'zod';
import { auditorFindingSchema, parseAnswerPart } from './security-answers.js';
import type { EvidenceFinding } from './security-evidence.js';

/** A place in the project that was checked against its files. */
export const verifiedLocationSchema = z.object({
  /** Project-relative path of a file of the project. */
  file: z.string(),
  /** A 1-based line that exists in it. */
  line: z.number().int().min(1),
  /** The line as it is in the file, with secret values redacted. */
  code: z.string(),
});
/** A place in the project that was checked against its files. */
export type VerifiedLocation = z.output<typeof verifiedLocationSchema>;

/** The outcome of checking a model-reported location. */
export type LocationCheck =
  | { ok: true; location: VerifiedLocation }
  | { ok: false; reason: string };

/** Checks that `file:line` is a line of a file of the project. */
export type LocationVerifier = (file: string, line: number) => LocationCheck;

/**
 * A {@link LocationVerifier} over the project's files as the index read them: the file must be
 * one of them (given project-relative, `./`-prefixed, or absolute inside the root; a trailing
 * `:line` is ignored) and the line must exist. Paths that leave the project, files it does not
 * list (ignored, binary, too large) and lines past the end are refused with the reason.
 *
 * @example
 * ```ts
 * const verify = createLocationVerifier(await createProjectIndex({ root: '.' }));
 * verify('src/app.ts', 9999); // { ok: false, reason: 'line 9999 does not exist in src/app.ts (120 lines)' }
 * ```
 */
export function createLocationVerifier(index: ProjectIndex): LocationVerifier {
  const lineCounts = new Map<string, string[]>();
  return (file, line) => {
    const relative = projectRelative(index.root, file);
    if (relative === undefined) {
      return { ok: false, reason: `${file} is not inside the project` };
    }
    const source = index.get(relative);
    if (source === undefined) {
      return { ok: false, reason: `${relative} is not a file of the project` };
    }
    let lines = lineCounts.get(relative);
    if (lines === undefined) {
      lines = source.text.split('\n');
      if (lines.length > 1 && lines.at(-1) === '') lines.pop();
      lineCounts.set(relative, lines);
    }
    if (!Number.isInteger(line) || line < 1 || line > lines.length) {
      return {
        ok: false,
        reason: `line ${line} does not exist in ${relative} (${lines.length} line${lines.length === 1 ? '' : 's'})`,
      };
    }
    const code = redactEvidence(lines[line - 1]!.replace(/\r$/, ''));
    return { ok: true, location: { file: relative, line, code } };
  };
}

/** `file` as a project-relative posix path, or undefined when it leaves the project. */
function projectRelative(root: string, file: string): string | undefined {
  const cleaned = file
    .trim()
    .replace(/\\/g, '/')
    .replace(/:\d+(?::\d+)?$/, '');
  const absolute = nodePath.resolve(root, cleaned);
  const relative = nodePath.relative(root, absolute).split(nodePath.sep).join('/');
  if (relative === '' || relative.startsWith('../') || relative === '..') return undefined;
  if (nodePath.isAbsolute(relative)) return undefined;
  return relative;
}

/** Who reported a finding, under which of their own ids, in which phase. */
export const findingReporterSchema = z.object({
  agentId: z.string(),
  /** The auditor's own id for it. */
  findingId: z.string(),
  phase: z.enum(['audit', 'debate']),
});

/**
 * An auditor finding whose location was checked against the files, deduplicated across the
 * auditors. Every text the auditors wrote has secret values redacted.
 */
export const deepDiveFindingSchema = z.object({
  /** Its id in the report: `A-1`, `A-2`, ... */
  id: z.string(),
  title: z.string(),
  severity: severitySchema,
  cwe: z.string().nullable(),
  /** Where it is: a verified file and line, with the line as it is in the file. */
  location: verifiedLocationSchema,
  /** What the (first) auditor saw, in its words. */
  evidence: z.string(),
  exploitScenario: z.string(),
  fix: z.string(),
  /** Every auditor that reported it (the same file, line and CWE), in order. */
  reportedBy: z.array(findingReporterSchema),
  /** Measured findings (`E-…`) at the same file and line. */
  evidenceIds: z.array(z.string()),
});
/** A verified, deduplicated auditor finding. */
export type DeepDiveFinding = z.output<typeof deepDiveFindingSchema>;

/** An auditor finding that is not reported: malformed, or at a location that does not exist. */
export const rejectedFindingSchema = z.object({
  agentId: z.string(),
  phase: z.enum(['audit', 'debate']),
  /** The auditor's own id, when it gave one. */
  findingId: z.string().nullable(),
  title: z.string().nullable(),
  /** The location as the auditor gave it (not verified). */
  claimedLocation: z.string().nullable(),
  reason: z.string(),
});
/** An auditor finding that is not reported, with the reason. */
export type RejectedFinding = z.output<typeof rejectedFindingSchema>;

/** What one auditor answered in one phase: its raw findings (parsed here one by one). */
export interface AuditorFindings {
  agentId: string;
  phase: 'audit' | 'debate';
  findings: readonly unknown[];
}

/** Options of {@link mergeAuditorFindings}. */
export interface MergeFindingsOptions {
  /** The auditors' answers, in order. */
  answers: readonly AuditorFindings[];
  verify: LocationVerifier;
  /** Measured findings, to link those at the same file and line. */
  evidence: readonly EvidenceFinding[];
  /** Findings already merged (phase 2 adds to those of phase 1). */
  existing?: readonly DeepDiveFinding[] | undefined;
}

const SEVERITY_ORDER: Record<Severity, number> = {
  critical: 0,
  high: 1,
  medium: 2,
  low: 3,
  info: 4,
};

/** The more severe of two severities. */
export function worseSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_ORDER[a] <= SEVERITY_ORDER[b] ? a : b;
}

/** Orders severities most severe first. */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITY_ORDER[a] - SEVERITY_ORDER[b];
}

function field(value: unknown, name: string): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const item = (value as Record<string, unknown>)[name];
  return typeof item === 'string' || typeof item === 'number' ? redactSecrets(String(item)) : null;
}

/**
 * Parses, verifies and deduplicates auditor findings. Each finding is parsed on its own
 * ({@link auditorFindingSchema}); its file and line are checked with `verify`, and a finding at a
 * line that does not exist is rejected with the reason, never reported. Findings at the same
 * file and line whose CWEs agree (or one has none) are one finding, reported by each auditor;
 * it keeps the first auditor's words and the most severe severity. Ids `A-n` continue after
 * `existing`.
 */
export function mergeAuditorFindings(options: MergeFindingsOptions): {
  findings: DeepDiveFinding[];
  rejected: RejectedFinding[];
} {
  const findings = (options.existing ?? []).map((finding) => ({
    ...finding,
    reportedBy: [...finding.reportedBy],
  }));
  const rejected: RejectedFinding[] = [];
  for (const answer of options.answers) {
    for (const raw of answer.findings) {
      const claimed =
        field(raw, 'file') === null
          ? null
          : `${field(raw, 'file')}${field(raw, 'line') === null ? '' : `:${field(raw, 'line')}`}`;
      const reject = (reason: string): void => {
        rejected.push({
          agentId: answer.agentId,
          phase: answer.phase,
          findingId: field(raw, 'id'),
          title: field(raw, 'title'),
          claimedLocation: claimed,
          reason,
        });
      };
      const parsed = parseAnswerPart(auditorFindingSchema, raw);
      if (!parsed.success) {
        reject(`not a finding: ${parsed.error}`);
        continue;
      }
      const finding = parsed.data;
      const check = options.verify(finding.file, finding.line);
      if (!check.ok) {
        reject(`location not verified: ${check.reason}`);
        continue;
      }
      const { location } = check;
      const cwe = finding.cwe ?? null;
      const reporter = { agentId: answer.agentId, findingId: finding.id, phase: answer.phase };
      const same = findings.find(
        (other) =>
          other.location.file === location.file &&
          other.location.line === location.line &&
          (other.cwe === null || cwe === null || other.cwe === cwe),
      );
      if (same !== undefined) {
        if (!same.reportedBy.some((item) => item.agentId === answer.agentId)) {
          same.reportedBy.push(reporter);
        }
        same.severity = worseSeverity(same.severity, finding.severity);
        same.cwe ??= cwe;
        continue;
      }
      findings.push({
        id: `A-${findings.length + 1}`,
        title: redactSecrets(finding.title),
        severity: finding.severity,
        cwe,
        location,
        evidence: redactSecrets(finding.evidence),
        exploitScenario: redactSecrets(finding.exploitScenario),
        fix: redactSecrets(finding.fix),
        reportedBy: [reporter],
        evidenceIds: options.evidence
          .filter((item) => item.file === location.file && item.line === location.line)
          .map((item) => item.id),
      });
    }
  }
  return { findings, rejected };
}
