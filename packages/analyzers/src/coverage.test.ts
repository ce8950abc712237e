import { describe, expect, it } from 'vitest';
import { analyzeCoverage, coverageResultSchema } from './coverage.js';
import { fixturePath, tempProject } from './test-helpers.js';

describe('analyzeCoverage', () => {
  it('measures line coverage from the reports in coverage/, mapping foreign absolute paths', async () => {
    const result = await analyzeCoverage({ root: fixturePath('coverage-js') });
    expect(coverageResultSchema.parse(result)).toEqual(result);
    if (result.status !== 'measured') throw new Error(result.summary);
    expect(result.lineCoverage).toBe(41.17);
    expect([result.linesCovered, result.linesTotal]).toEqual([7, 17]);
    expect(result.files.map((file) => [file.path, file.percent, file.uncoveredLines])).toEqual([
      ['src/math.ts', 66.66, '7, 14, 17'],
      ['src/strings.ts', 12.5, '6-16'],
    ]);
    // coverage-final.json is preferred (line detail); the other reports add no new files.
    expect(result.reports.map((report) => [report.path, report.filesCounted])).toEqual([
      ['coverage/coverage-final.json', 2],
      ['coverage/lcov.info', 0],
      ['coverage/coverage-summary.json', 0],
      ['coverage/cobertura-coverage.xml', 0],
    ]);
    expect(result.leastCovered.map((file) => file.path)).toEqual(['src/strings.ts', 'src/math.ts']);
    expect(result.summary).toBe('Line coverage 41.17% (7/17 lines, 2 files, 1 report)');
  });

  it('aggregates the packages of a monorepo weighted by their executable lines', async () => {
    const result = await analyzeCoverage({ root: fixturePath('coverage-monorepo') });
    if (result.status !== 'measured') throw new Error(result.summary);
    // a: 7/17 (lcov.info), b: 6/17 (coverage-summary.json) -> 13/34.
    expect([result.linesCovered, result.linesTotal, result.lineCoverage]).toEqual([13, 34, 38.23]);
    expect(result.reports.map((report) => [report.path, report.packageDirectory])).toEqual([
      ['packages/a/coverage/lcov.info', 'packages/a'],
      ['packages/b/coverage/coverage-summary.json', 'packages/b'],
    ]);
    expect(result.unreportedPackages).toEqual([]);
    expect(result.packages).toEqual([
      { directory: 'packages/a', linesTotal: 17, linesCovered: 7, percent: 41.17 },
      { directory: 'packages/b', linesTotal: 17, linesCovered: 6, percent: 35.29 },
    ]);
    expect(result.files.map((file) => [file.path, file.linesCovered])).toEqual([
      ['packages/a/src/math.ts', 6],
      ['packages/a/src/strings.ts', 1],
      ['packages/b/src/math.ts', 0],
      ['packages/b/src/strings.ts', 6],
    ]);
    // the summary format has no line detail
    expect(result.files[2]!.uncoveredLines).toBeUndefined();
    expect(result.leastCovered[0]!.path).toBe('packages/b/src/math.ts');
  });

  it('names the workspace packages that no report covers', async () => {
    const project = await tempProject('coverage-monorepo');
    try {
      const { rm } = await import('node:fs/promises');
      await rm(`${project.root}/packages/b/coverage`, { recursive: true });
      const result = await analyzeCoverage({ root: project.root });
      if (result.status !== 'measured') throw new Error(result.summary);
      expect(result.lineCoverage).toBe(41.17);
      expect(result.unreportedPackages).toEqual(['packages/b']);
      expect(result.warnings).toEqual([
        'No coverage report covers 1 workspace package(s) with source files (packages/b); the figure is for the others only',
      ]);
    } finally {
      await project.cleanup();
    }
  });

  it('reads coverage.py json for Python projects', async () => {
    const result = await analyzeCoverage({ root: fixturePath('coverage-py') });
    if (result.status !== 'measured') throw new Error(result.summary);
    expect(result.lineCoverage).toBe(66.66);
    expect(result.reports.map((report) => report.format)).toEqual(['cobertura', 'coverage-py']);
    expect(result.leastCovered).toMatchObject([
      { path: 'calc/ops.py', linesTotal: 12, linesCovered: 8, uncoveredLines: '11, 19, 22-23' },
    ]);
  });

  it('reads only the given coverageFile', async () => {
    const result = await analyzeCoverage({
      root: fixturePath('coverage-py'),
      coverageFile: 'coverage.xml',
    });
    if (result.status !== 'measured') throw new Error(result.summary);
    expect(result.searched).toEqual(['coverage.xml']);
    expect(result.reports.map((report) => report.format)).toEqual(['cobertura']);
    expect(result.lineCoverage).toBe(66.66);
  });

  it('says coverage is unknown, where it looked and how to provide it when there is no report', async () => {
    const project = await tempProject();
    try {
      await project.write('package.json', '{"name":"bare"}');
      await project.write('src/index.ts', 'export const x = 1;\n');
      const result = await analyzeCoverage({ root: project.root });
      expect(result.status).toBe('unknown');
      if (result.status !== 'unknown') return;
      expect(result.reason).toBe('no coverage report found');
      expect(result.searched).toContain('coverage/coverage-summary.json');
      expect(result.searched).toContain('coverage.xml');
      expect(result.summary).toMatch(/^Coverage unknown: no coverage report found\. Looked in /);
      expect(result.summary).toContain('--coverage-file');
      expect(result.summary).not.toMatch(/\b0(\.0)?%/);
      expect(result).not.toHaveProperty('lineCoverage');
    } finally {
      await project.cleanup();
    }
  });

  it('rejects a missing or unrecognised coverageFile naming the field', async () => {
    const project = await tempProject();
    try {
      await expect(
        analyzeCoverage({ root: project.root, coverageFile: 'nope.json' }),
      ).rejects.toThrow(/^coverageFile: file not found: /);
      await project.write('junk.json', '{"hello":1}');
      await expect(
        analyzeCoverage({ root: project.root, coverageFile: 'junk.json' }),
      ).rejects.toThrow(/^coverageFile: junk\.json is not a recognised coverage report/);
    } finally {
      await project.cleanup();
    }
  });

  it('warns when the code changed after the report was written', async () => {
    const project = await tempProject('coverage-js');
    try {
      const { utimes } = await import('node:fs/promises');
      const path = await import('node:path');
      const old = new Date(Date.now() - 3_600_000);
      for (const report of [
        'coverage-final.json',
        'lcov.info',
        'coverage-summary.json',
        'cobertura-coverage.xml',
      ]) {
        await utimes(path.join(project.root, 'coverage', report), old, old);
      }
      const result = await analyzeCoverage({ root: project.root });
      expect(result.warnings).toEqual([
        'coverage/coverage-final.json is older than 2 of the files it reports (e.g. src/math.ts); re-run the tests with coverage for current figures',
      ]);
    } finally {
      await project.cleanup();
    }
  });

  it('uses the total of a summary that lists no files', async () => {
    const project = await tempProject();
    try {
      await project.write(
        'coverage/coverage-summary.json',
        JSON.stringify({ total: { lines: { total: 200, covered: 150, skipped: 0, pct: 75 } } }),
      );
      const result = await analyzeCoverage({ root: project.root });
      if (result.status !== 'measured') throw new Error(result.summary);
      expect([result.lineCoverage, result.linesTotal]).toEqual([75, 200]);
    } finally {
      await project.cleanup();
    }
  });

  it('reports a malformed report in the usual location instead of failing', async () => {
    const project = await tempProject();
    try {
      await project.write('coverage/lcov.info', 'SF:a.js\nend_of_record\n');
      const result = await analyzeCoverage({ root: project.root });
      expect(result.status).toBe('unknown');
      if (result.status === 'unknown') expect(result.reason).toMatch(/no executable lines/);
    } finally {
      await project.cleanup();
    }
  });
});
