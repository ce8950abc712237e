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
  type Budget,
  CompositionPattern,
  createTaskGraph,
  describeError,
  estimateAgentCost,
  type GraphHooks,
  type Logger,
  noopLogger,
  runStatusSchema,
  type StepAgent,
  type StepEstimate,
  throwIfAborted,
  ValidationError,
  zodIssues,
} from '@baton/core';
import { spawnAgent } from '@baton/meta-orchestrator';
import { getTemplate } from '@baton/templates';
import { z } from 'zod';
import { recordCompositionOutcome } from './composition-learning.js';
import { type ProjectSnapshot, snapshotProject } from './project-snapshot.js';
import {
  runWorkflowGraph,
  type WorkflowRun,
  type WorkflowRuntimeOption,
  workflowRuntime,
} from './workflow-run.js';

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

/**
 * What the test writer changed in the project by itself (a coding agent edits files directly),
 * found by comparing the project before and after it ran, and what was done about it.
 */
export const writerChangesSchema = z.object({
  /**
   * `git`: git status and git diff against the commit checked out before the writer ran;
   * `file-hashes`: a hash of every file before and after (not a git work tree, no commit yet, or
   * the project is ignored by its repository).
   */
  method: z.enum(['git', 'file-hashes']),
  /** The method in words, with the commit or the reason for hashing. */
  detail: z.string(),
  /** Existing files it changed or deleted, put back as they were. */
  restored: z.array(z.string()),
  /** New files outside the test locations it created, removed. */
  removed: z.array(z.string()),
  /**
   * New test files it wrote into the project: taken out and validated like the files of its
   * answer (see `keptFiles` and `rejected`).
   */
  directTests: z.array(z.string()),
});
/** What the test writer changed in the project by itself. */
export type WriterChanges = z.output<typeof writerChangesSchema>;

