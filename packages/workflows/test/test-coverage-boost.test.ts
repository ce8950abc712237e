import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationStore } from '@baton/config-store';
import {
  AbortedError,
  type Agent,
  type AgentExecutor,
  BatonEmitter,
  ValidationError,
} from '@baton/core';
import { Runtime } from '@baton/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import {
  exitCodeFor,
  formatTestCoverageBoost,
  TEST_WRITER_TASK,
  TestCoverageBoostWorkflow,
} from '../src/index.js';
import { copyFixture, removeTemporaryDirectories, temporaryDirectory } from './helpers.js';

afterAll(removeTemporaryDirectories);

const passingTest = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { divide, multiply, subtract } from '../src/math.js';

test('subtract, multiply, divide', () => {
  assert.equal(subtract(5, 3), 2);
  assert.equal(multiply(4, 3), 12);
  assert.equal(divide(6, 3), 2);
  assert.throws(() => divide(1, 0), RangeError);
});
`;

const failingTest = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { multiply } from '../src/math.js';

test('multiply (wrong expectation)', () => {
  assert.equal(multiply(2, 2), 5);
});
`;

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

describe('TestCoverageBoostWorkflow', () => {
  it('keeps only the written tests that pass, re-measures and reports the measured improvement', async () => {
    const root = await copyFixture('boost');
    const storageDir = await temporaryDirectory();
    const calls: Array<Record<string, unknown>> = [];
    const testWriter: AgentExecutor<Agent> = async (_agent, context) => {
      calls.push(context);
      return {
        output: {
          files: [
            { path: 'test/wrong.test.js', content: failingTest },
            { path: 'src/not-a-test.js', content: 'export const x = 1;\n' },
            { path: 'test/math.test.js', content: passingTest },
            { path: '../outside.test.js', content: passingTest },
            { path: 'test/more.test.js', content: passingTest },
          ],
        },
      };
    };
    const result = await new TestCoverageBoostWorkflow({
      targetCoverage: 90,
      projectRoot: root,
      testWriter,
      testTimeoutSeconds: 60,
      store: new ConfigurationStore({ storageDir }),
    }).execute();

    expect(calls).toHaveLength(1);
    expect(calls[0]!.task).toBe(TEST_WRITER_TASK);
    expect(calls[0]!.currentCoverage).toBe(59.09);
    expect(calls[0]!.gaps).toEqual([
      expect.objectContaining({
        path: 'src/math.js',
        percent: 59.09,
        uncoveredLines: '8-9, 13-14, 18-22',
      }),
    ]);
    expect(result).toMatchObject({
      targetCoverage: 90,
      baselineCoverage: 59.09,
      finalCoverage: 100,
      coverageImprovement: 40.91,
      targetReached: true,
      testsGenerated: 5,
      testsKept: 1,
      keptFiles: ['test/more.test.js'],
      problems: [],
    });
    expect(result.rejected.map((item) => item.path)).toEqual([
      'test/wrong.test.js',
      'src/not-a-test.js',
      'test/math.test.js',
      '../outside.test.js',
    ]);
    expect(result.rejected[0]!.reason).toMatch(
      /^the test suite failed with it \(exit code 1\): ✖ multiply \(wrong expectation\) \([\d.]+ms\) AssertionError \[ERR_ASSERTION\]: Expected values to be strictly equal: 4 !== 5$/,
    );
    expect(result.rejected[1]!.reason).toMatch(/^not a test file path/);
    expect(result.rejected[2]!.reason).toBe(
      'the file exists already; existing files are never changed',
    );
    expect(result.rejected[3]!.reason).toBe('the path leaves the project');
    expect(await exists(path.join(root, 'test/wrong.test.js'))).toBe(false);
    expect(await exists(path.join(root, 'src/not-a-test.js'))).toBe(false);
    expect(await readFile(path.join(root, 'test/more.test.js'), 'utf8')).toBe(passingTest);
    expect(await readFile(path.join(root, 'test/math.test.js'), 'utf8')).not.toBe(passingTest);
    expect(exitCodeFor(result)).toBe(0);
    expect(result.agentResults.map((item) => [item.agentId, item.success])).toEqual([
      ['analyze_gaps', true],
      ['generate_tests', true],
      ['validate_tests', true],
    ]);
    expect(formatTestCoverageBoost(result)).toContain(
      'Coverage: 59.09% -> 100% (improvement: 40.91 points)',
    );
    const recorded = await new ConfigurationStore({ storageDir }).getBestForTask(
      'test_coverage_boost',
    );
    expect(recorded).toMatchObject({
      strategy: 'sequential',
      usageCount: 1,
      successCount: 1,
      avgQualityScore: 100,
    });
  }, 60_000);

  describe('a test writer that changes the project by itself', () => {
    const git = (root: string, ...args: string[]) =>
      execFileSync('git', args, { cwd: root, encoding: 'utf8' });
    /** A copy of the project as it was before the writer ran, to compare with. */
    let pristine = '';
    const original = (file: string) => readFile(path.join(pristine, file), 'utf8');

    /**
     * Edits an existing source file and an existing test, deletes the README, writes two test
     * files and a note straight into the tree, and answers with one more (failing) test file.
     */
    const meddlingWriter: AgentExecutor<Agent> = async (_agent, context) => {
      const root = context.projectRoot as string;
      await writeFile(path.join(root, 'src/math.js'), 'export const add = () => 0;\n');
      await writeFile(path.join(root, 'test/math.test.js'), '// emptied by the writer\n');
      await rm(path.join(root, 'README.md'));
      await writeFile(path.join(root, 'test/direct.test.js'), passingTest);
      await writeFile(path.join(root, 'test/direct-wrong.test.js'), failingTest);
      await mkdir(path.join(root, 'notes'), { recursive: true });
      await writeFile(path.join(root, 'notes/plan.md'), 'what I did\n');
      return {
        output: { files: [{ path: 'test/answer.test.js', content: failingTest }] },
      };
    };

    /** What undoing the meddling writer's changes does, whichever way they are found. */
    const undone = {
      restored: ['README.md', 'src/math.js', 'test/math.test.js'],
      removed: ['notes/plan.md'],
      directTests: ['test/direct-wrong.test.js', 'test/direct.test.js'],
    };

    async function meddledProject(options: { git: boolean }) {
      const root = await copyFixture('boost');
      pristine = `${root}-pristine`;
      await writeFile(path.join(root, 'README.md'), '# boost\n');
      await writeFile(path.join(root, '.gitignore'), 'coverage/\n');
      await cp(root, pristine, { recursive: true });
      if (options.git) {
        git(root, 'init', '-q', '-b', 'main');
        git(root, 'add', '.');
        git(
          root,
          '-c',
          'user.email=t@example.com',
          '-c',
          'user.name=t',
          'commit',
          '-q',
          '-m',
          'init',
        );
      }
      return root;
    }

    it('restores what it changed in a git project, validates its own test files and removes the rest', async () => {
      const root = await meddledProject({ git: true });
      // A change of the user's that was there before the writer ran stays as it was.
      await writeFile(path.join(root, 'package.json'), `${await original('package.json')}\n`);
      const result = await new TestCoverageBoostWorkflow({
        targetCoverage: 90,
        projectRoot: root,
        testWriter: meddlingWriter,
        testTimeoutSeconds: 60,
        savePatterns: false,
        runtime: false,
      }).execute();

      expect(result.writerChanges).toEqual({
        method: 'git',
        detail: expect.stringMatching(/^git status and git diff against HEAD [0-9a-f]{7}$/),
        ...undone,
      });
      expect(result).toMatchObject({
        baselineCoverage: 59.09,
        finalCoverage: 100,
        testsGenerated: 3,
        testsKept: 1,
        keptFiles: ['test/direct.test.js'],
        problems: [],
      });
      expect(result.rejected.map((item) => item.path)).toEqual([
        'test/answer.test.js',
        'test/direct-wrong.test.js',
      ]);
      expect(result.rejected[1]!.reason).toMatch(/^the test suite failed with it/);
      for (const file of ['src/math.js', 'test/math.test.js', 'README.md']) {
        expect(await readFile(path.join(root, file), 'utf8'), file).toBe(await original(file));
      }
      expect(await readFile(path.join(root, 'package.json'), 'utf8')).toBe(
        `${await original('package.json')}\n`,
      );
      expect(await exists(path.join(root, 'notes/plan.md'))).toBe(false);
      expect(await exists(path.join(root, 'test/direct-wrong.test.js'))).toBe(false);
      expect(await readFile(path.join(root, 'test/direct.test.js'), 'utf8')).toBe(passingTest);
      expect(
        git(root, 'status', '--porcelain', '--untracked-files=all').split('\n').sort(),
      ).toEqual(['', ' M package.json', '?? test/direct.test.js']);
      const printed = formatTestCoverageBoost(result);
      expect(printed).toContain(
        'Changes the test writer made by itself (found with git status and git diff against HEAD',
      );
      expect(printed).toContain(
        '↩️  restored src/math.js: an existing file the test writer changed',
      );
      expect(printed).toContain('🗑️  removed notes/plan.md: a new file outside the test locations');
      expect(printed).toContain(
        '✅ test/direct.test.js (written into the project by the test writer)',
      );
      expect(printed).toMatch(
        /❌ test\/direct-wrong\.test\.js \(written into the project by the test writer\): the test suite failed/,
      );
      expect(result.summary).toContain(
        'The test writer changed the project by itself: 3 existing files restored, 1 new file removed, 2 test files it wrote validated.',
      );
    }, 60_000);

    it('finds the same changes with file hashes in a project that is not a git repository, and restores them when the writer fails', async () => {
      const root = await meddledProject({ git: false });
      const failing: AgentExecutor<Agent> = async (agent, context, run) => {
        await meddlingWriter(agent, context, run);
        return { success: false, output: null, error: 'the agent CLI timed out' };
      };
      const result = await new TestCoverageBoostWorkflow({
        targetCoverage: 90,
        projectRoot: root,
        testWriter: failing,
        testTimeoutSeconds: 60,
        savePatterns: false,
      }).execute();

      expect(result.writerChanges).toEqual({
        method: 'file-hashes',
        detail: expect.stringMatching(
          /^SHA-256 of \d+ files before and after \(not a git work tree\)$/,
        ),
        ...undone,
      });
      // Its own test files are validated even though its answer failed.
      expect(result).toMatchObject({
        testsGenerated: 2,
        testsKept: 1,
        keptFiles: ['test/direct.test.js'],
      });
      expect(result.problems).toEqual(['Agent "generate_tests" failed: the agent CLI timed out']);
      for (const file of ['src/math.js', 'test/math.test.js', 'README.md']) {
        expect(await readFile(path.join(root, file), 'utf8'), file).toBe(await original(file));
      }
      expect(await exists(path.join(root, 'notes/plan.md'))).toBe(false);
    }, 60_000);
  });

  it('measures the gaps but writes nothing without a test writer, and misses the target', async () => {
    const root = await copyFixture('boost');
    const result = await new TestCoverageBoostWorkflow({
      targetCoverage: 80,
      projectRoot: root,
      savePatterns: false,
    }).execute({ currentCoverage: 99 });
    expect(result).toMatchObject({
      baselineCoverage: 59.09,
      finalCoverage: 59.09,
      coverageImprovement: 0,
      targetReached: false,
      testsGenerated: 0,
      testsKept: 0,
      problems: ['No test writer configured: gaps were measured but no tests were written'],
    });
    expect(exitCodeFor(result)).toBe(1);
    expect(await exists(path.join(root, '.baton'))).toBe(false);
  }, 60_000);

  it('shows on the console that the measured figure comes from a report the test run did not rewrite', async () => {
    const root = await temporaryDirectory();
    await writeFile(
      path.join(root, 'package.json'),
      JSON.stringify({ name: 'stale', type: 'module', scripts: { test: 'node -e 0 --' } }),
    );
    await mkdir(path.join(root, 'coverage'));
    const summary = path.join(root, 'coverage', 'coverage-summary.json');
    const lines = { total: 10, covered: 9, skipped: 0, pct: 90 };
    await writeFile(summary, JSON.stringify({ total: { lines }, 'src/a.js': { lines } }));
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(summary, anHourAgo, anHourAgo);
    const result = await new TestCoverageBoostWorkflow({
      targetCoverage: 80,
      projectRoot: root,
      savePatterns: false,
    }).execute();
    expect(result.baselineCoverage).toBe(90);
    expect(formatTestCoverageBoost(result)).toContain(
      '⚠️  Coverage: coverage/coverage-summary.json was not rewritten by the test run; it may be stale',
    );
  }, 60_000);

  it('does not claim gaps were measured when coverage is unknown', async () => {
    const root = await temporaryDirectory();
    await writeFile(
      path.join(root, 'package.json'),
      JSON.stringify({ name: 'no-report', scripts: { test: 'node -e 0 --' } }),
    );
    const result = await new TestCoverageBoostWorkflow({
      targetCoverage: 80,
      projectRoot: root,
      savePatterns: false,
    }).execute();
    expect(result.baselineCoverage).toBeNull();
    expect(result.targetReached).toBe(false);
    expect(result.problems).toEqual([
      expect.stringMatching(/^Coverage unknown: no coverage report found/),
    ]);
  }, 60_000);

  it('does not call the writer when the measured coverage already reaches the target', async () => {
    const root = await copyFixture('boost');
    let called = false;
    const result = await new TestCoverageBoostWorkflow({
      targetCoverage: 50,
      projectRoot: root,
      savePatterns: false,
      testWriter: async () => {
        called = true;
        return { output: { files: [] } };
      },
    }).execute();
    expect(called).toBe(false);
    expect(result).toMatchObject({ baselineCoverage: 59.09, targetReached: true, testsKept: 0 });
  }, 60_000);

  it('fails the generate step with the reason when the writer answers in another shape', async () => {
    const root = await copyFixture('boost');
    const result = await new TestCoverageBoostWorkflow({
      targetCoverage: 90,
      projectRoot: root,
      savePatterns: false,
      testWriter: async () => ({ output: { summary: 'I wrote tests', findings: [] } }),
    }).execute();
    expect(result.targetReached).toBe(false);
    expect(result.problems).toEqual([
      expect.stringMatching(
        /^Agent "generate_tests" failed: the test writer's answer did not match \{ files: \[\{ path, content \}\] \}: answer\.files: /,
      ),
    ]);
  }, 60_000);

  it('rejects a target outside 0..100, naming targetCoverage', () => {
    expect(() => new TestCoverageBoostWorkflow({ targetCoverage: 120 })).toThrow(ValidationError);
    expect(() => new TestCoverageBoostWorkflow({ targetCoverage: -1 })).toThrow(
      'targetCoverage: must be a number from 0 to 100 (got -1)',
    );
  });

  describe('as a durable run of the project', () => {
    const answering =
      (calls: { count: number }): AgentExecutor<Agent> =>
      async () => {
        calls.count += 1;
        return {
          output: { files: [{ path: 'test/more.test.js', content: passingTest }] },
          usage: { inputTokens: 1200, outputTokens: 300 },
        };
      };
    const startedSteps = (events: BatonEmitter): string[] => {
      const started: string[] = [];
      events.on('step-start', (event) => started.push(event.stepId ?? ''));
      return started;
    };

    it('cancelled while the writer works, it resumes without measuring the gaps again', async () => {
      const root = await copyFixture('boost');
      const storageDir = await temporaryDirectory();
      const controller = new AbortController();
      const interrupted: AgentExecutor<Agent> = async (_agent, _context, { signal }) => {
        controller.abort(new AbortedError('interrupted'));
        // The run's signal is aborted by now; the writer stops as a CLI would.
        expect(signal.aborted).toBe(true);
        throw signal.reason;
      };
      const first = new TestCoverageBoostWorkflow({
        targetCoverage: 90,
        projectRoot: root,
        testWriter: interrupted,
        testTimeoutSeconds: 60,
        store: new ConfigurationStore({ storageDir }),
      });
      await expect(first.execute({}, { signal: controller.signal })).rejects.toThrow('interrupted');
      const runtime = new Runtime({ dir: path.join(root, '.baton') });
      const [stopped] = (await runtime.store.list()).runs;
      expect(stopped).toMatchObject({ status: 'cancelled', resumable: true });
      expect(stopped!.progress.done).toBe(1);
      expect(await exists(path.join(root, 'test/more.test.js'))).toBe(false);

      const calls = { count: 0 };
      const events = new BatonEmitter();
      const started = startedSteps(events);
      // Started without a target: the run's own (90%) is used.
      const result = await new TestCoverageBoostWorkflow({
        projectRoot: root,
        testWriter: answering(calls),
        testTimeoutSeconds: 60,
        store: new ConfigurationStore({ storageDir }),
        events,
      }).resume(stopped!.id);
      expect(started).toEqual(['generate_tests', 'validate_tests']);
      expect(calls.count).toBe(1);
      expect(result).toMatchObject({
        runId: stopped!.id,
        runStatus: 'succeeded',
        targetCoverage: 90,
        baselineCoverage: 59.09,
        finalCoverage: 100,
        coverageImprovement: 40.91,
        targetReached: true,
        testsKept: 1,
        keptFiles: ['test/more.test.js'],
        problems: [],
      });
      expect((await runtime.store.show(stopped!.id)).status).toBe('succeeded');
      const recorded = await new ConfigurationStore({ storageDir }).getBestForTask(
        'test_coverage_boost',
      );
      expect(recorded).toMatchObject({ usageCount: 1, successCount: 1 });
      await expect(first.resume(stopped!.id)).rejects.toThrow(/nothing to resume/);
    }, 60_000);

    it('stopped by its budget before validating, it says so, records nothing, and a resume with more budget finishes it', async () => {
      const root = await copyFixture('boost');
      const storageDir = await temporaryDirectory();
      const calls = { count: 0 };
      const options = {
        targetCoverage: 90,
        projectRoot: root,
        testWriter: answering(calls),
        testTimeoutSeconds: 60,
        store: new ConfigurationStore({ storageDir }),
      };
      const stopped = await new TestCoverageBoostWorkflow({
        ...options,
        budget: { maxAgents: 2 },
      }).execute();
      expect(stopped).toMatchObject({
        runStatus: 'budget-exceeded',
        baselineCoverage: 59.09,
        finalCoverage: 59.09,
        targetReached: false,
        testsGenerated: 0,
        testsKept: 0,
      });
      expect(stopped.problems).toEqual([
        'Agent "validate_tests" not run: the budget stopped the run (2 agent run(s) started or running, the limit is 2)',
      ]);
      expect(exitCodeFor(stopped)).toBe(1);
      expect(await exists(path.join(root, 'test/more.test.js'))).toBe(false);
      expect(
        await new ConfigurationStore({ storageDir }).getBestForTask('test_coverage_boost'),
      ).toBeUndefined();

      const resumed = await new TestCoverageBoostWorkflow({
        ...options,
        budget: { maxAgents: 3 },
      }).resume(stopped.runId);
      expect(calls.count).toBe(1);
      expect(resumed).toMatchObject({
        runId: stopped.runId,
        runStatus: 'succeeded',
        finalCoverage: 100,
        testsKept: 1,
        problems: [],
      });
      expect(await readFile(path.join(root, 'test/more.test.js'), 'utf8')).toBe(passingTest);
      expect(
        await new ConfigurationStore({ storageDir }).getBestForTask('test_coverage_boost'),
      ).toMatchObject({ usageCount: 1, successCount: 1 });
    }, 60_000);

    it('will not resume a run of another project', async () => {
      const root = await copyFixture('boost');
      const stopped = await new TestCoverageBoostWorkflow({
        targetCoverage: 90,
        projectRoot: root,
        testWriter: answering({ count: 0 }),
        savePatterns: false,
        budget: { maxAgents: 1 },
      }).execute();
      expect(stopped.runStatus).toBe('budget-exceeded');
      const other = await copyFixture('boost');
      await expect(
        new TestCoverageBoostWorkflow({
          projectRoot: other,
          runtime: new Runtime({ dir: path.join(root, '.baton') }),
        }).resume(stopped.runId),
      ).rejects.toThrow(`runId: run ${stopped.runId} boosts ${root}, not ${other}`);
    }, 60_000);
  });
});
