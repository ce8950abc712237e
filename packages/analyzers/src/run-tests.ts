import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Logger, noopLogger } from '@baton/core';
import { z } from 'zod';
import { runProcess, tail } from './process.js';
import { redactSecrets } from './secrets.js';
import { detectPackageManager, type PackageManager, readJsonFile } from './workspace.js';

/** What running the project's tests with coverage did. */
export const testRunSchema = z.object({
  /** The command line that ran (or would have run). */
  command: z.string(),
  /** Exit code; null when killed, not started or skipped. */
  exitCode: z.number().nullable(),
  /** The time limit killed the run. */
  timedOut: z.boolean(),
  /** The tests ran and exited with 0. */
  passed: z.boolean(),
  /** Seconds the run took. */
  durationSeconds: z.number(),
  /** Why the run did not happen or could not start. */
  error: z.string().optional(),
  /** The last lines of its output. */
  outputTail: z.string(),
});
/** What running the project's tests with coverage did. */
export type TestRun = z.infer<typeof testRunSchema>;

/** Options for {@link runTestsWithCoverage}. */
export interface RunTestsOptions {
  /** Project root. */
  root: string;
  /** Time limit in seconds (default 600); the process group is killed when it passes. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

const VITEST_ARGS = [
  '--coverage.enabled=true',
  '--coverage.reporter=json-summary',
  '--coverage.reporter=json',
  '--coverage.reporter=lcov',
];
const JEST_ARGS = [
  '--coverage',
  '--coverageReporters=json-summary',
  '--coverageReporters=json',
  '--coverageReporters=lcov',
];

/** The command {@link runTestsWithCoverage} runs, and an optional second one after it. */
export interface TestCommandPlan {
  /** Executable, e.g. `pnpm`. */
  file: string;
  args: string[];
  /** Run after the first command (coverage.py's `coverage json`). */
  afterwards?: { file: string; args: string[] };
  /** Project-relative directories to create first (where the command writes its report). */
  reportDirectories?: string[];
}

/** Node's own coverage, written as lcov where `analyzeCoverage` looks for it. */
const NODE_TEST_COVERAGE_ARGS = [
  '--experimental-test-coverage',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=lcov',
  '--test-reporter-destination=coverage/lcov.info',
];

/**
 * A `test` script that is one `node --test` command, run directly with node's coverage flags
 * before its file arguments: node reads options after the first file as more files, so they
 * cannot be appended with `npm run test -- ...`. Undefined for anything else (shell operators,
 * quotes with escapes, variables).
 */
function nodeTestPlan(script: string): TestCommandPlan | undefined {
  if (/[&|;<>`$\\(){}]/.test(script)) return undefined;
  const words = script.trim().match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  const unquoted = words.map((word) => word.replace(/^(["'])(.*)\1$/, '$2'));
  const testFlag = unquoted.indexOf('--test');
  if (unquoted[0] !== 'node' || testFlag < 1) return undefined;
  // node pairs --test-reporter and --test-reporter-destination by order; with any destination
  // given, their numbers must match. The script's own reporters keep their output (stdout).
  if (unquoted.includes('--test-reporter') || unquoted.includes('--test-reporter-destination')) {
    return undefined;
  }
  const count = (words: string[], flag: string) =>
    words.filter((word) => word.startsWith(`${flag}=`)).length;
  const before = unquoted.slice(0, testFlag + 1);
  const after = unquoted.slice(testFlag + 1);
  const reporters = [count(before, '--test-reporter'), count(after, '--test-reporter')];
  const destinations = [
    count(before, '--test-reporter-destination'),
    count(after, '--test-reporter-destination'),
  ];
  let coverageArgs = NODE_TEST_COVERAGE_ARGS;
  if (reporters[0]! + reporters[1]! > 0) {
    const lcov = '--test-reporter-destination=coverage/lcov.info';
    const stdout = (times: number) =>
      Array.from({ length: times }, () => '--test-reporter-destination=stdout');
    let ours: string[];
    if (destinations[0]! + destinations[1]! === 0) {
      ours = [...stdout(reporters[0]!), lcov, ...stdout(reporters[1]!)];
    } else if (destinations[0] === reporters[0] && destinations[1] === reporters[1]) {
      ours = [lcov];
    } else {
      return undefined;
    }
    coverageArgs = ['--experimental-test-coverage', '--test-reporter=lcov', ...ours];
  }
  return {
    file: 'node',
    args: [...unquoted.slice(1, testFlag + 1), ...coverageArgs, ...unquoted.slice(testFlag + 1)],
    reportDirectories: ['coverage'],
  };
}

function runScript(manager: PackageManager, extra: string[]): TestCommandPlan {
  // npm needs `--` to forward flags to the script; pnpm, yarn and bun forward them as they are.
  if (manager === 'npm') {
    return { file: 'npm', args: ['run', 'test', ...(extra.length > 0 ? ['--', ...extra] : [])] };
  }
  return { file: manager, args: ['run', 'test', ...extra] };
}

/**
 * Decides how to run a project's tests with coverage:
 * - a `test` script that runs vitest gets `--coverage.enabled=true` and the json-summary, json and
 *   lcov reporters; one that runs jest gets `--coverage` and the same reporters;
 * - a script that already collects coverage (c8, nyc, `coverage`) runs as it is;
 * - a `turbo` script gets `-- --coverage`, which turbo forwards to every package's test task;
 * - a script that is one `node --test` command runs directly with node's coverage flags, writing
 *   `coverage/lcov.info`;
 * - any other script gets `--coverage`;
 * - a Python project without a test script runs `python3 -m coverage run -m pytest` then
 *   `python3 -m coverage json`.
 * Undefined when the project has no test command.
 */
export async function planTestCommand(root: string): Promise<TestCommandPlan | undefined> {
  const manifest = await readJsonFile(path.join(root, 'package.json'));
  const scripts =
    typeof manifest === 'object' && manifest !== null && 'scripts' in manifest
      ? (manifest as { scripts?: Record<string, unknown> }).scripts
      : undefined;
  const script = typeof scripts?.test === 'string' ? scripts.test : undefined;
  if (script !== undefined && !/no test specified/.test(script)) {
    const manager = await detectPackageManager(root);
    if (/\b(c8|nyc)\b|coverage/.test(script)) return runScript(manager, []);
    if (/\bvitest\b/.test(script)) return runScript(manager, VITEST_ARGS);
    if (/\bjest\b/.test(script)) return runScript(manager, JEST_ARGS);
    // turbo forwards what follows its own `--` to each package's test task.
    if (/\bturbo\b/.test(script)) return runScript(manager, ['--', '--coverage']);
    const nodeTest = nodeTestPlan(script);
    if (nodeTest !== undefined) return nodeTest;
    return runScript(manager, ['--coverage']);
  }
  const pythonMarkers = ['pyproject.toml', 'setup.py', 'setup.cfg', 'pytest.ini', 'tox.ini'];
  for (const marker of pythonMarkers) {
    if (await isFile(root, marker)) {
      return {
        file: 'python3',
        args: ['-m', 'coverage', 'run', '-m', 'pytest'],
        afterwards: { file: 'python3', args: ['-m', 'coverage', 'json', '-o', 'coverage.json'] },
      };
    }
  }
  return undefined;
}

async function isFile(root: string, name: string): Promise<boolean> {
  return (await stat(path.join(root, name)).catch(() => undefined))?.isFile() === true;
}

/**
 * Runs the project's own test command with coverage enabled (see {@link planTestCommand}) inside
 * a time limit, in its own process group that is killed on timeout or abort. Never throws for
 * failing tests: the result says what happened. Reports are then read by `analyzeCoverage`.
 */
export async function runTestsWithCoverage(options: RunTestsOptions): Promise<TestRun> {
  const { root, timeoutSeconds = 600, signal, logger = noopLogger } = options;
  const plan = await planTestCommand(root);
  if (plan === undefined) {
    return {
      command: '',
      exitCode: null,
      timedOut: false,
      passed: false,
      durationSeconds: 0,
      error: 'no test command: package.json has no "test" script and no Python project was found',
      outputTail: '',
    };
  }
  const env = { CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' };
  for (const directory of plan.reportDirectories ?? []) {
    await mkdir(path.join(root, directory), { recursive: true });
  }
  logger.info('running tests with coverage', { command: [plan.file, ...plan.args].join(' ') });
  const first = await runProcess(plan.file, plan.args, { cwd: root, timeoutSeconds, env, signal });
  let last = first;
  let duration = first.durationSeconds;
  if (plan.afterwards !== undefined && !first.timedOut && first.spawnError === undefined) {
    const remaining = Math.max(1, timeoutSeconds - first.durationSeconds);
    last = await runProcess(plan.afterwards.file, plan.afterwards.args, {
      cwd: root,
      timeoutSeconds: remaining,
      env,
      signal,
    });
    duration += last.durationSeconds;
  }
  const command = [first.command, ...(plan.afterwards === undefined ? [] : [last.command])].join(
    ' && ',
  );
  const timedOut = first.timedOut || last.timedOut;
  const error = first.spawnError ?? last.spawnError;
  return {
    command,
    exitCode: first.exitCode,
    timedOut,
    passed: first.exitCode === 0 && !timedOut,
    durationSeconds: duration,
    ...(timedOut
      ? { error: `tests did not finish within ${timeoutSeconds}s; the process group was killed` }
      : error !== undefined
        ? { error }
        : {}),
    // Test output may print credentials (environment dumps, fixtures): redacted like evidence.
    outputTail: redactSecrets(tail(`${first.stdout}\n${first.stderr}`, 30)),
  };
}
