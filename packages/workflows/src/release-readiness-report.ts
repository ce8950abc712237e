import { agentResultSchema, parseWith } from '@baton/core';
import { z } from 'zod';
import { qualityGateSchema } from './quality-gates.js';
import { collectEvidence, type ReleaseEvidence } from './release-evidence.js';
import { formatConsoleOutput } from './report-formats.js';

/** How sure the verdict is: high (approved, no warnings), medium (approved with warnings), low (not approved). */
export const releaseConfidenceSchema = z.enum(['high', 'medium', 'low']);
/** `"high" | "medium" | "low"`. */
export type ReleaseConfidence = z.output<typeof releaseConfidenceSchema>;

/** The confidence of a verdict (BEHAVIOUR §6). */
export function confidenceFor(approved: boolean, warningCount: number): ReleaseConfidence {
  if (!approved) return 'low';
  return warningCount === 0 ? 'high' : 'medium';
}

/** The stored composition the run used and what was recorded for it. */
export const compositionRecordSchema = z.object({
  /** Composition id in the configuration store. */
  id: z.string(),
  /** Always `release_prep`. */
  taskPattern: z.string(),
  /** The team came from a proven composition (success rate >= 0.8) instead of the defaults. */
  reused: z.boolean(),
  /** Its success rate before this run; null when it had never been used. */
  previousSuccessRate: z.number().nullable(),
  /** Its usage count before this run. */
  previousUsageCount: z.number().int(),
  /**
   * The quality score recorded for this run: the percentage of the run's gates that passed
   * (0..100); null when nothing was recorded.
   */
  recordedQualityScore: z.number().nullable(),
  /** Why recording failed, when it did (the verdict is unaffected). */
  recordError: z.string().optional(),
});
/** The stored composition the run used and what was recorded for it. */
export type CompositionRecord = z.output<typeof compositionRecordSchema>;

/** The JSON document of a release readiness report (`schemaVersion` 1). */
export const releaseReadinessReportSchema = z.object({
  /** Bumped on any incompatible change of this document. */
  schemaVersion: z.literal(1),
  /** True when nothing blocks the release. */
  approved: z.boolean(),
  confidence: releaseConfidenceSchema,
  /** The project that was checked (absolute path). */
  path: z.string(),
  /** When the report was made (ISO 8601). */
  timestamp: z.string(),
  /** Wall time of the whole check in seconds. */
  totalDuration: z.number().min(0),
  /** The thresholds the gates were judged against. */
  thresholds: z.object({
    min_coverage: z.number(),
    min_quality_score: z.number(),
    max_critical_issues: z.number(),
    min_doc_coverage: z.number(),
  }),
  /** One verdict per gate whose agent was in the team. */
  qualityGates: z.array(qualityGateSchema),
  /** Failed critical gates and failed agents. */
  blockers: z.array(z.string()),
  /** Failed non-critical gates, measurements that could not be made, model findings to confirm. */
  warnings: z.array(z.string()),
  /** One paragraph for people. */
  summary: z.string(),
  /** The stored composition used and recorded; null when no store was used. */
  composition: compositionRecordSchema.nullable(),
  /** Each agent's result; a release agent's `output` holds its evidence (see `ReleaseAgentOutput`). */
  agentResults: z.array(agentResultSchema),
  /** The run that made the report (`baton runs show <id>`); null for a report made without one. */
  runId: z.string().nullable().default(null),
});
/** The JSON document of a release readiness report. */
export type ReleaseReadinessReportData = z.output<typeof releaseReadinessReportSchema>;

/**
 * The outcome of a release readiness check: the verdict (`approved`, `confidence`), every gate
 * with its measured figure, blockers, warnings, each agent's result with its evidence, and the
 * formats people and tools read (`formatConsoleOutput()`, `toJSON()`; see also `formatMarkdown`
 * and `formatSarif`).
 *
 * @example
 * ```ts
 * const report = await new OrchestratedReleasePrepWorkflow().execute({ path: '.' });
 * if (!report.approved) for (const blocker of report.blockers) console.error(blocker);
 * ```
 */
export class ReleaseReadinessReport implements ReleaseReadinessReportData {
  readonly schemaVersion = 1 as const;
  readonly approved: boolean;
  readonly confidence: ReleaseConfidence;
  readonly path: string;
  readonly timestamp: string;
  readonly totalDuration: number;
  readonly thresholds: ReleaseReadinessReportData['thresholds'];
  readonly qualityGates: ReleaseReadinessReportData['qualityGates'];
  readonly blockers: string[];
  readonly warnings: string[];
  readonly summary: string;
  readonly composition: CompositionRecord | null;
  readonly agentResults: ReleaseReadinessReportData['agentResults'];
  readonly runId: string | null;

  /** @throws ValidationError naming the offending field. */
  constructor(
    data: Omit<ReleaseReadinessReportData, 'schemaVersion' | 'runId'> & {
      schemaVersion?: 1;
      runId?: string | null;
    },
  ) {
    const checked = parseWith(
      releaseReadinessReportSchema,
      { ...data, schemaVersion: 1 },
      {
        label: 'report',
      },
    );
    this.approved = checked.approved;
    this.confidence = checked.confidence;
    this.path = checked.path;
    this.timestamp = checked.timestamp;
    this.totalDuration = checked.totalDuration;
    this.thresholds = checked.thresholds;
    this.qualityGates = checked.qualityGates;
    this.blockers = checked.blockers;
    this.warnings = checked.warnings;
    this.summary = checked.summary;
    this.composition = checked.composition;
    this.agentResults = checked.agentResults;
    this.runId = checked.runId;
  }

  /** Reads a report back from its JSON document (e.g. a saved `--json` output). */
  static fromJSON(data: unknown): ReleaseReadinessReport {
    const checked = parseWith(releaseReadinessReportSchema, data, { label: 'report' });
    return new ReleaseReadinessReport(checked);
  }

  /** The agents' evidence by check (security, coverage, quality, documentation). */
  get evidence(): ReleaseEvidence {
    return collectEvidence(this.agentResults);
  }

  /** The JSON document (see {@link releaseReadinessReportSchema}); stable key order. */
  toJSON(): ReleaseReadinessReportData {
    return {
      schemaVersion: 1,
      approved: this.approved,
      confidence: this.confidence,
      path: this.path,
      timestamp: this.timestamp,
      totalDuration: this.totalDuration,
      thresholds: { ...this.thresholds },
      qualityGates: this.qualityGates.map((gate) => ({ ...gate })),
      blockers: [...this.blockers],
      warnings: [...this.warnings],
      summary: this.summary,
      composition: this.composition === null ? null : { ...this.composition },
      agentResults: this.agentResults.map((result) => ({ ...result })),
      runId: this.runId,
    };
  }

  /** The report for a terminal (see {@link formatConsoleOutput}). */
  formatConsoleOutput(): string {
    return formatConsoleOutput(this);
  }
}
