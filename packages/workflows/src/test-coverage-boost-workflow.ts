import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import nodePath from 'node:path';
import { analyzeCoverage, type CoverageResult, isTestPath } from '@baton/analyzers';
import { ConfigurationStore } from '@baton/config-store';
import {
  type Agent,
  type AgentExecutor,
  type AgentResult,
  agentResultSchema,
  type BatonEmitter,
  CompositionPattern,
  type Logger,
  noopLogger,
  throwIfAborted,
  ValidationError,
  zodIssues,
} from '@baton/core';
import { spawnAgent } from '@baton/meta-orchestrator';
import { SequentialStrategy } from '@baton/strategies';
import { getTemplate } from '@baton/templates';
import { z } from 'zod';
import { recordCompositionOutcome } from './composition-learning.js';

/** The task pattern coverage boosts are stored under. */
export const TEST_COVERAGE_BOOST_TASK_PATTERN = 'test_coverage_boost';

/** What the test writer must answer: the test files it wrote, as paths and contents. */
export const testWriterAnswerSchema = z.object({
  files: z
    .array(
      z.object({
        /** Project-relative path of a new test file, e.g. `test/math.extra.test.js`. */
        path: z.string().trim().min(1, 'must be a non-empty path'),
        /** The whole file. */
        content: z.string().min(1, 'must not be empty'),
      }),
    )
    .max(100, 'must list at most 100 files'),
});
/** What the test writer must answer. */
export type TestWriterAnswer = z.output<typeof testWriterAnswerSchema>;

/** A proposed test file that was not kept, and why. */
export const rejectedTestSchema = z.object({ path: z.string(), reason: z.string() });

/** The outcome of a coverage boost; every figure is measured by running the project's tests. */
export const testCoverageBoostResultSchema = z.object({
  /** The target line coverage in percent. */
  targetCoverage: z.number(),
  /** Line coverage before any test was added; null when it could not be measured. */
  baselineCoverage: z.number().nullable(),
  /** Line coverage after the kept tests, re-measured; null when it could not be measured. */
  finalCoverage: z.number().nullable(),
  /** finalCoverage - baselineCoverage (two decimals); null when either is unknown. */
  coverageImprovement: z.number().nullable(),
  /** finalCoverage >= targetCoverage. */
  targetReached: z.boolean(),
  /** Test files the writer proposed. */
  testsGenerated: z.number().int(),
  /** Proposed test files that passed with the project's own test command and were kept. */
  testsKept: z.number().int(),
  keptFiles: z.array(z.string()),
  rejected: z.array(rejectedTestSchema),
  /** Why the boost stopped early or could not measure, if it did. */
  problems: z.array(z.string()),
  summary: z.string(),
  timestamp: z.string(),
  /** Seconds. */
  totalDuration: z.number(),
  /** analyze_gaps, generate_tests, validate_tests. */
  agentResults: z.array(agentResultSchema),
});
/** The outcome of a coverage boost. */
export type TestCoverageBoostResult = z.output<typeof testCoverageBoostResultSchema>;

/** Options of {@link TestCoverageBoostWorkflow}. */
export interface TestCoverageBoostOptions {
  /** Target line coverage in percent, 0..100 (default 80). */
  targetCoverage?: number | undefined;
  /** The project (default: the current directory). */
  projectRoot?: string | undefined;
  /** Record the outcome in the configuration store under `test_coverage_boost` (default true). */
  savePatterns?: boolean | undefined;
  /**
   * Writes the tests: receives the `generate_tests` agent and a context with the coverage gaps
   * (files, uncovered lines, source) and answers `{ files: [{ path, content }] }` — for example a
   * model executor prompted for that shape, or a coding agent. Without one, the workflow measures
   * the gaps and writes nothing.
   */
  testWriter?: AgentExecutor<Agent> | undefined;
  /** Time limit of one test run in seconds (default 600). */
  testTimeoutSeconds?: number | undefined;
  /** How many of the least-covered files the writer is asked about (default 5). */
  maxGapFiles?: number | undefined;
  /** How many proposed test files are validated, one test run each (default 10; the rest are rejected). */
  maxTestFiles?: number | undefined;
  /** Where outcomes are recorded. Default: `<projectRoot>/.baton/compositions`. */
  store?: ConfigurationStore | undefined;
  events?: BatonEmitter | undefined;
  logger?: Logger | undefined;
  clock?: (() => Date) | undefined;
}

