import { z } from 'zod';
import type { Tier } from './constants.js';
import type { Usage } from './schemas.js';

/** Price of one model in US dollars per million tokens. */
export const modelPriceSchema = z.object({
  /** USD per million input (prompt) tokens. */
  inputPerMillion: z.number().min(0, 'must be >= 0'),
  /** USD per million output (completion) tokens. */
  outputPerMillion: z.number().min(0, 'must be >= 0'),
});
/** Price of one model in US dollars per million tokens. */
export type ModelPrice = z.output<typeof modelPriceSchema>;

/** Model id -> price. */
export type ModelPriceTable = Readonly<Record<string, ModelPrice>>;

const price = (inputPerMillion: number, outputPerMillion: number): ModelPrice =>
  Object.freeze({ inputPerMillion, outputPerMillion });

/**
 * Published list prices in USD per million tokens (standard tier, no prompt caching or batch
 * discounts) of the default models and their close relatives, as listed on
 * https://www.anthropic.com/pricing and https://openai.com/api/pricing/ in November 2025. Prices
 * change: override or extend them with the `prices` options or `"model": { "prices": ... }` in
 * `baton.config.json`. A model missing here gets no cost (never a guessed one).
 */
export const DEFAULT_MODEL_PRICES: ModelPriceTable = Object.freeze({
  'claude-opus-4-5': price(5, 25),
  'claude-opus-4-1': price(15, 75),
  'claude-opus-4-0': price(15, 75),
  'claude-sonnet-4-5': price(3, 15),
  'claude-sonnet-4-0': price(3, 15),
  'claude-3-7-sonnet': price(3, 15),
  'claude-haiku-4-5': price(1, 5),
  'claude-3-5-haiku': price(0.8, 4),
  'gpt-5': price(1.25, 10),
  'gpt-5-mini': price(0.25, 2),
  'gpt-5-nano': price(0.05, 0.4),
  'gpt-4.1': price(2, 8),
  'gpt-4.1-mini': price(0.4, 1.6),
  'gpt-4.1-nano': price(0.1, 0.4),
  'gpt-4o': price(2.5, 10),
  'gpt-4o-mini': price(0.15, 0.6),
});

/** The model each tier runs on. */
export type TierModels = Readonly<Record<Tier, string>>;

/**
 * Default model of each tier per provider: Anthropic Claude Haiku / Sonnet / Opus class models,
 * OpenAI GPT-4.1 mini / GPT-4.1 / GPT-5.
 */
export const DEFAULT_TIER_MODELS: Readonly<Record<'anthropic' | 'openai', TierModels>> =
  Object.freeze({
    anthropic: Object.freeze({
      CHEAP: 'claude-haiku-4-5',
      CAPABLE: 'claude-sonnet-4-5',
      PREMIUM: 'claude-opus-4-5',
    }),
    openai: Object.freeze({ CHEAP: 'gpt-4.1-mini', CAPABLE: 'gpt-4.1', PREMIUM: 'gpt-5' }),
  });

const SNAPSHOT_SUFFIX = /^-(?:\d{8}|\d{4}-\d{2}-\d{2}|latest)$/;

/**
 * The price of a model: an exact match, or the base model of a dated snapshot
 * (`claude-sonnet-4-5-20250929` -> `claude-sonnet-4-5`). Undefined when unknown.
 */
export function findModelPrice(
  modelId: string,
  prices: ModelPriceTable = DEFAULT_MODEL_PRICES,
): ModelPrice | undefined {
  // Own keys only: `toString` or `constructor` must not find Object.prototype's functions.
  if (Object.hasOwn(prices, modelId)) return prices[modelId];
  let best: { key: string; price: ModelPrice } | undefined;
  for (const [key, value] of Object.entries(prices)) {
    if (!modelId.startsWith(key) || !SNAPSHOT_SUFFIX.test(modelId.slice(key.length))) continue;
    if (best === undefined || key.length > best.key.length) best = { key, price: value };
  }
  return best?.price;
}

/**
 * Turns measured token counts into a {@link Usage}: `costUsd` = tokens x price when the model's
 * price is known, absent otherwise.
 *
 * @example
 * ```ts
 * priceUsage({ inputTokens: 1000, outputTokens: 500, model: 'claude-haiku-4-5' });
 * // { inputTokens: 1000, outputTokens: 500, model: 'claude-haiku-4-5', costUsd: 0.0035 }
 * ```
 */
export function priceUsage(
  tokens: { inputTokens: number; outputTokens: number; model: string },
  prices: ModelPriceTable = DEFAULT_MODEL_PRICES,
): Usage {
  const usage: Usage = {
    inputTokens: tokens.inputTokens,
    outputTokens: tokens.outputTokens,
    model: tokens.model,
  };
  const modelPrice = findModelPrice(tokens.model, prices);
  if (modelPrice !== undefined) {
    const cost =
      (tokens.inputTokens * modelPrice.inputPerMillion +
        tokens.outputTokens * modelPrice.outputPerMillion) /
      1_000_000;
    usage.costUsd = Math.round(cost * 1e9) / 1e9;
  }
  return usage;
}
