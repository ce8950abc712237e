import type { AgentConfiguration } from './agent-configuration.js';
import type { PatternInput } from './pattern-library.js';

/** The pattern type of a proven team composition. */
export const AGENT_COMPOSITION_PATTERN_TYPE = 'agent_composition';

/**
 * When a composition becomes a pattern: after at least `minUsageCount` recorded outcomes with a
 * success rate of at least `minSuccessRate`. Once contributed, the pattern is updated on every
 * later outcome, also when the composition falls below the thresholds again.
 */
export const PATTERN_THRESHOLDS = Object.freeze({ minUsageCount: 3, minSuccessRate: 0.7 });

/** The id of the pattern learned from composition `compositionId`: `composition_<id>`. */
export function patternIdForComposition(compositionId: string): string {
  return `composition_${compositionId}`;
}

/** True when the composition has earned a pattern (see {@link PATTERN_THRESHOLDS}). */
export function qualifiesForPattern(config: AgentConfiguration): boolean {
  return (
    config.usageCount >= PATTERN_THRESHOLDS.minUsageCount &&
    config.successRate >= PATTERN_THRESHOLDS.minSuccessRate
  );
}

/**
 * The `agent_composition` pattern of a composition: named after its task pattern, confidence =
 * its measured success rate, context = task pattern, strategy, agents and usage statistics.
 */
export function compositionPattern(config: AgentConfiguration): PatternInput {
  return {
    id: patternIdForComposition(config.id),
    type: AGENT_COMPOSITION_PATTERN_TYPE,
    name: config.taskPattern,
    confidence: config.successRate,
    context: {
      compositionId: config.id,
      taskPattern: config.taskPattern,
      strategy: config.strategy,
      agentTemplateIds: [...new Set(config.agents.map((agent) => agent.templateId))],
      agents: config.agents.map(({ id, templateId, tier }) => ({ id, templateId, tier })),
      qualityGates: structuredClone(config.qualityGates),
      usageCount: config.usageCount,
      successCount: config.successCount,
      failureCount: config.failureCount,
      successRate: config.successRate,
      avgQualityScore: config.avgQualityScore,
      lastUsed: config.lastUsed?.toISOString() ?? null,
    },
  };
}
