import { readFileSync } from 'node:fs';
import { chmod, mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pythonFunctionMetrics } from './complexity.js';
import { parseLinterOutput } from './lint.js';
import { analyzeQuality, QUALITY_FORMULA, qualityResultSchema } from './quality.js';
import { fixturePath, tempProject } from './test-helpers.js';

const BIOME = fileURLToPath(new URL('../node_modules/@biomejs/biome/bin/biome', import.meta.url));

describe('analyzeQuality', () => {
  it('scores the planted project and lists every deduction', async () => {
    // A copy outside this repository, so that the repository's own linter set-up does not apply.
    const project = await tempProject('quality-app');
    const result = await analyzeQuality({ root: project.root }).finally(() => project.cleanup());
    expect(qualityResultSchema.parse(result)).toEqual(result);
    if (result.status !== 'measured') throw new Error(result.summary);
    // classify(): 1 + if, for, if, &&, while, case, case, catch, ||, ??, ?: = 12
    expect(result.complexFunctions).toEqual([
      { name: 'classify', file: 'src/complex.ts', line: 1, lines: 27, complexity: 12 },
    ]);
    expect(result.metrics).toMatchObject({
      files: 4, // test/ is not judged
      functions: 14,
      maxComplexity: 12,
      complexFunctions: 1,
      duplicatedLines: 12,
      significantLines: 40,
      duplicationPercent: 30,
    });
    expect(result.deductions.map((item) => [item.signal, item.points])).toEqual([
      ['complex-functions', 1.43],
      ['oversized-functions', 0],
      ['oversized-files', 0],
      ['duplication', 2.5],
    ]);
    expect(result.score).toBe(6.1);
    expect(result.duplicateBlocks).toEqual([
      {
        file: 'src/dup-b.ts',
        startLine: 2,
        endLine: 7,
        duplicateOf: { file: 'src/dup-a.ts', startLine: 2, endLine: 7 },
      },
    ]);
    expect(result.notMeasured).toEqual([{ signal: 'lint', reason: 'no linter configured' }]);
    expect(result.lint).toEqual({
      status: 'not-measured',
      cause: 'not-configured',
      reason: 'no linter configured',
    });
    // An optional tool that is absent is a note, not a warning about the measurement.
    expect(result.warnings).toEqual([]);
    expect(result.notes).toEqual([
      'No linter ran: no linter configured. Configure ESLint (eslint.config.js), Biome (biome.json) or ruff (ruff.toml, or [tool.ruff] in pyproject.toml) and install it to count lint errors and warnings in the score',
    ]);
    expect(result.formula).toBe(QUALITY_FORMULA);
  });

  it("runs the project's Biome and deducts for its errors per 1,000 lines", async () => {
    const project = await tempProject();
    try {
      await project.write('biome.json', '{}');
      await project.write(
        'src/a.js',
        'export function f(a) {\n  if (a == 2) {\n    debugger;\n  }\n}\n',
      );
      await mkdir(path.join(project.root, 'node_modules', '.bin'), { recursive: true });
      await symlink(BIOME, path.join(project.root, 'node_modules', '.bin', 'biome'));
      const result = await analyzeQuality({ root: project.root, lintTimeoutSeconds: 60 });
      if (result.status !== 'measured') throw new Error(result.summary);
      if (result.lint.status !== 'measured') throw new Error(result.lint.reason);
      expect(result.lint).toMatchObject({ status: 'measured', errors: 2, warnings: 0 });
      if (result.lint.status !== 'measured') return;
      expect(result.lint.topRules.map((rule) => rule.ruleId).sort()).toEqual([
        'lint/suspicious/noDebugger',
        'lint/suspicious/noDoubleEquals',
      ]);
      // 2 errors in 5 lines = 400 per 1,000 lines -> capped at 3 points
      expect(result.deductions[0]).toMatchObject({
        signal: 'lint-errors',
        measured: 400,
        points: 3,
      });
      expect(result.notMeasured).toEqual([]);
    } finally {
      await project.cleanup();
    }
  });

  it("lints a package of a repository with the repository's linter", async () => {
    const project = await tempProject();
    try {
      await mkdir(path.join(project.root, '.git'));
      await project.write('biome.json', '{}');
      await mkdir(path.join(project.root, 'node_modules', '.bin'), { recursive: true });
      await symlink(BIOME, path.join(project.root, 'node_modules', '.bin', 'biome'));
      await project.write('packages/p/src/a.js', 'export const f = (a) => a == 1;\n');
      const result = await analyzeQuality({ root: path.join(project.root, 'packages/p') });
      expect(result.lint).toMatchObject({ status: 'measured', errors: 1 });
    } finally {
      await project.cleanup();
    }
  });

  it("does not count 0 errors when the repository's linter ignores the package", async () => {
    const project = await tempProject();
    try {
      await mkdir(path.join(project.root, '.git'));
      await project.write(
        'biome.json',
        JSON.stringify({ files: { includes: ['**', '!**/fixtures'] } }),
      );
      await mkdir(path.join(project.root, 'node_modules', '.bin'), { recursive: true });
      await symlink(BIOME, path.join(project.root, 'node_modules', '.bin', 'biome'));
      await project.write('test/fixtures/p/src/a.js', 'export const f = (a) => a == 1;\n');
      const result = await analyzeQuality({ root: path.join(project.root, 'test/fixtures/p') });
      expect(result.lint.status).toBe('not-measured');
      expect(result.lint).toMatchObject({
        reason: 'biome checked no files: its configuration ignores them',
      });
    } finally {
      await project.cleanup();
    }
  });

  it('names the error of a linter that crashes, not its stack frames', async () => {
    const project = await tempProject();
    try {
      await project.write('eslint.config.js', 'export default [];\n');
      await project.write('src/a.js', 'export const a = 1;\n');
      // what ESLint 9.15 prints for a rule its configuration names but no plugin defines
      await project.write(
        'node_modules/.bin/eslint',
        [
          '#!/bin/sh',
          'cat >&2 <<EOF',
          '',
          'Oops! Something went wrong! :(',
          '',
          'ESLint: 9.15.0',
          '',
          'TypeError: Key "rules": Key "no-undef-xyz": Could not find "no-undef-xyz" in plugin "@".',
          '    at throwRuleNotFoundError (/p/node_modules/eslint/lib/config/rule-validator.js:66:11)',
          '    at async globSearch (/p/node_modules/eslint/lib/eslint/eslint-helpers.js:323:26)',
          'EOF',
          'exit 2',
          '',
        ].join('\n'),
      );
      await chmod(path.join(project.root, 'node_modules/.bin/eslint'), 0o755);
      const result = await analyzeQuality({ root: project.root });
      const reason =
        'eslint printed no JSON report (exit code 2): TypeError: Key "rules": Key "no-undef-xyz": Could not find "no-undef-xyz" in plugin "@".';
      expect(result.lint).toEqual({ status: 'not-measured', cause: 'failed', reason });
      // A configured linter that fails is a measurement failure: a warning.
      expect(result.warnings).toEqual([`Lint not measured: ${reason}`]);
      expect(result.notes).toEqual([]);
    } finally {
      await project.cleanup();
    }
  });

  it('says so when ruff is configured but not installed', async () => {
    const project = await tempProject();
    try {
      await project.write('pyproject.toml', '[tool.ruff]\nline-length = 100\n');
      await project.write('pkg/mod.py', 'def f():\n    return 1\n');
      const previous = process.env.PATH;
      process.env.PATH = '/nonexistent';
      const result = await analyzeQuality({ root: project.root }).finally(() => {
        process.env.PATH = previous;
      });
      expect(result.lint).toEqual({
        status: 'not-measured',
        cause: 'failed',
        reason: 'ruff is configured but not on PATH',
      });
      expect(result.warnings).toEqual(['Lint not measured: ruff is configured but not on PATH']);
    } finally {
      await project.cleanup();
    }
  });

  it('flags oversized functions and files', async () => {
    const project = await tempProject();
    try {
      const body = Array.from({ length: 90 }, (_, index) => `  total += ${index} * value;`).join(
        '\n',
      );
      const filler = Array.from(
        { length: 420 },
        (_, index) => `export const c${index} = ${index};`,
      ).join('\n');
      await project.write(
        'src/big.ts',
        `export function huge(value: number): number {\n  let total = 0;\n${body}\n  return total;\n}\n${filler}\n`,
      );
      await project.write('src/small.ts', 'export const one = 1;\n');
      const result = await analyzeQuality({ root: project.root, runLint: false });
      if (result.status !== 'measured') throw new Error(result.summary);
      expect(result.oversizedFunctions).toEqual([
        { name: 'huge', file: 'src/big.ts', line: 1, lines: 94, complexity: 1 },
      ]);
      expect(result.oversizedFiles).toEqual([{ file: 'src/big.ts', lines: 515 }]);
      expect(result.deductions.find((item) => item.signal === 'oversized-functions')?.points).toBe(
        1.5,
      );
      expect(result.deductions.find((item) => item.signal === 'oversized-files')?.points).toBe(1);
      expect(result.notMeasured).toEqual([{ signal: 'lint', reason: 'linting was not requested' }]);
      expect(result.warnings).toEqual([]);
      expect(result.notes).toEqual(['No linter ran: linting was not requested']);
    } finally {
      await project.cleanup();
    }
  });

  it('reports unknown when there is no source code to judge', async () => {
    const project = await tempProject();
    try {
      await project.write('README.md', '# nothing\n');
      const result = await analyzeQuality({ root: project.root, runLint: false });
      expect(result.status).toBe('unknown');
      expect(result.summary).toBe(
        'Code quality unknown: no JavaScript, TypeScript or Python source files outside tests',
      );
    } finally {
      await project.cleanup();
    }
  });
});

