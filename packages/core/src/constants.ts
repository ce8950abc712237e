import { z } from 'zod';

/** Cost tiers an agent can run at, cheapest first. */
export const Tier = {
  CHEAP: 'CHEAP',
  CAPABLE: 'CAPABLE',
  PREMIUM: 'PREMIUM',
} as const;
/** A cost tier: `"CHEAP" | "CAPABLE" | "PREMIUM"`. */
export type Tier = (typeof Tier)[keyof typeof Tier];
/** Every tier, ordered from cheapest to most expensive. */
export const TIERS: readonly Tier[] = [Tier.CHEAP, Tier.CAPABLE, Tier.PREMIUM];
/** Schema of a {@link Tier}. */
export const tierSchema = z.enum(TIERS as [Tier, ...Tier[]]);

/** The tier an agent that names none runs at. */
export const DEFAULT_TIER: Tier = Tier.CAPABLE;

/** Relative cost of one agent at each tier, in Baton's arbitrary cost units. */
export const TIER_COST_UNITS: Readonly<Record<Tier, number>> = {
  CHEAP: 1,
  CAPABLE: 3,
  PREMIUM: 10,
};

/** Returns the position of a tier in {@link TIERS} (CHEAP = 0). */
export function tierRank(tier: Tier): number {
  return TIERS.indexOf(tier);
}

/** How hard a task is, as judged by task analysis. */
export const TaskComplexity = {
  SIMPLE: 'simple',
  MODERATE: 'moderate',
  COMPLEX: 'complex',
} as const;
/** A task complexity: `"simple" | "moderate" | "complex"`. */
export type TaskComplexity = (typeof TaskComplexity)[keyof typeof TaskComplexity];
/** Schema of a {@link TaskComplexity}. */
export const taskComplexitySchema = z.enum(
  Object.values(TaskComplexity) as [TaskComplexity, ...TaskComplexity[]],
);

/** The primary domain of a task. */
export const TaskDomain = {
  TESTING: 'testing',
  SECURITY: 'security',
  CODE_QUALITY: 'code_quality',
  DOCUMENTATION: 'documentation',
  PERFORMANCE: 'performance',
  ARCHITECTURE: 'architecture',
  REFACTORING: 'refactoring',
  GENERAL: 'general',
} as const;
/** A task domain such as `"testing"` or `"security"`. */
export type TaskDomain = (typeof TaskDomain)[keyof typeof TaskDomain];
/** Schema of a {@link TaskDomain}. */
export const taskDomainSchema = z.enum(Object.values(TaskDomain) as [TaskDomain, ...TaskDomain[]]);

/** The six ways a team of agents can be composed. */
export const CompositionPattern = {
  SEQUENTIAL: 'sequential',
  PARALLEL: 'parallel',
  DEBATE: 'debate',
  TEACHING: 'teaching',
  REFINEMENT: 'refinement',
  ADAPTIVE: 'adaptive',
} as const;
/** A composition pattern (strategy name) such as `"parallel"`. */
export type CompositionPattern = (typeof CompositionPattern)[keyof typeof CompositionPattern];
/** Schema of a {@link CompositionPattern}. */
export const compositionPatternSchema = z.enum(
  Object.values(CompositionPattern) as [CompositionPattern, ...CompositionPattern[]],
);
