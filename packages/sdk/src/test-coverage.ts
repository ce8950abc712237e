import {
  type AgentExecutionOutput,
  type AgentExecutor,
  BatonEmitter,
  BatonError,
  BatonErrorCode,
  type Budget,
  type Logger,
  type Usage,
} from '@baton/core';
import {
  type AnswerFormat,
  createExecutorFor,
  type ExecutorSetup,
  executorSpecFor,
  resolveExecutorSetup,
} from '@baton/executors';
import {
  type TestCoverageBoostResult,
  TestCoverageBoostWorkflow,
  testWriterAnswerSchema,
} from '@baton/workflows';
import type { ExecutorFactory } from './executor-factory.js';
import { describeTestWriter, type WriterInfo } from './writer-info.js';

/** How the test writer answers: the workflow's `{ files: [{ path, content }] }`. */
export const TEST_FILES_ANSWER: AnswerFormat = {
  schema: testWriterAnswerSchema,
  description:
    '{ "files": [{ "path": string (project-relative path of a NEW test file), "content": string (the whole file) }] }',
};

/** The report of a coverage boost (what `baton orchestrate test-coverage --json` prints). */
export interface TestCoverageReport extends TestCoverageBoostResult {
  /** The coverage the caller expected, as given; never used as a figure. */
  currentCoverageHint: number | null;
  testWriter: WriterInfo;
  /** Tokens and cost of the test writer's calls; null when it was not called or reported none. */
  writerUsage: Usage | null;
  notes: string[];
}

