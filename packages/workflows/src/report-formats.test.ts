import { describe, expect, it } from 'vitest';
import { confidenceFor, type ReleaseReadinessReportData } from './release-readiness-report.js';
import {
  exitCodeFor,
  formatConsoleOutput,
  formatFigure,
  formatMarkdown,
  formatSarif,
  TOP_FINDINGS_LIMIT,
} from './report-formats.js';

function report(overrides: Partial<ReleaseReadinessReportData> = {}): ReleaseReadinessReportData {
  return {
    schemaVersion: 1,
    runId: null,
    approved: false,
    confidence: 'low',
    path: '/projects/app',
    timestamp: '2026-01-10T14:32:15.000Z',
    totalDuration: 12.449,
    thresholds: {
      min_coverage: 80,
      min_quality_score: 7,
      max_critical_issues: 0,
      min_doc_coverage: 100,
    },
    qualityGates: [
      {
        key: 'min_coverage',
        name: 'Test Coverage',
        threshold: 80,
        actual: null,
        passed: false,
        critical: true,
        message: 'not measured: no report | looked in coverage/lcov.info',
      },
    ],
    blockers: ['Test Coverage: not measured: no report | looked in coverage/lcov.info'],
    warnings: [],
    summary: 'Not ready for release: 1 blocker.',
    composition: null,
    agentResults: [],
    ...overrides,
  };
}

function securityResult(findings: number, file = 'src/app.ts') {
  return {
    agentId: 'security_auditor',
    success: true,
    confidence: 0,
    durationSeconds: 0.5,
    error: '',
    output: {
      check: 'security',
      figure: findings,
      summary: `${findings} critical`,
      measured: {
        criticalCount: findings,
        findings: Array.from({ length: findings }, (_, index) => ({
          ruleId: 'secret/npm-token',
          category: 'secret',
          severity: 'critical',
          file,
          line: index + 1,
          message: 'npm access token',
          testFixture: false,
        })),
        warnings: [],
      },
    },
  };
}

describe('small helpers', () => {
  it('formats figures with at most two decimals and null as unknown', () => {
    expect(formatFigure(null)).toBe('unknown');
    expect(formatFigure(0)).toBe('0');
    expect(formatFigure(85.2)).toBe('85.2');
    expect(formatFigure(66.666)).toBe('66.67');
  });

  it('maps the verdict to an exit code and a confidence', () => {
    expect(exitCodeFor({ approved: true })).toBe(0);
    expect(exitCodeFor({ approved: false })).toBe(1);
    expect(confidenceFor(true, 0)).toBe('high');
    expect(confidenceFor(true, 2)).toBe('medium');
    expect(confidenceFor(false, 0)).toBe('low');
  });
});

describe('formatConsoleOutput', () => {
  it('writes unknown for a figure that could not be measured, and the duration in seconds', () => {
    const text = formatConsoleOutput(report());
    expect(text).toContain('❌ Test Coverage: FAIL (actual: unknown, threshold: 80)');
    expect(text).toContain('Duration: 12.45s');
    expect(text).toContain('BLOCKERS (1)');
    expect(text).not.toContain('WARNINGS');
  });

  it('bounds each list of findings and says how many more there are', () => {
    const text = formatConsoleOutput(
      report({ agentResults: [securityResult(TOP_FINDINGS_LIMIT + 3)] }),
    );
    expect(text).toContain(`Security findings, values redacted (${TOP_FINDINGS_LIMIT + 3}):`);
    expect(text.split('\n').filter((line) => line.includes('secret/npm-token'))).toHaveLength(
      TOP_FINDINGS_LIMIT,
    );
    expect(text).toContain('  ... and 3 more (see --json)');
  });
});

describe('formatMarkdown', () => {
  it('escapes table cells so a message cannot break the table', () => {
    const markdown = formatMarkdown(report());
    expect(markdown).toContain(
      '| Test Coverage | ❌ fail | unknown | ≥ 80 | not measured: no report \\| looked in coverage/lcov.info |',
    );
  });
});

describe('formatSarif', () => {
  it('writes a valid empty run when there are no findings', () => {
    const sarif = formatSarif(report());
    expect(sarif.runs[0]!.results).toEqual([]);
    expect(sarif.runs[0]!.tool.driver.rules).toEqual([]);
    expect(sarif.runs[0]!.invocations).toEqual([{ executionSuccessful: true }]);
  });

  it('leaves out findings whose file is outside the project', () => {
    const sarif = formatSarif(report({ agentResults: [securityResult(2, '/elsewhere/app.ts')] }));
    expect(sarif.runs[0]!.results).toEqual([]);
  });
});
