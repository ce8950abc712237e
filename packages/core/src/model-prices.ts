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
 * discounts) of the default models of every provider and coding-agent CLI Baton runs, and their
 * close relatives. Sources, as listed in 2026:
 * - Anthropic, https://www.anthropic.com/pricing (Claude API): Opus 4.5 $5 / $25, Opus 4.1 and 4
 *   $15 / $75, Sonnet 4.5, 4 and 3.7 $3 / $15, Haiku 4.5 $1 / $5, Haiku 3.5 $0.80 / $4.
 * - OpenAI, https://openai.com/api/pricing/: GPT-5 and GPT-5-Codex $1.25 / $10, GPT-5 mini
 *   $0.25 / $2, GPT-5 nano $0.05 / $0.40, GPT-4.1 $2 / $8, GPT-4.1 mini $0.40 / $1.60, GPT-4.1 nano
 *   $0.10 / $0.40, GPT-4o $2.50 / $10, GPT-4o mini $0.15 / $0.60.
 * - Google, https://ai.google.dev/gemini-api/docs/pricing (Gemini API, paid tier): Gemini 2.5 Pro
 *   $1.25 / $10 (prompts up to 200k tokens; longer prompts cost $2.50 / $15), 2.5 Flash
 *   $0.30 / $2.50, 2.5 Flash-Lite $0.10 / $0.40 (thinking tokens are billed as output). These are
 *   the `gemini` CLI's default tier models.
 * - The `claude` CLI's default tier models are its aliases `haiku`, `sonnet` and `opus`, which it
 *   resolves to the newest model of each family (https://docs.claude.com/en/docs/claude-code/model-config);
 *   they are priced as those families' current models (Haiku 4.5, Sonnet 4.5, Opus 4.5). This is
 *   for estimates before a run: the CLI reports each run's own cost, and that is what Baton records.
 * The `codex` and `cursor-agent` CLIs have no default model in Baton (they pick their own), so
 * there is nothing to price until a model is configured. Prices change: override or extend them
 * with the `prices` options or `"model": { "prices": ... }` in `baton.config.json`. A model
 * missing here gets no cost (never a guessed one).
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
  haiku: price(1, 5),
  sonnet: price(3, 15),
  opus: price(5, 25),
  'gpt-5': price(1.25, 10),
  'gpt-5-codex': price(1.25, 10),
  'gpt-5-mini': price(0.25, 2),
  'gpt-5-nano': price(0.05, 0.4),
  'gpt-4.1': price(2, 8),
  'gpt-4.1-mini': price(0.4, 1.6),
  'gpt-4.1-nano': price(0.1, 0.4),
  'gpt-4o': price(2.5, 10),
  'gpt-4o-mini': price(0.15, 0.6),
  'gemini-2.5-pro': price(1.25, 10),
  'gemini-2.5-flash': price(0.3, 2.5),
  'gemini-2.5-flash-lite': price(0.1, 0.4),
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

/** What to do about a model without a price: one sentence, the same wherever it is said. */
export function unpricedModelNote(modelId: string): string {
  return `no price is known for model ${modelId}: add it to model.prices in baton.config.json`;
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
