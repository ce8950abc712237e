import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  BatonError,
  BatonErrorCode,
  parseWith,
  TIERS,
  type Tier,
  ValidationError,
} from '@baton/core';
import { z } from 'zod';
import {
  API_KEY_VARIABLES,
  DEFAULT_TIER_MODELS,
  type ModelProvider,
  modelProviderSchema,
  type TierModels,
} from './model-provider.js';
import { type ModelPriceTable, modelPriceSchema } from './prices.js';

/** The name of the project configuration file. */
export const CONFIG_FILE_NAME = 'baton.config.json';

/** The `"model"` section of `baton.config.json`. */
export const modelConfigSectionSchema = z.strictObject({
  /** `anthropic`, `openai` or `openai-compatible`. */
  provider: modelProviderSchema.optional(),
  /** API base URL including the version path, e.g. `http://127.0.0.1:11434/v1`. */
  baseURL: z.url({ error: 'must be a URL' }).optional(),
  /** Model per tier. */
  models: z
    .strictObject({
      CHEAP: z.string().min(1).optional(),
      CAPABLE: z.string().min(1).optional(),
      PREMIUM: z.string().min(1).optional(),
    })
    .optional(),
  /** Prices in USD per million tokens, by model id. */
  prices: z.record(z.string(), modelPriceSchema).optional(),
  /** Environment variable holding the API key (never put the key itself in the file). */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name')
    .optional(),
  /** Most tool-calling steps per agent. */
  maxToolSteps: z.number().int().min(0).optional(),
});
/** The `"model"` section of `baton.config.json`. */
export type ModelConfigSection = z.output<typeof modelConfigSectionSchema>;

/** A resolved model configuration; spread it into `createModelExecutor`. */
export interface ModelConfig {
  provider: ModelProvider;
  /** A model for every tier. */
  models: TierModels;
  apiKey?: string | undefined;
  baseURL?: string | undefined;
  /** Prices from the configuration file (the executor merges them over the defaults). */
  prices?: ModelPriceTable | undefined;
  maxToolSteps?: number | undefined;
}

/** Options for {@link resolveModelConfig}. */
export interface ResolveModelConfigOptions {
  /** Environment to read; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Path of `baton.config.json`. When given, it must exist; when omitted, `<projectRoot>/baton.config.json`
   * is read if present.
   */
  configFile?: string | undefined;
  /** Where to look for `baton.config.json`; default the current directory. */
  projectRoot?: string | undefined;
}

const NOTHING_CONFIGURED =
  'No model provider configured: set ANTHROPIC_API_KEY or OPENAI_API_KEY, or BATON_PROVIDER=openai-compatible with BATON_BASE_URL and BATON_MODEL (or a "model" section in baton.config.json)';

/**
 * Resolves which provider, models, key and base URL the model executor uses, from the
 * environment (wins) and the `"model"` section of `baton.config.json`, over the provider's
 * defaults. Variables: `BATON_PROVIDER`, `BATON_MODEL` (every tier), `BATON_MODEL_CHEAP`,
 * `BATON_MODEL_CAPABLE`, `BATON_MODEL_PREMIUM`, `BATON_BASE_URL`, and the keys
 * `ANTHROPIC_API_KEY`, `OPENAI_API_KEY`, `BATON_API_KEY` (OpenAI-compatible servers).
 * Throws a {@link BatonError} with code `BATON_CONFIGURATION` and a one-line message saying
 * what to set when something required is missing, and a `ValidationError` for a bad file.
 *
 * @example
 * ```ts
 * const config = resolveModelConfig({ env: process.env, projectRoot: process.cwd() });
 * const executor = createModelExecutor({ ...config, projectRoot: process.cwd() });
 * ```
 */
