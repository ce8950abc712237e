import { describe, expect, it } from 'vitest';
import { analyzeCoverage, COVERAGE_AFTER_RUN_HINT } from './coverage.js';
import { planTestCommand, runTestsWithCoverage } from './run-tests.js';
import { tempProject } from './test-helpers.js';

const NODE_TEST_WITH_LCOV =
  'node --test --experimental-test-coverage --test-reporter=lcov --test-reporter-destination=lcov.info';

describe('runTests', () => {
  it("runs the project's own test script and measures the report it writes", async () => {
    const project = await tempProject();
    try {
      await project.write(
        'package.json',
        JSON.stringify({
          name: 'node-test',
          type: 'module',
          scripts: { test: NODE_TEST_WITH_LCOV },
        }),
      );
      await project.write('package-lock.json', '{}');
      await project.write(
        'lib.js',
        'export function used() {\n  return 1;\n}\n\nexport function unused() {\n  return 2;\n}\n',
      );
      await project.write(
        'lib.test.js',
        "import test from 'node:test';\nimport { used } from './lib.js';\ntest('used', () => { if (used() !== 1) throw new Error('x'); });\n",
      );
      const result = await analyzeCoverage({
        root: project.root,
        runTests: true,
        testTimeoutSeconds: 60,
      });
      expect(result.testRun).toMatchObject({ command: 'npm run test', exitCode: 0, passed: true });
      if (result.status !== 'measured') throw new Error(result.summary);
      const lib = result.files.find((file) => file.path === 'lib.js')!;
      expect(lib.linesCovered).toBeLessThan(lib.linesTotal);
      // node's coverage counts the declaration line of unused() as run; its body is not.
      expect(lib.uncoveredLines).toBe('6-7');
    } finally {
      await project.cleanup();
    }
  });

  it("measures a plain `node --test` script with node's own coverage written as lcov", async () => {
    const project = await tempProject();
    try {
      await project.write(
        'package.json',
        JSON.stringify({
          name: 'plain',
          type: 'module',
          scripts: { test: "node --test 'test/*.test.js'" },
        }),
      );
      await project.write(
        'lib.js',
        'export function used() {\n  return 1;\n}\n\nexport function unused() {\n  return 2;\n}\n',
      );
      await project.write(
        'test/lib.test.js',
        "import test from 'node:test';\nimport { used } from '../lib.js';\ntest('used', () => { if (used() !== 1) throw new Error('x'); });\n",
      );
      const result = await analyzeCoverage({
        root: project.root,
        runTests: true,
        testTimeoutSeconds: 60,
      });
      expect(result.testRun).toMatchObject({ exitCode: 0, passed: true });
      expect(result.testRun?.command).toMatch(
        /^node --test --experimental-test-coverage .*--test-reporter-destination=coverage\/lcov\.info test\/\*\.test\.js$/,
      );
      if (result.status !== 'measured') throw new Error(result.summary);
      expect(result.files.find((file) => file.path === 'lib.js')?.uncoveredLines).toBe('6-7');
    } finally {
      await project.cleanup();
    }
  });

  it('names the failure, not the package manager warning printed after it', async () => {
    const project = await tempProject();
    try {
      await project.write(
        'package.json',
        JSON.stringify({
          scripts: {
            test: "node -e \"console.error('Error: Cannot find module x'); console.error('npm warn Unknown user config'); process.exit(3)\" --",
          },
        }),
      );
      const result = await analyzeCoverage({
        root: project.root,
        runTests: true,
        testTimeoutSeconds: 60,
      });
      if (result.status !== 'unknown') throw new Error('expected unknown');
      expect(result.reason).toBe(
        'no coverage report found; the test run failed (exit code 3): Error: Cannot find module x',
      );
      expect(result.hint).toBe(COVERAGE_AFTER_RUN_HINT);
      expect(result.summary).not.toContain('--run-tests');
    } finally {
      await project.cleanup();
    }
  });

  it('redacts credentials the test output prints', async () => {
    const project = await tempProject();
    try {
      const key = 'AKIAIOSFODNN7EXAMPLE';
      await project.write(
        'package.json',
        JSON.stringify({
          scripts: { test: `node -e "console.log('AWS_ACCESS_KEY_ID=${key}')" --` },
        }),
      );
      const run = await runTestsWithCoverage({ root: project.root, timeoutSeconds: 60 });
      expect(run.outputTail).toContain('AWS_ACCESS_KEY_ID=AKIA****************');
      expect(run.outputTail).not.toContain(key);
    } finally {
      await project.cleanup();
    }
  });

  it('kills a test run that passes its time limit and reports coverage as unknown', async () => {
    const project = await tempProject();
    try {
      await project.write(
        'package.json',
        JSON.stringify({ scripts: { test: 'node -e "setTimeout(() => {}, 60000)" --' } }),
      );
      const started = Date.now();
      const result = await analyzeCoverage({
        root: project.root,
        runTests: true,
        testTimeoutSeconds: 0.5,
      });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(result.status).toBe('unknown');
      expect(result.testRun).toMatchObject({ timedOut: true, passed: false, exitCode: null });
      expect(result.warnings[0]).toMatch(/did not finish within 0.5s/);
      if (result.status === 'unknown') {
        expect(result.reason).toMatch(
          /^no coverage report found; the test run timed out: tests did not finish within 0.5s/,
        );
      }
    } finally {
      await project.cleanup();
    }
  });

  it('says so when the project has no test command', async () => {
    const project = await tempProject();
    try {
      await project.write(
        'package.json',
        '{"scripts":{"test":"echo \\"Error: no test specified\\" && exit 1"}}',
      );
      const run = await runTestsWithCoverage({ root: project.root });
      expect(run.passed).toBe(false);
      expect(run.error).toMatch(/no test command/);
    } finally {
      await project.cleanup();
    }
  });

  it('adds coverage flags that match the test runner and package manager', async () => {
    const project = await tempProject();
    try {
      await project.write('package.json', '{"scripts":{"test":"vitest run"}}');
      await project.write('pnpm-lock.yaml', '');
      expect(await planTestCommand(project.root)).toEqual({
        file: 'pnpm',
        args: [
          'run',
          'test',
          '--coverage.enabled=true',
          '--coverage.reporter=json-summary',
          '--coverage.reporter=json',
          '--coverage.reporter=lcov',
        ],
      });
      await project.write(
        'package.json',
        '{"scripts":{"test":"jest"},"packageManager":"npm@10.0.0"}',
      );
      expect((await planTestCommand(project.root))?.args.slice(0, 4)).toEqual([
        'run',
        'test',
        '--',
        '--coverage',
      ]);
      await project.write('package.json', '{"scripts":{"test":"turbo run test"}}');
      // pnpm (pnpm-lock.yaml) passes `--` through to turbo
      expect(await planTestCommand(project.root)).toEqual({
        file: 'pnpm',
        args: ['run', 'test', '--', '--coverage'],
      });
      await project.write('package.json', '{"scripts":{"test":"node --test \'test/*.test.js\'"}}');
      expect(await planTestCommand(project.root)).toEqual({
        file: 'node',
        args: [
          '--test',
          '--experimental-test-coverage',
          '--test-reporter=spec',
          '--test-reporter-destination=stdout',
          '--test-reporter=lcov',
          '--test-reporter-destination=coverage/lcov.info',
          'test/*.test.js',
        ],
        reportDirectories: ['coverage'],
      });
      // the script's own reporter keeps stdout; lcov is added with its own destination
      await project.write(
        'package.json',
        '{"scripts":{"test":"node --test --test-reporter=dot test/a.test.js"}}',
      );
      expect((await planTestCommand(project.root))?.args).toEqual([
        '--test',
        '--experimental-test-coverage',
        '--test-reporter=lcov',
        '--test-reporter-destination=coverage/lcov.info',
        '--test-reporter-destination=stdout',
        '--test-reporter=dot',
        'test/a.test.js',
      ]);
      // more than one command: the script runs as it is, with --coverage
      await project.write('package.json', '{"scripts":{"test":"tsc && node --test"}}');
      expect((await planTestCommand(project.root))?.file).toBe('pnpm');
      await project.write('package.json', '{}');
      await project.write('pyproject.toml', '[project]\nname = "x"\n');
      expect(await planTestCommand(project.root)).toMatchObject({
        file: 'python3',
        args: ['-m', 'coverage', 'run', '-m', 'pytest'],
      });
    } finally {
      await project.cleanup();
    }
  });
});
