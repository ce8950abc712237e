import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { DEFAULT_TIER_MODELS as TIER_MODELS_BY_PROVIDER, type TierModels } from '@baton/core';
import { z } from 'zod';

/** Model providers the model executor speaks to. */
export const ModelProvider = {
  ANTHROPIC: 'anthropic',
  OPENAI: 'openai',
  /** Any OpenAI-compatible Chat Completions endpoint (Ollama, vLLM, LM Studio) by base URL. */
  OPENAI_COMPATIBLE: 'openai-compatible',
} as const;
/** `"anthropic" | "openai" | "openai-compatible"`. */
export type ModelProvider = (typeof ModelProvider)[keyof typeof ModelProvider];
/** Schema of a {@link ModelProvider}. */
export const modelProviderSchema = z.enum(['anthropic', 'openai', 'openai-compatible'], {
  error: 'must be one of anthropic, openai, openai-compatible',
});

export type { TierModels };

/**
 * Default model of each tier per provider. `openai-compatible` has none: local servers name
 * their own models, so they must be configured (`BATON_MODEL` or `BATON_MODEL_<TIER>`).
 */
export const DEFAULT_TIER_MODELS: Readonly<Partial<Record<ModelProvider, TierModels>>> =
  TIER_MODELS_BY_PROVIDER;

/** The environment variable each provider reads its API key from. */
export const API_KEY_VARIABLES: Readonly<Record<ModelProvider, string>> = Object.freeze({
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  'openai-compatible': 'BATON_API_KEY',
});

/** Options for {@link createLanguageModel}. */
export interface CreateLanguageModelOptions {
  provider: ModelProvider;
  modelId: string;
  apiKey?: string | undefined;
  /** API base URL including the version path, e.g. `http://127.0.0.1:11434/v1`. */
  baseURL?: string | undefined;
  /** Custom fetch (proxies, tests). */
  fetch?: typeof globalThis.fetch | undefined;
}

/**
 * An AI SDK language model for a provider: Anthropic Messages, OpenAI Chat Completions, or an
 * OpenAI-compatible Chat Completions endpoint.
 */
export function createLanguageModel(options: CreateLanguageModelOptions): LanguageModelV4 {
  const { provider, modelId, apiKey, baseURL, fetch } = options;
  const common = {
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(baseURL === undefined ? {} : { baseURL }),
    ...(fetch === undefined ? {} : { fetch }),
  };
  switch (provider) {
    case 'anthropic':
      return createAnthropic(common).languageModel(modelId);
    case 'openai':
      return createOpenAI(common).chat(modelId);
    case 'openai-compatible':
      return createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: baseURL ?? 'http://127.0.0.1:11434/v1',
        includeUsage: true,
        ...(apiKey === undefined ? {} : { apiKey }),
        ...(fetch === undefined ? {} : { fetch }),
      }).chatModel(modelId);
  }
}
