import {
  type AgentExecutionOutput,
  type AgentExecutor,
  BatonError,
  BatonErrorCode,
  DEFAULT_TIER,
  type Logger,
  type StepAgent,
  type StepEstimate,
  type Tier,
  ValidationError,
} from '@baton/core';
import type { AnswerFormat } from './agent-answer.js';
import {
  AGENT_CLI_SPECS,
  type AgentCliName,
  findExecutable,
  parseAgentCliChain,
} from './agent-cli.js';
import { buildAgentPrompt } from './agent-prompt.js';
import { resolveCliConfig } from './cli-config.js';
import { createCliExecutor } from './cli-executor.js';
import { type ModelConfig, resolveModelConfig } from './model-config.js';
import { createModelExecutor } from './model-executor.js';
import { DEFAULT_MODEL_PRICES, findModelPrice } from './prices.js';
import { tierOutputPrices } from './tier-prices.js';

/** How a run's agents are executed; kept (without secrets) with a run so that a resume sets it up again. */
export type ExecutorSpec =
  | { kind: 'model' }
  | { kind: 'agent-cli'; chain: AgentCliName[]; worktree: boolean; validate?: string | undefined };

/** An executor spec resolved against the environment: ready to build executors from. */
export type ExecutorSetup =
  | { kind: 'model'; projectRoot: string; config: ModelConfig }
  | {
      kind: 'agent-cli';
      projectRoot: string;
      chain: AgentCliName[];
      /** The binaries found on PATH, by CLI. */
      found: Partial<Record<AgentCliName, string>>;
      worktree: boolean;
      validate?: string | undefined;
      models?: Partial<Record<AgentCliName, Partial<Record<Tier, string>>>> | undefined;
      extraArgs?: Partial<Record<AgentCliName, readonly string[]>> | undefined;
      timeoutSeconds?: number | undefined;
      env: NodeJS.ProcessEnv;
    };

/** What selects an executor: the `--agent-cli`, `--worktree` and `--validate` of the CLI. */
export interface ExecutorSelection {
  /** Coding-agent CLIs, in fallback order (`"claude,codex"`). Default: `BATON_AGENT_CLI` or `agentCli.chain` of `baton.config.json`, else the model provider. */
  agentCli?: string | readonly string[] | undefined;
  /** With agent CLIs: one git worktree and branch per agent. */
  worktree?: boolean | undefined;
  /** With agent CLIs: a command run after each agent whose exit status decides its success. */
  validate?: string | undefined;
}

/**
 * The spec a selection describes. The configured chain (`BATON_AGENT_CLI`, `agentCli.chain` in
 * `baton.config.json`) applies when no CLI is selected; without any, the model provider runs the
 * agents. Bad input is a `ValidationError` naming the option.
 */
export function executorSpecFor(
  selection: ExecutorSelection,
  options: { projectRoot: string; env?: NodeJS.ProcessEnv | undefined },
): ExecutorSpec {
  const configured =
    selection.agentCli === undefined
      ? resolveCliConfig({ env: options.env ?? process.env, projectRoot: options.projectRoot })
          .chain
      : undefined;
  const agentCli = selection.agentCli ?? configured;
  if (agentCli === undefined || (typeof agentCli !== 'string' && agentCli.length === 0)) {
    if (selection.worktree === true) {
      throw new ValidationError('worktree', 'needs agent CLIs (agentCli)');
    }
    if (selection.validate !== undefined) {
      throw new ValidationError('validate', 'needs agent CLIs (agentCli)');
    }
    return { kind: 'model' };
  }
  if (selection.validate !== undefined && selection.validate.trim() === '') {
    throw new ValidationError('validate', 'needs a command, e.g. "pnpm test"');
  }
  return {
    kind: 'agent-cli',
    chain: parseAgentCliChain(
      typeof agentCli === 'string' ? agentCli : agentCli.join(','),
      selection.agentCli === undefined ? 'BATON_AGENT_CLI / agentCli.chain' : 'agentCli',
    ),
    worktree: selection.worktree === true,
    ...(selection.validate === undefined ? {} : { validate: selection.validate }),
  };
}

