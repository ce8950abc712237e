import { randomUUID } from 'node:crypto';
import {
  type Agent,
  type AgentTemplate,
  type agentSchema,
  agentTeamSchema,
  type CompositionPattern,
  compositionPatternSchema,
  parseWith,
  type QualityGates,
  qualityGatesSchema,
  type Tier,
  tierSchema,
  ValidationError,
} from '@baton/core';
import {
  agentFromTemplate,
  defaultTemplateRegistry,
  type TemplateRegistry,
} from '@baton/templates';
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
 * How a candidate composition of a task pattern was derived (see `@baton/meta-orchestrator`'s
 * candidate generation): the kind, in words, and the plan's estimates. Estimates are what the
 * plan budgets, not measurements; the measured cost is in the outcomes.
 */
export const compositionVariantSchema = z.object({
  /** How it was derived, e.g. `composed`, `tier-down`, `strategy`, `prebuilt`. */
  kind: nonEmptyString,
  /** In words, e.g. `one tier down`, `debate instead of parallel`. */
  description: nonEmptyString,
  /** Cost units of the team (CHEAP 1, CAPABLE 3, PREMIUM 10 per agent). */
  estimatedCost: z.number().min(0, 'must be >= 0'),
  /** The plan's cost estimate in USD; null when a tier's model has no known price. */
  estimatedCostUsd: z.number().min(0, 'must be >= 0').nullable(),
});
/** How a candidate composition was derived. */
export type CompositionVariant = z.output<typeof compositionVariantSchema>;

