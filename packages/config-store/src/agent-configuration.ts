import { randomUUID } from 'node:crypto';
import {
  type Agent,
  agentTeamSchema,
  type CompositionPattern,
  compositionPatternSchema,
  parseWith,
  type QualityGates,
  qualityGatesSchema,
  ValidationError,
} from '@baton/core';
import { z } from 'zod';
import { isObject } from './is-object.js';
import { recordIdSchema } from './record-id.js';

/** Where timestamps come from; injectable so tests can fix the time. */
export type Clock = () => Date;

const systemClock: Clock = () => new Date();

/** Weight of a new quality score in the running average (the old average keeps the rest). */
export const QUALITY_SCORE_WEIGHT = 0.7;

const nonEmptyString = z.string().trim().min(1, 'must be a non-empty string');
const count = z.number().int('must be an integer').min(0, 'must be >= 0').default(0);
const timestampSchema = z
  .union([
    z.date({ error: 'must be a valid date' }),
    z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time string' }),
  ])
  .transform((value) => (typeof value === 'string' ? new Date(value) : value));

/**
 * A saved team composition and its measured outcomes, as stored in `<id>.json` (timestamps as
 * ISO 8601 strings; `Date` objects are accepted too). The metrics must agree with each other:
 * `successCount + failureCount = usageCount` and `successRate = successCount / usageCount`.
 */
export const agentConfigurationSchema = z
  .object({
    /** Unique id; also the file name (`<id>.json`), so it must be a safe file name. */
    id: recordIdSchema(),
    /** The kind of task the team is for, e.g. `release_prep`. */
    taskPattern: nonEmptyString,
    /** The team: agents as an execution plan holds them (spawned from templates at a tier), ids unique. */
    agents: agentTeamSchema.min(1, 'must list at least one agent'),
    /** The strategy the team runs with. */
    strategy: compositionPatternSchema,
    /** Quality gate thresholds the team was run against. */
    qualityGates: qualityGatesSchema.default({}),
    /** successCount / usageCount, 0..1 (0 before the first use). */
    successRate: z.number().min(0, 'must be >= 0').max(1, 'must be <= 1').default(0),
    /** Running average of the reported quality scores, 0..100 (0 before the first use). */
    avgQualityScore: z.number().min(0, 'must be >= 0').max(100, 'must be <= 100').default(0),
    /** Outcomes recorded. */
    usageCount: count,
    /** Successful outcomes recorded. */
    successCount: count,
    /** Failed outcomes recorded. */
    failureCount: count,
    /** When the composition was created. */
    createdAt: timestampSchema,
    /** When the last outcome was recorded; null when never used. */
    lastUsed: timestampSchema.nullable().default(null),
    /** Free-form labels. */
    tags: z.array(nonEmptyString).default([]),
  })
  .superRefine((value, context) => {
    const { usageCount, successCount, failureCount, successRate, avgQualityScore } = value;
    if (![usageCount, successCount, failureCount].every(Number.isInteger)) return;
    if (successCount + failureCount !== usageCount) {
      context.addIssue({
        code: 'custom',
        path: ['usageCount'],
        message: `must equal successCount + failureCount (${successCount + failureCount})`,
      });
      return;
    }
    const expectedRate = usageCount === 0 ? 0 : successCount / usageCount;
    if (Math.abs(successRate - expectedRate) > 1e-9) {
      context.addIssue({
        code: 'custom',
        path: ['successRate'],
        message: `must equal successCount / usageCount (${expectedRate})`,
      });
    }
    if (usageCount === 0 && avgQualityScore !== 0) {
      context.addIssue({
        code: 'custom',
        path: ['avgQualityScore'],
        message: 'must be 0 when usageCount is 0',
      });
    }
  });

/** A validated composition record, timestamps as `Date`. */
export type AgentConfigurationData = z.output<typeof agentConfigurationSchema>;

/** The JSON form of an {@link AgentConfiguration}, as written to `<id>.json`. */
export type AgentConfigurationJSON = Omit<AgentConfigurationData, 'createdAt' | 'lastUsed'> & {
  /** ISO 8601 creation time. */
  createdAt: string;
  /** ISO 8601 time of the last recorded outcome; null when never used. */
  lastUsed: string | null;
};

/**
 * What {@link AgentConfiguration}'s constructor takes: the schema's input with every metric
 * optional (a new composition starts at zero), `id` optional (a random UUID) and `createdAt`
 * optional (now).
 */
export type AgentConfigurationInit = Omit<
  z.input<typeof agentConfigurationSchema>,
  'id' | 'createdAt'
> & {
  id?: string;
  createdAt?: Date | string;
};

/** Options of {@link AgentConfiguration}. */
export interface AgentConfigurationOptions {
  /** Source of `createdAt` and `lastUsed`. Default: the system clock. */
  clock?: Clock;
}

/**
 * A team composition (agents + strategy + quality gates) for a task pattern, with the outcomes
 * measured each time it ran. Metrics change only through {@link AgentConfiguration.recordOutcome}.
 *
 * @example
 * ```ts
 * const config = new AgentConfiguration({
 *   id: 'release-prep-v1',
 *   taskPattern: 'release_prep',
 *   agents: plan.agents,
 *   strategy: plan.strategy,
 *   qualityGates: plan.qualityGates,
 * });
 * config.recordOutcome(true, 87.5);
 * config.successRate; // 1
 * const copy = AgentConfiguration.fromJSON(JSON.parse(JSON.stringify(config)));
 * ```
 */
