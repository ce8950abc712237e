import { ValidationError } from '@baton/core';
import { z } from 'zod';

/** Release gate thresholds, keyed as in the templates and the seeds (`min_coverage`, ...). */
export interface ReleaseGateThresholds {
  /** Minimum line coverage in percent (0..100). */
  min_coverage: number;
  /** Minimum code quality score (0..10). */
  min_quality_score: number;
  /** Most critical security issues allowed (>= 0). */
  max_critical_issues: number;
  /** Minimum documented share of the public API in percent (0..100). */
  min_doc_coverage: number;
}

/** The key of one release gate threshold. */
export type ReleaseGateKey = keyof ReleaseGateThresholds;

/**
 * What `qualityGates` accepts: any of the snake_case keys, or their camelCase aliases
 * (`minCoverage`, `minQualityScore`, `maxCriticalIssues`, `minDocCoverage`).
 */
export type ReleaseGateInput = Partial<ReleaseGateThresholds> & {
  minCoverage?: number;
  minQualityScore?: number;
  maxCriticalIssues?: number;
  minDocCoverage?: number;
};

/** The default thresholds: coverage 80 %, quality 7/10, no critical issue, every public symbol documented. */
export const DEFAULT_RELEASE_GATES: Readonly<ReleaseGateThresholds> = Object.freeze({
  min_coverage: 80,
  min_quality_score: 7,
  max_critical_issues: 0,
  min_doc_coverage: 100,
});

/** The measured figure one gate reads. */
export type ReleaseCheck = 'security' | 'coverage' | 'quality' | 'documentation';

/** How each gate reads its figure. */
export interface ReleaseGateDefinition {
  key: ReleaseGateKey;
  /** Display name, e.g. `Test Coverage`. */
  name: string;
  check: ReleaseCheck;
  /** `max`: passes when actual <= threshold; `min`: when actual >= threshold. */
  direction: 'min' | 'max';
  /** A failed critical gate blocks the release; a failed non-critical gate is a warning. */
  critical: boolean;
  /** Largest sensible threshold. */
  upperBound: number;
  /** How the figure is written, e.g. `%`. */
  unit: string;
}

/** The four release gates, in report order (BEHAVIOUR §6). */
export const RELEASE_GATES: readonly ReleaseGateDefinition[] = Object.freeze([
  {
    key: 'max_critical_issues',
    name: 'Security',
    check: 'security',
    direction: 'max',
    critical: true,
    upperBound: Number.POSITIVE_INFINITY,
    unit: ' critical',
  },
  {
    key: 'min_coverage',
    name: 'Test Coverage',
    check: 'coverage',
    direction: 'min',
    critical: true,
    upperBound: 100,
    unit: '%',
  },
  {
    key: 'min_quality_score',
    name: 'Code Quality',
    check: 'quality',
    direction: 'min',
    critical: true,
    upperBound: 10,
    unit: '/10',
  },
  {
    key: 'min_doc_coverage',
    name: 'Documentation',
    check: 'documentation',
    direction: 'min',
    critical: false,
    upperBound: 100,
    unit: '%',
  },
] as const satisfies ReleaseGateDefinition[]);

const ALIASES: Readonly<Record<string, ReleaseGateKey>> = {
  minCoverage: 'min_coverage',
  minQualityScore: 'min_quality_score',
  maxCriticalIssues: 'max_critical_issues',
  minDocCoverage: 'min_doc_coverage',
};

/**
 * Validates `qualityGates` and fills in the defaults. Values must be finite numbers >= 0 (and at
 * most 100 for percentages, 10 for the quality score); unknown keys are rejected so that a typo
 * never silently keeps a default.
 *
 * @example
 * ```ts
 * resolveReleaseGates({ minCoverage: 90 }); // { min_coverage: 90, min_quality_score: 7, ... }
 * resolveReleaseGates({ min_coverage: -1 }); // throws "qualityGates.min_coverage: must be a number >= 0 (got -1)"
 * ```
 * @throws ValidationError naming the offending field, e.g. `qualityGates.min_coverage`.
 */
