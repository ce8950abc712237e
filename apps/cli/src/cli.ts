import process from 'node:process';
import { BatonError, BatonErrorCode } from '@baton/core';
import packageJson from '../package.json' with { type: 'json' };
import type { Command, RunCliOptions } from './command.js';
import { compositionsCommand } from './commands/compositions.js';
import { decisionsCommand } from './commands/decisions.js';
import { orchestrateCommand } from './commands/orchestrate.js';
import { planCommand } from './commands/plan.js';
import { runCommand } from './commands/run.js';
import { runsCommand } from './commands/runs.js';
import { templatesCommand } from './commands/templates.js';
import { type CliIo, ExitCode, UsageError, writeLine } from './io.js';

const commands: Command[] = [
  orchestrateCommand,
  planCommand,
  runCommand,
  runsCommand,
  decisionsCommand,
  templatesCommand,
  compositionsCommand,
];

const USAGE_CODES = new Set<string>([
  BatonErrorCode.VALIDATION,
  BatonErrorCode.CONFIGURATION,
  BatonErrorCode.NOT_FOUND,
]);

function help(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'baton: compose, run and check teams of AI agents',
    '',
    'Usage: baton <command> [options]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Run `baton <command> --help` for a command’s options.',
    'Exit codes: 0 success/approved, 1 negative verdict or failed run, 2 bad usage or missing setup.',
  ].join('\n');
}

/**
 * Runs the CLI with the given arguments (without `node` and the script) and returns the exit
 * code. Never throws: errors become one line on stderr.
 */
export async function runCli(
  argv: string[],
  io: CliIo,
  options: RunCliOptions = {},
): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeLine(io.stdout, help());
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  if (name === '--version' || name === '-v') {
    writeLine(io.stdout, packageJson.version);
    return ExitCode.OK;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (command === undefined) {
    writeLine(io.stderr, `baton: unknown command "${name}" (run \`baton --help\`)`);
    return ExitCode.USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    writeLine(io.stdout, command.usage);
    return ExitCode.OK;
  }
  try {
    return await command.run(rest, io, options);
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIo): ExitCode {
  if (error instanceof UsageError) {
    writeLine(io.stderr, `baton: ${error.message}`);
    return ExitCode.USAGE;
  }
  if (BatonError.isInstance(error) && USAGE_CODES.has(error.code)) {
    writeLine(io.stderr, `baton: ${error.message}`);
    return ExitCode.USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  writeLine(io.stderr, `baton: ${message}`);
  if (io.env.BATON_DEBUG && error instanceof Error && error.stack)
    writeLine(io.stderr, error.stack);
  return ExitCode.NEGATIVE;
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith('/cli.js');
if (isMain) {
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
  };
  // The AI SDK prints call warnings to the console unless told not to; ours go to the logger.
  (globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
  const argv = process.argv.slice(2);
  const options: RunCliOptions = {};
  const interrupt = new AbortController();
  if (argv[0] === 'run' || argv[0] === 'runs') {
    // Ctrl-C: the first aborts the run (saved as cancelled, resumable); a second one exits now.
    process.on('SIGINT', () => {
      if (interrupt.signal.aborted) process.exit(130);
      interrupt.abort(new Error('interrupted (Ctrl-C)'));
      process.stderr.write('baton: interrupted; saving the run (Ctrl-C again to quit at once)\n');
    });
    options.signal = interrupt.signal;
    options.stdin = process.stdin;
  }
  runCli(argv, io, options).then((code) => {
    process.exitCode = code;
    // Timers of aborted work (e.g. a model call's retry wait) must not hold the exit.
    if (interrupt.signal.aborted) process.exit(code);
  });
}
