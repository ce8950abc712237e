import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { APICallError } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { answerJson, recordingLogger, textResult, toolCallResult } from '../test/mock-model.js';
import { createModelExecutor } from './model-executor.js';

const agent = {
  id: 'code_reviewer',
  role: 'Code Quality Reviewer',
  tier: 'CHEAP' as const,
  instructions: 'Review the database layer for injection risks.',
  resourceRequirements: { maxTokens: 500, timeoutSeconds: 30 },
};
const run = { signal: new AbortController().signal };

function project(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'baton-model-'));
  writeFileSync(
    path.join(root, 'db.ts'),
    'export const q = (id) =>\n  "SELECT * FROM t WHERE id=" + id;\n',
  );
  return root;
}

function apiError(statusCode: number, headers: Record<string, string> = {}, body = '') {
  return new APICallError({
    message: `HTTP ${statusCode}`,
    url: 'http://127.0.0.1/v1/messages',
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
    responseBody: body,
    isRetryable: statusCode === 429 || statusCode >= 500,
  });
}

function promptText(call: LanguageModelV4CallOptions | undefined): string {
  return JSON.stringify(call?.prompt);
}

describe('createModelExecutor with a mock model', () => {
  it('parses the answer and records measured usage and its US-dollar cost', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: textResult(answerJson(), { input: 1200, output: 300 }),
    });
    const executor = createModelExecutor({ provider: 'anthropic', languageModel: () => model });
    const result = await executor(agent, { task: 'review the db layer', coverage: 71 }, run);

    expect(result.success).toBe(true);
    expect(result.confidence).toBe(0.85);
    expect(result.output).toMatchObject({
      summary: 'Reviewed the module; one issue.',
      findings: [{ severity: 'high', location: { file: 'src/db.ts', line: 3 } }],
      model: 'claude-haiku-4-5',
      toolCalls: [],
    });
    // claude-haiku-4-5 (the CHEAP default) costs $1 / $5 per million tokens.
    expect(result.usage).toEqual({
      inputTokens: 1200,
      outputTokens: 300,
      model: 'claude-haiku-4-5',
      costUsd: 0.0027,
    });
    const sent = promptText(model.doGenerateCalls[0]);
    expect(sent).toContain('Review the database layer for injection risks.');
    expect(sent).toContain('Task: review the db layer');
    expect(sent).toContain('\\"coverage\\": 71');
    expect(model.doGenerateCalls[0]?.maxOutputTokens).toBe(500);
  });

  it('picks the model of the agent tier from the configured models', async () => {
    const seen: string[] = [];
    const executor = createModelExecutor({
      provider: 'openai',
      models: { PREMIUM: 'gpt-custom' },
      languageModel: (id) => {
        seen.push(id);
        return new MockLanguageModelV4({ doGenerate: textResult(answerJson()) });
      },
    });
    await executor({ ...agent, tier: 'PREMIUM' }, {}, run);
    await executor({ ...agent, tier: 'CAPABLE' }, {}, run);
    expect(seen).toEqual(['gpt-custom', 'gpt-4.1']);
  });

  it('returns a failed result with the reason when the answer does not parse', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: textResult(
        '{"summary":"x","findings":[],"recommendations":[],"confidence":"high"}',
      ),
    });
    const executor = createModelExecutor({ provider: 'anthropic', languageModel: () => model });
    const result = await executor(agent, {}, run);
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/did not match the expected format: confidence: /);
    expect(result.usage).toMatchObject({ inputTokens: 100, outputTokens: 50 });
    expect(result.output).toMatchObject({ text: expect.stringContaining('"confidence":"high"') });
  });

  it('says the reply was cut off at maxTokens when it was', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: textResult('{"summary":"partial', { input: 10, output: 500 }, 'length'),
    });
    const executor = createModelExecutor({ provider: 'anthropic', languageModel: () => model });
    const result = await executor(agent, {}, run);
    expect(result.success).toBe(false);
    expect(result.error).toContain('cut off at the token limit of 500');
  });

  it('lets the model read project files through tools and logs every tool call', async () => {
    const root = project();
    const model = new MockLanguageModelV4({
      doGenerate: [
        toolCallResult('read_file', { path: 'db.ts', startLine: 2, endLine: 2 }),
        toolCallResult('read_file', { path: '../etc/passwd' }, 'call-2'),
        textResult(answerJson()),
      ],
    });
    const { entries, logger } = recordingLogger();
    const executor = createModelExecutor({
      provider: 'anthropic',
      projectRoot: root,
      logger,
      languageModel: () => model,
    });
    const result = await executor(agent, { task: 'review' }, run);

    expect(result.success).toBe(true);
    expect(model.doGenerateCalls).toHaveLength(3);
    expect(promptText(model.doGenerateCalls[1])).toContain('SELECT * FROM t WHERE id=');
    expect(promptText(model.doGenerateCalls[2])).toContain(
      'must stay inside the project directory',
    );
    const calls = (result.output as { toolCalls: Array<{ tool: string; ok: boolean }> }).toolCalls;
    expect(calls.map((call) => [call.tool, call.ok])).toEqual([
      ['read_file', true],
      ['read_file', false],
    ]);
    expect(entries.filter((entry) => entry.message === 'tool call')).toHaveLength(2);
    // Usage is the sum over the three steps: 80+80+100 in, 20+20+50 out.
    expect(result.usage).toMatchObject({ inputTokens: 260, outputTokens: 90 });
  });

  it('stops tool use at the step limit and makes the model answer', async () => {
    const root = project();
    const model = new MockLanguageModelV4({
      doGenerate: async (options) =>
        options.toolChoice?.type === 'none'
          ? textResult(answerJson())
          : toolCallResult('list_files', { path: '.' }),
    });
    const executor = createModelExecutor({
      provider: 'anthropic',
      projectRoot: root,
      maxToolSteps: 2,
      languageModel: () => model,
    });
    const result = await executor(agent, {}, run);
    expect(result.success).toBe(true);
    expect(model.doGenerateCalls).toHaveLength(3);
    expect(model.doGenerateCalls.map((call) => call.toolChoice?.type)).toEqual([
      'auto',
      'auto',
      'none',
    ]);
  });

  it('enforces maxTokens over all steps', async () => {
    const root = project();
    const model = new MockLanguageModelV4({
      doGenerate: [
        toolCallResult('list_files', {}, 'c1', { input: 10, output: 200 }),
        toolCallResult('list_files', {}, 'c2', { input: 10, output: 300 }),
        textResult(answerJson()),
      ],
    });
    const executor = createModelExecutor({
      provider: 'anthropic',
      projectRoot: root,
      languageModel: () => model,
    });
    const result = await executor(agent, {}, run);
    expect(model.doGenerateCalls.map((call) => call.maxOutputTokens)).toEqual([500, 300]);
    expect(model.doGenerateCalls).toHaveLength(2);
    expect(result.success).toBe(false);
    expect(result.error).toBe(
      'The model used its whole token budget (maxTokens 500) before answering',
    );
    expect(result.usage).toMatchObject({ outputTokens: 500 });
  });

  it('retries a 429 after the Retry-After the server asked for', async () => {
    let calls = 0;
    const model = new MockLanguageModelV4({
      doGenerate: async () => {
        calls += 1;
        if (calls === 1) throw apiError(429, { 'retry-after': '0.06' });
        return textResult(answerJson());
      },
    });
    const { entries, logger } = recordingLogger();
    const executor = createModelExecutor({
      provider: 'anthropic',
      logger,
      retry: { initialDelayMs: 5000 },
      languageModel: () => model,
    });
    const started = performance.now();
    const result = await executor(agent, {}, run);
    const elapsed = performance.now() - started;
    expect(result.success).toBe(true);
    expect(calls).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(55);
    expect(elapsed).toBeLessThan(2000);
    expect(entries.find((entry) => entry.level === 'warn')?.data).toMatchObject({
      status: 429,
      delayMs: 60,
    });
  });

  it('gives up on repeated 5xx after maxRetries with the reason', async () => {
    let calls = 0;
    const model = new MockLanguageModelV4({
      doGenerate: async () => {
        calls += 1;
        throw apiError(503, {}, '{"error":{"message":"overloaded"}}');
      },
    });
    const executor = createModelExecutor({
      provider: 'anthropic',
      maxRetries: 2,
      retry: { initialDelayMs: 1 },
      languageModel: () => model,
    });
    const result = await executor(agent, {}, run);
    expect(calls).toBe(3);
    expect(result.success).toBe(false);
    expect(result.error).toBe(
      'Server error (503) calling anthropic model "claude-haiku-4-5" after 2 retries: overloaded',
    );
  });

  it('fails at once on 401 and names the key to check', async () => {
    let calls = 0;
    const model = new MockLanguageModelV4({
      doGenerate: async () => {
        calls += 1;
        throw apiError(
          401,
          {},
          '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}',
        );
      },
    });
    const executor = createModelExecutor({ provider: 'anthropic', languageModel: () => model });
    const result = await executor(agent, {}, run);
    expect(calls).toBe(1);
    expect(result).toMatchObject({
      success: false,
      error:
        'Authentication failed (401) calling anthropic model "claude-haiku-4-5": check ANTHROPIC_API_KEY: invalid x-api-key',
      usage: { inputTokens: 0, outputTokens: 0 },
      output: { httpStatus: 401 },
    });
  });

  it('fails at once on 400', async () => {
    let calls = 0;
    const model = new MockLanguageModelV4({
      doGenerate: async () => {
        calls += 1;
        throw apiError(400, {}, '{"error":{"message":"max_tokens too large"}}');
      },
    });
    const executor = createModelExecutor({ provider: 'openai', languageModel: () => model });
    const result = await executor(agent, {}, run);
    expect(calls).toBe(1);
    expect(result.error).toBe(
      'Request rejected (400) calling openai model "gpt-4.1-mini": max_tokens too large',
    );
  });

  it('leaves the cost out, with a note, for a model without a price', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: textResult(answerJson(), { input: 7, output: 3 }),
    });
    const executor = createModelExecutor({
      provider: 'openai-compatible',
      models: { CHEAP: 'llama3.2' },
      languageModel: () => model,
    });
    const result = await executor(agent, {}, run);
    expect(result.usage).toEqual({ inputTokens: 7, outputTokens: 3, model: 'llama3.2' });
    expect((result.output as { notes: string[] }).notes[0]).toContain(
      'no price is known for model llama3.2',
    );
  });

  it('reports no usage, with a note, when the provider reported no tokens', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: textResult(answerJson(), { input: undefined, output: undefined }),
    });
    const executor = createModelExecutor({ provider: 'anthropic', languageModel: () => model });
    const result = await executor(agent, {}, run);
    expect(result.success).toBe(true);
    expect(result.usage).toBeUndefined();
    expect((result.output as { notes: string[] }).notes).toEqual([
      'anthropic reported no token usage for claude-haiku-4-5',
    ]);
  });

  it('rejects promptly with the abort reason when the run is cancelled', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: (options) =>
        new Promise((_, reject) => {
          options.abortSignal?.addEventListener('abort', () => reject(options.abortSignal?.reason));
        }),
    });
    const executor = createModelExecutor({ provider: 'anthropic', languageModel: () => model });
    const controller = new AbortController();
    const pending = executor(agent, {}, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled by user')), 20);
    await expect(pending).rejects.toThrow('cancelled by user');
  });

  it('rejects a bad option naming it', () => {
    expect(() => createModelExecutor({ provider: 'anthropic', maxToolSteps: -1 })).toThrow(
      'maxToolSteps: must be an integer >= 0',
    );
  });
});

