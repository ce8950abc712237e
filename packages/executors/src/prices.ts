// The price table lives in @baton/core so that plans (meta-orchestrator) and measured usage
// (executors) are priced from one source. Re-exported here for this package's users.
export {
  DEFAULT_MODEL_PRICES,
  findModelPrice,
  type ModelPrice,
  type ModelPriceTable,
  modelPriceSchema,
  priceUsage,
} from '@baton/core';
