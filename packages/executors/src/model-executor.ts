import type { LanguageModelV4 } from '@ai-sdk/provider';
import {
  type AgentExecutionOutput,
  type AgentExecutor,
  abortReason,
  DEFAULT_TIER,
  type Logger,
  noopLogger,
  type RetryOptions,
  retry,
  type Tier,
  type Usage,
  unpricedModelNote,
  ValidationError,
} from '@baton/core';
import {
  type FinishReason,
  generateText,
  type LanguageModelMiddleware,
  type LanguageModelUsage,
  type StepResult,
  stepCountIs,
  type ToolSet,
  wrapLanguageModel,
} from 'ai';
import {
  AGENT_ANSWER,
  type AnswerFormat,
  answerConfidence,
  parseJsonAnswer,
} from './agent-answer.js';
import { buildAgentPrompt, type RunnableAgent } from './agent-prompt.js';
import {
  describeModelError,
  isRetryableModelError,
  modelErrorStatus,
  modelRetryAfterMs,
} from './model-errors.js';
import {
  API_KEY_VARIABLES,
  createLanguageModel,
  DEFAULT_TIER_MODELS,
  type ModelProvider,
} from './model-provider.js';
import { DEFAULT_MODEL_PRICES, type ModelPriceTable, priceUsage } from './prices.js';
import type { ProjectFileLimits } from './project-files.js';
import { createProjectTools, type ToolCallRecord } from './project-tools.js';

/** Options for {@link createModelExecutor}. */
export interface ModelExecutorOptions {
  /** Which API to call. */
  provider: ModelProvider;
  /** Model per tier; missing tiers use the provider's defaults. */
  models?: Partial<Record<Tier, string>> | undefined;
  /** API key; defaults to the provider's usual environment variable (read by the provider). */
  apiKey?: string | undefined;
  /** API base URL including the version path (`http://127.0.0.1:11434/v1`). */
  baseURL?: string | undefined;
  /**
   * The project the agents inspect with read-only tools (list, read, search). Omit to run
   * agents without tools.
   */
  projectRoot?: string | undefined;
  /** Prices (USD per million tokens) merged over {@link DEFAULT_MODEL_PRICES}. */
  prices?: ModelPriceTable | undefined;
  /** Receives tool calls, retries and price notes. */
  logger?: Logger | undefined;
  /** Most model steps that may call tools before the model must answer. Default 10. */
  maxToolSteps?: number | undefined;
  /** Retries of one model call on 429, 5xx and network errors. Default 3. */
  maxRetries?: number | undefined;
  /** Backoff shape of those retries (a server's `Retry-After` wins, capped at `maxDelayMs`). */
  retry?: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor' | 'jitter' | 'random'>;
  /** Size limits of the project tools. */
  toolLimits?: ProjectFileLimits | undefined;
  /** Custom fetch passed to the provider. */
  fetch?: typeof globalThis.fetch | undefined;
  /**
   * Supplies the language model for a model id instead of the provider package: custom
   * providers, middleware, or the AI SDK's mock models in tests.
   */
  languageModel?: ((modelId: string) => LanguageModelV4) | undefined;
  /**
   * The JSON answer the agents must give: shown in the prompt and parsed from the reply. Default
   * {@link AGENT_ANSWER} (summary, findings, recommendations, confidence). A reply that does not
   * match is a failed result naming the offending field. The result's `confidence` is the
   * answer's numeric `confidence` field when it has one from 0 to 1, otherwise none.
   */
  answerFormat?: AnswerFormat | undefined;
}

/**
 * What a model-backed agent's `output` holds besides the fields of its parsed answer (with the
 * default format: `summary`, `findings`, `recommendations`, `confidence`).
 */
export interface ModelAgentOutput {
  /** The model that answered. */
  model: string;
  /** Tool calls the agent made, in order. */
  toolCalls: ToolCallRecord[];
  /** Things the numbers do not show, e.g. that no price is known for the model. */
  notes: string[];
  /** The raw reply, when it did not parse. */
  text?: string;
  /**
   * HTTP status of the model call that failed, when it failed with one (401: the key was
   * rejected, 429: rate limited, ...).
   */
  httpStatus?: number;
}

