import { type Stats, statSync } from 'node:fs';
import nodePath from 'node:path';
import {
  type Agent,
  type AgentExecutor,
  BatonEmitter,
  BatonError,
  BatonErrorCode,
  type Budget,
  type Logger,
  parseWith,
  ValidationError,
} from '@baton/core';
import {
  configSectionLabel,
  createExecutorFor,
  createModelExecutor,
  type ExecutorSetup,
  executorSpecFor,
  readConfigFile,
  resolveExecutorSetup,
  resolveModelConfig,
} from '@baton/executors';
import {
  OrchestratedReleasePrepWorkflow,
  parseSecurityDeepDiveConfig,
  type ReleaseReadinessReport,
  SECURITY_DEEP_DIVE_ANSWER,
  type SecurityDeepDiveReport,
  SecurityDeepDiveWorkflow,
} from '@baton/workflows';
import { z } from 'zod';
import { openCompositionStore } from './composition.js';
import type { ExecutorFactory } from './executor-factory.js';

/** The `releasePrep` section of `baton.config.json`; options given in code win over it. */
export const releasePrepConfigSchema = z
  .object({
    qualityGates: z.record(z.string(), z.number().min(0, 'must be a number >= 0')).optional(),
    agents: z.array(z.string().min(1)).optional(),
    coverageFile: z.string().min(1).optional(),
    auditFile: z.string().min(1).optional(),
    runTests: z.boolean().optional(),
    runAudit: z.boolean().optional(),
    testTimeoutSeconds: z.number().positive().optional(),
  })
  .strict();

/** Options of `baton.releasePrep()`; anything not given comes from `baton.config.json` `releasePrep`. */
export interface ReleasePrepOptions {
  /** Gate thresholds over the configured and default ones (`min_coverage`, ...). */
  qualityGates?: Record<string, number> | undefined;
  /** The release agents to run. */
  agents?: readonly string[] | undefined;
  /** A coverage report to read (absolute, or relative to the project). */
  coverageFile?: string | undefined;
  /** A recorded `npm audit --json` output (absolute, or relative to the project). */
  auditFile?: string | undefined;
  /** Run the project's tests with coverage first. */
  runTests?: boolean | undefined;
  testTimeoutSeconds?: number | undefined;
  /** Run the package manager's audit (default: when no audit file is given). */
  runAudit?: boolean | undefined;
  /** No model review of the evidence even when a model is configured. */
  noModel?: boolean | undefined;
  budget?: Budget | undefined;
  /** Continue this stopped release check run (its id) without running its finished agents again. */
  resume?: string | undefined;
  events?: BatonEmitter | undefined;
  signal?: AbortSignal | undefined;
}

