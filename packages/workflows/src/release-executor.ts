import {
  type AnalyzeCoverageOptions,
  type AnalyzeDocumentationOptions,
  type AnalyzeQualityOptions,
  analyzeCoverage,
  analyzeDocumentation,
  analyzeQuality,
  type CoverageResult,
  createProjectIndex,
  type DocumentationResult,
  listProjectFiles,
  type ProjectFiles,
  type ProjectIndex,
  type QualityResult,
  redactSecrets,
  type ScanSecurityOptions,
  type SecurityResult,
  scanSecurity,
} from '@baton/analyzers';
import {
  type Agent,
  type AgentExecutionOutput,
  type AgentExecutor,
  BatonError,
  BatonErrorCode,
  describeError,
  type Logger,
  noopLogger,
  type Usage,
  zodIssues,
} from '@baton/core';
import type { ReleaseCheck } from './quality-gates.js';
import {
  type CoverageAgentOutput,
  type DocumentationAgentOutput,
  type ModelReview,
  modelReviewAnswerSchema,
  type QualityAgentOutput,
  RELEASE_AGENT_CHECKS,
  type ReleaseAgentOutput,
  type SecurityAgentOutput,
} from './release-evidence.js';

/**
 * The measuring tools the release agents use, one per check. The defaults are `@baton/analyzers`'
 * `scanSecurity`, `analyzeCoverage`, `analyzeQuality` and `analyzeDocumentation`; replace one to
 * plug in your own tool (it must measure, never estimate).
 */
export interface ReleaseAnalyzers {
  security: (options: ScanSecurityOptions) => Promise<SecurityResult>;
  coverage: (options: AnalyzeCoverageOptions) => Promise<CoverageResult>;
  quality: (options: AnalyzeQualityOptions) => Promise<QualityResult>;
  documentation: (options: AnalyzeDocumentationOptions) => Promise<DocumentationResult>;
}

/** The `@baton/analyzers` functions the release agents use by default. */
export const DEFAULT_RELEASE_ANALYZERS: Readonly<ReleaseAnalyzers> = Object.freeze({
  security: scanSecurity,
  coverage: analyzeCoverage,
  quality: analyzeQuality,
  documentation: analyzeDocumentation,
});

/** How the release agents measure. */
export interface ReleaseMeasureOptions {
  /** A coverage report to read instead of looking in the usual places. */
  coverageFile?: string | undefined;
  /** Run the project's tests with coverage before reading the report. */
  runTests?: boolean | undefined;
  /** Time limit of that test run in seconds. */
  testTimeoutSeconds?: number | undefined;
  /** A recorded `npm audit --json` / `pnpm audit --json` output. */
  auditFile?: string | undefined;
  /** Run the package manager's audit. */
  runAudit?: boolean | undefined;
  /** Time limit of the audit in seconds. */
  auditTimeoutSeconds?: number | undefined;
  /** Run the project's linters for the quality score (default true). */
  runLint?: boolean | undefined;
}

/** Options of {@link createReleaseExecutor}. */
export interface ReleaseExecutorOptions extends ReleaseMeasureOptions {
  /** Absolute project root. */
  root: string;
  /** Replaces some of the default measuring tools. */
  analyzers?: Partial<ReleaseAnalyzers> | undefined;
  /**
   * Reviews each agent's evidence on a model: it receives the agent and a context holding the
   * evidence, and answers `{ summary, findings, recommendations, confidence }` (the answer of
   * `@baton/executors`' model executor).
   */
  modelExecutor?: AgentExecutor<Agent> | undefined;
  /** Extra context for the model review. */
  context?: Record<string, unknown> | undefined;
  /** The whole run's signal: the shared project index is built under it. */
  signal?: AbortSignal | undefined;
  logger?: Logger | undefined;
}

/** What the model is asked to do with an agent's evidence. */
export const MODEL_REVIEW_TASK =
  'Review the measured evidence below for a release-readiness check. The figures were measured by ' +
  'tools and decide the quality gates; do not restate or change them. Report the findings a ' +
  'person should look at before the release (with file and line where you can), and concrete ' +
  'recommendations. Use severity "critical" only for something that should stop the release.';

/**
 * The executor the release workflow gives its strategy: it dispatches on `agent.templateId` to
 * the measuring tools (security_auditor -> security scan, test_coverage_analyzer -> coverage,
 * code_reviewer -> code quality, documentation_writer -> documentation coverage), all sharing
 * one project index, and returns a {@link ReleaseAgentOutput}. With a `modelExecutor`, the model
 * then reviews the evidence and its findings and recommendations are added to the output (a
 * failed review is recorded, it does not fail the agent: the measurement stands).
 *
 * @example
 * ```ts
 * const executor = createReleaseExecutor({ root: '/abs/project', auditFile: 'audit.json' });
 * const result = await new ParallelStrategy({ executor }).execute(agents, {});
 * ```
 */
