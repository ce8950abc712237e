import { ValidationError } from '@baton/core';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RELEASE_GATES,
  evaluateGate,
  RELEASE_GATES,
  type ReleaseGateDefinition,
  resolveReleaseGates,
} from './quality-gates.js';

function gate(key: string): ReleaseGateDefinition {
  return RELEASE_GATES.find((definition) => definition.key === key)!;
}

function validationError(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('resolveReleaseGates', () => {
  it('defaults to coverage 80, quality 7, no critical issue, full documentation', () => {
    expect(resolveReleaseGates()).toEqual({
      min_coverage: 80,
      min_quality_score: 7,
      max_critical_issues: 0,
      min_doc_coverage: 100,
    });
    expect(resolveReleaseGates(undefined)).toEqual(DEFAULT_RELEASE_GATES);
  });

  it('overrides single gates and accepts camelCase aliases', () => {
    expect(
      resolveReleaseGates({ min_coverage: 90, minQualityScore: 8.5, maxCriticalIssues: 2 }),
    ).toEqual({
      min_coverage: 90,
      min_quality_score: 8.5,
      max_critical_issues: 2,
      min_doc_coverage: 100,
    });
  });

  it('names the offending gate for a negative or non-numeric value', () => {
    const negative = validationError(() => resolveReleaseGates({ min_coverage: -1 }));
    expect(negative.field).toBe('qualityGates.min_coverage');
    expect(negative.message).toBe('qualityGates.min_coverage: must be a number >= 0 (got -1)');
    const text = validationError(() => resolveReleaseGates({ maxCriticalIssues: '0' }));
    expect(text.message).toBe('qualityGates.maxCriticalIssues: must be a number >= 0 (got "0")');
    expect(validationError(() => resolveReleaseGates({ min_doc_coverage: Number.NaN })).field).toBe(
      'qualityGates.min_doc_coverage',
    );
  });

  it('rejects thresholds no project could meet, unknown gates and a gate given twice', () => {
    expect(validationError(() => resolveReleaseGates({ min_coverage: 101 })).message).toBe(
      'qualityGates.min_coverage: must be at most 100 (got 101)',
    );
    expect(validationError(() => resolveReleaseGates({ min_quality_score: 11 })).field).toBe(
      'qualityGates.min_quality_score',
    );
    expect(validationError(() => resolveReleaseGates({ min_covrage: 80 })).message).toMatch(
      /^qualityGates\.min_covrage: unknown gate \(known: min_coverage, /,
    );
    expect(
      validationError(() => resolveReleaseGates({ min_coverage: 80, minCoverage: 90 })).message,
    ).toBe('qualityGates.minCoverage: given twice (also as min_coverage)');
    expect(validationError(() => resolveReleaseGates([80])).field).toBe('qualityGates');
  });
});

describe('evaluateGate', () => {
  it('passes a max gate at the threshold and fails it above', () => {
    const security = gate('max_critical_issues');
    const at = evaluateGate(security, 0, { figure: 0, summary: '0 critical findings' });
    expect(at).toEqual({
      key: 'max_critical_issues',
      name: 'Security',
      threshold: 0,
      actual: 0,
      passed: true,
      critical: true,
      message: '0 critical findings; at most 0 critical allowed',
    });
    const above = evaluateGate(security, 0, {
      figure: 1,
      summary: '1 critical',
      hint: 'Critical: x',
    });
    expect(above.passed).toBe(false);
    expect(above.message).toBe('1 critical; at most 0 critical allowed. Critical: x');
  });

  it('passes a min gate at the threshold and fails it below', () => {
    const coverage = gate('min_coverage');
    expect(evaluateGate(coverage, 80, { figure: 80, summary: 'Line coverage 80%' }).passed).toBe(
      true,
    );
    const below = evaluateGate(coverage, 80, { figure: 79.99, summary: 'Line coverage 79.99%' });
    expect(below).toMatchObject({ actual: 79.99, passed: false, critical: true });
    expect(below.message).toBe('Line coverage 79.99%; at least 80% required');
  });

  it('adds a note to the message whether the gate passes or not', () => {
    const quality = gate('min_quality_score');
    const note = 'No linter ran: no linter configured';
    const passed = evaluateGate(quality, 7, { figure: 9.5, summary: 'Quality 9.5/10', note });
    expect(passed).toMatchObject({ actual: 9.5, passed: true });
    expect(passed.message).toBe(`Quality 9.5/10; at least 7/10 required. Note: ${note}`);
    const failed = evaluateGate(quality, 7, {
      figure: 5,
      summary: 'Quality 5/10',
      hint: 'Largest deductions: duplication -2.5',
      note,
    });
    expect(failed.message).toBe(
      `Quality 5/10; at least 7/10 required. Largest deductions: duplication -2.5. Note: ${note}`,
    );
  });

  it('fails with actual null (never 0) when the figure is unknown, giving the reason', () => {
    const result = evaluateGate(gate('min_coverage'), 80, {
      figure: null,
      summary: 'Coverage unknown',
      reason: 'Coverage unknown: no coverage report found. Looked in coverage/lcov.info.',
    });
    expect(result.actual).toBeNull();
    expect(result.passed).toBe(false);
    expect(result.message).toBe(
      'not measured: Coverage unknown: no coverage report found. Looked in coverage/lcov.info.',
    );
  });

  it('fails with actual null when the measuring agent failed', () => {
    const result = evaluateGate(gate('min_doc_coverage'), 100, {
      failed: 'the documentation_writer agent failed: boom',
    });
    expect(result).toMatchObject({ actual: null, passed: false, critical: false });
    expect(result.message).toBe('not measured: the documentation_writer agent failed: boom');
  });

  it('marks only the documentation gate as non-critical', () => {
    expect(RELEASE_GATES.map((definition) => [definition.name, definition.critical])).toEqual([
      ['Security', true],
      ['Test Coverage', true],
      ['Code Quality', true],
      ['Documentation', false],
    ]);
  });
});
