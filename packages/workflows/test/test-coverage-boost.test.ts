import { mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationStore } from '@baton/config-store';
import { type Agent, type AgentExecutor, ValidationError } from '@baton/core';
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
});
