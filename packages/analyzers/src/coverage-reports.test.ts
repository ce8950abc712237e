import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  detectCoverageFormat,
  formatLineRanges,
  parseCobertura,
  parseCoveragePy,
  parseIstanbulFinal,
  parseIstanbulSummary,
  parseLcov,
  uncoveredRanges,
} from './coverage-reports.js';
import { fixturePath } from './test-helpers.js';

const read = (file: string) => readFile(fixturePath(file), 'utf8');

describe('coverage report parsers (reports written by vitest and coverage.py)', () => {
  it('reads istanbul coverage-summary.json per file', async () => {
    const report = parseIstanbulSummary(await read('coverage-js/coverage/coverage-summary.json'));
    expect(report.files).toEqual([
      { path: '/tmp/covgen/src/math.ts', linesTotal: 9, linesCovered: 6 },
      { path: '/tmp/covgen/src/strings.ts', linesTotal: 8, linesCovered: 1 },
    ]);
  });

  it('derives line coverage from istanbul coverage-final.json like istanbul does', async () => {
    const report = parseIstanbulFinal(await read('coverage-js/coverage/coverage-final.json'));
    const math = report.files.find((file) => file.path.endsWith('math.ts'))!;
    expect(math).toMatchObject({ linesTotal: 9, linesCovered: 6, uncoveredLines: [7, 14, 17] });
    expect(formatLineRanges(math.uncoveredRanges!)).toBe('7, 14, 17');
    const strings = report.files.find((file) => file.path.endsWith('strings.ts'))!;
    expect(strings).toMatchObject({ linesTotal: 8, linesCovered: 1 });
    expect(formatLineRanges(strings.uncoveredRanges!)).toBe('6-16');
  });

  it('reads lcov.info with the same figures', async () => {
    const report = parseLcov(await read('coverage-js/coverage/lcov.info'));
    expect(report.files.map((file) => [file.path, file.linesTotal, file.linesCovered])).toEqual([
      ['src/math.ts', 9, 6],
      ['src/strings.ts', 8, 1],
    ]);
    expect(report.files[1]!.uncoveredRanges).toEqual([{ start: 6, end: 16 }]);
  });

  it('reads Cobertura xml without counting method declaration lines', async () => {
    const report = parseCobertura(await read('coverage-js/coverage/cobertura-coverage.xml'));
    expect(report.sourceRoots).toEqual(['/tmp/covgen']);
    expect(report.files.map((file) => [file.path, file.linesTotal, file.linesCovered])).toEqual([
      ['src/math.ts', 9, 6],
      ['src/strings.ts', 8, 1],
    ]);
  });

  it('reads coverage.py json and Cobertura xml with the same figures', async () => {
    const json = parseCoveragePy(await read('coverage-py/coverage.json'));
    const ops = json.files.find((file) => file.path === 'calc/ops.py')!;
    expect(ops).toMatchObject({
      linesTotal: 12,
      linesCovered: 8,
      uncoveredLines: [11, 19, 22, 23],
    });
    expect(formatLineRanges(ops.uncoveredRanges!)).toBe('11, 19, 22-23');
    const xml = parseCobertura(await read('coverage-py/coverage.xml'));
    const opsXml = xml.files.find((file) => file.path === 'calc/ops.py')!;
    expect(opsXml).toMatchObject({ linesTotal: 12, linesCovered: 8 });
    expect(formatLineRanges(opsXml.uncoveredRanges!)).toBe('11, 19, 22-23');
  });

  it('detects each format from its content', async () => {
    expect(detectCoverageFormat(await read('coverage-js/coverage/coverage-summary.json'))).toBe(
      'istanbul-summary',
    );
    expect(detectCoverageFormat(await read('coverage-js/coverage/coverage-final.json'))).toBe(
      'istanbul-final',
    );
    expect(detectCoverageFormat(await read('coverage-js/coverage/lcov.info'))).toBe('lcov');
    expect(detectCoverageFormat(await read('coverage-py/coverage.xml'))).toBe('cobertura');
    expect(detectCoverageFormat(await read('coverage-py/coverage.json'))).toBe('coverage-py');
    expect(detectCoverageFormat('{"name":"not coverage"}')).toBeUndefined();
    expect(detectCoverageFormat('hello')).toBeUndefined();
    // node --test --experimental-test-coverage with no test file writes an lcov without records
    expect(detectCoverageFormat('TN:\n')).toBe('lcov');
    expect(detectCoverageFormat('TN:\nhello\n')).toBeUndefined();
  });

  it('merges repeated lcov records of one file by the highest hit count', () => {
    const text = [
      'SF:a.js',
      'DA:1,0',
      'DA:2,0',
      'end_of_record',
      'SF:a.js',
      'DA:1,3',
      'DA:2,0',
      'end_of_record',
    ].join('\n');
    expect(parseLcov(text).files).toMatchObject([
      { path: 'a.js', linesTotal: 2, linesCovered: 1, uncoveredLines: [2] },
    ]);
  });

  it('never lets a covered line inside an uncovered range', () => {
    expect(uncoveredRanges([3, 5, 9, 10], [4, 12])).toEqual([
      { start: 3, end: 3 },
      { start: 5, end: 10 },
    ]);
  });
});
