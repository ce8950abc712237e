import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { APICallError } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { recordingLogger, textResult } from '../test/mock-model.js';
import { createPlannerModel, type PlannerCall } from './planner-model.js';

const signal = new AbortController().signal;
const graph = '{"subtasks":[{"id":"a","description":"do a"}]}';

function apiError(statusCode: number) {
  return new APICallError({
    message: `HTTP ${statusCode}`,
    url: 'http://127.0.0.1/v1/messages',
    requestBodyValues: {},
    statusCode,
    responseHeaders: {},
    responseBody: '',
    isRetryable: statusCode === 429 || statusCode >= 500,
  });
}

describe('createPlannerModel with a mock model', () => {
  it('sends the prompt to the CAPABLE model and reports measured usage and cost', async () => {
    const calls: Array<{ modelId: string; options: LanguageModelV4CallOptions }> = [];
    const calls2: PlannerCall[] = [];
    const { logger, entries } = recordingLogger();
    const model = createPlannerModel({
      provider: 'anthropic',
      models: { CHEAP: 'cheap-model' },
      logger,
      onCall: (call) => calls2.push(call),
      languageModel: (modelId) =>
        new MockLanguageModelV4({
          modelId,
          doGenerate: async (options) => {
            calls.push({ modelId, options });
            return textResult(graph, { input: 1000, output: 200 });
          },
        }),
    });
    await expect(model('Decompose: build it', { signal })).resolves.toBe(graph);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.modelId).toBe('claude-sonnet-4-5');
    expect(JSON.stringify(calls[0]?.options.prompt)).toContain('Decompose: build it');
    expect(calls2).toHaveLength(1);
    expect(calls2[0]).toMatchObject({
      model: 'claude-sonnet-4-5',
      success: true,
      retries: 0,
      usage: { inputTokens: 1000, outputTokens: 200 },
    });
    expect(calls2[0]?.usage?.costUsd).toBeGreaterThan(0);
    expect(entries.some((entry) => entry.message === 'planner model call')).toBe(true);
  });

  it('retries a 503 and fails at once on 401 with the reason', async () => {
    let attempts = 0;
    const retrying = createPlannerModel({
      provider: 'openai',
      retry: { initialDelayMs: 1, jitter: 0 },
      languageModel: () =>
        new MockLanguageModelV4({
          doGenerate: async () => {
            attempts += 1;
            if (attempts === 1) throw apiError(503);
            return textResult(graph);
          },
        }),
    });
    await expect(retrying('plan', { signal })).resolves.toBe(graph);
    expect(attempts).toBe(2);

    const failed: PlannerCall[] = [];
    let rejectedAttempts = 0;
    const rejected = createPlannerModel({
      provider: 'openai',
      onCall: (call) => failed.push(call),
      languageModel: () =>
        new MockLanguageModelV4({
          doGenerate: async () => {
            rejectedAttempts += 1;
            throw apiError(401);
          },
        }),
    });
    await expect(rejected('plan', { signal })).rejects.toThrow(/401|OPENAI_API_KEY/);
    expect(rejectedAttempts).toBe(1);
    expect(failed[0]).toMatchObject({ success: false });
    expect(failed[0]?.error).toMatch(/401|OPENAI_API_KEY/);
  });

  it('says when the provider reported no usage instead of reporting 0', async () => {
    const calls: PlannerCall[] = [];
    const model = createPlannerModel({
      provider: 'openai',
      onCall: (call) => calls.push(call),
      languageModel: () =>
        new MockLanguageModelV4({ doGenerate: textResult(graph, { input: undefined }) }),
    });
    await model('plan', { signal });
    expect(calls[0]?.usage).toBeUndefined();
    expect(calls[0]?.notes[0]).toMatch(/reported no token usage/);
  });

  it('names a bad option', () => {
    expect(() => createPlannerModel({ provider: 'openai', maxRetries: -1 })).toThrow(/maxRetries/);
  });
});
