import {
  type Logger,
  noopLogger,
  parseWith,
  type TaskRequirements,
  TIERS,
  ValidationError,
} from '@baton/core';
import { defaultTemplateRegistry, type TemplateRegistry } from '@baton/templates';
import { z } from 'zod';
import {
  type CandidateComposition,
  type CandidateOptions,
  generateCandidates,
} from './candidate-compositions.js';
import { type ComposedPlan, explainPlan } from './composed-plan.js';
import {
  DEFAULT_MODEL_PRICES,
  DEFAULT_TIER_MODELS,
  findModelPrice,
  type ModelPrice,
  type ModelPriceTable,
  modelPriceSchema,
  type PricingProvider,
  type TierModels,
} from './model-prices.js';
import { estimateTeam } from './plan-estimates.js';
import { type PrebuiltTaskPattern, spawnPrebuiltTeam } from './prebuilt-compositions.js';
import { analyzeTaskWithReasons, type TaskAnalysis, type TaskContext } from './task-analysis.js';
import { chooseStrategy, composeTeam, selectTemplates } from './team-composition.js';

/** Options of {@link MetaOrchestrator}. */
export interface MetaOrchestratorOptions {
  /** Where templates come from (default: `defaultTemplateRegistry` of `@baton/templates`). */
  registry?: TemplateRegistry;
  /** Whose default tier models to price with (default `anthropic`). */
  provider?: PricingProvider;
  /** The model each tier runs on, over the provider's defaults. */
  tierModels?: Partial<Record<'CHEAP' | 'CAPABLE' | 'PREMIUM', string>>;
  /** Model prices (USD per million tokens), over `DEFAULT_MODEL_PRICES`. */
  prices?: Record<string, ModelPrice>;
  /** Receives a debug line per composed plan. */
  logger?: Logger;
}

const nonEmpty = z.string().trim().min(1, 'must be a non-empty string');
const optionsSchema = z.object({
  provider: z
    .enum(['anthropic', 'openai'], { error: 'must be one of anthropic, openai' })
    .default('anthropic'),
  tierModels: z
    .object({
      CHEAP: nonEmpty.optional(),
      CAPABLE: nonEmpty.optional(),
      PREMIUM: nonEmpty.optional(),
    })
    .strict()
    .default({}),
  prices: z.record(z.string(), modelPriceSchema).default({}),
});

/**
 * Analyses tasks and composes executable agent teams: a task goes in, an `ExecutionPlan` comes out
 * with the agents (templates spawned at tiers), the strategy, the quality gates and estimates of
 * cost (units and US dollars) and duration. Synchronous and deterministic: the same task, context
 * and options always give the same plan.
 *
 * @example
 * ```ts
 * import { MetaOrchestrator } from '@baton/meta-orchestrator';
 *
 * const orchestrator = new MetaOrchestrator();
 * const plan = orchestrator.analyzeAndCompose('update API documentation');
 * plan.strategy; // "teaching"
 * plan.agents.map((agent) => agent.id); // ["documentation_writer__junior", "documentation_writer__expert"]
 * plan.estimatedCost; // 4 (CHEAP 1 + CAPABLE 3)
 * ```
 */
export class MetaOrchestrator {
  /** The template registry plans draw from. */
  readonly registry: TemplateRegistry;
  /** The model each tier is priced as. */
  readonly tierModels: TierModels;
  /** Model prices in USD per million tokens. */
  readonly prices: ModelPriceTable;
  readonly #logger: Logger;

