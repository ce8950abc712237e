// The price table and default tier models live in @baton/core so that plans and measured usage
// are priced from one source (the same figures @baton/executors uses).
export {
  DEFAULT_MODEL_PRICES,
  DEFAULT_TIER_MODELS,
  findModelPrice,
  type ModelPrice,
  type ModelPriceTable,
  modelPriceSchema,
  type TierModels,
} from '@baton/core';

/** Providers with default tier models. */
export const PricingProvider = {
  ANTHROPIC: 'anthropic',
  OPENAI: 'openai',
} as const;
/** `"anthropic" | "openai"`. */
export type PricingProvider = (typeof PricingProvider)[keyof typeof PricingProvider];
