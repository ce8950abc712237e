import { parseWith, tierSchema } from '@baton/core';
import { z } from 'zod';
import { AGENT_CLIS, type AgentCliName, parseAgentCliChain } from './agent-cli.js';
import type { CliExecutorOptions } from './cli-executor.js';
import {
  configSectionLabel,
  type ResolveModelConfigOptions,
  readConfigFile,
} from './model-config.js';

const cliNameSchema = z.enum(AGENT_CLIS);

/** The `"agentCli"` section of `baton.config.json`. */
export const cliConfigSectionSchema = z.strictObject({
  /** Fallback chain, e.g. `["claude", "codex"]`. */
  chain: z.array(z.string().min(1)).min(1, 'must name at least one CLI').optional(),
  /** Model per tier per CLI, e.g. `{ "codex": { "PREMIUM": "gpt-5-codex" } }`. */
  models: z.partialRecord(cliNameSchema, z.partialRecord(tierSchema, z.string().min(1))).optional(),
  /** Extra arguments per CLI. */
  extraArgs: z.partialRecord(cliNameSchema, z.array(z.string())).optional(),
  /** Time limit of one CLI attempt in seconds. */
  timeoutSeconds: z.number().positive('must be > 0').optional(),
  /** Validation command run after each agent. */
  validate: z.string().min(1).optional(),
  /** One git worktree and branch per agent. */
  worktree: z.boolean().optional(),
});
/** The `"agentCli"` section of `baton.config.json`. */
export type CliConfigSection = z.output<typeof cliConfigSectionSchema>;

/** CLI executor settings read from configuration; spread into `createCliExecutor`. */
export type CliConfig = Partial<
  Pick<CliExecutorOptions, 'models' | 'extraArgs' | 'timeoutSeconds' | 'validate' | 'worktree'>
> & {
  /** The chain, when configured (else the caller may use {@link detectAvailableClis}). */
  chain?: AgentCliName[];
};

/**
 * Reads the CLI executor settings from the `"agentCli"` section of `baton.config.json`, with
 * `BATON_AGENT_CLI` (a chain such as `claude,codex`) overriding the configured chain. Bad values
 * are a `ValidationError` naming the field.
 *
 * @example
 * ```ts
 * const settings = resolveCliConfig({ env: process.env, projectRoot });
 * const executor = createCliExecutor({ chain: 'claude', ...settings, projectRoot });
 * ```
 */
export function resolveCliConfig(options: ResolveModelConfigOptions = {}): CliConfig {
  const env = options.env ?? process.env;
  const file = readConfigFile(options);
  const section =
    file.agentCli === undefined
      ? {}
      : parseWith(cliConfigSectionSchema, file.agentCli, {
          label: configSectionLabel(options, 'agentCli'),
        });
  const fromEnv = env.BATON_AGENT_CLI?.trim();
  const chain =
    fromEnv !== undefined && fromEnv !== ''
      ? parseAgentCliChain(fromEnv, 'BATON_AGENT_CLI')
      : section.chain === undefined
        ? undefined
        : parseAgentCliChain(section.chain, configSectionLabel(options, 'agentCli.chain'));
  const { chain: _ignored, ...rest } = section;
  return { ...rest, ...(chain === undefined ? {} : { chain }) };
}
