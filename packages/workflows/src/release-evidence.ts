import type {
  CoverageResult,
  DocumentationResult,
  QualityResult,
  SecurityResult,
} from '@baton/analyzers';
import type { AgentResult } from '@baton/core';
import { z } from 'zod';
import type { ReleaseCheck } from './quality-gates.js';

/** Which release check each release agent (by template id) performs. */
export const RELEASE_AGENT_CHECKS: Readonly<Record<string, ReleaseCheck>> = Object.freeze({
  security_auditor: 'security',
  test_coverage_analyzer: 'coverage',
  code_reviewer: 'quality',
  documentation_writer: 'documentation',
});

/** The four release agents, in the order they are reported (BEHAVIOUR §6). */
export const DEFAULT_RELEASE_AGENT_IDS: readonly string[] = Object.freeze([
  'security_auditor',
  'test_coverage_analyzer',
  'code_reviewer',
  'documentation_writer',
]);

/** The task pattern release compositions are stored under. */
export const RELEASE_TASK_PATTERN = 'release_prep';

/** One issue a model reported while reviewing an agent's evidence. */
export const reviewFindingSchema = z.object({
  severity: z.enum(['critical', 'high', 'medium', 'low', 'info']),
  message: z.string().trim().min(1, 'must be a non-empty string'),
  location: z
    .object({
      file: z.string().trim().min(1, 'must be a non-empty string'),
      line: z.number().int().min(1).optional(),
      endLine: z.number().int().min(1).optional(),
    })
    .optional(),
});
/** One issue a model reported while reviewing an agent's evidence. */
export type ReviewFinding = z.output<typeof reviewFindingSchema>;

/**
 * What a model answered when reviewing an agent's evidence: the shape of `@baton/executors`'
 * agent answer (`summary`, `findings`, `recommendations`, `confidence`); extra fields are ignored.
 */
export const modelReviewAnswerSchema = z.object({
  summary: z.string().default(''),
  findings: z.array(reviewFindingSchema).default([]),
  recommendations: z.array(z.string()).default([]),
  confidence: z.number().min(0).max(1).optional(),
});

/** The model review of one agent's evidence: its answer, or why there is none. */
export type ModelReview =
  | {
      status: 'reviewed';
      summary: string;
      findings: ReviewFinding[];
      recommendations: string[];
      confidence?: number | undefined;
    }
  | { status: 'failed'; error: string };

interface OutputBase {
  /**
   * The measured figure the gate reads (critical issues, line %, score 0..10, documented %), or
   * null when it could not be measured (see `reason`). Never 0 for lack of a measurement.
   */
  figure: number | null;
  /** Why `figure` is null. */
  reason?: string | undefined;
  /** One line describing the measurement. */
  summary: string;
  /** The model's review of the evidence, when a model executor was configured. */
  review?: ModelReview | undefined;
}

/** The output of the security auditor: the security scan. */
export interface SecurityAgentOutput extends OutputBase {
  check: 'security';
  measured: SecurityResult;
}
/** The output of the test coverage analyzer: the coverage measurement. */
export interface CoverageAgentOutput extends OutputBase {
  check: 'coverage';
  measured: CoverageResult;
}
/** The output of the code reviewer: the code quality measurement. */
export interface QualityAgentOutput extends OutputBase {
  check: 'quality';
  measured: QualityResult;
}
/** The output of the documentation writer: the documentation coverage of the public API. */
export interface DocumentationAgentOutput extends OutputBase {
  check: 'documentation';
  measured: DocumentationResult;
}

/** What a release agent outputs: the evidence it gathered with its tools, and a model review. */
export type ReleaseAgentOutput =
  | SecurityAgentOutput
  | CoverageAgentOutput
  | QualityAgentOutput
  | DocumentationAgentOutput;

/** The evidence of one run, by check (a check is absent when its agent did not run or failed). */
export interface ReleaseEvidence {
  security?: SecurityAgentOutput;
  coverage?: CoverageAgentOutput;
  quality?: QualityAgentOutput;
  documentation?: DocumentationAgentOutput;
}

const CHECKS: ReadonlySet<string> = new Set(['security', 'coverage', 'quality', 'documentation']);

/** True for the output of a release agent. */
export function isReleaseAgentOutput(output: unknown): output is ReleaseAgentOutput {
  return (
    typeof output === 'object' &&
    output !== null &&
    CHECKS.has((output as { check?: unknown }).check as string) &&
    typeof (output as { measured?: unknown }).measured === 'object'
  );
}

/** The evidence in a run's agent results, by check (the first successful agent of each check). */
export function collectEvidence(agentResults: readonly AgentResult[]): ReleaseEvidence {
  const evidence: ReleaseEvidence = {};
  for (const result of agentResults) {
    if (!result.success || !isReleaseAgentOutput(result.output)) continue;
    const output = result.output;
    if (evidence[output.check] === undefined) {
      (evidence as Record<ReleaseCheck, ReleaseAgentOutput>)[output.check] = output;
    }
  }
  return evidence;
}
