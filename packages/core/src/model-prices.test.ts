import { describe, expect, it } from 'vitest';
import { DEFAULT_TIER_MODELS, findModelPrice, priceUsage } from './model-prices.js';

describe('priceUsage', () => {
  it('multiplies measured tokens by the model price per million', () => {
    // claude-haiku-4-5: $1 in, $5 out per million.
    expect(
      priceUsage({ inputTokens: 2000, outputTokens: 1000, model: 'claude-haiku-4-5' }),
    ).toEqual({
      inputTokens: 2000,
      outputTokens: 1000,
      model: 'claude-haiku-4-5',
      costUsd: 0.007,
    });
  });

  it('prices a dated snapshot like its base model but never a different model', () => {
    expect(findModelPrice('claude-sonnet-4-5-20250929')).toEqual({
      inputPerMillion: 3,
      outputPerMillion: 15,
    });
    expect(findModelPrice('gpt-4o-mini')).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6 });
    expect(findModelPrice('gpt-4o-mini-audio')).toBeUndefined();
  });

  it('leaves costUsd out for a model without a known price', () => {
    const usage = priceUsage({ inputTokens: 10, outputTokens: 5, model: 'llama3.2' });
    expect(usage).toEqual({ inputTokens: 10, outputTokens: 5, model: 'llama3.2' });
    expect('costUsd' in usage).toBe(false);
  });

  it('knows no price for names of Object.prototype members', () => {
    for (const model of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(findModelPrice(model)).toBeUndefined();
      expect(priceUsage({ inputTokens: 1, outputTokens: 1, model })).toEqual({
        inputTokens: 1,
        outputTokens: 1,
        model,
      });
    }
  });

  it('uses a caller price table', () => {
    const usage = priceUsage(
      { inputTokens: 1_000_000, outputTokens: 0, model: 'llama3.2' },
      { 'llama3.2': { inputPerMillion: 0, outputPerMillion: 0 } },
    );
    expect(usage.costUsd).toBe(0);
  });
});

describe('DEFAULT_MODEL_PRICES', () => {
  it('prices the default model of every tier of every provider', () => {
    for (const [provider, tiers] of Object.entries(DEFAULT_TIER_MODELS)) {
      for (const [tier, model] of Object.entries(tiers)) {
        expect(findModelPrice(model), `${provider} ${tier} ${model}`).toBeDefined();
      }
    }
  });

  it('prices the gemini CLI defaults and the claude CLI aliases at their list prices', () => {
    expect(findModelPrice('gemini-2.5-flash-lite')).toEqual({
      inputPerMillion: 0.1,
      outputPerMillion: 0.4,
    });
    expect(findModelPrice('gemini-2.5-flash')).toEqual({
      inputPerMillion: 0.3,
      outputPerMillion: 2.5,
    });
    expect(findModelPrice('gemini-2.5-pro')).toEqual({
      inputPerMillion: 1.25,
      outputPerMillion: 10,
    });
    // The aliases cost what the family's current model costs.
    expect(findModelPrice('haiku')).toEqual(findModelPrice('claude-haiku-4-5'));
    expect(findModelPrice('sonnet')).toEqual(findModelPrice('claude-sonnet-4-5'));
    expect(findModelPrice('opus')).toEqual(findModelPrice('claude-opus-4-5'));
    expect(
      priceUsage({ inputTokens: 400, outputTokens: 60, model: 'gemini-2.5-flash' }).costUsd,
    ).toBe(0.00027);
  });
});
