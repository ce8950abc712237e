import type { AgentExecutionOutput, AgentExecutor, Logger, Tier } from '@baton/core';
import {
  AGENT_CLI_SPECS,
  type AgentCliName,
  buildAgentPrompt,
  createCliExecutor,
  createModelExecutor,
  findExecutable,
  type ModelConfig,
  parseAgentCliChain,
  resolveCliConfig,
  resolveModelConfig,
  tierOutputPrices,
} from '@baton/executors';
import type { StepAgent, TierPrices } from '@baton/runtime';
import { UsageError } from '../io.js';

/** How a run's agents are executed; kept (without secrets) in the run's metadata for resume. */
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

/** The hidden seam tests use to replace the real executors (not part of the user-facing CLI). */
export type ExecutorFactory = (
  setup: ExecutorSetup,
  context: { runId: string; logger: Logger },
) => AgentExecutor<StepAgent>;

/** The spec `baton run` flags describe. */
export function executorSpecFromFlags(flags: {
  agentCli?: string | undefined;
  worktree?: boolean | undefined;
  validate?: string | undefined;
}): ExecutorSpec {
  if (flags.agentCli === undefined) {
    if (flags.worktree === true) throw new UsageError('--worktree needs --agent-cli');
    if (flags.validate !== undefined) throw new UsageError('--validate needs --agent-cli');
    return { kind: 'model' };
  }
  if (flags.validate !== undefined && flags.validate.trim() === '') {
    throw new UsageError('--validate needs a command, e.g. --validate "pnpm test"');
  }
  return {
    kind: 'agent-cli',
    chain: parseAgentCliChain(flags.agentCli, '--agent-cli'),
    worktree: flags.worktree === true,
    ...(flags.validate === undefined ? {} : { validate: flags.validate }),
  };
}

/** Reads a spec back from a run's metadata. */
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
 * `baton.config.json`, or the CLIs on PATH. Missing setup is a one-line error saying what to set
 * (a `BATON_CONFIGURATION` error or a {@link UsageError}: exit 2).
 */
export async function resolveExecutorSetup(
  spec: ExecutorSpec,
  options: { projectRoot: string; env: NodeJS.ProcessEnv },
): Promise<ExecutorSetup> {
  const { projectRoot, env } = options;
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
    throw new UsageError(
      `--agent-cli ${spec.chain.join(',')}: ${binaries.join(', ')} not found on PATH; install ${binaries.length === 1 ? 'it' : 'one of them'} or add ${binaries.length === 1 ? 'its' : 'their'} folder to PATH`,
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

/** The real executor of a setup. */
export const createExecutor: ExecutorFactory = (setup, { runId, logger }) => {
  if (setup.kind === 'model') {
    return createModelExecutor({ ...setup.config, projectRoot: setup.projectRoot, logger });
  }
  return createCliExecutor({
    chain: setup.chain,
    projectRoot: setup.projectRoot,
    runId,
    worktree: setup.worktree,
    ...(setup.validate === undefined ? {} : { validate: setup.validate }),
    ...(setup.models === undefined ? {} : { models: setup.models }),
    ...(setup.extraArgs === undefined ? {} : { extraArgs: setup.extraArgs }),
    ...(setup.timeoutSeconds === undefined ? {} : { timeoutSeconds: setup.timeoutSeconds }),
    env: setup.env,
    logger,
  });
};

/**
 * Whether a failed output says the executor is not set up to run anything: the model provider
 * rejected the key (401/403). Another tier on the same provider would be rejected the same way,
 * and nothing a person approves changes the key of this process: the step fails at once.
 */
export function isSetupFailure(output: AgentExecutionOutput): boolean {
  const status =
    typeof output.output === 'object' && output.output !== null
      ? (output.output as { httpStatus?: unknown }).httpStatus
      : undefined;
  return status === 401 || status === 403;
}

/**
 * USD per million tokens by tier, for the budget's estimate before a step starts (its
 * `maxTokens` at the model's output price). Undefined for CLIs: their spend is known only after
 * they answer, so a cost limit then stops the run once the measured spend reaches it.
 */
export function tierPricesOf(setup: ExecutorSetup): TierPrices | undefined {
  return setup.kind === 'model' ? tierOutputPrices(setup.config) : undefined;
}

/** What `--dry-run` shows for one agent: where it would run and with what prompt. */
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
    model = setup.config.models[tier ?? 'CAPABLE'];
    runsOn = `${setup.config.provider} ${model}`;
  } else {
    const parts = setup.chain.map((name) => {
      const chosen =
        setup.models?.[name]?.[tier ?? 'CAPABLE'] ??
        AGENT_CLI_SPECS[name].defaultModels[tier ?? 'CAPABLE'];
      const missing = setup.found[name] === undefined ? ' (not on PATH)' : '';
      return `${name}${chosen === undefined ? ' (its default model)' : ` ${chosen}`}${missing}`;
    });
    runsOn = `cli ${parts.join(' -> ')}`;
    model = undefined;
  }
  return {
    agentId: agent.id,
    tier,
    runsOn,
    model,
    timeoutSeconds: agent.resourceRequirements?.timeoutSeconds,
    maxTokens: agent.resourceRequirements?.maxTokens,
    promptPreview: preview(text, 160),
    promptChars: text.length,
  };
}

function preview(text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= length ? flat : `${flat.slice(0, length - 1)}…`;
}