export class AgentConfiguration {
  /** Unique id; the record is stored as `<id>.json`. */
  readonly id: string;
  /** The kind of task the team is for, e.g. `release_prep`. */
  readonly taskPattern: string;
  /** The team, as an execution plan holds it. */
  readonly agents: readonly Agent[];
  /** The strategy the team runs with. */
  readonly strategy: CompositionPattern;
  /** Quality gate thresholds the team was run against. */
  readonly qualityGates: QualityGates;
  /** Free-form labels. */
  readonly tags: readonly string[];
  /** When the composition was created. */
  readonly createdAt: Date;
  #successRate: number;
  #avgQualityScore: number;
  #usageCount: number;
  #successCount: number;
  #failureCount: number;
  #lastUsed: Date | null;
  readonly #clock: Clock;

  /** @throws ValidationError naming the offending field (`init` when it is not an object). */
  constructor(init: AgentConfigurationInit, options: AgentConfigurationOptions = {}) {
    if (!isObject(init)) throw new ValidationError('init', 'must be an object');
    this.#clock = options.clock ?? systemClock;
    const data = parseWith(agentConfigurationSchema, {
      ...init,
      id: init.id ?? randomUUID(),
      createdAt: init.createdAt ?? this.#clock(),
    });
    this.id = data.id;
    this.taskPattern = data.taskPattern;
    this.agents = data.agents;
    this.strategy = data.strategy;
    this.qualityGates = data.qualityGates;
    this.tags = data.tags;
    this.createdAt = data.createdAt;
    this.#successRate = data.successRate;
    this.#avgQualityScore = data.avgQualityScore;
    this.#usageCount = data.usageCount;
    this.#successCount = data.successCount;
    this.#failureCount = data.failureCount;
    this.#lastUsed = data.lastUsed;
  }

  /** successCount / usageCount, 0..1 (0 before the first use). */
  get successRate(): number {
    return this.#successRate;
  }

  /** Running average of quality scores, 0..100: the first score, then 0.7 × new + 0.3 × old. */
  get avgQualityScore(): number {
    return this.#avgQualityScore;
  }

  /** Outcomes recorded. */
  get usageCount(): number {
    return this.#usageCount;
  }

  /** Successful outcomes recorded. */
  get successCount(): number {
    return this.#successCount;
  }

  /** Failed outcomes recorded. */
  get failureCount(): number {
    return this.#failureCount;
  }

  /** When the last outcome was recorded; null when never used. */
  get lastUsed(): Date | null {
    return this.#lastUsed === null ? null : new Date(this.#lastUsed);
  }

  /**
   * Records one measured outcome: usageCount + 1, successCount or failureCount + 1,
   * successRate = successCount / usageCount, avgQualityScore = the score on first use and
   * 0.7 × score + 0.3 × previous average afterwards, lastUsed = now. This changes only this
   * object; to record an outcome of a stored composition use `ConfigurationStore.recordOutcome`.
   *
   * @param success whether the run succeeded
   * @param qualityScore the measured quality of the run, 0..100
   * @throws ValidationError naming `success` or `qualityScore`; nothing changes then
   */
  recordOutcome(success: boolean, qualityScore: number): this {
    assertOutcome(success, qualityScore);
    const firstUse = this.#usageCount === 0;
    this.#usageCount += 1;
    if (success) this.#successCount += 1;
    else this.#failureCount += 1;
    this.#successRate = this.#successCount / this.#usageCount;
    this.#avgQualityScore = firstUse
      ? qualityScore
      : QUALITY_SCORE_WEIGHT * qualityScore + (1 - QUALITY_SCORE_WEIGHT) * this.#avgQualityScore;
    this.#lastUsed = this.#clock();
    return this;
  }

  /** The JSON form, timestamps as ISO 8601 strings; `JSON.stringify` uses it. */
  toJSON(): AgentConfigurationJSON {
    return {
      id: this.id,
      taskPattern: this.taskPattern,
      agents: structuredClone([...this.agents]),
      strategy: this.strategy,
      qualityGates: structuredClone(this.qualityGates),
      successRate: this.#successRate,
      avgQualityScore: this.#avgQualityScore,
      usageCount: this.#usageCount,
      successCount: this.#successCount,
      failureCount: this.#failureCount,
      createdAt: this.createdAt.toISOString(),
      lastUsed: this.#lastUsed === null ? null : this.#lastUsed.toISOString(),
      tags: [...this.tags],
    };
  }

  /**
   * Rebuilds a configuration from its JSON form (e.g. a parsed `<id>.json`), validating every
   * field.
   *
   * @throws ValidationError naming each offending field, e.g. `successRate: must be <= 1`
   *   (`data` when it is not an object).
   */
  static fromJSON(data: unknown, options: AgentConfigurationOptions = {}): AgentConfiguration {
    if (!isObject(data)) throw new ValidationError('data', 'must be an object');
    const parsed = parseWith(agentConfigurationSchema, data);
    return new AgentConfiguration(parsed, options);
  }
}

/** Throws a {@link ValidationError} naming `success` or `qualityScore` when an outcome is invalid. */
export function assertOutcome(success: unknown, qualityScore: unknown): void {
  if (typeof success !== 'boolean') throw new ValidationError('success', 'must be a boolean');
  if (typeof qualityScore !== 'number' || !Number.isFinite(qualityScore)) {
    throw new ValidationError('qualityScore', 'must be a finite number');
  }
  if (qualityScore < 0 || qualityScore > 100) {
    throw new ValidationError('qualityScore', `must be between 0 and 100 (got ${qualityScore})`);
  }
}