/** The instructions the test writer gets with the gaps. */
export const TEST_WRITER_TASK =
  'Write new test files that cover the uncovered lines listed in "gaps", using the test framework ' +
  'and conventions of the existing tests. Answer {"files": [{"path": string, "content": string}]} ' +
  'with project-relative paths of NEW files in the test directories; do not change existing files. ' +
  'Only tests that pass with the project test command are kept.';

const SOURCE_LIMIT = 20_000;

interface GapAnalysis {
  coverage: CoverageResult;
  baselineCoverage: number | null;
  problems: string[];
}

interface Validation {
  kept: string[];
  rejected: Array<{ path: string; reason: string }>;
  finalCoverage: number | null;
  generated: number;
}

/**
 * Raises a project's test coverage with tests that really run: a sequential team measures the
 * gaps (the project's test command with coverage), has the `testWriter` write new test files, and
 * validates each file by running the test command again — a file is kept only when the whole suite
 * passes with it, otherwise it is removed — then reports the re-measured coverage, the measured
 * improvement and the number of kept tests (BEHAVIOUR §7).
 *
 * @example
 * ```ts
 * const boost = new TestCoverageBoostWorkflow({ targetCoverage: 90, projectRoot: '.', testWriter });
 * const result = await boost.execute();
 * console.log(result.coverageImprovement, result.testsKept);
 * process.exitCode = exitCodeFor(result);
 * ```
 */
export class TestCoverageBoostWorkflow {
  readonly targetCoverage: number;
  readonly projectRoot: string;
  readonly savePatterns: boolean;
  readonly #options: TestCoverageBoostOptions;
  readonly #logger: Logger;

