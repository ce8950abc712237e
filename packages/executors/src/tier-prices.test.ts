import { DEFAULT_MODEL_PRICES, findModelPrice } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { AGENT_CLI_SPECS } from './agent-cli.js';
import { CLI_USAGE_REPORTING, foreseeCosts, tierOutputPrices } from './tier-prices.js';

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

describe('default models of every CLI and provider', () => {
  it('has a price for every default tier model of every CLI', () => {
    for (const [cli, spec] of Object.entries(AGENT_CLI_SPECS)) {
      for (const [tier, model] of Object.entries(spec.defaultModels)) {
        expect(
          findModelPrice(model, DEFAULT_MODEL_PRICES),
          `${cli} ${tier} ${model}`,
        ).toBeDefined();
      }
    }
    for (const provider of ['anthropic', 'openai'] as const) {
      expect(Object.keys(tierOutputPrices({ provider })).sort()).toEqual([
        'CAPABLE',
        'CHEAP',
        'PREMIUM',
      ]);
    }
  });

  it('says what each CLI reports as its parser reads it', () => {
    const claude = AGENT_CLI_SPECS.claude.parse(
      JSON.stringify({
        type: 'result',
        result: 'ok',
        total_cost_usd: 0.0123,
        usage: { input_tokens: 10, output_tokens: 5 },
        modelUsage: { 'claude-sonnet-4-5-20250929': {} },
      }),
      '',
    );
    expect(CLI_USAGE_REPORTING.claude).toBe('cost');
    expect(claude.costUsd).toBe(0.0123);
    const codex = AGENT_CLI_SPECS.codex.parse(
      [
        { type: 'item.completed', item: { type: 'agent_message', text: 'ok' } },
        { type: 'turn.completed', usage: { input_tokens: 9, output_tokens: 3 } },
      ]
        .map((event) => JSON.stringify(event))
        .join('\n'),
      '',
    );
    expect(CLI_USAGE_REPORTING.codex).toBe('tokens');
    expect(codex.tokens).toEqual({ inputTokens: 9, outputTokens: 3 });
    expect(codex.model).toBeUndefined();
    expect(codex.costUsd).toBeUndefined();
    const gemini = AGENT_CLI_SPECS.gemini.parse(
      JSON.stringify({
        response: 'ok',
        stats: { models: { 'gemini-2.5-flash': { tokens: { prompt: 4, candidates: 2 } } } },
      }),
      '',
    );
    expect(CLI_USAGE_REPORTING.gemini).toBe('tokens-and-model');
    expect(gemini).toMatchObject({
      model: 'gemini-2.5-flash',
      tokens: { inputTokens: 4, outputTokens: 2 },
    });
    const cursor = AGENT_CLI_SPECS.cursor.parse('plain answer', '');
    expect(CLI_USAGE_REPORTING.cursor).toBe('none');
    expect(cursor.tokens).toBeUndefined();
    expect(cursor.costUsd).toBeUndefined();
  });
});