/** Reads a spec back from a run's metadata (`executor`). */
export function executorSpecFromMetadata(
  metadata: Record<string, unknown> | undefined,
): ExecutorSpec {
  const spec = metadata?.executor as Partial<ExecutorSpec> | undefined;
  if (spec?.kind === 'agent-cli' && Array.isArray(spec.chain)) {
    return {
      kind: 'agent-cli',
      chain: parseAgentCliChain(spec.chain, 'run.metadata.executor.chain'),
      worktree: spec.worktree === true,
      ...(typeof spec.validate === 'string' ? { validate: spec.validate } : {}),
    };
  }
  return { kind: 'model' };
}

/**
 * Checks the setup a spec needs and resolves it: a model provider from the environment and
 * `baton.config.json`, or the CLIs on PATH. Missing setup is a `BATON_CONFIGURATION` error
 * saying what to set.
 */
export async function resolveExecutorSetup(
  spec: ExecutorSpec,
  options: { projectRoot: string; env?: NodeJS.ProcessEnv | undefined },
): Promise<ExecutorSetup> {
  const { projectRoot } = options;
  const env = options.env ?? process.env;
  if (spec.kind === 'model') {
    return { kind: 'model', projectRoot, config: resolveModelConfig({ env, projectRoot }) };
  }
  const configured = resolveCliConfig({ env, projectRoot });
  const found: Partial<Record<AgentCliName, string>> = {};
  for (const name of spec.chain) {
    const location = await findExecutable(AGENT_CLI_SPECS[name].binary, env);
    if (location !== undefined) found[name] = location;
  }
  if (Object.keys(found).length === 0) {
    const binaries = spec.chain.map((name) => AGENT_CLI_SPECS[name].binary);
    throw new BatonError(
      BatonErrorCode.CONFIGURATION,
      `agent CLIs ${spec.chain.join(',')}: ${binaries.join(', ')} not found on PATH; install ${binaries.length === 1 ? 'it' : 'one of them'} or add ${binaries.length === 1 ? 'its' : 'their'} folder to PATH`,
    );
  }
  return {
    kind: 'agent-cli',
    projectRoot,
    chain: spec.chain,
    found,
    worktree: spec.worktree || configured.worktree === true,
    validate: spec.validate ?? configured.validate,
    models: configured.models,
    extraArgs: configured.extraArgs,
    timeoutSeconds: configured.timeoutSeconds,
    env,
  };
}

/** How {@link createExecutorFor} builds the executor. */
export interface CreateExecutorOptions {
  /** The run the agents belong to (CLI prompts and logs go to its folder). */
  runId?: string | undefined;
  logger?: Logger | undefined;
  /** The JSON answer the agents are asked for (default: the agent answer of `AGENT_ANSWER`). */
  answerFormat?: AnswerFormat | undefined;
  /** Agents that only read (an audit): no worktree, no validation command. */
  readOnly?: boolean | undefined;
}

/** The real executor of a setup. */
export function createExecutorFor(
  setup: ExecutorSetup,
  options: CreateExecutorOptions = {},
): AgentExecutor<StepAgent> {
  const { logger, answerFormat, readOnly } = options;
  if (setup.kind === 'model') {
    return createModelExecutor({
      ...setup.config,
      projectRoot: setup.projectRoot,
      ...(logger === undefined ? {} : { logger }),
      ...(answerFormat === undefined ? {} : { answerFormat }),
    }) as AgentExecutor<StepAgent>;
  }
  return createCliExecutor({
    chain: setup.chain,
    projectRoot: setup.projectRoot,
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    worktree: readOnly === true ? false : setup.worktree,
    ...(setup.validate === undefined || readOnly === true ? {} : { validate: setup.validate }),
    ...(setup.models === undefined ? {} : { models: setup.models }),
    ...(setup.extraArgs === undefined ? {} : { extraArgs: setup.extraArgs }),
    ...(setup.timeoutSeconds === undefined ? {} : { timeoutSeconds: setup.timeoutSeconds }),
    ...(answerFormat === undefined ? {} : { answerFormat }),
    env: setup.env,
    ...(logger === undefined ? {} : { logger }),
  }) as AgentExecutor<StepAgent>;
}

