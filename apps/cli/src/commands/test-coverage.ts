import { BatonEmitter } from '@baton/core';
import { describeTestWriter, type TestCoverageReport } from '@baton/sdk';
import { exitCodeFor, formatTestCoverageBoost } from '@baton/workflows';
import { numberFlag, parseFlags } from '../args.js';
import type { RunCliOptions } from '../command.js';
import { type CliIo, ExitCode, UsageError, writeJson, writeLine } from '../io.js';
import { resolveProjectDir } from '../project.js';
import { openBaton } from '../run/session.js';

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
  '  --resume RUN            continue this stopped run (baton runs list); its finished agents do not run again',
  '',
  'Without --agent-cli or a configured chain, the test writer is the model provider',
  '(ANTHROPIC_API_KEY, OPENAI_API_KEY, or BATON_PROVIDER, BATON_BASE_URL and BATON_MODEL, or',
  '"model" in baton.config.json). Without one, the coverage is measured and nothing is written.',
].join('\n');

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
    resume: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const target = numberFlag('target', values.target, { min: 0, max: 100 });
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
  const { baton, logger } = openBaton(io, options, project, { verbose: values.verbose === true });
  const events = new BatonEmitter();
  events.on('step-start', ({ agentId }) => logger.info(progressLine(agentId ?? '')));
  const report = await baton.testCoverage({
    target,
    currentCoverage: hint,
    testTimeoutSeconds,
    noWriter: values['no-model'] === true,
    agentCli: values['agent-cli'],
    resume: values.resume,
    events,
  });
  if (values.json === true) writeJson(io, report);
  else writeLine(io.stdout, formatReport(report));
  return exitCodeFor(report) === 0 ? ExitCode.OK : ExitCode.NEGATIVE;
}

function formatReport(report: TestCoverageReport): string {
  const lines = formatTestCoverageBoost(report).split('\n');
  const rule = lines.pop() ?? '';
  const writer = report.testWriter;
  lines.push(`Test writer: ${describeTestWriter(writer)}`);
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

function progressLine(agentId: string): string {
  switch (agentId) {
    case 'analyze_gaps':
      return 'measuring coverage: running the project test script';
    case 'generate_tests':
      return 'asking the test writer for tests';
    case 'validate_tests':
      return 'validating the proposed tests: one test run each';
    default:
      return agentId;
  }
}
