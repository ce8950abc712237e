import nodeModule from 'node:module';
import process from 'node:process';
import packageJson from '../package.json' with { type: 'json' };
import { closeAll } from './closers.js';
import type { CommandEntry, RunCliOptions } from './command.js';
import { type CliIo, ExitCode, UsageError, writeLine } from './io.js';

/**
 * The commands, in `baton --help` order. Each command's module is evaluated when it runs; the
 * bundle is one file, so the third-party packages it imports load at start-up.
 */
export const commands: readonly CommandEntry[] = [
  {
    name: 'orchestrate',
    summary: 'Run a workflow: release-prep (release readiness for CI), test-coverage',
    load: async () => (await import('./commands/orchestrate.js')).orchestrateCommand,
  },
  {
    name: 'plan',
    summary: 'Analyse a task and show the team, strategy, cost and duration, without running it',
    load: async () => (await import('./commands/plan.js')).planCommand,
  },
  {
    name: 'run',
    summary: 'Compose a team for a task and run it (model provider or coding-agent CLIs)',
    load: async () => (await import('./commands/run.js')).runCommand,
  },
  {
    name: 'runs',
    summary: 'List, show, follow, resume, cancel or rate runs in .baton/runs',
    load: async () => (await import('./commands/runs.js')).runsCommand,
  },
  {
    name: 'decisions',
    summary: 'List the decisions runs wait for, and approve or reject them',
    load: async () => (await import('./commands/decisions.js')).decisionsCommand,
  },
  {
    name: 'serve',
    summary: 'Serve the orchestrator API over HTTP (token-protected, 127.0.0.1 by default)',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  {
    name: 'worker',
    summary: 'Run the agent calls that runs queue on BATON_REDIS_URL (scale-out), until Ctrl-C',
    load: async () => (await import('./commands/worker.js')).workerCommand,
  },
  {
    name: 'templates',
    summary: 'List the agent templates or show one',
    load: async () => (await import('./commands/templates.js')).templatesCommand,
  },
  {
    name: 'compositions',
    summary: 'List, show or delete the learned compositions in .baton/compositions',
    load: async () => (await import('./commands/compositions.js')).compositionsCommand,
  },
];

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
  const entry = commands.find((candidate) => candidate.name === name);
  if (entry === undefined) {
    writeLine(io.stderr, `baton: unknown command "${name}" (run \`baton --help\`)`);
    return ExitCode.USAGE;
  }
  try {
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      writeLine(io.stdout, command.usage);
      return ExitCode.OK;
    }
    return await command.run(rest, io, options);
  } catch (error) {
    return await reportError(error, io);
  } finally {
    await closeAll();
  }
}

async function reportError(error: unknown, io: CliIo): Promise<ExitCode> {
  if (error instanceof UsageError) {
    writeLine(io.stderr, `baton: ${error.message}`);
    return ExitCode.USAGE;
  }
  // Imported here, not at the top, so that `baton --help` does not load zod (a failed command
  // has loaded @baton/core already).
  const { BatonError, BatonErrorCode } = await import('@baton/core');
  const usageCodes: readonly string[] = [
    BatonErrorCode.VALIDATION,
    BatonErrorCode.CONFIGURATION,
    BatonErrorCode.NOT_FOUND,
  ];
  if (BatonError.isInstance(error) && usageCodes.includes(error.code)) {
    writeLine(io.stderr, `baton: ${usageMessage(error)}`);
    return ExitCode.USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  writeLine(io.stderr, `baton: ${message}`);
  if (io.env.BATON_DEBUG && error instanceof Error && error.stack)
    writeLine(io.stderr, error.stack);
  return ExitCode.NEGATIVE;
}

/**
 * The flags of the SDK options a command passes on: a ValidationError names the option
 * (`agentCli`), the user typed the flag (`--agent-cli`).
 */
const OPTION_FLAGS: Readonly<Record<string, string>> = {
  agentCli: '--agent-cli',
  worktree: '--worktree',
  validate: '--validate',
  decompose: '--decompose',
};

function usageMessage(error: Error): string {
  const issues = (error as { issues?: readonly { field: string; message: string }[] }).issues;
  if (error.name !== 'ValidationError' || issues === undefined) return error.message;
  return issues
    .map((issue) => `${OPTION_FLAGS[issue.field] ?? issue.field}: ${issue.message}`)
    .join('; ');
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith('/cli.js');
if (isMain) {
  // Compiled code is cached on disk (Node's compile cache, in the OS temp folder unless
  // NODE_COMPILE_CACHE says where): later starts skip compiling the commands they load.
  nodeModule.enableCompileCache?.();
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
    // Ctrl-C or SIGTERM: the first aborts the run, which ends its agents' process groups and is
    // saved as cancelled (resumable) before the process exits; a second one exits now.
    const stop = (name: 'SIGINT' | 'SIGTERM', code: number) => () => {
      if (interrupt.signal.aborted) process.exit(code);
      interrupt.abort(
        new Error(name === 'SIGINT' ? 'interrupted (Ctrl-C)' : 'terminated (SIGTERM)'),
      );
      process.stderr.write(
        `baton: ${name === 'SIGINT' ? 'interrupted' : 'terminated'}; saving the run (${name === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to quit at once)\n`,
      );
    };
    process.on('SIGINT', stop('SIGINT', 130));
    process.on('SIGTERM', stop('SIGTERM', 143));
    options.signal = interrupt.signal;
    options.stdin = process.stdin;
  }
  runCli(argv, io, options).then((code) => {
    process.exitCode = code;
    // Timers of aborted work (e.g. a model call's retry wait) must not hold the exit.
    if (interrupt.signal.aborted) process.exit(code);
  });
}