  /** @throws ValidationError naming the offending option, e.g. `targetCoverage`. */
  constructor(options: TestCoverageBoostOptions = {}) {
    const target = options.targetCoverage ?? 80;
    if (typeof target !== 'number' || !Number.isFinite(target) || target < 0 || target > 100) {
      throw new ValidationError(
        'targetCoverage',
        `must be a number from 0 to 100 (got ${String(target)})`,
      );
    }
    const root = options.projectRoot ?? '.';
    if (typeof root !== 'string' || root.trim() === '') {
      throw new ValidationError('projectRoot', 'must be a non-empty path');
    }
    const timeout = options.testTimeoutSeconds;
    if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0))) {
      throw new ValidationError(
        'testTimeoutSeconds',
        `must be a number of seconds > 0 (got ${String(timeout)})`,
      );
    }
    for (const field of ['maxGapFiles', 'maxTestFiles'] as const) {
      const value = options[field];
      if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
        throw new ValidationError(field, `must be an integer >= 1 (got ${String(value)})`);
      }
    }
    if (options.testWriter !== undefined && typeof options.testWriter !== 'function') {
      throw new ValidationError('testWriter', 'must be an AgentExecutor function');
    }
    this.targetCoverage = target;
    this.projectRoot = nodePath.resolve(root);
    this.savePatterns = options.savePatterns ?? true;
    this.#options = options;
    this.#logger = options.logger ?? noopLogger;
  }

  /**
   * Runs the boost. `context` is handed to the test writer; a `currentCoverage` in it is not
   * trusted: coverage is always measured.
   */
  async execute(
    context: Record<string, unknown> = {},
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<TestCoverageBoostResult> {
    const { signal } = options;
    if (typeof context !== 'object' || context === null || Array.isArray(context)) {
      throw new ValidationError('context', 'must be an object');
    }
    const root = this.projectRoot;
    const info = await stat(root).catch(() => undefined);
    if (info === undefined || !info.isDirectory()) {
      throw new ValidationError('projectRoot', `is not a directory: ${root}`);
    }
    throwIfAborted(signal);
    const started = performance.now();
    const testTimeoutSeconds = this.#options.testTimeoutSeconds ?? 600;
    const maxGapFiles = this.#options.maxGapFiles ?? 5;
    const maxTestFiles = this.#options.maxTestFiles ?? 10;
    const logger = this.#logger;
    const measure = () =>
      analyzeCoverage({
        root,
        runTests: true,
        testTimeoutSeconds,
        logger,
        ...(signal && { signal }),
      });

    const template = getTemplate('test_coverage_analyzer')!;
    const spawn = (id: string, roleInstructions: string, timeoutSeconds: number): Agent => {
      const agent = spawnAgent(template, {
        tier: template.tierPreference,
        task: `Raise line coverage to ${this.targetCoverage}%`,
        role: 'step',
        id,
        roleInstructions,
      });
      return { ...agent, resourceRequirements: { ...agent.resourceRequirements, timeoutSeconds } };
    };
    // Each step may run the test suite; the validator once per proposed file.
    const agents = [
      spawn(
        'analyze_gaps',
        'Measure coverage and list the least-covered files.',
        testTimeoutSeconds + 60,
      ),
      spawn('generate_tests', TEST_WRITER_TASK, template.resourceRequirements.timeoutSeconds),
      spawn(
        'validate_tests',
        'Keep only new tests that pass; re-measure coverage.',
        (testTimeoutSeconds + 5) * maxTestFiles,
      ),
    ];

    const executor: AgentExecutor<Agent> = async (agent, stepContext, { signal: stepSignal }) => {
      switch (agent.id) {
        case 'analyze_gaps': {
          const coverage = await measure();
          const problems: string[] = [];
          if (coverage.testRun !== undefined && !coverage.testRun.passed) {
            problems.push(
              `The project's tests do not pass before any change (${coverage.testRun.error ?? `exit code ${coverage.testRun.exitCode}`}): new tests cannot be validated`,
            );
          }
          if (coverage.status === 'unknown') problems.push(coverage.summary);
          const output: GapAnalysis = {
            coverage,
            baselineCoverage: coverage.status === 'measured' ? coverage.lineCoverage : null,
            problems,
          };
          return { output };
        }
        case 'generate_tests': {
          const gaps = stepContext.analyze_gaps as GapAnalysis | undefined;
          if (gaps === undefined) throw new Error('no gap analysis to work from');
          const writer = this.#options.testWriter;
          if (
            writer === undefined ||
            gaps.problems.length > 0 ||
            gaps.coverage.status !== 'measured' ||
            gaps.coverage.lineCoverage >= this.targetCoverage
          ) {
            return { output: { files: [] } satisfies TestWriterAnswer };
          }
          const files = await Promise.all(
            gaps.coverage.leastCovered.slice(0, maxGapFiles).map(async (file) => ({
              path: file.path,
              percent: file.percent,
              uncoveredLines: file.uncoveredLines,
              source: await readFile(nodePath.join(root, file.path), 'utf8')
                .then((text) => text.slice(0, SOURCE_LIMIT))
                .catch(() => undefined),
            })),
          );
          const answer = await writer(
            agent,
            {
              ...context,
              task: TEST_WRITER_TASK,
              projectRoot: root,
              targetCoverage: this.targetCoverage,
              currentCoverage: gaps.coverage.lineCoverage,
              gaps: files,
            },
            { signal: stepSignal },
          );
          if (answer.success === false)
            throw new Error(answer.error ?? 'the test writer reported failure');
          const parsed = testWriterAnswerSchema.safeParse(answer.output);
          if (!parsed.success) {
            const problems = zodIssues(parsed.error, 'answer')
              .map((issue) => `${issue.field}: ${issue.message}`)
              .join('; ');
            throw new Error(
              `the test writer's answer did not match { files: [{ path, content }] }: ${problems}`,
            );
          }
          return {
            output: parsed.data,
            ...(answer.usage === undefined ? {} : { usage: answer.usage }),
          };
        }
        case 'validate_tests': {
          const gaps = stepContext.analyze_gaps as GapAnalysis | undefined;
          const proposed =
            (stepContext.generate_tests as TestWriterAnswer | undefined)?.files ?? [];
          const validation: Validation = {
            kept: [],
            rejected: [],
            finalCoverage: gaps?.baselineCoverage ?? null,
            generated: proposed.length,
          };
          for (const [position, file] of proposed.entries()) {
            throwIfAborted(stepSignal);
            const problem =
              position >= maxTestFiles
                ? `over the limit of ${maxTestFiles} test files per run (maxTestFiles)`
                : await this.#checkNewTestPath(file.path);
            if (problem !== undefined) {
              validation.rejected.push({ path: file.path, reason: problem });
              continue;
            }
            const absolute = nodePath.join(root, file.path);
            await mkdir(nodePath.dirname(absolute), { recursive: true });
            await writeFile(absolute, file.content, { flag: 'wx' });
            let coverage: CoverageResult;
            try {
              coverage = await measure();
            } catch (error) {
              await rm(absolute, { force: true });
              throw error;
            }
            const run = coverage.testRun;
            if (run?.passed && coverage.status === 'measured') {
              validation.kept.push(file.path);
              validation.finalCoverage = coverage.lineCoverage;
            } else {
              await rm(absolute, { force: true });
              const reason =
                run === undefined
                  ? 'the tests did not run'
                  : run.timedOut
                    ? `the tests did not finish within ${testTimeoutSeconds}s`
                    : run.passed
                      ? `coverage could not be measured after adding it: ${coverage.summary}`
                      : `the test suite failed with it (exit code ${run.exitCode}): ${failureExcerpt(run.outputTail)}`;
              validation.rejected.push({ path: file.path, reason });
            }
          }
          return { output: validation };
        }
        default:
          throw new Error(`unknown step ${agent.id}`);
      }
    };

    const strategy = new SequentialStrategy<Agent>({
      executor,
      events: this.#options.events,
      logger,
    });
    const result = await strategy.execute(agents, { ...context, projectRoot: root }, { signal });
    throwIfAborted(signal);

    const outputs = new Map(result.outputs.map((item) => [item.agentId, item]));
    const gaps = outputOf<GapAnalysis>(outputs.get('analyze_gaps'));
    const validation = outputOf<Validation>(outputs.get('validate_tests'));
    const problems = [...(gaps?.problems ?? [])];
    for (const item of result.outputs) if (!item.success) problems.push(item.error);
    // With coverage unknown there were no gaps to measure; the problems above say why.
    const baseline = gaps?.baselineCoverage ?? null;
    if (
      this.#options.testWriter === undefined &&
      baseline !== null &&
      baseline < this.targetCoverage
    ) {
      problems.push('No test writer configured: gaps were measured but no tests were written');
    }
    const baselineCoverage = gaps?.baselineCoverage ?? null;
    const finalCoverage = validation?.finalCoverage ?? baselineCoverage;
    const coverageImprovement =
      baselineCoverage === null || finalCoverage === null
        ? null
        : Math.round((finalCoverage - baselineCoverage) * 100) / 100;
    const targetReached = finalCoverage !== null && finalCoverage >= this.targetCoverage;
    const kept = validation?.kept ?? [];
    const boost: TestCoverageBoostResult = {
      targetCoverage: this.targetCoverage,
      baselineCoverage,
      finalCoverage,
      coverageImprovement,
      targetReached,
      testsGenerated: validation?.generated ?? 0,
      testsKept: kept.length,
      keptFiles: kept,
      rejected: validation?.rejected ?? [],
      problems,
      summary: '',
      timestamp: (this.#options.clock ?? (() => new Date()))().toISOString(),
      totalDuration: (performance.now() - started) / 1000,
      agentResults: result.outputs,
    };
    boost.summary = summariseBoost(boost);
    if (this.savePatterns && finalCoverage !== null) {
      await this.#record(agents, boost, signal);
    }
    return boost;
  }

  /** Why a proposed test file may not be written, or undefined when it may. */
  async #checkNewTestPath(file: string): Promise<string | undefined> {
    if (nodePath.isAbsolute(file)) return 'the path must be relative to the project';
    const absolute = nodePath.resolve(this.projectRoot, file);
    const relative = nodePath.relative(this.projectRoot, absolute);
    if (relative.startsWith('..') || nodePath.isAbsolute(relative)) {
      return 'the path leaves the project';
    }
    if (relative.split(nodePath.sep).includes('node_modules'))
      return 'the path is inside node_modules';
    if (!isTestPath(relative))
      return 'not a test file path (use a test directory or a .test./.spec. name)';
    if (
      await stat(absolute).then(
        () => true,
        () => false,
      )
    )
      return 'the file exists already; existing files are never changed';
    return undefined;
  }

  async #record(
    agents: Agent[],
    boost: TestCoverageBoostResult,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const store =
      this.#options.store ??
      new ConfigurationStore({
        storageDir: nodePath.join(this.projectRoot, '.baton', 'compositions'),
        logger: this.#logger,
      });
    const recorded = await recordCompositionOutcome({
      store,
      composition: {
        compositionId: 'test_coverage_boost-sequential',
        taskPattern: TEST_COVERAGE_BOOST_TASK_PATTERN,
        strategy: CompositionPattern.SEQUENTIAL,
        agents,
        qualityGates: { min_coverage: this.targetCoverage },
      },
      outcome: {
        success: boost.targetReached,
        qualityScore: Math.min(100, Math.max(0, boost.finalCoverage ?? 0)),
      },
      signal,
    });
    if (!recorded.recorded) {
      this.#logger.warn('could not record the coverage boost outcome', { error: recorded.error });
    }
  }
}

