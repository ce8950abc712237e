import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeCliDirectory } from '../../../packages/executors/test/fake-clis.js';
import { type ModelServer, startModelServer } from '../../../packages/executors/test/servers.js';
import { baton, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', '..', '..', 'packages', 'workflows', 'test', 'fixtures');

/**
 * A copy of the workflows' `boost` fixture outside any git work tree: `src/math.js` with four
 * functions, a test for `add` only, and a test script that writes `coverage/lcov.info` with Node's
 * own coverage. Measured before any change: 59.09 % (13/22 lines).
 */
function boostProject(): string {
  const dir = join(tempDir('baton-test-coverage-'), 'boost');
  cpSync(join(fixtures, 'boost'), dir, { recursive: true });
  return dir;
}

/** Covers subtract and multiply (not divide): 17/22 lines with the existing test. */
const passingTest = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { multiply, subtract } from '../src/math.js';

test('subtract and multiply', () => {
  assert.equal(subtract(5, 3), 2);
  assert.equal(multiply(4, 3), 12);
});
`;

const failingTest = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { divide } from '../src/math.js';

test('divide (wrong expectation)', () => {
  assert.equal(divide(6, 3), 3);
});
`;

const writerReply = JSON.stringify({
  files: [
    { path: 'test/extra.test.js', content: passingTest },
    { path: 'test/wrong.test.js', content: failingTest },
  ],
});

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A project whose model provider is a local OpenAI-compatible server answering with two test files. */
async function projectWithModel() {
  const project = boostProject();
  writeFileSync(
    join(project, 'baton.config.json'),
    JSON.stringify({
      model: { prices: { 'test-writer': { inputPerMillion: 2, outputPerMillion: 10 } } },
    }),
  );
  server = await startModelServer({
    replies: [
      {
        type: 'text',
        text: `Here are the tests:\n\`\`\`json\n${writerReply}\n\`\`\``,
        inputTokens: 1200,
        outputTokens: 340,
      },
    ],
  });
  const env = {
    PATH: process.env.PATH ?? '',
    BATON_PROVIDER: 'openai-compatible',
    BATON_BASE_URL: server.baseURL,
    BATON_MODEL: 'test-writer',
  };
  return { project, env, server };
}

describe('baton orchestrate test-coverage', () => {
  it('keeps the passing test, removes the failing one, and reaches a target the kept test reaches (exit 0)', async () => {
    const { project, env, server } = await projectWithModel();
    const result = await baton(
      ['orchestrate', 'test-coverage', '--target', '75', '--project-root', project, '--json'],
      { cwd: project, env },
    );

    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      targetCoverage: 75,
      baselineCoverage: 59.09,
      finalCoverage: 77.27,
      coverageImprovement: 18.18,
      targetReached: true,
      testsGenerated: 2,
      testsKept: 1,
      keptFiles: ['test/extra.test.js'],
      problems: [],
      currentCoverageHint: null,
      testWriter: { kind: 'model', provider: 'openai-compatible', model: 'test-writer' },
      // Tokens as the server reported them, priced from baton.config.json: 1200 * $2 + 340 * $10 per million.
      writerUsage: { inputTokens: 1200, outputTokens: 340, costUsd: 0.0058, model: 'test-writer' },
      notes: [],
    });
    expect(report.rejected).toEqual([
      {
        path: 'test/wrong.test.js',
        reason: expect.stringMatching(/^the test suite failed with it \(exit code 1\)/),
      },
    ]);
    expect(readFileSync(join(project, 'test', 'extra.test.js'), 'utf8')).toBe(passingTest);
    expect(existsSync(join(project, 'test', 'wrong.test.js'))).toBe(false);

    // One model call, asking for the files shape with the measured gaps.
    const requests = server.modelRequests();
    expect(requests).toHaveLength(1);
    const sent = JSON.stringify(requests[0]?.body);
    expect(sent).toContain('{ \\"files\\": [{ \\"path\\": string');
    expect(sent).not.toContain('\\"recommendations\\"');
    expect(sent).toContain('src/math.js');
    expect(sent).toContain('8-9, 13-14, 18-22');
  }, 30_000);

  it('misses a higher target with the same tests (exit 1) and prints the console report', async () => {
    const { project, env } = await projectWithModel();
    const result = await baton(
      ['orchestrate', 'test-coverage', '--target', '90', '--current-coverage', '70'],
      { cwd: project, env },
    );

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('❌ TARGET NOT REACHED');
    expect(result.stdout).toContain('Coverage: 59.09% -> 77.27% (improvement: 18.18 points)');
    expect(result.stdout).toContain('Tests kept: 1 of 2');
    expect(result.stdout).toContain('✅ test/extra.test.js');
    expect(result.stdout).toMatch(/❌ test\/wrong\.test\.js: the test suite failed with it/);
    expect(result.stdout).toContain('Test writer: model test-writer (openai-compatible)');
    expect(result.stdout).toContain('Tokens: 1200 in, 340 out; cost $0.0058');
    expect(result.stdout).toContain(
      'Measured baseline 59.09% differs from --current-coverage 70%: the measured figure is used',
    );
    expect(existsSync(join(project, 'test', 'wrong.test.js'))).toBe(false);
  }, 30_000);

  it('reports a writer answer in the wrong shape as a problem, with the tokens it cost (exit 1)', async () => {
    const project = boostProject();
    server = await startModelServer({
      replies: [
        { type: 'text', text: 'I could not write tests.', inputTokens: 900, outputTokens: 12 },
      ],
    });
    const env = {
      PATH: process.env.PATH ?? '',
      BATON_PROVIDER: 'openai-compatible',
      BATON_BASE_URL: server.baseURL,
      BATON_MODEL: 'unpriced-writer',
    };
    const result = await baton(['orchestrate', 'test-coverage', '--target', '50', '--json'], {
      cwd: project,
      env,
    });
    // The target was already reached before any test: no writer call, exit 0.
    expect(result.code).toBe(0);
    expect(server.modelRequests()).toHaveLength(0);

    const missed = await baton(['orchestrate', 'test-coverage', '--json'], { cwd: project, env });
    expect(missed.code).toBe(1);
    const report = JSON.parse(missed.stdout);
    expect(report).toMatchObject({
      baselineCoverage: 59.09,
      finalCoverage: 59.09,
      testsGenerated: 0,
      testsKept: 0,
      writerUsage: { inputTokens: 900, outputTokens: 12 },
    });
    expect(report.writerUsage).not.toHaveProperty('costUsd');
    expect(report.problems).toEqual([
      expect.stringContaining("The model's answer did not match the expected format"),
    ]);
    expect(report.notes).toEqual([
      'Test writer cost unknown: no price is known for model unpriced-writer: add it to model.prices in baton.config.json (its cost is not computed)',
    ]);
  }, 30_000);

  it('writes the tests with a coding-agent CLI given by --agent-cli', async () => {
    const project = boostProject();
    const { bin, record } = fakeCliDirectory({
      claude: { kind: 'claude-ok', result: `Done.\n${writerReply}` },
    });
    const result = await baton(
      ['orchestrate', 'test-coverage', '--target', '75', '--agent-cli', 'claude', '--json'],
      { cwd: project, env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: project } },
    );

    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      baselineCoverage: 59.09,
      finalCoverage: 77.27,
      testsGenerated: 2,
      testsKept: 1,
      testWriter: { kind: 'agent-cli', chain: ['claude'] },
      // What the stand-in claude reported: 300 + 200 cached input tokens, 120 output, $0.0123.
      writerUsage: { inputTokens: 500, outputTokens: 120, costUsd: 0.0123 },
    });
    expect(existsSync(join(project, 'test', 'wrong.test.js'))).toBe(false);
    const prompt = readFileSync(join(record, 'claude.stdin'), 'utf8');
    expect(prompt).toContain('{ "files": [{ "path": string');
    expect(prompt).toContain('8-9, 13-14, 18-22');
  }, 30_000);

  it('undoes what a coding-agent CLI changes in the project by itself and validates the tests it wrote there', async () => {
    const project = boostProject();
    const originalSource = readFileSync(join(project, 'src', 'math.js'), 'utf8');
    /** Covers divide (and its error branch), the lines the answered test leaves uncovered. */
    const directTest = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { divide } from '../src/math.js';

test('divide', () => {
  assert.equal(divide(6, 3), 2);
  assert.throws(() => divide(1, 0), RangeError);
});
`;
    const { bin } = fakeCliDirectory({
      claude: {
        kind: 'write-files',
        files: {
          // An edit of an existing source file, a test written straight into the tree, a stray note.
          'src/math.js': 'export const add = () => 0;\n',
          'test/direct.test.js': directTest,
          'NOTES.md': 'what I changed\n',
        },
        next: { kind: 'claude-ok', result: `Done.\n${writerReply}` },
      },
    });
    const env = { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: project };
    const result = await baton(
      ['orchestrate', 'test-coverage', '--target', '95', '--agent-cli', 'claude', '--json'],
      { cwd: project, env },
    );

    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      baselineCoverage: 59.09,
      finalCoverage: 100,
      targetReached: true,
      testsGenerated: 3,
      testsKept: 2,
      keptFiles: ['test/extra.test.js', 'test/direct.test.js'],
      problems: [],
      writerChanges: {
        method: 'file-hashes',
        detail: expect.stringMatching(/\(not a git work tree\)$/),
        restored: ['src/math.js'],
        removed: ['NOTES.md'],
        directTests: ['test/direct.test.js'],
      },
    });
    expect(report.rejected.map((file: { path: string }) => file.path)).toEqual([
      'test/wrong.test.js',
    ]);
    expect(readFileSync(join(project, 'src', 'math.js'), 'utf8')).toBe(originalSource);
    expect(readFileSync(join(project, 'test', 'direct.test.js'), 'utf8')).toBe(directTest);
    expect(existsSync(join(project, 'NOTES.md'))).toBe(false);
    // The CLI's prompt and log under .baton/ are Baton's own state, not the writer's changes.
    expect(existsSync(join(project, '.baton', 'runs'))).toBe(true);

    const printed = await baton(
      ['orchestrate', 'test-coverage', '--target', '100', '--agent-cli', 'claude'],
      { cwd: boostProject(), env },
    );
    expect(printed.stdout).toContain(
      '↩️  restored src/math.js: an existing file the test writer changed or deleted',
    );
    expect(printed.stdout).toContain('🗑️  removed NOTES.md: a new file outside the test locations');
    expect(printed.stdout).toContain(
      '✅ test/direct.test.js (written into the project by the test writer)',
    );
  }, 60_000);

  it('without a model measures the coverage, writes nothing and says what to set (exit per target)', async () => {
    const project = boostProject();
    const env = { PATH: process.env.PATH ?? '' };
    const missed = await baton(['orchestrate', 'test-coverage', '--json'], { cwd: project, env });
    expect(missed.code).toBe(1);
    const report = JSON.parse(missed.stdout);
    expect(report).toMatchObject({
      targetCoverage: 80,
      baselineCoverage: 59.09,
      finalCoverage: 59.09,
      coverageImprovement: 0,
      targetReached: false,
      testsGenerated: 0,
      testsKept: 0,
      testWriter: {
        kind: 'none',
        reason: expect.stringMatching(
          /^No model provider configured: set ANTHROPIC_API_KEY .*; or pass --agent-cli claude \(or set BATON_AGENT_CLI\)$/,
        ),
      },
      writerUsage: null,
      notes: [],
      problems: ['No test writer configured: gaps were measured but no tests were written'],
    });
    expect(existsSync(join(project, '.baton', 'runs'))).toBe(false);

    const reached = await baton(['orchestrate', 'test-coverage', '--target', '59'], {
      cwd: project,
      env,
    });
    expect(reached.code).toBe(0);
    expect(reached.stdout).toContain('✅ TARGET REACHED');
    expect(reached.stdout).toContain('Coverage: 59.09% -> 59.09%');
    const writerLines = reached.stdout.split('\n').filter((line) => line.includes('Test writer'));
    expect(writerLines).toEqual([
      expect.stringMatching(
        /^Test writer: none — No model provider configured: set .*BATON_BASE_URL/,
      ),
    ]);

    const { env: modelEnv, server } = await projectWithModel();
    const skipped = await baton(['orchestrate', 'test-coverage', '--no-model', '--json'], {
      cwd: project,
      env: modelEnv,
    });
    expect(skipped.code).toBe(1);
    expect(JSON.parse(skipped.stdout)).toMatchObject({
      baselineCoverage: 59.09,
      testsGenerated: 0,
      testWriter: {
        kind: 'none',
        reason:
          'no test writer asked for (noWriter, --no-model): coverage measured, no tests written',
      },
    });
    expect(server.modelRequests()).toHaveLength(0);
  }, 30_000);

  it.each([
    [['--target', '150'], 'baton: --target must be a number from 0 to 100, got "150"'],
    [['--target', 'high'], 'baton: --target must be a number from 0 to 100, got "high"'],
    [['--target', '0x10'], 'baton: --target must be a number from 0 to 100, got "0x10"'],
    [
      ['--current-coverage', '101'],
      'baton: --current-coverage must be a number from 0 to 100, got "101"',
    ],
    [['--project-root', 'missing'], 'baton: --project-root missing: not a directory'],
    [['--no-model', '--agent-cli', 'claude'], 'baton: --no-model conflicts with --agent-cli'],
    [['--agent-cli', 'claude'], 'baton: agent CLIs claude: claude not found on PATH'],
  ])('rejects bad usage %j with one line and exit 2', async (flags, message) => {
    const result = await baton(['orchestrate', 'test-coverage', ...flags], { env: {} });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });

  it('is listed in the orchestrate help', async () => {
    const help = await baton(['orchestrate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('baton orchestrate test-coverage [options]');
    expect(help.stdout).toContain('--current-coverage N');
  });
});
