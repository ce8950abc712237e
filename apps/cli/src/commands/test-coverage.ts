import {
  type AgentExecutionOutput,
  type AgentExecutor,
  BatonEmitter,
  BatonError,
  BatonErrorCode,
  type Logger,
  mergeAbortSignals,
  type Usage,
} from '@baton/core';
import {
  AGENT_CLI_SPECS,
  type AnswerFormat,
  createCliExecutor,
  createModelExecutor,
  findExecutable,
  parseAgentCliChain,
  resolveCliConfig,
  resolveModelConfig,
} from '@baton/executors';
import {
  exitCodeFor,
  formatTestCoverageBoost,
  type TestCoverageBoostResult,
  TestCoverageBoostWorkflow,
  testWriterAnswerSchema,
} from '@baton/workflows';
import { numberFlag, parseFlags } from '../args.js';
import type { RunCliOptions } from '../command.js';
import {
  type CliIo,
  createStderrLogger,
  ExitCode,
  UsageError,
  writeJson,
  writeLine,
} from '../io.js';
import { resolveProjectDir } from '../project.js';

/** The options of `baton orchestrate test-coverage`, for the orchestrate usage text. */
export const testCoverageUsage = [
  'baton orchestrate test-coverage [options]',
  '',
  'Raises line coverage with tests that really run: measures coverage with the project test',
  'script, has a test writer (the configured model, or --agent-cli) write new test files for the',
  'least-covered code, keeps only the files with which the whole suite passes (the others are',
  'removed), and re-measures. Exit 0 only when the target is reached.',
  '',
  'Options:',
  '  --target N              target line coverage % from 0 to 100 (default 80)',
  '  --project-root DIR      project to work on (default: .; --path is the same)',
  '  --current-coverage N    the coverage you expect; the measured baseline always wins',
  '  --test-timeout S        time limit of one test run in seconds (default 600)',
  '  --agent-cli a,b         write the tests with coding-agent CLIs (claude, codex, gemini, cursor),',
  '                          falling back along the list; default: the chain in BATON_AGENT_CLI',
  '                          or baton.config.json "agentCli", else the model provider',
  '  --no-model              write no tests: measure the coverage and the gaps only',
  '  --json                  one JSON document on stdout',
  '  --verbose               progress on stderr even when it is not a terminal',
  '',
  'Without --agent-cli or a configured chain, the test writer is the model provider',
  '(ANTHROPIC_API_KEY, OPENAI_API_KEY, or BATON_PROVIDER, BATON_BASE_URL and BATON_MODEL, or',
  '"model" in baton.config.json). Without one, the coverage is measured and nothing is written.',
].join('\n');

/** How the test writer answers: the workflow's `{ files: [{ path, content }] }`. */
const TEST_FILES_ANSWER: AnswerFormat = {
  schema: testWriterAnswerSchema,
  description:
    '{ "files": [{ "path": string (project-relative path of a NEW test file), "content": string (the whole file) }] }',
};

/** Who writes the tests; with none, why and what to set. */
type WriterInfo =
  | { kind: 'model'; provider: string; model: string }
  | { kind: 'agent-cli'; chain: string[] }
  | { kind: 'none'; reason: string };

/** What the test writer did, measured by wrapping it. */
interface WriterCalls {
  calls: number;
  /** The model that answered, when the writer reported it. */
  model?: string | undefined;
  usage: Usage[];
  /** Whether a call returned without usage (then totals are unknown). */
  unreported: boolean;
  notes: string[];
}

/** The JSON document of `baton orchestrate test-coverage --json`. */
export interface TestCoverageReport extends TestCoverageBoostResult {
  /** `--current-coverage`, as given; never used as a figure. */
  currentCoverageHint: number | null;
  testWriter: WriterInfo;
  /** Tokens and cost of the test writer's calls; null when it was not called or reported none. */
  writerUsage: Usage | null;
  notes: string[];
}

