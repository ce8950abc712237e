import { severitySchema } from '@baton/analyzers';
import { zodIssues } from '@baton/core';
import { z } from 'zod';

const text = z.string().trim().min(1, 'must be a non-empty string');

/**
 * A CWE id as `CWE-<number>`; `"78"`, `"cwe-78"` and `"CWE-78: OS Command Injection"` are read
 * as `CWE-78`. Null or an empty string means none fits.
 */
const cweSchema = z.union([z.string(), z.number(), z.null()]).transform((value, context) => {
  if (value === null || value === '') return null;
  const match = /^(?:CWE[-\s]?)?(\d{1,5})\b/i.exec(String(value).trim());
  if (match === null) {
    context.addIssue({ code: 'custom', message: 'must be a CWE id such as "CWE-78"' });
    return z.NEVER;
  }
  return `CWE-${Number(match[1])}`;
});

/**
 * One finding of a security auditor, the one schema every auditor answers in: `id`, `title`,
 * `severity`, `cwe` where one fits, `file` and `line` (project-relative, 1-based; checked
 * against the files before anything is reported), the `evidence` the auditor saw, an
 * `exploitScenario` and a `fix`.
 */
export const auditorFindingSchema = z.object({
  /** The auditor's own id for the finding, e.g. `V1` (Baton gives every finding its own id). */
  id: text,
  /** One line: what is wrong. */
  title: text,
  severity: severitySchema,
  /** The CWE that fits, e.g. `CWE-78`; absent or null when none does. */
  cwe: cweSchema.optional(),
  /** Project-relative path. */
  file: text,
  /** 1-based line in `file`. */
  line: z.number().int('must be a whole number').min(1, 'must be >= 1'),
  /** What the auditor saw (a quote of the code, a configuration value). */
  evidence: text,
  /** How an attacker would use it. */
  exploitScenario: text,
  /** The concrete change that removes it. */
  fix: text,
});
/** One finding of a security auditor, as parsed. */
export type AuditorFinding = z.output<typeof auditorFindingSchema>;

/**
 * Phase 1 (audit): the auditor's findings. Each finding is parsed on its own, so one malformed
 * finding is rejected with its reason while the others count.
 */
export const auditAnswerSchema = z.object({
  findings: z.array(z.unknown()),
  /** A short summary of what the auditor looked at. */
  summary: z.string().optional(),
});
/** Phase 1 answer. */
export type AuditAnswer = z.output<typeof auditAnswerSchema>;

/** A vote on another auditor's finding. */
export const debateVoteSchema = z
  .object({
    /** The Baton id of the finding (`A-3`), as listed in the context. */
    findingId: text,
    verdict: z.enum(['confirm', 'dispute']),
    /** Why; required for a dispute. */
    reason: z.string().trim().default(''),
  })
  .refine((vote) => vote.verdict !== 'dispute' || vote.reason !== '', {
    message: 'a dispute needs a reason',
    path: ['reason'],
  });
/** A vote on another auditor's finding. */
export type DebateVote = z.output<typeof debateVoteSchema>;

/**
 * Phase 2 (debate): votes on the other auditors' findings (confirm, or dispute with a reason)
 * and findings the auditor adds. Votes and added findings are parsed one by one.
 */
export const debateAnswerSchema = z.object({
  votes: z.array(z.unknown()),
  added: z.array(z.unknown()).default([]),
});
/** Phase 2 answer. */
export type DebateAnswer = z.output<typeof debateAnswerSchema>;

/** How much work a remediation is, as the code reviewer estimates it. */
export const remediationEffortSchema = z.enum(['small', 'medium', 'large']);
/** `"small" | "medium" | "large"`. */
export type RemediationEffort = z.output<typeof remediationEffortSchema>;

/** One step of the code reviewer's remediation plan. */
export const remediationAnswerItemSchema = z.object({
  /** The Baton ids of the findings this step fixes (`A-1`, `E-2`). */
  findingIds: z.array(text).min(1, 'must name at least one finding'),
  /** The change to make. */
  fix: text,
  /** The project-relative file where the change belongs. */
  ownerFile: text,
  effort: remediationEffortSchema,
});

/**
 * Phase 3 (synthesis): the code reviewer's remediation plan: one step per fix (each open
 * finding in exactly one step), and optional notes on the disputed findings.
 */
export const remediationAnswerSchema = z.object({
  summary: text,
  items: z.array(z.unknown()),
  disputedNotes: z.array(z.object({ findingId: text, note: text })).default([]),
});
/** Phase 3 answer. */
export type RemediationAnswer = z.output<typeof remediationAnswerSchema>;

const FINDING_SHAPE =
  '{ "id": string, "title": string, "severity": "critical" | "high" | "medium" | "low" | "info", "cwe"?: "CWE-<number>", "file": string (project-relative), "line": number (1-based, a line that exists in the file), "evidence": string (the code or setting you saw), "exploitScenario": string, "fix": string }';

/** The shape of each phase's answer, as the prompts show it. */
export const SECURITY_ANSWER_SHAPES = Object.freeze({
  audit: `{ "findings": [FINDING], "summary": string } where FINDING is ${FINDING_SHAPE}`,
  debate: `{ "votes": [{ "findingId": string, "verdict": "confirm" | "dispute", "reason": string }], "added": [FINDING] } where FINDING is ${FINDING_SHAPE}`,
  synthesis:
    '{ "summary": string, "items": [{ "findingIds": [string], "fix": string, "ownerFile": string (project-relative), "effort": "small" | "medium" | "large" }], "disputedNotes": [{ "findingId": string, "note": string }] }',
});

/**
 * The answer format an executor should ask the security deep dive's agents for (pass it as
 * `answerFormat` to `createModelExecutor` or `createCliExecutor` of `@baton/executors`): one
 * schema accepting the answer of any phase, and a description of the three shapes; each agent's
 * context says which phase it is in. The workflow parses every answer again with its phase's
 * schema.
 */
export const SECURITY_DEEP_DIVE_ANSWER = Object.freeze({
  schema: z.union([auditAnswerSchema, debateAnswerSchema, remediationAnswerSchema]),
  description: [
    'the JSON object of the phase named by "phase" in the context:',
    `- phase "audit": ${SECURITY_ANSWER_SHAPES.audit}`,
    `- phase "debate": ${SECURITY_ANSWER_SHAPES.debate}`,
    `- phase "synthesis": ${SECURITY_ANSWER_SHAPES.synthesis}`,
  ].join('\n'),
});

/**
 * Parses a value a model produced against one of the answer schemas: the data, or every issue
 * as one line naming its field (`line: must be >= 1; cwe: is required`).
 */
export function parseAnswerPart<T>(
  schema: z.ZodType<T>,
  value: unknown,
  label?: string,
): { success: true; data: T } | { success: false; error: string } {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return { success: true, data: result.data };
  return {
    success: false,
    error: zodIssues(result.error, label)
      .map((issue) => `${issue.field}: ${issue.message}`)
      .join('; '),
  };
}