function outputOf<T>(result: AgentResult | undefined): T | undefined {
  return result?.success === true ? (result.output as T) : undefined;
}

/**
 * What a failed test run says failed: the last failing-test line (`✖`, `×`, `FAIL`, `not ok`,
 * `●`) and the two lines after it (the error), or else its last five lines; stack frames
 * (`at ...`) and package manager notices are left out.
 */
function failureExcerpt(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(
      (line) => line !== '' && !/^at\s/.test(line) && !/^npm (warn|WARN|notice)\b/.test(line),
    );
  const failing = lines.findLastIndex((line) => /^(✖|×|FAIL\b|not ok\b|●)/.test(line));
  const excerpt = failing === -1 ? lines.slice(-5) : lines.slice(failing, failing + 3);
  return excerpt.join(' ').slice(0, 500);
}

function figure(value: number | null): string {
  return value === null ? 'unknown' : `${value}%`;
}

function summariseBoost(result: TestCoverageBoostResult): string {
  const parts = [
    `Line coverage ${figure(result.baselineCoverage)} -> ${figure(result.finalCoverage)} (target ${result.targetCoverage}%${result.targetReached ? ', reached' : ', not reached'}).`,
    `${result.testsKept} of ${result.testsGenerated} generated test files kept.`,
  ];
  if (result.problems.length > 0) parts.push(result.problems.join(' '));
  return parts.join(' ');
}