/**
 * An {@link AgentExecutor} that runs each agent on a language model through the Vercel AI SDK.
 * The agent's tier picks the model; the prompt is its instructions plus the context it receives;
 * it may inspect the project with read-only tools for up to `maxToolSteps` steps; its reply is
 * parsed as an {@link AgentAnswer}, or in the shape `answerFormat` asks for (a reply that does
 * not parse is a failed result with the reason); the answer's fields are spread into `output`
 * next to {@link ModelAgentOutput}'s. `maxTokens` caps the tokens produced over all steps; token usage and US-dollar cost
 * are on every result. 429, 5xx and network errors are retried with backoff (honouring
 * `Retry-After`); 401 and 400 fail at once.
 *
 * @example
 * ```ts
 * const executor = createModelExecutor({ provider: 'anthropic', projectRoot: process.cwd() });
 * const strategy = new ParallelStrategy({ executor });
 * const result = await strategy.execute(plan.agents, { task: 'review the auth module' });
 * ```
 */
export function createModelExecutor(options: ModelExecutorOptions): AgentExecutor<RunnableAgent> {
  const {
    provider,
    apiKey,
    baseURL,
    projectRoot,
    logger = noopLogger,
    maxToolSteps = 10,
    maxRetries = 3,
    toolLimits = {},
    fetch,
    answerFormat = AGENT_ANSWER,
  } = options;
  if (!Number.isInteger(maxToolSteps) || maxToolSteps < 0) {
    throw new ValidationError('maxToolSteps', 'must be an integer >= 0');
  }
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new ValidationError('maxRetries', 'must be an integer >= 0');
  }
  if (typeof answerFormat.schema?.safeParse !== 'function') {
    throw new ValidationError('answerFormat.schema', 'must be a zod schema');
  }
  if (typeof answerFormat.description !== 'string' || answerFormat.description.trim() === '') {
    throw new ValidationError('answerFormat.description', 'must be a non-empty string');
  }
  const models = { ...DEFAULT_TIER_MODELS[provider], ...definedEntries(options.models ?? {}) };
  const prices: ModelPriceTable = { ...DEFAULT_MODEL_PRICES, ...options.prices };
  const makeModel =
    options.languageModel ??
    ((modelId: string) => createLanguageModel({ provider, modelId, apiKey, baseURL, fetch }));

  return async (agent, context, { signal }) => {
    const tier: Tier = agent.tier ?? DEFAULT_TIER;
    const modelId = models[tier];
    if (modelId === undefined) {
      throw new ValidationError(
        `models.${tier}`,
        `no model configured for tier ${tier} of provider ${provider} (set BATON_MODEL_${tier})`,
      );
    }
    const maxTokens = agent.resourceRequirements?.maxTokens;
    if (maxTokens !== undefined && maxTokens < 1) {
      throw new ValidationError('resourceRequirements.maxTokens', 'must be >= 1 to run on a model');
    }
    const toolCalls: ToolCallRecord[] = [];
    const notes: string[] = [];
    const tally = new UsageTally();
    let retries = 0;

    const retryMiddleware = modelRetryMiddleware({
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      maxRetries,
      signal,
      onRetry: ({ error, attempt, delayMs }) => {
        retries = attempt;
        logger.warn('model call failed, retrying', {
          agentId: agent.id,
          model: modelId,
          attempt,
          delayMs,
          status: modelErrorStatus(error),
        });
      },
    });
    const model = wrapLanguageModel({ model: makeModel(modelId), middleware: retryMiddleware });
    const tools: ToolSet | undefined =
      projectRoot === undefined || maxToolSteps === 0
        ? undefined
        : createProjectTools({
            ...toolLimits,
            projectRoot,
            logger,
            agentId: agent.id,
            calls: toolCalls,
          });
    const prompt = buildAgentPrompt(agent, context, {
      hasProjectTools: tools !== undefined,
      answerFormat,
    });
    const budgetSpent = ({ steps }: { steps: Array<StepResult<ToolSet>> }): boolean =>
      maxTokens !== undefined && sumOutputTokens(steps) >= maxTokens;

    const output = (extra: Partial<ModelAgentOutput> = {}): ModelAgentOutput => ({
      model: modelId,
      toolCalls,
      notes,
      ...extra,
    });
    const usage = (): Usage | undefined => {
      const measured = tally.usage(modelId, prices);
      if (measured === undefined) notes.push(`${provider} reported no token usage for ${modelId}`);
      else if (measured.costUsd === undefined) {
        const note = `${unpricedModelNote(modelId)} (its cost is not computed)`;
        notes.push(note);
        logger.warn(note, { agentId: agent.id });
      }
      return measured;
    };

    let text: string;
    let finishReason: FinishReason;
    try {
      const result = await generateText({
        model,
        instructions: prompt.instructions,
        prompt: prompt.prompt,
        maxRetries: 0,
        abortSignal: signal,
        ...(maxTokens === undefined ? {} : { maxOutputTokens: maxTokens }),
        ...(tools === undefined
          ? {}
          : {
              tools,
              stopWhen: [stepCountIs(maxToolSteps + 1), budgetSpent],
              prepareStep: ({ steps, stepNumber }) => ({
                ...(maxTokens === undefined
                  ? {}
                  : { maxOutputTokens: Math.max(1, maxTokens - sumOutputTokens(steps)) }),
                ...(stepNumber >= maxToolSteps ? { toolChoice: 'none' as const } : {}),
              }),
            }),
        onStepEnd: (step) => tally.add(step.usage),
      });
      for (const warning of result.warnings ?? []) {
        logger.warn('model warning', { agentId: agent.id, model: modelId, warning });
      }
      text = result.text !== '' ? result.text : lastText(result.steps);
      finishReason = result.finishReason;
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      const reason = describeModelError(error, {
        provider,
        model: modelId,
        apiKeyVariable: API_KEY_VARIABLES[provider],
        retries,
      });
      logger.error('model call failed', { agentId: agent.id, model: modelId, reason });
      const httpStatus = modelErrorStatus(error);
      return withUsage(
        {
          output: output(httpStatus === undefined ? {} : { httpStatus }),
          success: false,
          error: reason,
        },
        usage(),
      );
    }

    const parsed = parseJsonAnswer(text, answerFormat.schema);
    if (
      !parsed.success &&
      text.trim() === '' &&
      maxTokens !== undefined &&
      tally.outputTokens >= maxTokens
    ) {
      return withUsage(
        {
          output: output({ text }),
          success: false,
          error: `The model used its whole token budget (maxTokens ${maxTokens}) before answering`,
        },
        usage(),
      );
    }
    if (!parsed.success) {
      const cutOff =
        finishReason === 'length'
          ? ` (the reply was cut off at the token limit${maxTokens === undefined ? '' : ` of ${maxTokens}`})`
          : '';
      return withUsage(
        {
          output: output({ text }),
          success: false,
          error: `The model's answer did not match the expected format${cutOff}: ${parsed.error}`,
        },
        usage(),
      );
    }
    const confidence = answerConfidence(parsed.answer);
    return withUsage(
      {
        output: { ...parsed.answer, ...output() },
        ...(confidence === undefined ? {} : { confidence }),
        success: true,
      },
      usage(),
    );
  };
}

