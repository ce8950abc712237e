import {
  DEFAULT_MODEL_PRICES,
  findModelPrice,
  type ModelPriceTable,
  TIERS,
  type Tier,
} from '@baton/core';
import { DEFAULT_TIER_MODELS, type ModelProvider } from './model-provider.js';

/** What {@link tierOutputPrices} reads: a resolved model configuration (or the model executor options) works as is. */
export interface TierPricesInput {
  provider: ModelProvider;
  /** Model per tier over the provider's defaults. */
  models?: Partial<Record<Tier, string>> | undefined;
  /** Prices merged over {@link DEFAULT_MODEL_PRICES}. */
  prices?: ModelPriceTable | undefined;
}

/**
 * The output price (USD per million tokens) of each tier's model: what a run budget needs to
 * bound a step's cost before it starts, since an agent's `maxTokens` caps the tokens it produces
 * (`@baton/runtime`: `runtime.start(graph, { executor, budget, prices })`). Tiers whose model has
 * no known price are left out, so their cost is not guessed.
 *
 * @example
 * ```ts
 * const config = resolveModelConfig({ projectRoot });
 * const executor = createModelExecutor({ ...config, projectRoot });
 * runtime.start(graph, { executor, budget: { maxCostUsd: 1 }, prices: tierOutputPrices(config) });
 * ```
 */
export function tierOutputPrices(input: TierPricesInput): Partial<Record<Tier, number>> {
  const table = { ...DEFAULT_MODEL_PRICES, ...input.prices };
  const models = { ...DEFAULT_TIER_MODELS[input.provider], ...input.models };
  const prices: Partial<Record<Tier, number>> = {};
  for (const tier of TIERS) {
    const model = models[tier];
    const price = model === undefined ? undefined : findModelPrice(model, table);
    if (price !== undefined) prices[tier] = price.outputPerMillion;
  }
  return prices;
}