/** What the baseline measurement warned about (a stale report, packages without a report). */
function measurementWarnings(result: TestCoverageBoostResult): string[] {
  const gaps = result.agentResults.find((item) => item.agentId === 'analyze_gaps')?.output as
    | Partial<GapAnalysis>
    | undefined;
  const coverage = gaps?.coverage;
  if (coverage?.status !== 'measured') return [];
  return coverage.warnings;
}

/**
 * The boost result for a terminal: coverage before and after, improvement, kept and rejected test
 * files with the reasons, problems, and what the coverage measurement warned about.
 */
export function formatTestCoverageBoost(result: TestCoverageBoostResult): string {
  const rule = '='.repeat(70);
  const lines = [
    rule,
    'TEST COVERAGE BOOST',
    rule,
    '',
    `Status: ${result.targetReached ? '✅ TARGET REACHED' : '❌ TARGET NOT REACHED'}`,
    `Target: ${result.targetCoverage}%`,
    `Coverage: ${figure(result.baselineCoverage)} -> ${figure(result.finalCoverage)} (improvement: ${result.coverageImprovement === null ? 'unknown' : `${result.coverageImprovement} points`})`,
    `Tests kept: ${result.testsKept} of ${result.testsGenerated}`,
    `Generated: ${result.timestamp}`,
    `Duration: ${result.totalDuration.toFixed(2)}s`,
  ];
  for (const file of result.keptFiles) lines.push(`✅ ${file}`);
  for (const file of result.rejected) lines.push(`❌ ${file.path}: ${file.reason}`);
  for (const problem of result.problems) lines.push(`⚠️  ${problem}`);
  for (const warning of measurementWarnings(result)) lines.push(`⚠️  Coverage: ${warning}`);
  lines.push(rule);
  return lines.join('\n');
}