/** What one run measured besides success and quality (see {@link AgentConfiguration.recordOutcome}). */
export interface OutcomeMeasures {
  /** What the run cost in USD; null or absent when it could not be known. */
  costUsd?: number | null | undefined;
  /** How long the run took in seconds; absent when not measured. */
  durationSeconds?: number | null | undefined;
}

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
    /**
     * Running average of the known quality scores, 0..100: the first known score, then
     * 0.7 x new + 0.3 x old. 0 while no outcome had a known score (`qualityScoreCount` 0).
     */
    avgQualityScore: z.number().min(0, 'must be >= 0').max(100, 'must be <= 100').default(0),
    /**
     * Outcomes recorded with a known quality score; the others had none (unknown, not 0) and left
     * `avgQualityScore` unchanged. Files written before unknown scores existed lack it: every
     * outcome they counted had a score, so it defaults to `usageCount` there.
     */
    qualityScoreCount: count,
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
    /** Outcomes recorded with a known cost. */
    costCount: count,
    /** Sum of the known costs in USD (of `costCount` outcomes). */
    totalCostUsd: z.number().min(0, 'must be >= 0').default(0),
    /** Outcomes recorded with a measured duration. */
    durationCount: count,
    /** Sum of the measured durations in seconds (of `durationCount` outcomes). */
    totalDurationSeconds: z.number().min(0, 'must be >= 0').default(0),
    /** How the composition was derived, when it is one of its task pattern's candidates. */
    variant: compositionVariantSchema.optional(),
  })
  .superRefine((value, context) => {
    const { usageCount, successCount, failureCount, successRate, avgQualityScore } = value;
    if (![usageCount, successCount, failureCount].every(Number.isInteger)) return;
    for (const [field, total] of [
      ['qualityScoreCount', undefined],
      ['costCount', 'totalCostUsd'],
      ['durationCount', 'totalDurationSeconds'],
    ] as const) {
      if (value[field] > usageCount) {
        context.addIssue({
          code: 'custom',
          path: [field],
          message: `must be <= usageCount (${usageCount})`,
        });
      } else if (total !== undefined && value[field] === 0 && value[total] !== 0) {
        context.addIssue({
          code: 'custom',
          path: [total],
          message: `must be 0 when ${field} is 0`,
        });
      }
    }
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
    if (value.qualityScoreCount === 0 && avgQualityScore !== 0) {
      context.addIssue({
        code: 'custom',
        path: ['avgQualityScore'],
        message:
          usageCount === 0
            ? 'must be 0 when usageCount is 0'
            : 'must be 0 when qualityScoreCount is 0 (no known score)',
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
  'id' | 'createdAt' | 'agents'
> & {
  id?: string;
  createdAt?: Date | string;
  /** Full agents (as a plan holds them) or references to templates, in any mix. */
  agents: ReadonlyArray<z.input<typeof agentSchema> | AgentReference>;
};

/**
 * A team member written as a reference to a template, the way the user guide writes a team:
 * `{ role: 'security_auditor', tier: 'PREMIUM' }` or `{ templateId: 'security_auditor' }`. It
 * becomes the template's agent at that tier (default: the template's preference), with the
 * template's own instructions; the task of each run is added when the composition runs.
 */
export interface AgentReference {
  /** The template id. */
  templateId?: string;
  /**
   * The template, as the user guide writes it (when `templateId` is absent): its id, its role
   * (`Security Auditor`) or the words of its id (`test_analyzer`), when they name one template.
   */
  role?: string;
  tier?: Tier;
  /** The agent's id in the team. Default: the template id. */
  id?: string;
}

/** Options of {@link AgentConfiguration}. */
export interface AgentConfigurationOptions {
  /** Source of `createdAt` and `lastUsed`. Default: the system clock. */
  clock?: Clock;
  /** Where agent references find their templates. Default: the built-in templates' registry. */
  templates?: TemplateRegistry;
}

/**
 * A team composition (agents + strategy + quality gates) for a task pattern, with the outcomes
 * measured each time it ran: success, quality (when known), cost (when known) and duration.
 * Metrics change only through {@link AgentConfiguration.recordOutcome}.
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
 * config.recordOutcome(true, 87.5, { costUsd: 0.021, durationSeconds: 48 });
 * config.recordOutcome(true, null); // no scorer measured the quality: unknown, not 0
 * config.successRate; // 1
 * config.avgQualityScore; // 87.5 (unknown scores leave it unchanged)
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
  /** How it was derived, when it is one of its task pattern's candidates. */
  readonly variant: CompositionVariant | undefined;
  #successRate: number;
  #avgQualityScore: number;
  #qualityScoreCount: number;
  #usageCount: number;
  #successCount: number;
  #failureCount: number;
  #costCount: number;
  #totalCostUsd: number;
  #durationCount: number;
  #totalDurationSeconds: number;
  #lastUsed: Date | null;
  readonly #clock: Clock;

  /** @throws ValidationError naming the offending field (`init` when it is not an object). */
  constructor(init: AgentConfigurationInit, options: AgentConfigurationOptions = {}) {
    if (!isObject(init)) throw new ValidationError('init', 'must be an object');
    this.#clock = options.clock ?? systemClock;
    const data = parseWith(agentConfigurationSchema, {
      ...withLegacyDefaults(withTemplateAgents(init, options.templates)),
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
    this.variant = data.variant;
    this.#successRate = data.successRate;
    this.#avgQualityScore = data.avgQualityScore;
    this.#qualityScoreCount = data.qualityScoreCount;
    this.#usageCount = data.usageCount;
    this.#successCount = data.successCount;
    this.#failureCount = data.failureCount;
    this.#costCount = data.costCount;
    this.#totalCostUsd = data.totalCostUsd;
    this.#durationCount = data.durationCount;
    this.#totalDurationSeconds = data.totalDurationSeconds;
    this.#lastUsed = data.lastUsed;
  }

  /** successCount / usageCount, 0..1 (0 before the first use). */
  get successRate(): number {
    return this.#successRate;
  }

  /**
   * Running average of the known quality scores, 0..100: the first known score, then
   * 0.7 x new + 0.3 x old. Unknown scores leave it unchanged; 0 while no score is known (see
   * {@link AgentConfiguration.qualityScoreCount}).
   */
  get avgQualityScore(): number {
    return this.#avgQualityScore;
  }

  /** Outcomes recorded with a known quality score; 0 means the quality is unknown so far. */
  get qualityScoreCount(): number {
    return this.#qualityScoreCount;
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

  /** Outcomes recorded with a known cost. */
  get costCount(): number {
    return this.#costCount;
  }

  /** Sum of the known costs in USD. */
  get totalCostUsd(): number {
    return this.#totalCostUsd;
  }

  /** Average known cost of a run in USD; null while no run's cost was known. */
  get avgCostUsd(): number | null {
    return this.#costCount === 0 ? null : this.#totalCostUsd / this.#costCount;
  }

  /** Outcomes recorded with a measured duration. */
  get durationCount(): number {
    return this.#durationCount;
  }

  /** Sum of the measured durations in seconds. */
  get totalDurationSeconds(): number {
    return this.#totalDurationSeconds;
  }

  /** Average measured duration of a run in seconds; null while none was measured. */
  get avgDurationSeconds(): number | null {
    return this.#durationCount === 0 ? null : this.#totalDurationSeconds / this.#durationCount;
  }

  /** When the last outcome was recorded; null when never used. */
  get lastUsed(): Date | null {
    return this.#lastUsed === null ? null : new Date(this.#lastUsed);
  }

  /**
   * Records one measured outcome: usageCount + 1, successCount or failureCount + 1,
   * successRate = successCount / usageCount, lastUsed = now. A known quality score updates
   * avgQualityScore (BEHAVIOUR §5: the first known score, then 0.7 x score + 0.3 x previous
   * average) and qualityScoreCount; an unknown one (`null`: no scorer measured the run) leaves
   * both unchanged, so an unmeasured run never drags the average towards 0. A known cost and a
   * measured duration add to their totals. This changes only this object; to record an outcome
   * of a stored composition use `ConfigurationStore.recordOutcome`.
   *
   * @param success whether the run succeeded
   * @param qualityScore the measured quality of the run, 0..100, or null when unknown
   * @param measures the run's cost in USD (null when unknown) and duration in seconds
   * @throws ValidationError naming `success`, `qualityScore`, `costUsd` or `durationSeconds`;
   *   nothing changes then
   */
  recordOutcome(
    success: boolean,
    qualityScore: number | null,
    measures: OutcomeMeasures = {},
  ): this {
    assertOutcome(success, qualityScore, measures);
    this.#usageCount += 1;
    if (success) this.#successCount += 1;
    else this.#failureCount += 1;
    this.#successRate = this.#successCount / this.#usageCount;
    if (qualityScore !== null) this.#addQualityScore(qualityScore);
    const { costUsd, durationSeconds } = measures ?? {};
    if (typeof costUsd === 'number') {
      this.#costCount += 1;
      this.#totalCostUsd += costUsd;
    }
    if (typeof durationSeconds === 'number') {
      this.#durationCount += 1;
      this.#totalDurationSeconds += durationSeconds;
    }
    this.#lastUsed = this.#clock();
    return this;
  }

  /**
   * Records a run's quality measured after its outcome was recorded (a person's rating given
   * later, say), with no use, success, cost or duration counted again. The average moves towards
   * the score as for an outcome's (0.7 x new + 0.3 x old). `previousScore` is the quality the
   * run's outcome was recorded with: when it was unknown (null) the run's score is now known
   * (qualityScoreCount + 1); when it was known the run is re-scored (the count stays). To record
   * it on a stored composition use `ConfigurationStore.recordQuality`.
   *
   * @throws ValidationError naming `qualityScore` unless it is a number 0..100, or
   *   `previousScore` when it is not 0..100 or null, or is null while every use has a known
   *   score; nothing changes then
   */
  recordQuality(revision: QualityRevision): this {
    assertQualityRevision(revision);
    if (revision.previousScore === null) {
      if (this.#qualityScoreCount >= this.#usageCount) {
        throw new ValidationError(
          'previousScore',
          `is null, but every one of the ${this.#usageCount} recorded uses has a known score`,
        );
      }
      this.#addQualityScore(revision.qualityScore);
    } else if (this.#qualityScoreCount === 0) {
      throw new ValidationError('previousScore', 'is a score, but no use has a known score');
    } else {
      this.#addQualityScore(revision.qualityScore);
      this.#qualityScoreCount -= 1;
    }
    return this;
  }

  #addQualityScore(qualityScore: number): void {
    this.#avgQualityScore =
      this.#qualityScoreCount === 0
        ? qualityScore
        : QUALITY_SCORE_WEIGHT * qualityScore + (1 - QUALITY_SCORE_WEIGHT) * this.#avgQualityScore;
    this.#qualityScoreCount += 1;
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
      qualityScoreCount: this.#qualityScoreCount,
      usageCount: this.#usageCount,
      successCount: this.#successCount,
      failureCount: this.#failureCount,
      costCount: this.#costCount,
      totalCostUsd: this.#totalCostUsd,
      durationCount: this.#durationCount,
      totalDurationSeconds: this.#totalDurationSeconds,
      createdAt: this.createdAt.toISOString(),
      lastUsed: this.#lastUsed === null ? null : this.#lastUsed.toISOString(),
      tags: [...this.tags],
      ...(this.variant === undefined ? {} : { variant: { ...this.variant } }),
    };
  }

  /**
   * Rebuilds a configuration from its JSON form (e.g. a parsed `<id>.json`), validating every
   * field. A file written before unknown quality scores existed (no `qualityScoreCount`) counts
   * every outcome as scored.
   *
   * @throws ValidationError naming each offending field, e.g. `successRate: must be <= 1`
   *   (`data` when it is not an object).
   */
  static fromJSON(data: unknown, options: AgentConfigurationOptions = {}): AgentConfiguration {
    if (!isObject(data)) throw new ValidationError('data', 'must be an object');
    const parsed = parseWith(
      agentConfigurationSchema,
      withLegacyDefaults(withTemplateAgents(data, options.templates)),
    );
    return new AgentConfiguration(parsed, options);
  }
}

const REFERENCE_FIELDS = ['templateId', 'role', 'tier', 'id'];

/** A team entry with no instructions that names a template is a reference to it. */
function isAgentReference(entry: unknown): entry is Record<string, unknown> {
  if (!isObject(entry)) return false;
  const fields = entry as Record<string, unknown>;
  return (
    fields.instructions === undefined &&
    (typeof fields.templateId === 'string' || typeof fields.role === 'string')
  );
}

/**
 * The template a `role` names: its id, its role as people read it (`Security Auditor`, any
 * case), or the one template whose id holds every word of the name (`test_analyzer` is
 * `test_coverage_analyzer`, as the user guide writes it). Undefined when none or several match.
 */
function templateForRole(name: string, templates: TemplateRegistry): AgentTemplate | undefined {
  const exact = templates.get(name);
  if (exact !== undefined) return exact;
  const all = templates.getAll();
  const wanted = name.trim().toLowerCase();
  const byRole = all.filter((template) => template.role.toLowerCase() === wanted);
  if (byRole.length === 1) return byRole[0];
  const words = wanted.split(/[\s_-]+/).filter((word) => word !== '');
  const byWords = all.filter((template) => {
    const parts = template.id.toLowerCase().split('_');
    return words.length > 0 && words.every((word) => parts.includes(word));
  });
  return byWords.length === 1 ? byWords[0] : undefined;
}

/** The team with each {@link AgentReference} replaced by its template's agent. */
function withTemplateAgents<T extends object>(data: T, templates = defaultTemplateRegistry): T {
  const { agents } = data as { agents?: unknown };
  if (!Array.isArray(agents) || !agents.some(isAgentReference)) return data;
  const hydrated = agents.map((entry: unknown, index) => {
    if (!isAgentReference(entry)) return entry;
    const at = `agents.${index}`;
    const extra = Object.keys(entry).find((key) => !REFERENCE_FIELDS.includes(key));
    if (extra !== undefined) {
      throw new ValidationError(
        `${at}.${extra}`,
        'is not a field of an agent reference ({ templateId or role, tier?, id? }); a full agent also needs instructions',
      );
    }
    const field = typeof entry.templateId === 'string' ? 'templateId' : 'role';
    const name = entry[field] as string;
    const template =
      field === 'templateId' ? templates.get(name) : templateForRole(name, templates);
    if (template === undefined) {
      const known = templates
        .getAll()
        .map((candidate) => candidate.id)
        .join(', ');
      throw new ValidationError(`${at}.${field}`, `no template "${name}" (known: ${known})`);
    }
    const tier = parseWith(tierSchema.optional(), entry.tier, { label: `${at}.tier` });
    const id = parseWith(z.string().min(1).optional(), entry.id, { label: `${at}.id` });
    return agentFromTemplate(template, { tier, id });
  });
  return { ...data, agents: hydrated };
}

/** Older files have no `qualityScoreCount`: each outcome they counted came with a score. */
function withLegacyDefaults<T extends object>(data: T): T {
  const record = data as { qualityScoreCount?: unknown; usageCount?: unknown };
  return record.qualityScoreCount === undefined && record.usageCount !== undefined
    ? { ...data, qualityScoreCount: record.usageCount }
    : data;
}

const nonNegative = (value: unknown): boolean =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** A run's quality measured after its outcome was recorded (see {@link AgentConfiguration.recordQuality}). */
export interface QualityRevision {
  /** The run's quality now, 0..100. */
  qualityScore: number;
  /** The quality its outcome was recorded with: null when it was unknown. */
  previousScore: number | null;
}

/** Checks a {@link QualityRevision}, naming the bad field. */
export function assertQualityRevision(revision: unknown): asserts revision is QualityRevision {
  if (!isObject(revision)) throw new ValidationError('revision', 'must be an object');
  const { qualityScore, previousScore } = revision as Partial<QualityRevision>;
  if (typeof qualityScore !== 'number') {
    throw new ValidationError('qualityScore', 'must be a number from 0 to 100');
  }
  assertOutcome(true, qualityScore);
  if (previousScore === undefined) {
    throw new ValidationError('previousScore', 'must be the score recorded before, or null');
  }
  try {
    assertOutcome(true, previousScore);
  } catch {
    throw new ValidationError('previousScore', 'must be a number from 0 to 100, or null');
  }
}

/**
 * Throws a {@link ValidationError} naming `success`, `qualityScore`, `costUsd` or
 * `durationSeconds` when an outcome is invalid. `qualityScore` is 0..100 or null (unknown);
 * `costUsd` a number >= 0, null or absent; `durationSeconds` a number >= 0 or absent.
 */
export function assertOutcome(
  success: unknown,
  qualityScore: unknown,
  measures: unknown = {},
): void {
  if (typeof success !== 'boolean') throw new ValidationError('success', 'must be a boolean');
  if (qualityScore !== null) {
    if (typeof qualityScore !== 'number' || !Number.isFinite(qualityScore)) {
      throw new ValidationError('qualityScore', 'must be a finite number, or null when unknown');
    }
    if (qualityScore < 0 || qualityScore > 100) {
      throw new ValidationError('qualityScore', `must be between 0 and 100 (got ${qualityScore})`);
    }
  }
  if (measures === undefined || measures === null) return;
  if (!isObject(measures)) throw new ValidationError('measures', 'must be an object');
  const { costUsd, durationSeconds } = measures as OutcomeMeasures;
  if (costUsd !== undefined && costUsd !== null && !nonNegative(costUsd)) {
    throw new ValidationError('costUsd', 'must be a finite number >= 0, or null when unknown');
  }
  if (durationSeconds !== undefined && durationSeconds !== null && !nonNegative(durationSeconds)) {
    throw new ValidationError('durationSeconds', 'must be a finite number >= 0');
  }
}