  /**
   * @throws ValidationError naming `options`, `registry`, `provider`, `tierModels.<TIER>`
   *   (including a model with no price) or `prices.<model>.<field>`.
   */
  constructor(options: MetaOrchestratorOptions = {}) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ValidationError('options', 'must be an object');
    }
    const registry = options.registry as Partial<TemplateRegistry> | undefined;
    if (
      registry !== undefined &&
      (typeof registry?.get !== 'function' || typeof registry.getByCapability !== 'function')
    ) {
      throw new ValidationError(
        'registry',
        'must be a TemplateRegistry (with get and getByCapability)',
      );
    }
    const parsed = parseWith(optionsSchema, {
      provider: options.provider,
      tierModels: options.tierModels,
      prices: options.prices,
    });
    this.registry = options.registry ?? defaultTemplateRegistry;
    this.#logger = options.logger ?? noopLogger;
    this.prices = Object.freeze({ ...DEFAULT_MODEL_PRICES, ...parsed.prices });
    const tierModels = { ...DEFAULT_TIER_MODELS[parsed.provider], ...parsed.tierModels };
    for (const tier of TIERS) {
      if (findModelPrice(tierModels[tier], this.prices) === undefined) {
        throw new ValidationError(
          `tierModels.${tier}`,
          `no price known for model "${tierModels[tier]}"; add it to prices`,
        );
      }
    }
    this.tierModels = Object.freeze(tierModels);
  }

  /**
   * Analyses a task: complexity, domain, needed capabilities, whether it can run in parallel, and
   * the quality gates of `context.qualityGates` (or `context.quality_gates`), unchanged.
   *
   * @throws ValidationError naming `task` (empty, blank or not a string) or the bad context field.
   */
  analyzeTask(task: string, context?: TaskContext): TaskRequirements {
    return analyzeTaskWithReasons(task, context, this.registry).requirements;
  }

  /**
   * Analyses a task and composes an executable plan. Every plan can run on `@baton/strategies`:
   * teaching has exactly [junior, expert], refinement [drafter, reviewer, polisher], adaptive
   * [classifier, cheap specialist, premium specialist], debate at least two perspectives plus a
   * synthesizer (pass it with `teamForStrategy(plan)`).
   *
   * @throws ValidationError naming `task` or the bad context field; BatonError
   *   `BATON_CONFIGURATION` when the registry has no template for the task's domain.
   */
  analyzeAndCompose(task: string, context?: TaskContext): ComposedPlan {
    const analysis = analyzeTaskWithReasons(task, context, this.registry);
    const { requirements } = analysis;
    const selection = selectTemplates(requirements, this.registry);
    const choice = chooseStrategy(requirements, selection.templates.length);
    const team = composeTeam({
      strategy: choice.strategy,
      templates: selection.templates,
      requirements,
      registry: this.registry,
      task: analysis.task,
      qualityGates: requirements.qualityGates,
    });
    const plan = this.#plan(analysis, {
      agents: team.agents,
      strategy: choice.strategy,
      qualityGates: { ...requirements.qualityGates },
      strategyRule: choice.rule,
      reasons: [...selection.reasons, choice.reason, ...team.reasons],
    });
    this.#logger.debug('composed plan', {
      strategy: plan.strategy,
      rule: plan.strategyRule,
      agents: plan.agents.map((agent) => agent.id),
      estimatedCost: plan.estimatedCost,
      estimatedCostUsd: plan.estimatedCostUsd,
    });
    return plan;
  }

  /**
   * A pre-built composition (release prep, coverage boost, security deep dive; see
   * `PREBUILT_COMPOSITIONS`) as a plan for a task: its team spawned for the task, its strategy,
   * its gates overlaid with the context's, and the same estimates as any plan. `strategyRule` is
   * `prebuilt`. Use it for a task `matchPrebuiltComposition` matched.
   *
   * @example
   * ```ts
   * const match = matchPrebuiltComposition('prepare for the 2.0 release');
   * const plan = orchestrator.composePrebuilt(match!.taskPattern, 'prepare for the 2.0 release');
   * plan.agents.length; // 5 (coverage, security, quality, documentation, performance)
   * ```
   * @throws ValidationError naming `taskPattern`, `task` or the bad context field; BatonError
   *   `BATON_CONFIGURATION` when the registry lacks one of the composition's templates.
   */
  composePrebuilt(
    taskPattern: PrebuiltTaskPattern,
    task: string,
    context?: TaskContext,
  ): ComposedPlan {
    const analysis = analyzeTaskWithReasons(task, context, this.registry);
    const { requirements } = analysis;
    const team = spawnPrebuiltTeam({
      taskPattern,
      task: analysis.task,
      registry: this.registry,
      qualityGates: requirements.qualityGates,
    });
    const { composition } = team;
    return this.#plan(analysis, {
      agents: team.agents,
      strategy: composition.strategy,
      qualityGates: team.qualityGates,
      strategyRule: 'prebuilt',
      reasons: [
        `pre-built composition ${composition.taskPattern} (${composition.name}): ${composition.agents.length} agents, ${composition.strategy}`,
      ],
    });
  }

  /**
   * The candidate compositions for a plan's task pattern, priced with this orchestrator's models:
   * the plan's team, the same team one tier down and up, and the other strategies the rules can
   * build for it, each executable (see `generateCandidates`).
   *
   * @example
   * ```ts
   * const plan = orchestrator.analyzeAndCompose('review the payment module');
   * for (const candidate of orchestrator.composeCandidates(plan)) {
   *   console.log(candidate.description, candidate.estimatedCostUsd);
   * }
   * ```
   */
  composeCandidates(plan: ComposedPlan, options: CandidateOptions = {}): CandidateComposition[] {
    return generateCandidates(plan, {
      ...options,
      registry: this.registry,
      pricing: { prices: this.prices, tierModels: this.tierModels },
    });
  }

  /** A plan from an analysis and a team: the estimates priced with this orchestrator's models. */
  #plan(
    analysis: TaskAnalysis,
    team: Pick<ComposedPlan, 'agents' | 'strategy' | 'qualityGates' | 'strategyRule' | 'reasons'>,
  ): ComposedPlan {
    const { requirements } = analysis;
    const estimate = estimateTeam(team.agents, team.strategy, {
      prices: this.prices,
      tierModels: this.tierModels,
    });
    return {
      agents: team.agents,
      strategy: team.strategy,
      qualityGates: team.qualityGates,
      estimatedCost: estimate.estimatedCost,
      estimatedCostUsd: estimate.estimatedCostUsd,
      estimatedDuration: estimate.estimatedDuration,
      complexity: requirements.complexity,
      domain: requirements.domain,
      requirements,
      task: analysis.task,
      strategyRule: team.strategyRule,
      reasons: [...analysis.reasons, ...team.reasons],
      costBreakdown: estimate.costBreakdown,
    };
  }

  /** A human-readable account of a plan (see `explainPlan`). */
  static explain(plan: ComposedPlan): string {
    return explainPlan(plan);
  }
}