export function createReleaseExecutor(options: ReleaseExecutorOptions): AgentExecutor<Agent> {
  const { root, modelExecutor, logger = noopLogger } = options;
  const analyzers: ReleaseAnalyzers = { ...DEFAULT_RELEASE_ANALYZERS, ...options.analyzers };
  let listing: Promise<ProjectFiles> | undefined;
  let index: Promise<ProjectIndex> | undefined;
  const projectFiles = (): Promise<ProjectFiles> => {
    listing ??= listProjectFiles(root, { ...(options.signal && { signal: options.signal }) });
    return listing;
  };
  const projectIndex = (): Promise<ProjectIndex> => {
    index ??= projectFiles().then((files) =>
      createProjectIndex({
        root,
        projectFiles: files,
        logger,
        ...(options.signal && { signal: options.signal }),
      }),
    );
    return index;
  };

  const measure = async (check: ReleaseCheck, signal: AbortSignal): Promise<ReleaseAgentOutput> => {
    switch (check) {
      case 'security': {
        const measured = await analyzers.security({
          root,
          index: await projectIndex(),
          ...defined({
            auditFile: options.auditFile,
            runAudit: options.runAudit,
            auditTimeoutSeconds: options.auditTimeoutSeconds,
          }),
          signal,
          logger,
        });
        return securityOutput(measured);
      }
      case 'coverage': {
        const measured = await analyzers.coverage({
          root,
          projectFiles: await projectFiles(),
          ...defined({
            coverageFile: options.coverageFile,
            runTests: options.runTests,
            testTimeoutSeconds: options.testTimeoutSeconds,
          }),
          signal,
          logger,
        });
        // analyzeCoverage itself warns about workspace packages no report covers.
        return coverageOutput(measured);
      }
      case 'quality': {
        const measured = await analyzers.quality({
          root,
          index: await projectIndex(),
          ...defined({ runLint: options.runLint }),
          signal,
          logger,
        });
        return qualityOutput(measured);
      }
      case 'documentation': {
        const measured = await analyzers.documentation({
          root,
          index: await projectIndex(),
          signal,
          logger,
        });
        return documentationOutput(measured);
      }
    }
  };

  return async (agent, _context, { signal }) => {
    const check = RELEASE_AGENT_CHECKS[agent.templateId];
    if (check === undefined) {
      throw new BatonError(
        BatonErrorCode.CONFIGURATION,
        `no release check for template "${agent.templateId}" (release agents: ${Object.keys(RELEASE_AGENT_CHECKS).join(', ')})`,
      );
    }
    // The strategy's signal already carries the run's signal and the agent's time limit.
    const output = await measure(check, signal);
    logger.debug('release check measured', { agentId: agent.id, check, figure: output.figure });
    if (modelExecutor === undefined) return { output };
    const reviewed = await reviewEvidence(agent, output, {
      modelExecutor,
      root,
      context: options.context ?? {},
      signal,
      logger,
    });
    return {
      output: { ...output, review: reviewed.review },
      ...(reviewed.confidence === undefined ? {} : { confidence: reviewed.confidence }),
      ...(reviewed.usage === undefined ? {} : { usage: reviewed.usage }),
    };
  };
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

function securityOutput(measured: SecurityResult): SecurityAgentOutput {
  return {
    check: 'security',
    figure: measured.criticalCount,
    summary: measured.summary,
    measured,
  };
}

function coverageOutput(measured: CoverageResult): CoverageAgentOutput {
  return measured.status === 'measured'
    ? { check: 'coverage', figure: measured.lineCoverage, summary: measured.summary, measured }
    : {
        check: 'coverage',
        figure: null,
        reason: measured.summary,
        summary: measured.summary,
        measured,
      };
}

function qualityOutput(measured: QualityResult): QualityAgentOutput {
  return measured.status === 'measured'
    ? { check: 'quality', figure: measured.score, summary: measured.summary, measured }
    : {
        check: 'quality',
        figure: null,
        reason: `code quality could not be measured: ${measured.reason}`,
        summary: measured.summary,
        measured,
      };
}

function documentationOutput(measured: DocumentationResult): DocumentationAgentOutput {
  return measured.status === 'measured'
    ? { check: 'documentation', figure: measured.percent, summary: measured.summary, measured }
    : {
        check: 'documentation',
        figure: null,
        reason: `documentation coverage could not be measured: ${measured.reason}`,
        summary: measured.summary,
        measured,
      };
}

const LIST_LIMIT = 25;

/**
 * The evidence shown to the model: the figure, the summary and the most relevant details, with
 * bounded lists (secret values are already redacted by the analyzers).
 */
export function evidenceDigest(output: ReleaseAgentOutput): Record<string, unknown> {
  const base = {
    check: output.check,
    figure: output.figure,
    summary: output.summary,
  };
  const reason = output.reason === undefined ? {} : { reason: output.reason };
  switch (output.check) {
    case 'security': {
      const { measured } = output;
      return {
        ...base,
        counts: measured.counts,
        findings: measured.findings.slice(0, LIST_LIMIT).map((finding) => ({
          ruleId: finding.ruleId,
          severity: finding.severity,
          location: `${finding.file}:${finding.line}`,
          message: finding.message,
          ...(finding.evidence === undefined ? {} : { evidence: finding.evidence }),
          testFixture: finding.testFixture,
        })),
        audit:
          measured.audit.status === 'ok'
            ? { status: 'ok', advisories: measured.audit.advisories.slice(0, LIST_LIMIT) }
            : { status: measured.audit.status, reason: measured.audit.reason },
        warnings: measured.warnings,
      };
    }
    case 'coverage': {
      const { measured } = output;
      if (measured.status === 'unknown') return { ...base, ...reason, hint: measured.hint };
      return {
        ...base,
        leastCovered: measured.leastCovered.map((file) => ({
          path: file.path,
          percent: file.percent,
          uncoveredLines: file.uncoveredLines,
        })),
        warnings: measured.warnings,
      };
    }
    case 'quality': {
      const { measured } = output;
      if (measured.status === 'unknown') return { ...base, ...reason };
      return {
        ...base,
        deductions: measured.deductions.filter((deduction) => deduction.points > 0),
        notMeasured: measured.notMeasured,
        metrics: measured.metrics,
        complexFunctions: measured.complexFunctions.slice(0, LIST_LIMIT),
        oversizedFunctions: measured.oversizedFunctions.slice(0, LIST_LIMIT),
        oversizedFiles: measured.oversizedFiles.slice(0, LIST_LIMIT),
        duplicateBlocks: measured.duplicateBlocks.slice(0, LIST_LIMIT),
      };
    }
    case 'documentation': {
      const { measured } = output;
      if (measured.status === 'unknown') return { ...base, ...reason };
      return {
        ...base,
        undocumented: measured.undocumented.slice(0, LIST_LIMIT).map((symbol) => ({
          name: symbol.name,
          kind: symbol.kind,
          location: `${symbol.file}:${symbol.line}`,
        })),
        warnings: measured.warnings,
      };
    }
  }
}

interface ReviewOptions {
  modelExecutor: AgentExecutor<Agent>;
  root: string;
  context: Record<string, unknown>;
  signal: AbortSignal;
  logger: Logger;
}

/** Asks the model to review one agent's evidence; never throws for the model's failure. */
async function reviewEvidence(
  agent: Agent,
  output: ReleaseAgentOutput,
  options: ReviewOptions,
): Promise<{ review: ModelReview; confidence?: number; usage?: Usage }> {
  const { modelExecutor, signal, logger } = options;
  let answer: AgentExecutionOutput;
  try {
    answer = await modelExecutor(
      agent,
      {
        ...options.context,
        task: MODEL_REVIEW_TASK,
        projectRoot: options.root,
        evidence: evidenceDigest(output),
      },
      { signal },
    );
  } catch (error) {
    if (signal.aborted) throw error;
    logger.warn('model review failed', { agentId: agent.id, error: describeError(error) });
    return { review: { status: 'failed', error: describeError(error) } };
  }
  const usage = answer.usage === undefined ? {} : { usage: answer.usage };
  if (answer.success === false) {
    return {
      review: {
        status: 'failed',
        error: redactSecrets(answer.error ?? 'the model reported failure'),
      },
      ...usage,
    };
  }
  const parsed = modelReviewAnswerSchema.safeParse(answer.output);
  if (!parsed.success) {
    const problems = zodIssues(parsed.error, 'answer')
      .map((issue) => `${issue.field}: ${issue.message}`)
      .join('; ');
    return {
      review: {
        status: 'failed',
        error: `the model's review did not match the answer format: ${problems}`,
      },
      ...usage,
    };
  }
  const confidence = answer.confidence ?? parsed.data.confidence;
  // The model's text goes into every report format: secrets in it are redacted like the evidence.
  return {
    review: {
      status: 'reviewed',
      summary: redactSecrets(parsed.data.summary),
      findings: parsed.data.findings.map((finding) => ({
        ...finding,
        message: redactSecrets(finding.message),
      })),
      recommendations: parsed.data.recommendations.map(redactSecrets),
      ...(confidence === undefined ? {} : { confidence }),
    },
    ...(confidence === undefined ? {} : { confidence }),
    ...usage,
  };
}