export function resolveModelConfig(options: ResolveModelConfigOptions = {}): ModelConfig {
  const env = options.env ?? process.env;
  const section = readModelSection(options);
  const value = (name: string): string | undefined => {
    const text = env[name]?.trim();
    return text === undefined || text === '' ? undefined : text;
  };

  let provider: ModelProvider | undefined;
  const providerVariable = value('BATON_PROVIDER');
  if (providerVariable !== undefined) {
    provider = parseWith(modelProviderSchema, providerVariable, { label: 'BATON_PROVIDER' });
  } else if (section.provider !== undefined) {
    provider = section.provider;
  } else if (value('ANTHROPIC_API_KEY') !== undefined) {
    provider = 'anthropic';
  } else if (value('OPENAI_API_KEY') !== undefined) {
    provider = 'openai';
  } else if (value('BATON_BASE_URL') !== undefined) {
    provider = 'openai-compatible';
  }
  if (provider === undefined) {
    throw new BatonError(BatonErrorCode.CONFIGURATION, NOTHING_CONFIGURED);
  }

  const [baseURLSource, baseURL] = (
    [
      ['BATON_BASE_URL', value('BATON_BASE_URL')],
      [configSectionLabel(options, 'model.baseURL'), section.baseURL],
      ['ANTHROPIC_BASE_URL', provider === 'anthropic' ? value('ANTHROPIC_BASE_URL') : undefined],
      ['OPENAI_BASE_URL', provider === 'openai' ? value('OPENAI_BASE_URL') : undefined],
    ] as const
  ).find(([, url]) => url !== undefined) ?? ['', undefined];
  if (baseURL !== undefined && !URL.canParse(baseURL)) {
    throw new ValidationError(baseURLSource, `must be a URL, got "${baseURL}"`);
  }
  const keyVariable = section.apiKeyEnv ?? API_KEY_VARIABLES[provider];
  const apiKey = value(keyVariable);
  if (apiKey === undefined && provider !== 'openai-compatible') {
    throw new BatonError(
      BatonErrorCode.CONFIGURATION,
      `${keyVariable} is not set: export it to use the ${provider} provider, or choose another with BATON_PROVIDER`,
    );
  }
  if (provider === 'openai-compatible' && baseURL === undefined) {
    throw new BatonError(
      BatonErrorCode.CONFIGURATION,
      'BATON_BASE_URL is not set: the openai-compatible provider needs the server URL, e.g. BATON_BASE_URL=http://127.0.0.1:11434/v1',
    );
  }

  const defaults: Partial<TierModels> = DEFAULT_TIER_MODELS[provider] ?? {};
  const models = {} as Record<Tier, string>;
  for (const tier of TIERS) {
    const model =
      value(`BATON_MODEL_${tier}`) ??
      value('BATON_MODEL') ??
      section.models?.[tier] ??
      defaults[tier];
    if (model === undefined) {
      throw new BatonError(
        BatonErrorCode.CONFIGURATION,
        `No model set for tier ${tier} of the ${provider} provider: set BATON_MODEL (every tier) or BATON_MODEL_${tier}`,
      );
    }
    models[tier] = model;
  }
  return {
    provider,
    models,
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(baseURL === undefined ? {} : { baseURL }),
    ...(section.prices === undefined ? {} : { prices: section.prices }),
    ...(section.maxToolSteps === undefined ? {} : { maxToolSteps: section.maxToolSteps }),
  };
}

/**
 * Reads and validates `baton.config.json` (the whole file, as an object). Returns `{}` when an
 * implicit file is absent.
 */
export function readConfigFile(
  options: Pick<ResolveModelConfigOptions, 'configFile' | 'projectRoot'>,
): Record<string, unknown> {
  const explicit = options.configFile !== undefined;
  const file = path.resolve(
    options.configFile ?? path.join(options.projectRoot ?? process.cwd(), CONFIG_FILE_NAME),
  );
  if (!existsSync(file)) {
    if (explicit) {
      throw new BatonError(BatonErrorCode.CONFIGURATION, `Configuration file not found: ${file}`);
    }
    return {};
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new BatonError(
      BatonErrorCode.CONFIGURATION,
      `${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ValidationError(CONFIG_FILE_NAME, 'must contain a JSON object');
  }
  // A misplaced section (`qualityGates` at the top instead of under `releasePrep`) would
  // otherwise be ignored without a word.
  const unknown = Object.keys(data).find(
    (key) => !(CONFIG_SECTIONS as readonly string[]).includes(key),
  );
  if (unknown !== undefined) {
    throw new ValidationError(
      configSectionLabel(options, unknown),
      `unknown section (the file may hold ${CONFIG_SECTIONS.join(', ')})`,
    );
  }
  return data as Record<string, unknown>;
}

/** The top-level sections a `baton.config.json` may hold. */
export const CONFIG_SECTIONS = [
  '$schema',
  'agentCli',
  'model',
  'rateLimits',
  'releasePrep',
  'securityDeepDive',
] as const;

/**
 * How errors name a section of the configuration file: `baton.config.json agentCli` (or the
 * explicit `configFile` as given), so a person knows which file to open.
 */
export function configSectionLabel(
  options: Pick<ResolveModelConfigOptions, 'configFile'>,
  section: string,
): string {
  return `${options.configFile ?? CONFIG_FILE_NAME} ${section}`;
}

function readModelSection(options: ResolveModelConfigOptions): ModelConfigSection {
  const file = readConfigFile(options);
  if (file.model === undefined) return {};
  return parseWith(modelConfigSectionSchema, file.model, {
    label: configSectionLabel(options, 'model'),
  });
}
