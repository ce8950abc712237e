import { z } from 'zod';
import {
  compositionPatternSchema,
  taskComplexitySchema,
  taskDomainSchema,
  tierSchema,
} from './constants.js';

const nonEmptyString = z.string().trim().min(1, 'must be a non-empty string');

/** A capability an agent can perform. */
export const agentCapabilitySchema = z.object({
  /** Capability identifier, e.g. `analyze_gaps`. */
  name: nonEmptyString,
  /** Human-readable description. */
  description: z.string().default(''),
  /** Tools needed for this capability. */
  requiredTools: z.array(nonEmptyString).default([]),
});
/** A capability an agent can perform. */
export type AgentCapability = z.output<typeof agentCapabilitySchema>;

/** Defaults of {@link ResourceRequirements}. */
export const DEFAULT_RESOURCE_REQUIREMENTS = Object.freeze({
  minTokens: 1000,
  maxTokens: 10000,
  timeoutSeconds: 300,
  memoryMb: 512,
});

/** Resource limits of one agent run. */
export const resourceRequirementsSchema = z
  .object({
    /** Minimum token budget the agent needs. */
    minTokens: z
      .number()
      .int('must be an integer')
      .min(0, 'must be >= 0')
      .default(DEFAULT_RESOURCE_REQUIREMENTS.minTokens),
    /** Maximum tokens the agent may produce. Must be >= minTokens. */
    maxTokens: z
      .number()
      .int('must be an integer')
      .min(0, 'must be >= 0')
      .default(DEFAULT_RESOURCE_REQUIREMENTS.maxTokens),
    /** Time limit of one run in seconds (fractions allowed). */
    timeoutSeconds: z
      .number()
      .positive('must be > 0')
      .default(DEFAULT_RESOURCE_REQUIREMENTS.timeoutSeconds),
    /** Memory limit in megabytes. */
    memoryMb: z.number().positive('must be > 0').default(DEFAULT_RESOURCE_REQUIREMENTS.memoryMb),
  })
  .superRefine((value, context) => {
    if (value.maxTokens < value.minTokens) {
      context.addIssue({
        code: 'custom',
        path: ['maxTokens'],
        message: `must be >= minTokens (${value.minTokens})`,
      });
    }
  });
/** Resource limits of one agent run. */
export type ResourceRequirements = z.output<typeof resourceRequirementsSchema>;

/** Quality gate thresholds, e.g. `{ min_coverage: 80 }`. */
export const qualityGatesSchema = z.record(z.string(), z.unknown(), {
  error: 'must be an object',
});
/** Quality gate thresholds, e.g. `{ min_coverage: 80 }`. */
export type QualityGates = z.output<typeof qualityGatesSchema>;

/** A reusable agent archetype. Templates are data; agents are spawned from them. */
export const agentTemplateSchema = z.object({
  /** Unique template identifier, e.g. `security_auditor`. */
  id: nonEmptyString,
  /** Human-readable role, e.g. `Security Auditor`. */
  role: nonEmptyString,
  /** Capability names; at least one. */
  capabilities: z.array(nonEmptyString).min(1, 'must list at least one capability'),
  /** The tier the template prefers. */
  tierPreference: tierSchema,
  /** Tool identifiers the agent uses. */
  tools: z.array(nonEmptyString).default([]),
  /** Instructions given to the agent. */
  defaultInstructions: nonEmptyString,
  /** Quality gate thresholds the agent checks. */
  qualityGates: qualityGatesSchema.default({}),
  /** Resource limits. */
  resourceRequirements: resourceRequirementsSchema.default(DEFAULT_RESOURCE_REQUIREMENTS),
});
/** A reusable agent archetype. */
export type AgentTemplate = z.output<typeof agentTemplateSchema>;
/** Input accepted by template validation (defaults not yet applied). */
export type AgentTemplateInput = z.input<typeof agentTemplateSchema>;

/** A template spawned at a tier for one plan. */
export const agentSchema = z.object({
  /** Unique within the plan, e.g. `code_reviewer` or `code_reviewer__cheap`. */
  id: nonEmptyString,
  /** The template this agent was spawned from. */
  templateId: nonEmptyString,
  /** Role in the team. */
  role: nonEmptyString,
  /** Tier the agent runs at. */
  tier: tierSchema,
  /** Instructions customised for the task. */
  instructions: nonEmptyString,
  capabilities: z.array(nonEmptyString),
  tools: z.array(nonEmptyString),
  qualityGates: qualityGatesSchema,
  resourceRequirements: resourceRequirementsSchema,
  /**
   * The part the agent plays in its plan's strategy (e.g. `junior`, `synthesizer`), as the
   * meta-orchestrator's agent factory marks it; kept when a team is stored and reused.
   */
  strategyRole: z.string().min(1).optional(),
});
/** A template spawned at a tier for one plan. */
export type Agent = z.output<typeof agentSchema>;