/** Runs `baton orchestrate test-coverage` with its arguments (after the workflow name). */
export async function runTestCoverage(
  argv: string[],
  io: CliIo,
  options: RunCliOptions = {},
): Promise<ExitCode> {
  const { values, positionals } = parseFlags(argv, {
    target: { type: 'string' },
    'project-root': { type: 'string' },
    path: { type: 'string' },
    'current-coverage': { type: 'string' },
    'test-timeout': { type: 'string' },
    'agent-cli': { type: 'string' },
    'no-model': { type: 'boolean' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const target = numberFlag('target', values.target, { min: 0, max: 100 }) ?? 80;
  const hint = numberFlag('current-coverage', values['current-coverage'], { min: 0, max: 100 });
  const testTimeoutSeconds = numberFlag('test-timeout', values['test-timeout'], { min: 1 });
  if (
    values['project-root'] !== undefined &&
    values.path !== undefined &&
    values['project-root'] !== values.path
  ) {
    throw new UsageError('--project-root and --path name different projects; give one');
  }
  if (values['no-model'] === true && values['agent-cli'] !== undefined) {
    throw new UsageError('--no-model conflicts with --agent-cli');
  }
  const projectFlag = values['project-root'] !== undefined ? 'project-root' : 'path';
  const project = resolveProjectDir(io.cwd, values['project-root'] ?? values.path, projectFlag);
  const logger = createStderrLogger(io, values.verbose === true);

  const writer = await testWriterFor({
    io,
    project,
    logger,
    noModel: values['no-model'] === true,
    agentCli: values['agent-cli'],
  });
  const calls: WriterCalls = { calls: 0, usage: [], unreported: false, notes: [] };
  const events = new BatonEmitter();
  events.on('agent-start', ({ agentId }) => logger.info(progressLine(agentId, writer.info)));

  const workflow = new TestCoverageBoostWorkflow({
    targetCoverage: target,
    projectRoot: project,
    testWriter: writer.executor === undefined ? undefined : tracked(writer.executor, calls),
    ...(testTimeoutSeconds === undefined ? {} : { testTimeoutSeconds }),
    events,
    logger,
  });

  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort(new BatonError(BatonErrorCode.ABORTED, 'interrupted'));
  process.once('SIGINT', onSigint);
  const signal = mergeAbortSignals(options.signal, interrupt.signal) ?? interrupt.signal;
  let result: TestCoverageBoostResult;
  try {
    result = await workflow.execute(hint === undefined ? {} : { currentCoverage: hint }, {
      signal,
    });
  } finally {
    process.off('SIGINT', onSigint);
  }

  const report = buildReport(result, { hint, writer: writer.info, calls });
  if (values.json === true) writeJson(io, report);
  else writeLine(io.stdout, formatReport(report));
  return exitCodeFor(result) === 0 ? ExitCode.OK : ExitCode.NEGATIVE;
}

/** The test writer the flags and the environment ask for, or none with the reason. */
async function testWriterFor(options: {
  io: CliIo;
  project: string;
  logger: Logger;
  noModel: boolean;
  agentCli: string | undefined;
}): Promise<{ executor?: AgentExecutor | undefined; info: WriterInfo }> {
  const { io, project, logger } = options;
  if (options.noModel) {
    return {
      info: { kind: 'none', reason: '--no-model given: coverage measured, no tests written' },
    };
  }
  // --agent-cli wins; else a chain configured in BATON_AGENT_CLI or baton.config.json
  // ("agentCli.chain"); else the model provider (as for `baton run`).
  const configured = resolveCliConfig({ env: io.env, projectRoot: project });
  const chainFlag = options.agentCli ?? configured.chain?.join(',');
  if (chainFlag !== undefined) {
    const source =
      options.agentCli !== undefined ? '--agent-cli' : 'BATON_AGENT_CLI / agentCli.chain';
    const chain = parseAgentCliChain(chainFlag, source);
    const found = await Promise.all(
      chain.map((name) => findExecutable(AGENT_CLI_SPECS[name].binary, io.env)),
    );
    if (found.every((location) => location === undefined)) {
      const binaries = chain.map((name) => AGENT_CLI_SPECS[name].binary);
      throw new UsageError(
        `${source} ${chain.join(',')}: ${binaries.join(', ')} not found on PATH; install one or add its folder to PATH`,
      );
    }
    const executor = createCliExecutor({
      chain,
      projectRoot: project,
      env: io.env,
      logger,
      answerFormat: TEST_FILES_ANSWER,
      ...(configured.models === undefined ? {} : { models: configured.models }),
      ...(configured.extraArgs === undefined ? {} : { extraArgs: configured.extraArgs }),
      ...(configured.timeoutSeconds === undefined
        ? {}
        : { timeoutSeconds: configured.timeoutSeconds }),
    });
    return { executor: cliAnswer(executor), info: { kind: 'agent-cli', chain } };
  }
  try {
    const config = resolveModelConfig({ env: io.env, projectRoot: project });
    const executor = createModelExecutor({
      ...config,
      projectRoot: project,
      logger,
      answerFormat: TEST_FILES_ANSWER,
    });
    return {
      executor,
      info: { kind: 'model', provider: config.provider, model: config.models.CAPABLE },
    };
  } catch (error) {
    if (BatonError.isInstance(error) && error.code === BatonErrorCode.CONFIGURATION) {
      return {
        info: {
          kind: 'none',
          reason: `${error.message}; or pass --agent-cli claude (or set BATON_AGENT_CLI)`,
        },
      };
    }
    throw error;
  }
}

/**
 * A CLI agent's parsed answer is `output.answer`; the workflow reads the files from `output`.
 * A final message without the files is a failed result saying so.
 */
function cliAnswer(executor: AgentExecutor): AgentExecutor {
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
function tracked(executor: AgentExecutor, calls: WriterCalls): AgentExecutor {
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

function formatReport(report: TestCoverageReport): string {
  const lines = formatTestCoverageBoost(report).split('\n');
  const rule = lines.pop() ?? '';
  const writer = report.testWriter;
  lines.push(
    `Test writer: ${
      writer.kind === 'model'
        ? `model ${writer.model} (${writer.provider})`
        : writer.kind === 'agent-cli'
          ? `agent CLI ${writer.chain.join(', ')}`
          : `none — ${writer.reason}`
    }`,
  );
  const usage = report.writerUsage;
  if (usage !== null) {
    lines.push(
      `Tokens: ${usage.inputTokens} in, ${usage.outputTokens} out; cost ${usage.costUsd === undefined ? 'unknown' : `$${usage.costUsd.toFixed(4)}`}`,
    );
  }
  for (const note of report.notes) lines.push(`ℹ️  ${note}`);
  lines.push(rule);
  return lines.join('\n');
}

function progressLine(agentId: string, writer: WriterInfo): string {
  switch (agentId) {
    case 'analyze_gaps':
      return 'measuring coverage: running the project test script';
    case 'generate_tests':
      return writer.kind === 'none'
        ? 'no test writer: skipping test generation'
        : `asking the test writer (${writer.kind === 'model' ? writer.model : writer.chain.join(',')}) for tests`;
    case 'validate_tests':
      return 'validating the proposed tests: one test run each';
    default:
      return agentId;
  }
}

function firstChars(text: string, count: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= count ? flat : `${flat.slice(0, count)}…`;
}
