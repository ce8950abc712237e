import {
  type Agent,
  DEFAULT_MODEL_PRICES,
  findModelPrice,
  type ModelPriceTable,
  TIERS,
  type Tier,
  unpricedModelNote,
  ValidationError,
} from '@baton/core';
import { AGENT_CLI_SPECS, type AgentCliName, parseAgentCliChain } from './agent-cli.js';
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

/**
 * What each coding-agent CLI reports about a run in the output Baton reads (see the `parse`
 * functions of `AGENT_CLI_SPECS`): `cost` (its own USD cost, plus tokens), `tokens-and-model`,
 * `tokens` (tokens, but not which model ran), or `none` (text only).
 */
export const CLI_USAGE_REPORTING: Readonly<
  Record<AgentCliName, 'cost' | 'tokens-and-model' | 'tokens' | 'none'>
> = Object.freeze({
  claude: 'cost',
  gemini: 'tokens-and-model',
  codex: 'tokens',
  cursor: 'none',
});

/**
 * How the agents will be run, as far as their cost is concerned. The executor setups of
 * `resolveExecutorSetup` fit as they are (`{ kind: 'model', config }`, `{ kind: 'agent-cli',
 * chain, models }`).
 */
export type CostForesightSetup =
  | {
      /** Models through a provider's API (`createModelExecutor`). */
      kind: 'model';
      /** The provider, its model per tier (over its defaults) and prices (over the defaults). */
      config: {
        provider: ModelProvider;
        models?: Partial<Record<Tier, string>> | undefined;
        prices?: ModelPriceTable | undefined;
      };
    }
  | {
      /** Coding-agent CLIs (`createCliExecutor`), tried in order. */
      kind: 'agent-cli';
      chain: readonly AgentCliName[] | string;
      /** Model per tier per CLI, over each CLI's defaults. */
      models?: Partial<Record<AgentCliName, Partial<Record<Tier, string>>>> | undefined;
      /** Prices over {@link DEFAULT_MODEL_PRICES}. */
      prices?: ModelPriceTable | undefined;
    }
  | {
      /** Any other `AgentExecutor`: Baton does not know what it runs. */
      kind: 'custom';
      /** Names it in the reasons, e.g. `the test double`. */
      description?: string | undefined;
    };

/** Whether one agent's cost can be known, before and after it runs, and why not. */
export interface AgentCostForesight {
  agentId: string;
  tier: Tier;
  /**
   * True when a price is known for what it will run on before it starts, so a USD budget can
   * reserve for it (at its `maxTokens` of output).
   */
  knownBeforeRun: boolean;
  /** True when its cost will be measured once it ran (reported by the CLI, or tokens x price). */
  knownAfterRun: boolean;
  /**
   * True when its output tokens are capped at `maxTokens` (the model executor), so the reserved
   * figure is a bound; CLIs run their own loops and take no token cap.
   */
  tokensCapped: boolean;
  /** Whether a token budget (`--max-tokens`) can count it: its tokens are reported. */
  tokensReported: boolean;
  /** The highest output price (USD per million tokens) among the models it may run on, when all are known. */
  outputPerMillion?: number | undefined;
  /** Each model it may run on, as `cli:model` or `model` (`cli:(CLI default)` when unknown). */
  models: string[];
  /** Why a cost is not known, one reason each; empty when it is. */
  reasons: string[];
}

/** The cost foresight of a team (see {@link foreseeCosts}). */
export interface CostForesight {
  agents: AgentCostForesight[];
  /** Every agent's cost can be reserved before it runs. */
  allKnownBeforeRun: boolean;
  /** Every agent's cost will be measured. */
  allKnownAfterRun: boolean;
  /** Every agent's tokens are reported, so a token budget can count them all. */
  allTokensReported: boolean;
  /** One sentence: what can be known, and for whom not and why. */
  summary: string;
}

interface ModelFacts {
  label: string;
  before: boolean;
  after: boolean;
  tokens: boolean;
  output?: number;
  reasons: string[];
}

function modelFacts(setup: Extract<CostForesightSetup, { kind: 'model' }>, tier: Tier): ModelFacts {
  const { config } = setup;
  const table = { ...DEFAULT_MODEL_PRICES, ...config.prices };
  const model = config.models?.[tier] ?? DEFAULT_TIER_MODELS[config.provider]?.[tier];
  if (model === undefined) {
    return {
      label: `${config.provider}:(no model)`,
      before: false,
      after: false,
      tokens: true,
      reasons: [`no ${tier} model is configured for ${config.provider} (it has no default models)`],
    };
  }
  const price = findModelPrice(model, table);
  return price === undefined
    ? {
        label: model,
        before: false,
        after: false,
        tokens: true,
        reasons: [unpricedModelNote(model)],
      }
    : {
        label: model,
        before: true,
        after: true,
        tokens: true,
        output: price.outputPerMillion,
        reasons: [],
      };
}