const filesAnswer = {
  schema: z.object({
    files: z.array(
      z.object({
        path: z.string().min(1, 'must be a non-empty path'),
        content: z.string().min(1, 'must not be empty'),
      }),
    ),
    confidence: z.number().optional(),
  }),
  description: '{ "files": [{ "path": string, "content": string }] }',
};

describe('createModelExecutor with answerFormat', () => {
  it('asks for the custom shape and parses a fenced reply against it, without inventing a confidence', async () => {
    const files = [{ path: 'test/extra.test.js', content: 'test("x", () => {});\n' }];
    const model = new MockLanguageModelV4({
      doGenerate: textResult(`Here you go:\n\`\`\`json\n${JSON.stringify({ files })}\n\`\`\``, {
        input: 400,
        output: 90,
      }),
    });
    const executor = createModelExecutor({
      provider: 'anthropic',
      languageModel: () => model,
      answerFormat: filesAnswer,
    });
    const result = await executor(agent, { task: 'write tests' }, run);

    expect(result.success).toBe(true);
    expect(result.output).toMatchObject({ files, model: 'claude-haiku-4-5', toolCalls: [] });
    expect(result).not.toHaveProperty('confidence');
    expect(result.usage).toMatchObject({ inputTokens: 400, outputTokens: 90 });
    const instructions = JSON.stringify(model.doGenerateCalls[0]?.prompt);
    expect(instructions).toContain(
      '{ \\"files\\": [{ \\"path\\": string, \\"content\\": string }] }',
    );
    expect(instructions).not.toContain('recommendations');
    expect(instructions).not.toContain('Use \\"critical\\" only');
    const defaultModel = new MockLanguageModelV4({ doGenerate: textResult(answerJson()) });
    await createModelExecutor({ provider: 'anthropic', languageModel: () => defaultModel })(
      agent,
      {},
      run,
    );
    const defaultInstructions = JSON.stringify(defaultModel.doGenerateCalls[0]?.prompt);
    expect(defaultInstructions).toContain('Use \\"critical\\" only');
    expect(defaultInstructions).toContain('\\"recommendations\\": [string]');
  });

  it("takes the answer's confidence only when it is a number from 0 to 1", async () => {
    const reply = (confidence: number) =>
      new MockLanguageModelV4({
        doGenerate: textResult(JSON.stringify({ files: [], confidence })),
      });
    const inRange = await createModelExecutor({
      provider: 'anthropic',
      languageModel: () => reply(0.4),
      answerFormat: filesAnswer,
    })(agent, {}, run);
    expect(inRange.confidence).toBe(0.4);
    const outOfRange = await createModelExecutor({
      provider: 'anthropic',
      languageModel: () => reply(7),
      answerFormat: filesAnswer,
    })(agent, {}, run);
    expect(outOfRange.success).toBe(true);
    expect(outOfRange).not.toHaveProperty('confidence');
  });

  it('fails naming the field when the reply does not match the custom shape', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: textResult(JSON.stringify({ files: [{ path: '', content: 'x' }] })),
    });
    const executor = createModelExecutor({
      provider: 'anthropic',
      languageModel: () => model,
      answerFormat: filesAnswer,
    });
    const result = await executor(agent, {}, run);
    expect(result.success).toBe(false);
    expect(result.error).toBe(
      "The model's answer did not match the expected format: files.0.path: must be a non-empty path",
    );
    expect(result.usage).toMatchObject({ inputTokens: 100, outputTokens: 50 });
  });

  it('fails when a reply in the default agent shape is not the custom shape', async () => {
    const model = new MockLanguageModelV4({ doGenerate: textResult(answerJson()) });
    const result = await createModelExecutor({
      provider: 'anthropic',
      languageModel: () => model,
      answerFormat: filesAnswer,
    })(agent, {}, run);
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/expected format: files: /);
  });

  it('rejects an answer format without a description, naming it', () => {
    expect(() =>
      createModelExecutor({
        provider: 'anthropic',
        answerFormat: { schema: filesAnswer.schema, description: ' ' },
      }),
    ).toThrow('answerFormat.description: must be a non-empty string');
  });
});