export function resolveReleaseGates(input: unknown = {}): ReleaseGateThresholds {
  if (input === undefined || input === null) return { ...DEFAULT_RELEASE_GATES };
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError('qualityGates', 'must be an object such as { min_coverage: 80 }');
  }
  const resolved: ReleaseGateThresholds = { ...DEFAULT_RELEASE_GATES };
  const seen = new Map<ReleaseGateKey, string>();
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const key =
      ALIASES[field] ?? (field in DEFAULT_RELEASE_GATES ? (field as ReleaseGateKey) : undefined);
    if (key === undefined) {
      const known = [...Object.keys(DEFAULT_RELEASE_GATES), ...Object.keys(ALIASES)].join(', ');
      throw new ValidationError(`qualityGates.${field}`, `unknown gate (known: ${known})`);
    }
    const previous = seen.get(key);
    if (previous !== undefined) {
      throw new ValidationError(`qualityGates.${field}`, `given twice (also as ${previous})`);
    }
    seen.set(key, field);
    const definition = RELEASE_GATES.find((gate) => gate.key === key)!;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ValidationError(
        `qualityGates.${field}`,
        `must be a number >= 0 (got ${describeValue(value)})`,
      );
    }
    if (value > definition.upperBound) {
      throw new ValidationError(
        `qualityGates.${field}`,
        `must be at most ${definition.upperBound} (got ${value})`,
      );
    }
    resolved[key] = value;
  }
  return resolved;
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** One gate's verdict in a release readiness report. */
export const qualityGateSchema = z.object({
  /** The threshold's key, e.g. `min_coverage`. */
  key: z.enum(['min_coverage', 'min_quality_score', 'max_critical_issues', 'min_doc_coverage']),
  /** Display name: Security, Test Coverage, Code Quality, Documentation. */
  name: z.string(),
  threshold: z.number(),
  /** The measured figure; null when it could not be measured (the gate then fails). */
  actual: z.number().nullable(),
  passed: z.boolean(),
  /** A failed critical gate blocks the release; a failed non-critical gate is a warning. */
  critical: z.boolean(),
  /** What was measured against what was required, or why nothing could be measured and how to fix it. */
  message: z.string(),
});
/** One gate's verdict: `{ name, threshold, actual, passed, critical, message }` (plus its `key`). */
export type QualityGate = z.output<typeof qualityGateSchema>;

/** What a gate gets to judge. */
export type GateMeasurement =
  /** A figure (or null with the reason it is unknown) and the one-line summary of the measurement. */
  | {
      figure: number | null;
      summary: string;
      reason?: string | undefined;
      /** What to look at when the gate fails (the largest deductions, the least covered files). */
      hint?: string | undefined;
      /**
       * Something the figure leaves out for a reason that is no fault of the measurement (no
       * linter configured), shown whether the gate passes or not. Not a warning.
       */
      note?: string | undefined;
    }
  /** The agent that measures it failed. */
  | { failed: string };

/**
 * Judges one gate from measured figures only. An unknown figure (`null`) fails the gate; its
 * message says why and, where known, how to fix it. A measurement's `note` ends the message.
 */
export function evaluateGate(
  definition: ReleaseGateDefinition,
  threshold: number,
  measurement: GateMeasurement,
): QualityGate {
  const base = {
    key: definition.key,
    name: definition.name,
    threshold,
    critical: definition.critical,
  };
  if ('failed' in measurement) {
    return { ...base, actual: null, passed: false, message: `not measured: ${measurement.failed}` };
  }
  const note = measurement.note === undefined ? '' : `. Note: ${measurement.note}`;
  if (measurement.figure === null) {
    return {
      ...base,
      actual: null,
      passed: false,
      message: `not measured: ${measurement.reason ?? measurement.summary}${note}`,
    };
  }
  const actual = measurement.figure;
  const passed = definition.direction === 'max' ? actual <= threshold : actual >= threshold;
  const requirement =
    definition.direction === 'max'
      ? `at most ${threshold}${definition.unit} allowed`
      : `at least ${threshold}${definition.unit} required`;
  const hint = !passed && measurement.hint !== undefined ? `. ${measurement.hint}` : '';
  return {
    ...base,
    actual,
    passed,
    message: `${measurement.summary}; ${requirement}${hint}${note}`,
  };
}