describe('Python function metrics', () => {
  it('measures size and approximate complexity by indentation', () => {
    const text = [
      'def check(value, flag):',
      '    if value > 1 and flag:',
      '        return "a # not a comment or if"',
      '    for item in range(value):',
      '        pass',
      '    return None  # if in a comment',
      '',
      'class K:',
      '    async def run(self):',
      '        while True:',
      '            break',
    ].join('\n');
    expect(
      pythonFunctionMetrics({ path: 'm.py', language: 'python', text, isTest: false }),
    ).toEqual([
      { name: 'check', file: 'm.py', line: 1, lines: 6, complexity: 4 },
      { name: 'run', file: 'm.py', line: 9, lines: 3, complexity: 2 },
    ]);
  });
});

describe('linter output', () => {
  it('reads ESLint --format json', () => {
    const output = JSON.stringify([
      {
        filePath: '/p/src/a.js',
        messages: [
          {
            ruleId: 'no-unused-vars',
            severity: 2,
            message: "'x' is defined but never used.",
            line: 3,
            column: 7,
          },
          {
            ruleId: 'eqeqeq',
            severity: 1,
            message: "Expected '===' and instead saw '=='.",
            line: 5,
            column: 9,
          },
        ],
        errorCount: 1,
        warningCount: 1,
        fatalErrorCount: 0,
      },
    ]);
    const parsed = parseLinterOutput('eslint', output, '/p');
    expect([parsed.errors, parsed.warnings]).toEqual([1, 1]);
    expect(parsed.messages[0]).toEqual({
      tool: 'eslint',
      file: 'src/a.js',
      line: 3,
      ruleId: 'no-unused-vars',
      severity: 'error',
      message: "'x' is defined but never used.",
    });
  });

  it('reads the JSON of Biome 2.0-2.3 (path object, byte span, markup message)', () => {
    // recorded from @biomejs/biome 2.3.5 `biome lint --reporter=json` on:
    // /** Adds. */ export function add(a: any, b: number) { let unused = 1; return a + b; }
    const output = readFileSync(fixturePath('lint/biome-2.3-report.json'), 'utf8');
    const parsed = parseLinterOutput('biome', output, '/p');
    expect(parsed).toEqual({
      errors: 0,
      warnings: 3,
      filesChecked: 4,
      messages: [
        {
          tool: 'biome',
          file: 'src/index.ts',
          line: 2,
          ruleId: 'lint/suspicious/noExplicitAny',
          severity: 'warning',
          message: 'Unexpected any. Specify a different type.',
        },
        {
          tool: 'biome',
          file: 'src/index.ts',
          line: 3,
          ruleId: 'lint/style/useConst',
          severity: 'warning',
          message: 'This let declares a variable that is only assigned once.',
        },
        {
          tool: 'biome',
          file: 'src/index.ts',
          line: 3,
          ruleId: 'lint/correctness/noUnusedVariables',
          severity: 'warning',
          message: 'This variable unused is unused.',
        },
      ],
    });
  });

  it('redacts secrets that a lint message quotes (e.g. eslint-plugin-no-secrets)', () => {
    const token = `ghp_${'Zz09'.repeat(9)}`;
    const output = JSON.stringify([
      {
        filePath: '/p/src/a.js',
        messages: [
          {
            ruleId: 'no-secrets/no-secrets',
            severity: 2,
            message: `Found a string with entropy 4.9 : "${token}"`,
            line: 1,
          },
        ],
        errorCount: 1,
        warningCount: 0,
      },
    ]);
    const parsed = parseLinterOutput('eslint', output, '/p');
    expect(parsed.messages[0]!.message).toBe(
      `Found a string with entropy 4.9 : "ghp_${'*'.repeat(36)}"`,
    );
  });

  it('reads ruff --output-format=json', () => {
    const output = JSON.stringify([
      {
        cell: null,
        code: 'F401',
        end_location: { column: 10, row: 1 },
        filename: '/p/pkg/mod.py',
        fix: null,
        location: { column: 8, row: 1 },
        message: '`os` imported but unused',
        noqa_row: 1,
        url: 'https://docs.astral.sh/ruff/rules/unused-import',
      },
    ]);
    const parsed = parseLinterOutput('ruff', output, '/p');
    expect(parsed).toEqual({
      errors: 1,
      warnings: 0,
      messages: [
        {
          tool: 'ruff',
          file: 'pkg/mod.py',
          line: 1,
          ruleId: 'F401',
          severity: 'error',
          message: '`os` imported but unused',
        },
      ],
    });
  });
});
