/**
 * Baton's meta-orchestrator: analyses a task and composes an executable team of agents, a
 * strategy and cost/duration estimates.
 *
 * @example
 * ```ts
 * import { MetaOrchestrator, explainPlan } from '@baton/meta-orchestrator';
 *
 * const plan = new MetaOrchestrator().analyzeAndCompose('refactor code to reduce complexity');
 * plan.strategy; // "refinement"
 * explainPlan(plan); // "Task: refactor code ...\nStrategy: refinement (rule: refactoring) ..."
 * ```
 *
 * @packageDocumentation
 */
export {
  defaultAgentId,
  describeStrategyRole,
  type PlannedAgent,
  plannedAgentSchema,
  retaskAgent,
  type SpawnAgentOptions,
  StrategyRole,
  spawnAgent,
  strategyRoleSchema,
} from './agent-factory.js';
export {
  alternativeStrategies,
  type CandidateComposition,
  CandidateKind,
  type CandidateOptions,
  generateCandidates,
  tierRange,
} from './candidate-compositions.js';
export {
  type ComposedPlan,
  composedPlanSchema,
  explainPlan,
  type StrategyTeam,
  teamForStrategy,
} from './composed-plan.js';
export { MetaOrchestrator, type MetaOrchestratorOptions } from './meta-orchestrator.js';
export {
  DEFAULT_MODEL_PRICES,
  DEFAULT_TIER_MODELS,
  findModelPrice,
  type ModelPrice,
  type ModelPriceTable,
  modelPriceSchema,
  PricingProvider,
  type TierModels,
} from './model-prices.js';
export {
  type AgentCostEstimate,
  agentCostEstimateSchema,
  estimateDuration,
  estimateTeam,
  type TeamEstimate,
  type TeamPricing,
  worstCaseDuration,
} from './plan-estimates.js';
export {
  matchPrebuiltComposition,
  PREBUILT_COMPOSITIONS,
  type PrebuiltAgent,
  type PrebuiltComposition,
  type PrebuiltMatch,
  PrebuiltTaskPattern,
  spawnPrebuiltTeam,
} from './prebuilt-compositions.js';
export type { TaskContext } from './task-analysis.js';
export {
  COMPLEXITY_KEYWORDS,
  DOMAIN_KEYWORDS,
  DOMAIN_TEMPLATES,
  PARALLEL_KEYWORDS,
  SEQUENTIAL_KEYWORDS,
} from './task-keywords.js';
export { StrategyRule, strategyRuleSchema } from './team-composition.js';
