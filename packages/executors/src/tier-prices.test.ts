import { DEFAULT_MODEL_PRICES, findModelPrice } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { tierOutputPrices } from './tier-prices.js';

describe('tierOutputPrices', () => {
  it('prices each tier with its default model’s output price', () => {
    const prices = tierOutputPrices({ provider: 'anthropic' });
    expect(prices.CHEAP).toBe(
      findModelPrice('claude-haiku-4-5', DEFAULT_MODEL_PRICES)?.outputPerMillion,
    );
    expect(prices.PREMIUM).toBe(
      findModelPrice('claude-opus-4-5', DEFAULT_MODEL_PRICES)?.outputPerMillion,
    );
    expect(prices.PREMIUM).toBeGreaterThan(prices.CHEAP!);
  });

  it('uses configured models and prices, and leaves out tiers without a known price', () => {
    const prices = tierOutputPrices({
      provider: 'openai-compatible',
      models: { CHEAP: 'local-small', CAPABLE: 'local-large', PREMIUM: 'mystery-model' },
      prices: {
        'local-small': { inputPerMillion: 0.1, outputPerMillion: 0.2 },
        'local-large': { inputPerMillion: 1, outputPerMillion: 3 },
      },
    });
    expect(prices).toEqual({ CHEAP: 0.2, CAPABLE: 3 });
  });
});