describe('foreseeCosts', () => {
  const team = [
    { id: 'junior', tier: 'CHEAP' as const },
    { id: 'expert', tier: 'PREMIUM' as const },
  ];

  it('knows every cost before the run with a priced model provider, bounded by maxTokens', () => {
    const foresight = foreseeCosts(team, { kind: 'model', config: { provider: 'anthropic' } });
    expect(foresight).toMatchObject({
      allKnownBeforeRun: true,
      allKnownAfterRun: true,
      allTokensReported: true,
      summary:
        'the cost of every agent can be estimated before it runs and is bounded by its maxTokens',
    });
    expect(
      foresight.agents.map((agent) => [agent.models, agent.outputPerMillion, agent.tokensCapped]),
    ).toEqual([
      [['claude-haiku-4-5'], 5, true],
      [['claude-opus-4-5'], 25, true],
    ]);
  });

  it('names the model without a price, and a local server without models', () => {
    const unpriced = foreseeCosts(team, {
      kind: 'model',
      config: {
        provider: 'openai-compatible',
        models: { CHEAP: 'llama3.2', PREMIUM: 'qwen3:32b' },
        prices: { 'qwen3:32b': { inputPerMillion: 0, outputPerMillion: 0 } },
      },
    });
    expect(unpriced.allKnownBeforeRun).toBe(false);
    expect(unpriced.agents[0]).toMatchObject({
      knownBeforeRun: false,
      knownAfterRun: false,
      reasons: [
        'no price is known for model llama3.2: add it to model.prices in baton.config.json',
      ],
    });
    expect(unpriced.agents[1]).toMatchObject({ knownBeforeRun: true, outputPerMillion: 0 });
    expect(unpriced.summary).toBe(
      'the cost of 1 of 2 agents cannot be known before they run, so a USD cap cannot be enforced for them: junior (no price is known for model llama3.2: add it to model.prices in baton.config.json); a token cap can be, since their tokens are reported',
    );
    const bare = foreseeCosts([{ id: 'a', tier: 'CAPABLE' }], {
      kind: 'model',
      config: { provider: 'openai-compatible' },
    });
    expect(bare.agents[0]?.reasons).toEqual([
      'no CAPABLE model is configured for openai-compatible (it has no default models)',
    ]);
  });

  it('counts every CLI of a chain: claude reports its cost, codex on its own default model cannot be priced', () => {
    const claudeOnly = foreseeCosts(team, { kind: 'agent-cli', chain: 'claude' });
    expect(claudeOnly).toMatchObject({ allKnownBeforeRun: true, allKnownAfterRun: true });
    expect(claudeOnly.agents[1]).toMatchObject({ models: ['claude:opus'], tokensCapped: false });
    expect(claudeOnly.summary).toBe(
      'the cost of every agent can be estimated before it runs (an estimate, not a bound: CLIs take no token cap)',
    );

    const withCodex = foreseeCosts(team, { kind: 'agent-cli', chain: ['claude', 'codex'] });
    expect(withCodex.allKnownBeforeRun).toBe(false);
    expect(withCodex.allKnownAfterRun).toBe(false);
    expect(withCodex.agents[0]).toMatchObject({
      models: ['claude:haiku', 'codex:(CLI default)'],
      reasons: [
        'codex runs its own default model for CHEAP (none configured in Baton), so there is no price to estimate with; set agentCli.models.codex.CHEAP in baton.config.json',
        'codex reports tokens but not which model ran, so they cannot be priced',
      ],
    });

    const configured = foreseeCosts(team, {
      kind: 'agent-cli',
      chain: 'codex',
      models: { codex: { CHEAP: 'gpt-5-mini', PREMIUM: 'gpt-5-codex' } },
    });
    expect(configured).toMatchObject({ allKnownBeforeRun: true, allKnownAfterRun: true });
    expect(configured.agents.map((agent) => agent.outputPerMillion)).toEqual([2, 10]);
  });

  it('says cursor-agent reports neither tokens nor cost, and a custom executor is unknown', () => {
    const cursor = foreseeCosts([{ id: 'a', tier: 'CAPABLE' }], {
      kind: 'agent-cli',
      chain: 'cursor-agent',
    });
    expect(cursor).toMatchObject({ allKnownAfterRun: false, allTokensReported: false });
    expect(cursor.agents[0]?.reasons).toContain(
      'cursor reports neither tokens nor cost, so neither can be counted after the run',
    );
    expect(cursor.summary).toMatch(
      /some report no tokens either, so only a time limit bounds them$/,
    );
    const custom = foreseeCosts([{ id: 'a', tier: 'CAPABLE' }], {
      kind: 'custom',
      description: 'the test double',
    });
    expect(custom.agents[0]?.reasons[0]).toMatch(
      /^the test double runs it: Baton knows neither its model nor its price/,
    );
  });

  it('names bad input', () => {
    expect(() => foreseeCosts('x' as never, { kind: 'custom' })).toThrow(
      'team: must be a list of agents',
    );
    expect(() => foreseeCosts([], { kind: 'gpu' } as never)).toThrow(
      'setup.kind: must be one of model, agent-cli, custom',
    );
    expect(() => foreseeCosts([], { kind: 'agent-cli', chain: 'vim' })).toThrow(
      'setup.chain: unknown agent CLI "vim"',
    );
  });
});
