import { describe, expect, it } from 'vitest';
import { findModelPrice, priceUsage } from './model-prices.js';

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