/** Where a report file named by an option or the config must be. */
function requireFile(file: string | undefined, source: string): void {
  if (file === undefined) return;
  // A bad path is bad input: a ValidationError naming where it came from.
  const info = statOrUndefined(file);
  if (info?.isFile() !== true) throw new ValidationError(source, `not a file (${file})`);
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** Runs the release-readiness check of a project (durably, with the configured gates). */
export async function runReleasePrep(input: {
  projectDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executor: AgentExecutor<any> | undefined;
  signal: AbortSignal | undefined;
  options: ReleasePrepOptions;
}): Promise<ReleaseReadinessReport> {
  const { projectDir, env, logger, options } = input;
  const config = parseWith(
    releasePrepConfigSchema,
    readConfigFile({ projectRoot: projectDir }).releasePrep ?? {},
    { label: configSectionLabel({}, 'releasePrep') },
  );
  const fromProject = (file: string | undefined): string | undefined =>
    file === undefined ? undefined : nodePath.resolve(projectDir, file);
  const coverageFile = fromProject(options.coverageFile ?? config.coverageFile);
  const auditFile = fromProject(options.auditFile ?? config.auditFile);
  requireFile(
    coverageFile,
    options.coverageFile !== undefined
      ? 'coverageFile'
      : configSectionLabel({}, 'releasePrep.coverageFile'),
  );
  requireFile(
    auditFile,
    options.auditFile !== undefined ? 'auditFile' : configSectionLabel({}, 'releasePrep.auditFile'),
  );
  const store = openCompositionStore(projectDir, logger);
  const workflow = new OrchestratedReleasePrepWorkflow({
    qualityGates: { ...config.qualityGates, ...options.qualityGates },
    agentIds: options.agents ?? config.agents,
    coverageFile,
    auditFile,
    runTests: options.runTests ?? config.runTests === true,
    testTimeoutSeconds: options.testTimeoutSeconds ?? config.testTimeoutSeconds,
    runAudit: options.runAudit ?? (auditFile === undefined && config.runAudit !== false),
    modelExecutor:
      options.noModel === true
        ? undefined
        : (input.executor ?? modelReviewer(projectDir, env, logger)),
    store,
    budget: options.budget,
    events: options.events,
    logger,
  });
  const signal = options.signal ?? input.signal;
  const where = { path: projectDir, ...(signal === undefined ? {} : { signal }) };
  return options.resume === undefined
    ? workflow.execute(where)
    : workflow.resume(options.resume, where);
}

/** The model executor when a model is configured; without one the check is measured-only. */
function modelReviewer(
  projectDir: string,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): AgentExecutor<Agent> | undefined {
  try {
    const config = resolveModelConfig({ env, projectRoot: projectDir });
    logger.info(`model review on ${config.provider}`);
    return createModelExecutor({ ...config, projectRoot: projectDir, logger });
  } catch (error) {
    if (BatonError.isInstance(error) && error.code === BatonErrorCode.CONFIGURATION) {
      logger.info(`no model configured, measured figures only (${error.message})`);
      return undefined;
    }
    throw error;
  }
}

/** Options of `baton.securityDeepDive()`; anything not given comes from `baton.config.json` `securityDeepDive`. */
export interface SecurityDeepDiveOptions {
  /** The auditors' focuses / team (see `SecurityDeepDiveWorkflow`). */
  agents?: readonly string[] | undefined;
  /** Run the auditors with these coding-agent CLIs (default: the configured chain, else the model). */
  agentCli?: string | readonly string[] | undefined;
  /** No auditor: the evidence and the gates only. */
  noModel?: boolean | undefined;
  agentTimeoutSeconds?: number | undefined;
  auditFile?: string | undefined;
  runAudit?: boolean | undefined;
  /** Caps the deep dive's run (tokens, US dollars, agents); a stopped run continues with `resume`. */
  budget?: Budget | undefined;
  /** Continue this stopped deep dive run (its id) without asking its finished auditors again. */
  resume?: string | undefined;
  events?: BatonEmitter | undefined;
  signal?: AbortSignal | undefined;
}

/** Runs the security deep dive of a project with the auditors its options and setup select. */
export async function runSecurityDeepDive(input: {
  projectDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executor: AgentExecutor<any> | undefined;
  createExecutor: ExecutorFactory | undefined;
  signal: AbortSignal | undefined;
  options: SecurityDeepDiveOptions;
}): Promise<SecurityDeepDiveReport> {
  const { projectDir, logger, options } = input;
  const config = parseSecurityDeepDiveConfig(
    readConfigFile({ projectRoot: projectDir }).securityDeepDive,
  );
  const auditFile =
    options.auditFile !== undefined
      ? nodePath.resolve(projectDir, options.auditFile)
      : config.auditFile === undefined
        ? undefined
        : nodePath.resolve(projectDir, config.auditFile);
  const runsOn = await auditorsRunOn(input);
  logger.info(
    runsOn.executor === undefined
      ? `no auditor: ${runsOn.reason}`
      : `agents on ${runsOn.description}`,
  );
  const workflow = new SecurityDeepDiveWorkflow({
    executor: runsOn.executor,
    noExecutorReason: runsOn.executor === undefined ? runsOn.reason : undefined,
    agents: options.agents ?? config.agents,
    agentTimeoutSeconds: options.agentTimeoutSeconds ?? config.agentTimeoutSeconds,
    auditFile,
    runAudit: options.runAudit ?? (auditFile === undefined && config.runAudit !== false),
    compliance: config.compliance,
    budget: options.budget,
    events: options.events ?? new BatonEmitter(),
    logger,
  });
  const signal = options.signal ?? input.signal;
  const where = { path: projectDir, ...(signal === undefined ? {} : { signal }) };
  return options.resume === undefined
    ? workflow.execute(where)
    : workflow.resume(options.resume, where);
}

/** Who runs the auditors, or why no one does. */
type AuditorsRunOn =
  | { executor: AgentExecutor<Agent>; description: string }
  | { executor: undefined; reason: string };

/**
 * The auditors' executor: the caller's, or the setup the options and the environment give,
 * asked for the deep dive's answers; auditors only read (no worktree, no validation command). A
 * missing model provider is not an error: the deep dive then runs on the evidence and says why.
 */
async function auditorsRunOn(input: {
  projectDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  // biome-ignore lint/suspicious/noExplicitAny: executors accept any agent shape
  executor: AgentExecutor<any> | undefined;
  createExecutor: ExecutorFactory | undefined;
  options: SecurityDeepDiveOptions;
}): Promise<AuditorsRunOn> {
  const { projectDir, env, logger, options } = input;
  if (options.noModel === true)
    return { executor: undefined, reason: 'no auditor asked for (noModel, --no-model)' };
  if (input.executor !== undefined)
    return { executor: input.executor, description: 'the given executor' };
  const spec = executorSpecFor({ agentCli: options.agentCli }, { projectRoot: projectDir, env });
  let setup: ExecutorSetup;
  try {
    setup = await resolveExecutorSetup(spec, { projectRoot: projectDir, env });
  } catch (error) {
    if (
      spec.kind === 'model' &&
      BatonError.isInstance(error) &&
      error.code === BatonErrorCode.CONFIGURATION
    ) {
      return {
        executor: undefined,
        reason: `no model provider or agent CLI configured (${error.message}; or pass --agent-cli claude)`,
      };
    }
    throw error;
  }
  const create = input.createExecutor ?? createExecutorFor;
  return {
    executor: create(setup, {
      logger,
      answerFormat: SECURITY_DEEP_DIVE_ANSWER,
      readOnly: true,
    }) as AgentExecutor<Agent>,
    description:
      setup.kind === 'model'
        ? `model provider ${setup.config.provider}`
        : `agent CLIs ${setup.chain.join(' -> ')}`,
  };
}