function cliFacts(
  setup: Extract<CostForesightSetup, { kind: 'agent-cli' }>,
  cli: AgentCliName,
  tier: Tier,
): ModelFacts {
  const table = { ...DEFAULT_MODEL_PRICES, ...setup.prices };
  const model = setup.models?.[cli]?.[tier] ?? AGENT_CLI_SPECS[cli].defaultModels[tier];
  const price = model === undefined ? undefined : findModelPrice(model, table);
  const reporting = CLI_USAGE_REPORTING[cli];
  const label = `${cli}:${model ?? '(CLI default)'}`;
  const reasons: string[] = [];
  if (model === undefined) {
    reasons.push(
      `${cli} runs its own default model for ${tier} (none configured in Baton), so there is no price to estimate with; set agentCli.models.${cli}.${tier} in baton.config.json`,
    );
  } else if (price === undefined) {
    reasons.push(`${cli}: ${unpricedModelNote(model)}`);
  }
  const after = reporting === 'cost' || (reporting !== 'none' && price !== undefined);
  if (reporting === 'none') {
    reasons.push(`${cli} reports neither tokens nor cost, so neither can be counted after the run`);
  } else if (!after && reporting === 'tokens' && model === undefined) {
    reasons.push(`${cli} reports tokens but not which model ran, so they cannot be priced`);
  }
  return {
    label,
    before: price !== undefined,
    after,
    tokens: reporting !== 'none',
    ...(price === undefined ? {} : { output: price.outputPerMillion }),
    reasons,
  };
}

/**
 * For a team and an executor setup, whether the cost of each agent can be known before it runs
 * (a price for the model it will run on, so a USD budget can reserve for it), whether it will be
 * known after (the CLI reports it, or reported tokens x a known price), and why not. Use it before
 * a run with a USD cap: an agent whose cost cannot be known makes the cap unenforceable for it,
 * and a token cap is the alternative when its tokens are reported. A CLI chain counts every CLI
 * in it, since any may end up running the agent.
 *
 * @example
 * ```ts
 * const foresight = foreseeCosts(plan.agents, { kind: 'agent-cli', chain: 'claude,codex' });
 * if (maxCostUsd !== undefined && !foresight.allKnownBeforeRun) warn(foresight.summary);
 * ```
 * @throws ValidationError naming `team`, `setup` or `setup.chain`
 */
export function foreseeCosts(
  team: readonly Pick<Agent, 'id' | 'tier'>[],
  setup: CostForesightSetup,
): CostForesight {
  if (!Array.isArray(team)) throw new ValidationError('team', 'must be a list of agents');
  if (typeof setup !== 'object' || setup === null) {
    throw new ValidationError('setup', 'must be an object with kind model, agent-cli or custom');
  }
  if (!['model', 'agent-cli', 'custom'].includes(setup.kind)) {
    throw new ValidationError('setup.kind', 'must be one of model, agent-cli, custom');
  }
  if (setup.kind === 'model' && typeof setup.config?.provider !== 'string') {
    throw new ValidationError('setup.config.provider', 'must name the model provider');
  }
  const chain = setup.kind === 'agent-cli' ? parseAgentCliChain(setup.chain, 'setup.chain') : [];
  const agents = team.map((agent): AgentCostForesight => {
    const base = { agentId: agent.id, tier: agent.tier };
    if (setup.kind === 'custom') {
      return {
        ...base,
        knownBeforeRun: false,
        knownAfterRun: false,
        tokensCapped: false,
        tokensReported: false,
        models: [],
        reasons: [
          `${setup.description ?? 'a custom executor'} runs it: Baton knows neither its model nor its price (its cost is counted only if it reports usage with a cost)`,
        ],
      };
    }
    const facts =
      setup.kind === 'model'
        ? [modelFacts(setup, agent.tier)]
        : chain.map((cli) => cliFacts(setup, cli, agent.tier));
    const outputs = facts.map((fact) => fact.output);
    return {
      ...base,
      knownBeforeRun: facts.every((fact) => fact.before),
      knownAfterRun: facts.every((fact) => fact.after),
      tokensCapped: setup.kind === 'model',
      tokensReported: facts.every((fact) => fact.tokens),
      ...(outputs.every((output) => output !== undefined)
        ? { outputPerMillion: Math.max(...(outputs as number[])) }
        : {}),
      models: facts.map((fact) => fact.label),
      reasons: facts.flatMap((fact) => fact.reasons),
    };
  });
  const unknownBefore = agents.filter((agent) => !agent.knownBeforeRun);
  const summary =
    unknownBefore.length === 0
      ? `the cost of every agent can be estimated before it runs${agents.every((agent) => agent.tokensCapped) ? ' and is bounded by its maxTokens' : ' (an estimate, not a bound: CLIs take no token cap)'}`
      : `the cost of ${unknownBefore.length} of ${agents.length} agents cannot be known before they run, so a USD cap cannot be enforced for them: ${unknownBefore
          .map((agent) => `${agent.agentId} (${agent.reasons.join('; ')})`)
          .join(
            '; ',
          )}${agents.every((agent) => agent.tokensReported) ? '; a token cap can be, since their tokens are reported' : '; some report no tokens either, so only a time limit bounds them'}`;
  return {
    agents,
    allKnownBeforeRun: unknownBefore.length === 0,
    allKnownAfterRun: agents.every((agent) => agent.knownAfterRun),
    allTokensReported: agents.every((agent) => agent.tokensReported),
    summary,
  };
}