/**
 * Whether a failed output says the executor is not set up to run anything: the model provider
 * rejected the key (401/403). Another tier on the same provider would be rejected the same way,
 * and nothing a person approves changes the key of this process.
 */
export function isSetupFailure(output: AgentExecutionOutput): boolean {
  const status =
    typeof output.output === 'object' && output.output !== null
      ? (output.output as { httpStatus?: unknown }).httpStatus
      : undefined;
  return status === 401 || status === 403;
}

/**
 * What an agent run of a setup may spend, estimated before it starts: its `maxTokens` at the
 * output price of the model its tier runs on. A model executor enforces `maxTokens` (a bound); an
 * agent CLI does not, so its estimate is not a bound and its cost is unknown when no price is
 * known for every CLI of the chain.
 */
export function estimateFor(setup: ExecutorSetup): (agent: StepAgent) => StepEstimate {
  if (setup.kind === 'model') {
    const prices = tierOutputPrices(setup.config);
    return (agent) => {
      const tokens = agent.resourceRequirements?.maxTokens;
      const price = prices[(agent.tier as Tier | undefined) ?? DEFAULT_TIER];
      return {
        tokens,
        costUsd: tokens === undefined || price === undefined ? undefined : (tokens * price) / 1e6,
        bounded: true,
      };
    };
  }
  return (agent) => {
    const tokens = agent.resourceRequirements?.maxTokens;
    const tier = (agent.tier as Tier | undefined) ?? DEFAULT_TIER;
    let price: number | undefined = 0;
    for (const name of setup.chain) {
      const model = setup.models?.[name]?.[tier] ?? AGENT_CLI_SPECS[name].defaultModels[tier];
      const found = model === undefined ? undefined : findModelPrice(model, DEFAULT_MODEL_PRICES);
      // The chain may fall back to any of its CLIs: the dearest one bounds the estimate.
      price =
        found === undefined || price === undefined
          ? undefined
          : Math.max(price, found.outputPerMillion);
    }
    return {
      tokens,
      costUsd: tokens === undefined || price === undefined ? undefined : (tokens * price) / 1e6,
      bounded: false,
    };
  };
}

/** What a dry run shows for one agent: where it would run and with what prompt. */
export interface AgentLaunch {
  agentId: string;
  tier: Tier | undefined;
  /** `model` (provider and model id) or `agent-cli` (the chain and each CLI's model). */
  runsOn: string;
  model: string | undefined;
  timeoutSeconds: number | undefined;
  maxTokens: number | undefined;
  promptPreview: string;
  promptChars: number;
}

/** Describes how one agent would be started, without starting it. */
export function describeLaunch(
  setup: ExecutorSetup,
  agent: StepAgent & { role?: string; instructions?: string; capabilities?: string[] },
  task: string,
): AgentLaunch {
  const tier = agent.tier as Tier | undefined;
  const prompt = buildAgentPrompt(agent, { task }, { hasProjectTools: setup.kind === 'model' });
  const text = `${prompt.instructions}\n\n${prompt.prompt}`;
  let runsOn: string;
  let model: string | undefined;
  if (setup.kind === 'model') {
    model = setup.config.models[tier ?? DEFAULT_TIER];
    runsOn = `${setup.config.provider} ${model}`;
  } else {
    const parts = setup.chain.map((name) => {
      const chosen =
        setup.models?.[name]?.[tier ?? DEFAULT_TIER] ??
        AGENT_CLI_SPECS[name].defaultModels[tier ?? DEFAULT_TIER];
      const missing = setup.found[name] === undefined ? ' (not on PATH)' : '';
      return `${name}${chosen === undefined ? ' (its default model)' : ` ${chosen}`}${missing}`;
    });
    runsOn = `cli ${parts.join(' -> ')}`;
    model = undefined;
  }
  const flat = text.replace(/\s+/g, ' ').trim();
  return {
    agentId: agent.id,
    tier,
    runsOn,
    model,
    timeoutSeconds: agent.resourceRequirements?.timeoutSeconds,
    maxTokens: agent.resourceRequirements?.maxTokens,
    promptPreview: flat.length <= 160 ? flat : `${flat.slice(0, 159)}…`,
    promptChars: text.length,
  };
}