/** The outcome of a coverage boost; every figure is measured by running the project's tests. */
export const testCoverageBoostResultSchema = z.object({
  /** The boost's run (`baton runs show <id>`; a stopped run continues with `resume`). */
  runId: z.string(),
  /**
   * How the run ended: `succeeded` or `failed` (a step failed; see `problems`), or
   * `budget-exceeded` (the budget stopped it before its last step; resumable).
   */
  runStatus: runStatusSchema,
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
  /** What the writer changed in the project by itself; null when no writer ran. */
  writerChanges: writerChangesSchema.nullable(),
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
  /**
   * Where the boost runs: a `Runtime` of `@baton/runtime`, or `false` for memory only. Default: a
   * runtime on the project's `.baton/` folder, so a boost can be resumed, cancelled from another
   * process, and budgeted; without a `testWriter` (it only measures) the run is kept in memory.
   */
  runtime?: WorkflowRuntimeOption;
  /** Spending limits (the test writer spends tokens; measuring and validating spend none). */
  budget?: Budget | undefined;
  /** Receives the run's events (`step-start`, `step-end`, `usage-add`, ...). */
  events?: BatonEmitter | undefined;
  logger?: Logger | undefined;
  clock?: (() => Date) | undefined;
}

/** The instructions the test writer gets with the gaps. */
export const TEST_WRITER_TASK =
  'Write new test files that cover the uncovered lines listed in "gaps", using the test framework ' +
  'and conventions of the existing tests. Answer {"files": [{"path": string, "content": string}]} ' +
  'with project-relative paths of NEW files in the test directories; do not change existing files ' +
  '(changes to them are undone). Only tests that pass with the project test command are kept.';

const SOURCE_LIMIT = 20_000;

interface GapAnalysis {
  coverage: CoverageResult;
  baselineCoverage: number | null;
  problems: string[];
}

/** A test file to validate: from the writer's answer, or written by the writer directly. */
interface ProposedTest {
  path: string;
  content: string | Uint8Array;
}

interface Validation {
  kept: string[];
  rejected: Array<{ path: string; reason: string }>;
  finalCoverage: number | null;
  generated: number;
}

/** What the writer changed by itself, kept for a writer step whose answer never came. */
interface WriterState {
  changes: WriterChanges | null;
  directTests: ProposedTest[];
  problems: string[];
}

/**
 * What the `generate_tests` step answers: the writer's files and, stored with the step so that a
 * resumed run knows them, what it changed by itself (its own test files in base64).
 */
interface WriterStepOutput extends TestWriterAnswer {
  writerChanges: WriterChanges | null;
  directTests: Array<{ path: string; contentBase64: string }>;
  problems: string[];
  /** Why the writer failed, when it did. */
  failure?: string | undefined;
}

function writerStepOutput(answer: TestWriterAnswer, state: WriterState): WriterStepOutput {
  return {
    files: answer.files,
    writerChanges: state.changes,
    directTests: state.directTests.map((file) => ({
      path: file.path,
      contentBase64: Buffer.from(file.content).toString('base64'),
    })),
    problems: state.problems,
  };
}

/** A step's output as the result shows it: the writer's own test files by path only. */
function publicOutput(agentId: string, output: unknown): unknown {
  if (agentId !== 'generate_tests' || typeof output !== 'object' || output === null) return output;
  const { directTests, ...rest } = output as WriterStepOutput;
  return { ...rest, directTests: (directTests ?? []).map((file) => file.path) };
}

/**
 * The boost's own rule on the engine: each step sees the outputs of the steps before it under
 * their ids, also a failed writer's (what it changed by itself is validated all the same).
 */
const COVERAGE_BOOST_HOOKS: GraphHooks = {
  contextFor(step, view, base) {
    for (const earlier of view.graph.steps) {
      if (earlier.id === step.id) break;
      const output = view.result(earlier.id)?.output;
      if (output !== undefined) base[earlier.id] = output;
    }
    return base;
  },
};

/** Measuring and validating run the project's tests and spend no tokens; the writer may. */
function estimateBoostStep(agent: StepAgent): StepEstimate {
  if (agent.id === 'generate_tests') return estimateAgentCost(agent);
  return { tokens: 0, costUsd: 0 };
}

/**
 * Raises a project's test coverage with tests that really run: three steps on the one engine
 * measure the gaps (the project's test command with coverage), have the `testWriter` write new
 * test files, and validate each file by running the test command again — a file is kept only when
 * the whole suite passes with it, otherwise it is removed — then report the re-measured coverage,
 * the measured improvement and the number of kept tests (BEHAVIOUR §7).
 *
 * The boost is a durable run of the project (`runId` in the result): cancelled or stopped by its
 * `budget`, {@link TestCoverageBoostWorkflow.resume} continues it without running its finished
 * steps again (a validation that did not finish keeps none of its files, and runs again).
 *
 * Existing files are never changed: what the writer changes in the project by itself (a coding
 * agent at work) is found by comparing the project before and after it ran (git, else file
 * hashes); existing files are restored, new test files it wrote are validated like the answered
 * ones, other new files are removed, and `writerChanges` lists all of it.
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
   * Runs the boost as a durable run of the project (see `runtime`): `context` is handed to the
   * test writer; a `currentCoverage` in it is not trusted: coverage is always measured. Aborting
   * the signal rejects with the abort reason; the run is saved and {@link resume} continues it.
   */
  async execute(
    context: Record<string, unknown> = {},
    options: { signal?: AbortSignal | undefined; runId?: string | undefined } = {},
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
    const target = this.targetCoverage;
    const agents = this.#team(target);
    const graph = createTaskGraph({
      task: `Raise line coverage to ${target}%`,
      strategy: TEST_COVERAGE_BOOST_TASK_PATTERN,
      source: 'workflow',
      steps: agents.map((agent, position) => ({
        id: agent.id,
        agent,
        // Like a sequential team: a failed step does not stop the next (it says why it has nothing).
        dependsOn: position === 0 ? [] : [agents[position - 1]!.id],
        onDependencyFailure: 'run',
        escalate: false,
        strategy: TEST_COVERAGE_BOOST_TASK_PATTERN,
      })),
    });
    const state: WriterState = { changes: null, directTests: [], problems: [] };
    // Without a test writer nothing is written and nothing is worth resuming: no run is kept.
    const where =
      this.#options.runtime ?? (this.#options.testWriter === undefined ? false : undefined);
    const run = await runWorkflowGraph({
      runtime: workflowRuntime(where, root, this.#logger),
      graph,
      hooks: COVERAGE_BOOST_HOOKS,
      estimate: estimateBoostStep,
      executor: this.#executor(target, state),
      context: { ...context, projectRoot: root },
      metadata: { workflow: TEST_COVERAGE_BOOST_TASK_PATTERN, path: root, targetCoverage: target },
      signal,
      budget: this.#options.budget,
      events: this.#options.events,
      runId: options.runId,
    });
    return this.#report({ run, agents, target, state, started, signal });
  }

  /**
   * Continues a boost that stopped (cancelled, out of budget, crashed) without running its
   * finished steps again, with the target it was started with, and reports on it.
   *
   * @throws BatonError `BATON_NOT_FOUND` for an unknown run; `BATON_CONFLICT` when it finished;
   *   ValidationError when the run is not a coverage boost of this project.
   */
  async resume(
    runId: string,
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<TestCoverageBoostResult> {
    const { signal } = options;
    throwIfAborted(signal);
    const started = performance.now();
    const runtime = workflowRuntime(this.#options.runtime, this.projectRoot, this.#logger);
    const record = await runtime.store.loadRun(runId);
    const metadata = record.metadata ?? {};
    if (metadata.workflow !== TEST_COVERAGE_BOOST_TASK_PATTERN) {
      throw new ValidationError('runId', `run ${runId} is not a test coverage boost`);
    }
    if (metadata.path !== this.projectRoot) {
      throw new ValidationError(
        'runId',
        `run ${runId} boosts ${String(metadata.path)}, not ${this.projectRoot}`,
      );
    }
    const target =
      typeof metadata.targetCoverage === 'number' ? metadata.targetCoverage : this.targetCoverage;
    const agents = record.graph.steps.flatMap((step) =>
      step.agent === undefined ? [] : [step.agent as unknown as Agent],
    );
    const state: WriterState = { changes: null, directTests: [], problems: [] };
    const run = await runWorkflowGraph({
      runtime,
      graph: record.graph,
      hooks: COVERAGE_BOOST_HOOKS,
      estimate: estimateBoostStep,
      executor: this.#executor(target, state),
      signal,
      budget: this.#options.budget,
      events: this.#options.events,
      resume: runId,
    });
    return this.#report({ run, agents, target, state, started, signal });
  }

  /** The three steps, each with a time limit that fits what it runs. */
  #team(target: number): Agent[] {
    const testTimeoutSeconds = this.#options.testTimeoutSeconds ?? 600;
    const maxTestFiles = this.#options.maxTestFiles ?? 10;
    const template = getTemplate('test_coverage_analyzer')!;
    const spawn = (id: string, roleInstructions: string, timeoutSeconds: number): Agent => {
      const agent = spawnAgent(template, {
        tier: template.tierPreference,
        task: `Raise line coverage to ${target}%`,
        role: 'step',
        id,
        roleInstructions,
      });
      return { ...agent, resourceRequirements: { ...agent.resourceRequirements, timeoutSeconds } };
    };
    // Each step may run the test suite; the validator once per proposed file.
    return [
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
  }

  /**
   * Runs the steps: the project's own test command for `analyze_gaps` and `validate_tests`, the
   * test writer for `generate_tests`. `state` keeps what the writer changed for a writer step
   * whose answer never came (its time limit passed).
   */
  #executor(target: number, state: WriterState): AgentExecutor<Agent> {
    const root = this.projectRoot;
    const testTimeoutSeconds = this.#options.testTimeoutSeconds ?? 600;
    const maxGapFiles = this.#options.maxGapFiles ?? 5;
    const maxTestFiles = this.#options.maxTestFiles ?? 10;
    const logger = this.#logger;
    const measure = (signal: AbortSignal) =>
      analyzeCoverage({ root, runTests: true, testTimeoutSeconds, logger, signal });

    return async (agent, stepContext, { signal: stepSignal }) => {
      const {
        analyze_gaps: gapsOutput,
        generate_tests: writerOutput,
        ...context
      } = stepContext as Record<string, unknown>;
      const gaps = gapsOutput as GapAnalysis | undefined;
      switch (agent.id) {
        case 'analyze_gaps': {
          const coverage = await measure(stepSignal);
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
          if (gaps === undefined) throw new Error('no gap analysis to work from');
          const writer = this.#options.testWriter;
          if (
            writer === undefined ||
            gaps.problems.length > 0 ||
            gaps.coverage.status !== 'measured' ||
            gaps.coverage.lineCoverage >= target
          ) {
            return { output: writerStepOutput({ files: [] }, state) };
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
          let snapshot: ProjectSnapshot;
          try {
            snapshot = await snapshotProject(root, { signal: stepSignal });
          } catch (error) {
            throwIfAborted(stepSignal);
            throw new Error(
              `could not record the project's files before the test writer ran, so its changes could not be undone: ${describeError(error)}`,
            );
          }
          let failure: string | undefined;
          let answer: Awaited<ReturnType<typeof writer>> | undefined;
          try {
            answer = await writer(
              agent,
              {
                ...context,
                task: TEST_WRITER_TASK,
                projectRoot: root,
                targetCoverage: target,
                currentCoverage: gaps.coverage.lineCoverage,
                gaps: files,
              },
              { signal: stepSignal },
            );
          } catch (error) {
            // Aborted: the step runs again on resume, nothing of it is kept.
            throwIfAborted(stepSignal);
            failure = describeError(error);
          } finally {
            const settled = await settleWriterChanges(root, snapshot);
            state.changes = settled.changes;
            state.directTests = settled.directTests;
            state.problems = settled.problems;
          }
          if (answer !== undefined && answer.success === false) {
            failure = answer.error ?? 'the test writer reported failure';
          }
          let parsed: TestWriterAnswer = { files: [] };
          if (failure === undefined) {
            const checked = testWriterAnswerSchema.safeParse(answer?.output);
            if (checked.success) parsed = checked.data;
            else {
              const problems = zodIssues(checked.error, 'answer')
                .map((issue) => `${issue.field}: ${issue.message}`)
                .join('; ');
              failure = `the test writer's answer did not match { files: [{ path, content }] }: ${problems}`;
            }
          }
          // What the writer changed is kept with the step, failed or not, so a resume knows it.
          const output = writerStepOutput(failure === undefined ? parsed : { files: [] }, state);
          const usage = answer?.usage === undefined ? {} : { usage: answer.usage };
          if (failure !== undefined) {
            return { success: false, error: failure, output: { ...output, failure }, ...usage };
          }
          return { output, ...usage };
        }
        case 'validate_tests': {
          const written = writerOutput as WriterStepOutput | undefined;
          const answered: ProposedTest[] = written?.files ?? [];
          const direct =
            written?.directTests === undefined
              ? state.directTests
              : written.directTests.map((file) => ({
                  path: file.path,
                  content: Buffer.from(file.contentBase64, 'base64'),
                }));
          const proposed = [
            ...answered,
            ...direct.filter((file) => !answered.some((item) => item.path === file.path)),
          ];
          const validation: Validation = {
            kept: [],
            rejected: [],
            finalCoverage: gaps?.baselineCoverage ?? null,
            generated: proposed.length,
          };
          try {
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
                coverage = await measure(stepSignal);
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
          } catch (error) {
            // A validation that did not finish keeps nothing: a resume validates every file again.
            await Promise.all(
              validation.kept.map((file) => rm(nodePath.join(root, file), { force: true })),
            );
            throw error;
          }
          return { output: validation };
        }
        default:
          throw new Error(`unknown step ${agent.id}`);
      }
    };
  }

  async #report(input: {
    run: WorkflowRun;
    agents: Agent[];
    target: number;
    state: WriterState;
    started: number;
    signal: AbortSignal | undefined;
  }): Promise<TestCoverageBoostResult> {
    const { run, agents, target, state, started, signal } = input;
    const outputs = new Map(run.outputs.map((item) => [item.agentId, item]));
    const gaps = outputOf<GapAnalysis>(outputs.get('analyze_gaps'));
    const written = outputs.get('generate_tests')?.output as WriterStepOutput | undefined;
    const validation = outputOf<Validation>(outputs.get('validate_tests'));
    const problems = [...(gaps?.problems ?? [])];
    for (const item of run.outputs) {
      if (item.success) continue;
      // The writer's own failure, worded as when a step fails.
      const failure = item.agentId === 'generate_tests' ? written?.failure : undefined;
      problems.push(
        failure === undefined ? item.error : `Agent "${item.agentId}" failed: ${failure}`,
      );
    }
    problems.push(...(written?.problems ?? state.problems));
    // With coverage unknown there were no gaps to measure; the problems above say why.
    const baseline = gaps?.baselineCoverage ?? null;
    if (this.#options.testWriter === undefined && baseline !== null && baseline < target) {
      problems.push('No test writer configured: gaps were measured but no tests were written');
    }
    const baselineCoverage = gaps?.baselineCoverage ?? null;
    const finalCoverage = validation?.finalCoverage ?? baselineCoverage;
    const coverageImprovement =
      baselineCoverage === null || finalCoverage === null
        ? null
        : Math.round((finalCoverage - baselineCoverage) * 100) / 100;
    const targetReached = finalCoverage !== null && finalCoverage >= target;
    const kept = validation?.kept ?? [];
    const boost: TestCoverageBoostResult = {
      runId: run.result.runId,
      runStatus: run.result.status,
      targetCoverage: target,
      baselineCoverage,
      finalCoverage,
      coverageImprovement,
      targetReached,
      testsGenerated: validation?.generated ?? 0,
      testsKept: kept.length,
      keptFiles: kept,
      rejected: validation?.rejected ?? [],
      writerChanges: written?.writerChanges ?? state.changes,
      problems,
      summary: '',
      timestamp: (this.#options.clock ?? (() => new Date()))().toISOString(),
      totalDuration: (performance.now() - started) / 1000,
      agentResults: run.outputs.map(({ output, ...result }) => ({
        ...result,
        output: publicOutput(result.agentId, output),
      })),
    };
    boost.summary = summariseBoost(boost);
    // A run the budget stopped has no outcome yet: it is recorded when a resume finishes it.
    if (this.savePatterns && finalCoverage !== null && run.result.status !== 'budget-exceeded') {
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
        qualityGates: { min_coverage: boost.targetCoverage },
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

/**
 * Undoes what the writer changed by itself since `snapshot`: restores existing files, takes its
 * new test files out of the project (to be validated like answered ones) and removes its other new
 * files. Never throws for one file: what could not be undone is a problem.
 */
async function settleWriterChanges(
  root: string,
  snapshot: ProjectSnapshot,
): Promise<{ changes: WriterChanges; directTests: ProposedTest[]; problems: string[] }> {
  const changes: WriterChanges = {
    method: snapshot.method,
    detail: snapshot.detail,
    restored: [],
    removed: [],
    directTests: [],
  };
  const directTests: ProposedTest[] = [];
  const problems: string[] = [];
  let found: Awaited<ReturnType<ProjectSnapshot['changes']>>;
  try {
    found = await snapshot.changes();
  } catch (error) {
    problems.push(
      `Could not check what the test writer changed in the project (${snapshot.detail}): ${describeError(error)}`,
    );
    return { changes, directTests, problems };
  }
  for (const change of found) {
    try {
      if (change.kind === 'changed') {
        await snapshot.restore(change.path);
        changes.restored.push(change.path);
      } else if (isTestPath(change.path)) {
        const content = await readFile(nodePath.join(root, change.path));
        await snapshot.restore(change.path);
        directTests.push({ path: change.path, content });
        changes.directTests.push(change.path);
      } else {
        await snapshot.restore(change.path);
        changes.removed.push(change.path);
      }
    } catch (error) {
      problems.push(
        `Could not undo the test writer's change to ${change.path}: ${describeError(error)}`,
      );
    }
  }
  return { changes, directTests, problems };
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
  const changes = result.writerChanges;
  if (changes !== null) {
    const done = [
      counted(changes.restored.length, 'existing file', 'restored'),
      counted(changes.removed.length, 'new file', 'removed'),
      counted(changes.directTests.length, 'test file it wrote', 'validated', 'test files it wrote'),
    ].filter((part) => part !== '');
    if (done.length > 0) {
      parts.push(`The test writer changed the project by itself: ${done.join(', ')}.`);
    }
  }
  if (result.problems.length > 0) parts.push(result.problems.join(' '));
  return parts.join(' ');
}

/** `3 existing files restored`; empty for none. */
function counted(count: number, singular: string, done: string, plural = `${singular}s`): string {
  if (count === 0) return '';
  return `${count} ${count === 1 ? singular : plural} ${done}`;
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
 * files with the reasons (marking those the writer wrote into the project itself), the files the
 * writer changed by itself that were restored or removed, problems, and what the coverage
 * measurement warned about.
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
  const changes = result.writerChanges;
  const direct = (file: string): string =>
    changes?.directTests.includes(file) === true
      ? `${file} (written into the project by the test writer)`
      : file;
  for (const file of result.keptFiles) lines.push(`✅ ${direct(file)}`);
  for (const file of result.rejected) lines.push(`❌ ${direct(file.path)}: ${file.reason}`);
  if (
    changes !== null &&
    changes.restored.length + changes.removed.length + changes.directTests.length > 0
  ) {
    lines.push(`Changes the test writer made by itself (found with ${changes.detail}):`);
    for (const file of changes.restored) {
      lines.push(`↩️  restored ${file}: an existing file the test writer changed or deleted`);
    }
    for (const file of changes.removed) {
      lines.push(`🗑️  removed ${file}: a new file outside the test locations`);
    }
  }
  for (const problem of result.problems) lines.push(`⚠️  ${problem}`);
  for (const warning of measurementWarnings(result)) lines.push(`⚠️  Coverage: ${warning}`);
  lines.push(rule);
  return lines.join('\n');
}