/** Options of `baton.testCoverage()`. */
export interface TestCoverageOptions {
  /** Target line coverage % (0..100). Default 80. */
  target?: number | undefined;
  /** The coverage you expect; the measured baseline always wins. */
  currentCoverage?: number | undefined;
  /** Time limit of one test run, seconds. */
  testTimeoutSeconds?: number | undefined;
  /** Write no tests: measure the coverage and the gaps only. */
  noWriter?: boolean | undefined;
  /** Write tests with these coding-agent CLIs (default: the configured chain, else the model provider). */
  agentCli?: string | readonly string[] | undefined;
  /** Caps the boost's run (tokens, US dollars, agents); a stopped run continues with `resume`. */
  budget?: Budget | undefined;
  /**
   * Continue this stopped boost run (its id) instead of starting one: its finished steps are not
   * run again and its target is the one it started with.
   */
  resume?: string | undefined;
  /** Receives the workflow's events. */
  events?: BatonEmitter | undefined;
  signal?: AbortSignal | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
type AnyExecutor = AgentExecutor<any>;

interface WriterCalls {
  calls: number;
  model?: string | undefined;
  usage: Usage[];
  unreported: boolean;
  notes: string[];
}

/** Runs the coverage boost on a project with the test writer its options and setup select. */
export async function runTestCoverage(input: {
  projectDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executor: AgentExecutor<any> | undefined;
  createExecutor: ExecutorFactory | undefined;
  options: TestCoverageOptions;
  signal: AbortSignal | undefined;
}): Promise<TestCoverageReport> {
  const { projectDir, logger, options } = input;
  const target = options.target ?? 80;
  const writer = await testWriterFor(input);
  logger.info(`test writer: ${describeTestWriter(writer.info)}`);
  const calls: WriterCalls = { calls: 0, usage: [], unreported: false, notes: [] };
  const workflow = new TestCoverageBoostWorkflow({
    targetCoverage: target,
    projectRoot: projectDir,
    testWriter: writer.executor === undefined ? undefined : tracked(writer.executor, calls),
    ...(options.testTimeoutSeconds === undefined
      ? {}
      : { testTimeoutSeconds: options.testTimeoutSeconds }),
    budget: options.budget,
    events: options.events ?? new BatonEmitter(),
    logger,
  });
  const hint = options.currentCoverage;
  const signal = input.signal === undefined ? {} : { signal: input.signal };
  const result =
    options.resume === undefined
      ? await workflow.execute(hint === undefined ? {} : { currentCoverage: hint }, signal)
      : await workflow.resume(options.resume, signal);
  return buildReport(result, { hint, writer: writer.info, calls });
}

async function testWriterFor(input: {
  projectDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executor: AgentExecutor<any> | undefined;
  createExecutor: ExecutorFactory | undefined;
  options: TestCoverageOptions;
}): Promise<{ executor?: AnyExecutor | undefined; info: WriterInfo }> {
  const { projectDir, env, logger, options } = input;
  if (options.noWriter === true) {
    return {
      info: {
        kind: 'none',
        reason:
          'no test writer asked for (noWriter, --no-model): coverage measured, no tests written',
      },
    };
  }
  if (input.executor !== undefined) return { executor: input.executor, info: { kind: 'custom' } };
  const spec = executorSpecFor({ agentCli: options.agentCli }, { projectRoot: projectDir, env });
  let setup: ExecutorSetup;
  try {
    setup = await resolveExecutorSetup(spec, { projectRoot: projectDir, env });
  } catch (error) {
    if (
      spec.kind === 'model' &&
      BatonError.isInstance(error) &&
      error.code === BatonErrorCode.CONFIGURATION
    ) {
      return {
        info: {
          kind: 'none',
          reason: `${error.message}; or pass --agent-cli claude (or set BATON_AGENT_CLI)`,
        },
      };
    }
    throw error;
  }
  const create = input.createExecutor ?? createExecutorFor;
  const executor = create(setup, { logger, answerFormat: TEST_FILES_ANSWER });
  if (setup.kind === 'model') {
    return {
      executor,
      info: { kind: 'model', provider: setup.config.provider, model: setup.config.models.CAPABLE },
    };
  }
  return { executor: cliAnswer(executor), info: { kind: 'agent-cli', chain: setup.chain } };
}

/**
 * A CLI agent's parsed answer is `output.answer`; the workflow reads the files from `output`. A
 * final message without the files is a failed result saying so (tests the CLI wrote directly
 * into the project are still found and checked by the workflow).
 */
function cliAnswer(executor: AnyExecutor): AnyExecutor {
  return async (agent, context, run) => {
    const result = await executor(agent, context, run);
    if (result.success === false) return result;
    const output = result.output as { answer?: unknown; text?: string; cli?: string };
    if (output.answer === undefined) {
      return {
        ...result,
        success: false,
        error: `${output.cli ?? 'the agent CLI'} did not answer with { "files": [{ "path", "content" }] }: ${firstChars(output.text ?? '', 200)}`,
      };
    }
    const notes = (result.output as { notes?: unknown }).notes;
    return { ...result, output: { ...(output.answer as object), notes } };
  };
}

/** Counts the writer's calls and keeps their measured usage. */
function tracked(executor: AnyExecutor, calls: WriterCalls): AnyExecutor {
  return async (agent, context, run) => {
    calls.calls += 1;
    const result: AgentExecutionOutput = await executor(agent, context, run);
    if (result.usage === undefined) calls.unreported = true;
    else calls.usage.push(result.usage);
    const output = result.output as { notes?: unknown; model?: unknown } | undefined;
    if (typeof output?.model === 'string') calls.model = output.model;
    const notes = output?.notes;
    if (Array.isArray(notes)) {
      for (const note of notes) if (typeof note === 'string') calls.notes.push(note);
    }
    return result;
  };
}

function buildReport(
  result: TestCoverageBoostResult,
  context: { hint: number | undefined; writer: WriterInfo; calls: WriterCalls },
): TestCoverageReport {
  const { hint, calls } = context;
  const writer: WriterInfo =
    context.writer.kind === 'model' && calls.model !== undefined
      ? { ...context.writer, model: calls.model }
      : context.writer;
  const notes: string[] = [];
  if (hint !== undefined) {
    if (result.baselineCoverage === null) {
      notes.push(
        `--current-coverage ${hint}% was not used: coverage could not be measured, and only measured figures are reported`,
      );
    } else if (result.baselineCoverage !== hint) {
      notes.push(
        `Measured baseline ${result.baselineCoverage}% differs from --current-coverage ${hint}%: the measured figure is used`,
      );
    }
  }
  let writerUsage: Usage | null = null;
  if (calls.calls > 0) {
    if (calls.unreported) {
      notes.push('Test writer token usage unknown: a call reported no usage');
    } else {
      writerUsage = sumUsage(calls.usage);
      if (writerUsage.costUsd === undefined) {
        notes.push(
          `Test writer cost unknown: ${calls.notes.find((note) => note.startsWith('no price')) ?? 'no price known for its model'}`,
        );
      }
    }
  }
  return { ...result, currentCoverageHint: hint ?? null, testWriter: writer, writerUsage, notes };
}

function sumUsage(usages: Usage[]): Usage {
  const models = [...new Set(usages.map((usage) => usage.model).filter((model) => model))];
  const priced = usages.every((usage) => usage.costUsd !== undefined);
  return {
    inputTokens: usages.reduce((total, usage) => total + usage.inputTokens, 0),
    outputTokens: usages.reduce((total, usage) => total + usage.outputTokens, 0),
    ...(priced
      ? {
          costUsd:
            Math.round(usages.reduce((total, usage) => total + (usage.costUsd ?? 0), 0) * 1e6) /
            1e6,
        }
      : {}),
    ...(models.length === 1 ? { model: models[0] } : {}),
  };
}

function firstChars(text: string, count: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= count ? flat : `${flat.slice(0, count)}…`;
}
