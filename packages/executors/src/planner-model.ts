import type { LanguageModelV4 } from '@ai-sdk/provider';
import {
  abortReason,
  type Logger,
  noopLogger,
  type Tier,
  type Usage,
  unpricedModelNote,
  ValidationError,
} from '@baton/core';
import { generateText, wrapLanguageModel } from 'ai';
import type { ModelConfig } from './model-config.js';
import { describeModelError, modelErrorStatus } from './model-errors.js';
import { type ModelExecutorOptions, modelRetryMiddleware, UsageTally } from './model-executor.js';
import { API_KEY_VARIABLES, createLanguageModel, DEFAULT_TIER_MODELS } from './model-provider.js';
import { DEFAULT_MODEL_PRICES, type ModelPriceTable } from './prices.js';

/** A model that answers a prompt with text: the shape `planTask` of `@baton/runtime` takes. */
export type PromptModel = (prompt: string, options: { signal: AbortSignal }) => Promise<string>;

/** What one planner call cost, measured from the provider's reply. */
export interface PlannerCall {
  /** The model that answered. */
  model: string;
  /** Measured tokens and US-dollar cost; absent when the provider reported no usage. */
  usage?: Usage;
  /** Retries of the call (429, 5xx, network errors). */
  retries: number;
  /** Whether the call returned text. */
  success: boolean;
  /** Why the call failed, when it did. */
  error?: string;
  /** Things the numbers do not show, e.g. that no price is known for the model. */
  notes: string[];
}

/** Options of {@link createPlannerModel}: a resolved model configuration plus call settings. */
export interface PlannerModelOptions
  extends Pick<ModelConfig, 'provider' | 'apiKey' | 'baseURL' | 'prices'> {
  /** Model per tier; the planner uses the `CAPABLE` one. Missing tiers use the provider's defaults. */
  models?: Partial<Record<Tier, string>> | undefined;
  /** Receives retries, failures and the measured usage of each call. */
  logger?: Logger | undefined;
  /** Retries of one call on 429, 5xx and network errors. Default 3. */
  maxRetries?: number | undefined;
  /** Backoff shape of those retries. */
  retry?: ModelExecutorOptions['retry'];
  /** Most tokens the planner may produce. Default 4000. */
  maxOutputTokens?: number | undefined;
  /** Custom fetch passed to the provider. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Supplies the language model for a model id instead of the provider package (tests, middleware). */
  languageModel?: ((modelId: string) => LanguageModelV4) | undefined;
  /** Called after every call with its measured usage and cost (also when it failed). */
  onCall?: ((call: PlannerCall) => void) | undefined;
}

/**
 * Turns a resolved model configuration into the planner model `planTask` of `@baton/runtime`
 * takes: each call sends the prompt to the `CAPABLE` tier model through the AI SDK, with the
 * model executor's retries (429, 5xx, network errors, honouring `Retry-After`), and reports the
 * measured tokens and US-dollar cost to `onCall` and the logger. A failed call rejects with the
 * reason (401: the key was rejected, ...), so `planTask` falls back to the heuristic plan.
 *
 * @example
 * ```ts
 * const model = createPlannerModel({ ...resolveModelConfig(), onCall: (call) => console.log(call.usage) });
 * const { graph, source, reason } = await planTask('migrate the API to v2', { model, heuristic });
 * ```
 */
export function createPlannerModel(options: PlannerModelOptions): PromptModel {
  const { provider, apiKey, baseURL, fetch, logger = noopLogger, maxRetries = 3 } = options;
  const maxOutputTokens = options.maxOutputTokens ?? 4000;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new ValidationError('maxRetries', 'must be an integer >= 0');
  }
  if (!Number.isInteger(maxOutputTokens) || maxOutputTokens < 1) {
    throw new ValidationError('maxOutputTokens', 'must be an integer >= 1');
  }
  const modelId = options.models?.CAPABLE ?? DEFAULT_TIER_MODELS[provider]?.CAPABLE;
  if (modelId === undefined) {
    throw new ValidationError(
      'models.CAPABLE',
      `no model configured for tier CAPABLE of provider ${provider} (set BATON_MODEL_CAPABLE)`,
    );
  }
  const prices: ModelPriceTable = { ...DEFAULT_MODEL_PRICES, ...options.prices };
  const makeModel =
    options.languageModel ??
    ((id: string) => createLanguageModel({ provider, modelId: id, apiKey, baseURL, fetch }));

  return async (prompt, { signal }) => {
    const tally = new UsageTally();
    let retries = 0;
    const notes: string[] = [];
    const report = (outcome: { success: boolean; error?: string }): void => {
      const usage = tally.usage(modelId, prices);
      if (usage === undefined) notes.push(`${provider} reported no token usage for ${modelId}`);
      else if (usage.costUsd === undefined) {
        notes.push(`${unpricedModelNote(modelId)} (its cost is not computed)`);
      }
      const call: PlannerCall = {
        model: modelId,
        ...(usage === undefined ? {} : { usage }),
        retries,
        notes,
        ...outcome,
      };
      logger.info('planner model call', { ...call });
      options.onCall?.(call);
    };
    const model = wrapLanguageModel({
      model: makeModel(modelId),
      middleware: modelRetryMiddleware({
        ...(options.retry === undefined ? {} : { retry: options.retry }),
        maxRetries,
        signal,
        onRetry: ({ error, attempt, delayMs }) => {
          retries = attempt;
          logger.warn('planner model call failed, retrying', {
            model: modelId,
            attempt,
            delayMs,
            status: modelErrorStatus(error),
          });
        },
      }),
    });
    try {
      const result = await generateText({
        model,
        prompt,
        maxRetries: 0,
        maxOutputTokens,
        abortSignal: signal,
        onStepEnd: (step) => tally.add(step.usage),
      });
      report({ success: true });
      return result.text;
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      const reason = describeModelError(error, {
        provider,
        model: modelId,
        apiKeyVariable: API_KEY_VARIABLES[provider],
        retries,
      });
      report({ success: false, error: reason });
      throw new Error(reason, { cause: error });
    }
  };
}