/**
 * Middleware that retries one model call on 429, 5xx and network errors with backoff (a
 * server's `Retry-After` wins); shared by the model executor and the planner model.
 */
export function modelRetryMiddleware(options: {
  retry?: ModelExecutorOptions['retry'];
  maxRetries: number;
  signal: AbortSignal;
  onRetry: (info: { error: unknown; attempt: number; delayMs: number }) => void;
}): LanguageModelMiddleware {
  return {
    wrapGenerate: ({ doGenerate }) =>
      retry(() => Promise.resolve(doGenerate()), {
        ...options.retry,
        maxRetries: options.maxRetries,
        signal: options.signal,
        shouldRetry: isRetryableModelError,
        retryAfterMs: modelRetryAfterMs,
        onRetry: options.onRetry,
      }),
  };
}

function withUsage(result: AgentExecutionOutput, usage: Usage | undefined): AgentExecutionOutput {
  return usage === undefined ? result : { ...result, usage };
}

/** Sums step usage; remembers whether any step left its tokens unreported. */
export class UsageTally {
  private inputTokens = 0;
  /** Output tokens so far. */
  outputTokens = 0;
  private steps = 0;
  private unreported = false;

  add(usage: LanguageModelUsage): void {
    this.steps += 1;
    if (usage.inputTokens === undefined || usage.outputTokens === undefined) this.unreported = true;
    this.inputTokens += usage.inputTokens ?? 0;
    this.outputTokens += usage.outputTokens ?? 0;
  }

  /** Measured usage; undefined when a step's tokens were not reported. */
  usage(model: string, prices: ModelPriceTable): Usage | undefined {
    if (this.unreported) return undefined;
    return priceUsage(
      { inputTokens: this.inputTokens, outputTokens: this.outputTokens, model },
      prices,
    );
  }
}

function sumOutputTokens(steps: ReadonlyArray<{ usage: LanguageModelUsage }>): number {
  return steps.reduce((total, step) => total + (step.usage.outputTokens ?? 0), 0);
}

function lastText(steps: ReadonlyArray<{ text: string }>): string {
  for (let index = steps.length - 1; index >= 0; index -= 1) {
    const text = steps[index]?.text ?? '';
    if (text !== '') return text;
  }
  return '';
}

function definedEntries<T>(record: Partial<Record<string, T | undefined>>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(record).filter((entry): entry is [string, T] => entry[1] !== undefined),
  );
}
