import { redactSecrets, type Severity, severitySchema } from '@baton/analyzers';
import { z } from 'zod';
import {
  parseAnswerPart,
  remediationAnswerItemSchema,
  remediationAnswerSchema,
  remediationEffortSchema,
} from './security-answers.js';
import type { DebatedFinding } from './security-debate.js';
import { compareSeverity, type LocationVerifier, worseSeverity } from './security-findings.js';

/** One step of the remediation plan. */
export const remediationItemSchema = z.object({
  /** 1 = do first: steps are ordered by the most severe finding they fix, then as the reviewer listed them. */
  priority: z.number().int().min(1),
  /** The findings it fixes (`A-…` confirmed by the debate, `E-…` measured), each in one step only. */
  findingIds: z.array(z.string()).min(1),
  /** The most severe of those findings. */
  severity: severitySchema,
  fix: z.string(),
  /** A file of the project (checked) where the change belongs. */
  ownerFile: z.string(),
  /** The code reviewer's estimate, not a measurement. */
  effort: remediationEffortSchema,
});
/** One step of the remediation plan. */
export type RemediationItem = z.output<typeof remediationItemSchema>;

/** A disputed finding with both sides of the debate. */
export const disputedFindingEntrySchema = z.object({
  findingId: z.string(),
  title: z.string(),
  severity: severitySchema,
  file: z.string(),
  line: z.number().int(),
  confirmations: z.number().int(),
  disputes: z.number().int(),
  /** The confirming side: who, and why. */
  for: z.array(z.object({ agentId: z.string(), reason: z.string() })),
  /** The disputing side: who, and why. */
  against: z.array(z.object({ agentId: z.string(), reason: z.string() })),
  /** What the code reviewer made of it, if it said. */
  reviewerNote: z.string().nullable(),
});
/** A disputed finding with both sides of the debate. */
export type DisputedFindingEntry = z.output<typeof disputedFindingEntrySchema>;

/** The remediation plan of phase 3, or why there is none; disputed findings are listed apart. */
export const remediationPlanSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('generated'),
    /** The code reviewer's summary (secrets redacted). */
    summary: z.string(),
    items: z.array(remediationItemSchema),
    disputed: z.array(disputedFindingEntrySchema),
    /** Open findings the plan does not cover. */
    missing: z.array(z.string()),
    /** What was corrected in the reviewer's answer (unknown ids, repeated findings, files that do not exist). */
    notes: z.array(z.string()),
  }),
  z.object({
    status: z.literal('not-generated'),
    reason: z.string(),
    disputed: z.array(disputedFindingEntrySchema),
  }),
]);
/** The remediation plan of phase 3, or why there is none. */
export type RemediationPlan = z.output<typeof remediationPlanSchema>;

/** A finding the plan must cover: a confirmed auditor finding or a measured finding outside test code. */
export interface OpenFinding {
  id: string;
  severity: Severity;
  file: string;
}

/** The disputed findings with both sides, and the reviewer's note on each when it gave one. */
export function disputedEntries(
  findings: readonly DebatedFinding[],
  notes: ReadonlyMap<string, string> = new Map(),
): DisputedFindingEntry[] {
  return findings
    .filter((finding) => finding.status === 'disputed')
    .map((finding) => ({
      findingId: finding.id,
      title: finding.title,
      severity: finding.severity,
      file: finding.location.file,
      line: finding.location.line,
      confirmations: finding.confirmations,
      disputes: finding.disputes,
      for: finding.votes
        .filter((vote) => vote.verdict === 'confirm')
        .map(({ agentId, reason }) => ({ agentId, reason })),
      against: finding.votes
        .filter((vote) => vote.verdict === 'dispute')
        .map(({ agentId, reason }) => ({ agentId, reason })),
      reviewerNote: notes.get(finding.id) ?? null,
    }));
}

/** Options of {@link buildRemediationPlan}. */
export interface BuildRemediationPlanOptions {
  /** The code reviewer's answer (phase 3). */
  answer: unknown;
  /** The findings the plan must cover, each once. */
  open: readonly OpenFinding[];
  /** Every debated finding (the disputed ones are listed apart, never in a step). */
  debated: readonly DebatedFinding[];
  verify: LocationVerifier;
}

/**
 * Checks the code reviewer's plan against the findings and the files: every step names known
 * open findings (unknown ids and disputed findings are taken out, a finding already in an
 * earlier step is taken out of the later one), its owner file exists (otherwise the file of
 * its first finding is used), and its texts have secrets redacted. Steps are ordered by the most
 * severe finding they fix. Open findings in no step are `missing`. Each correction is a note.
 */
export function buildRemediationPlan(options: BuildRemediationPlanOptions): RemediationPlan {
  const disputedIds = new Set(
    options.debated.filter((finding) => finding.status === 'disputed').map((finding) => finding.id),
  );
  const parsed = parseAnswerPart(remediationAnswerSchema, options.answer, 'answer');
  if (!parsed.success) {
    return {
      status: 'not-generated',
      reason: `the code reviewer's answer is not a remediation plan: ${parsed.error}`,
      disputed: disputedEntries(options.debated),
    };
  }
  const open = new Map(options.open.map((finding) => [finding.id, finding]));
  const covered = new Set<string>();
  const notes: string[] = [];
  const steps: Array<Omit<RemediationItem, 'priority'>> = [];
  for (const [position, raw] of parsed.data.items.entries()) {
    const label = `step ${position + 1}`;
    const item = parseAnswerPart(remediationAnswerItemSchema, raw);
    if (!item.success) {
      notes.push(`${label} dropped: ${item.error}`);
      continue;
    }
    const ids: string[] = [];
    for (const id of item.data.findingIds) {
      if (disputedIds.has(id)) notes.push(`${label}: ${id} is disputed, listed apart`);
      else if (!open.has(id)) notes.push(`${label}: unknown finding ${id} left out`);
      else if (covered.has(id)) notes.push(`${label}: ${id} is already in an earlier step`);
      else {
        ids.push(id);
        covered.add(id);
      }
    }
    if (ids.length === 0) {
      notes.push(`${label} dropped: it names no open finding`);
      continue;
    }
    const findings = ids.map((id) => open.get(id)!);
    let ownerFile = item.data.ownerFile;
    const owner = options.verify(ownerFile, 1);
    if (owner.ok) ownerFile = owner.location.file;
    else {
      notes.push(
        `${label}: owner file ${ownerFile} not found (${owner.reason}); using ${findings[0]!.file}`,
      );
      ownerFile = findings[0]!.file;
    }
    steps.push({
      findingIds: ids,
      severity: findings.map((finding) => finding.severity).reduce(worseSeverity),
      fix: redactSecrets(item.data.fix),
      ownerFile,
      effort: item.data.effort,
    });
  }
  const ordered = steps
    .map((step, position) => ({ step, position }))
    .sort((a, b) => compareSeverity(a.step.severity, b.step.severity) || a.position - b.position)
    .map(({ step }, position) => ({ priority: position + 1, ...step }));
  const reviewerNotes = new Map<string, string>();
  for (const note of parsed.data.disputedNotes) {
    if (disputedIds.has(note.findingId))
      reviewerNotes.set(note.findingId, redactSecrets(note.note));
  }
  return {
    status: 'generated',
    summary: redactSecrets(parsed.data.summary),
    items: ordered,
    disputed: disputedEntries(options.debated, reviewerNotes),
    missing: options.open
      .filter((finding) => !covered.has(finding.id))
      .map((finding) => finding.id),
    notes,
  };
}
