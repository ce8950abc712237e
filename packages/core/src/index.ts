export {
  abortReason,
  delay,
  MAX_TIMER_MS,
  mergeAbortSignals,
  throwIfAborted,
  type WithTimeoutOptions,
  withTimeout,
} from './abort.js';
export { mapWithConcurrency } from './concurrency.js';
export {
  CompositionPattern,
  compositionPatternSchema,
  TaskComplexity,
  TaskDomain,
  TIER_COST_UNITS,
  TIERS,
  Tier,
  taskComplexitySchema,
  taskDomainSchema,
  tierRank,
  tierSchema,
} from './constants.js';
export {
  AbortedError,
  BatonError,
  BatonErrorCode,
  type BatonErrorOptions,
  describeError,
  TimeoutError,
  toBatonError,
  ValidationError,
  type ValidationIssue,
} from './errors.js';
export {
  type AgentEndEvent,
  type AgentStartEvent,
  BatonEmitter,
  type BatonEventMap,
  type Correlation,
  type PhaseEvent,
  type StrategyEndEvent,
  type StrategyStartEvent,
  type UsageEvent,
} from './events.js';
export type {
  AgentExecutionOptions,
  AgentExecutionOutput,
  AgentExecutor,
  ExecutableAgent,
} from './executor.js';
export { type Logger, noopLogger } from './logger.js';
export {
  DEFAULT_MODEL_PRICES,
  DEFAULT_TIER_MODELS,
  findModelPrice,
  type ModelPrice,
  type ModelPriceTable,
  modelPriceSchema,
  priceUsage,
  type TierModels,
} from './model-prices.js';
export { backoffDelay, parseRetryAfter, type RetryOptions, retry } from './retry.js';
export {
  type Agent,
  type AgentCapability,
  type AgentResult,
  type AgentTemplate,
  type AgentTemplateInput,
  agentCapabilitySchema,
  agentResultSchema,
  agentSchema,
  agentTeamSchema,
  agentTemplateSchema,
  checkUniqueAgentIds,
  DEFAULT_RESOURCE_REQUIREMENTS,
  type ExecutionPlan,
  executionPlanSchema,
  type QualityGates,
  qualityGatesSchema,
  type ResourceRequirements,
  resourceRequirementsSchema,
  type StrategyResult,
  strategyResultSchema,
  type TaskRequirements,
  taskRequirementsSchema,
  type Usage,
  usageSchema,
} from './schemas.js';
export { type ParseOptions, parseWith, zodIssues } from './validate.js';