/**
 * Adds an issue on `<index>.id` for every agent whose id an earlier agent of the list already has.
 * Use it with `superRefine` on any list of agents, e.g. an extended agent schema.
 */
export function checkUniqueAgentIds(
  agents: readonly { id: string }[],
  context: z.core.$RefinementCtx<readonly { id: string }[]>,
): void {
  const first = new Map<string, number>();
  agents.forEach((agent, index) => {
    const earlier = first.get(agent.id);
    if (earlier === undefined) first.set(agent.id, index);
    else {
      context.addIssue({
        code: 'custom',
        path: [index, 'id'],
        message: `must be unique in the team ("${agent.id}" is already used at index ${earlier})`,
      });
    }
  });
}

/** A team: agents whose ids are unique in the list (a plan, a stored composition). */
export const agentTeamSchema = z.array(agentSchema).superRefine(checkUniqueAgentIds);

/** Tokens used and their price. */
export const usageSchema = z.object({
  /** Input (prompt) tokens. */
  inputTokens: z.number().int().min(0),
  /** Output (completion) tokens. */
  outputTokens: z.number().int().min(0),
  /** Cost in US dollars; absent when no price is known for the model. */
  costUsd: z.number().min(0).optional(),
  /** The model that reported the usage, when known. */
  model: z.string().optional(),
});
/** Tokens used and their price. */
export type Usage = z.output<typeof usageSchema>;

/** The result of one agent run. */
export const agentResultSchema = z.object({
  agentId: nonEmptyString,
  success: z.boolean(),
  /** What the agent produced (anything the executor returned; absent when it produced nothing). */
  output: z.unknown().optional(),
  /** Confidence 0..1 the agent reported; `null` when it reported none (never invented). */
  confidence: z.number().min(0).max(1).nullable(),
  /** Wall time of the run in seconds. */
  durationSeconds: z.number().min(0),
  /** Error text when the run failed, else empty. */
  error: z.string(),
  usage: usageSchema.optional(),
});
/** The result of one agent run. */
export type AgentResult = z.output<typeof agentResultSchema>;

/** The result of running a team with a strategy. */
export const strategyResultSchema = z.object({
  success: z.boolean(),
  outputs: z.array(agentResultSchema),
  /** Strategy-specific aggregate; see each strategy. */
  aggregatedOutput: z.record(z.string(), z.unknown()),
  /** Seconds. */
  totalDuration: z.number().min(0),
  errors: z.array(z.string()),
});
/** The result of running a team with a strategy. */
export type StrategyResult = z.output<typeof strategyResultSchema>;

/** What task analysis extracted from a task. */
export const taskRequirementsSchema = z.object({
  complexity: taskComplexitySchema,
  domain: taskDomainSchema,
  capabilitiesNeeded: z.array(z.string()),
  parallelizable: z.boolean(),
  qualityGates: qualityGatesSchema,
  context: z.record(z.string(), z.unknown()),
});
/** What task analysis extracted from a task. */
export type TaskRequirements = z.output<typeof taskRequirementsSchema>;

/** An executable plan: a team, a strategy and estimates. */
export const executionPlanSchema = z.object({
  /** The team; ids are unique in the plan. */
  agents: agentTeamSchema,
  strategy: compositionPatternSchema,
  qualityGates: qualityGatesSchema,
  /** Estimated cost in arbitrary units (CHEAP 1, CAPABLE 3, PREMIUM 10 per agent). */
  estimatedCost: z.number().min(0),
  /** Estimate in US dollars from each agent's token budget and model prices (a budget, not a bound). */
  estimatedCostUsd: z.number().min(0),
  /** Estimated duration in seconds. */
  estimatedDuration: z.number().min(0),
  complexity: taskComplexitySchema,
  domain: taskDomainSchema,
  requirements: taskRequirementsSchema,
});
/** An executable plan: a team, a strategy and estimates. */
export type ExecutionPlan = z.output<typeof executionPlanSchema>;
