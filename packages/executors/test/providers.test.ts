import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { streamText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { createModelExecutor } from '../src/model-executor.js';
import { createLanguageModel, type ModelProvider } from '../src/model-provider.js';
import { answerJson } from './mock-model.js';
import { type ModelServer, type ScriptedReply, startModelServer } from './servers.js';

const agent = {
  id: 'security_auditor',
  role: 'Security Auditor',
  tier: 'PREMIUM' as const,
  instructions: 'Audit the login code.',
  resourceRequirements: { maxTokens: 777, timeoutSeconds: 10 },
};
const run = () => ({ signal: AbortSignal.timeout(10_000) });

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function project(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'baton-http-'));
  writeFileSync(path.join(root, 'login.ts'), 'if (password == "admin") grant();\n');
  return root;
}

async function executorFor(provider: ModelProvider, replies: ScriptedReply[], extra = {}) {
  server = await startModelServer({ replies });
  return createModelExecutor({
    provider,
    apiKey: 'test-key',
    baseURL: server.baseURL,
    models: { PREMIUM: provider === 'anthropic' ? 'claude-opus-4-5' : 'gpt-5' },
    projectRoot: project(),
    retry: { initialDelayMs: 1 },
    ...extra,
  });
}

describe.each([
  ['anthropic', 'x-api-key', 'test-key'],
  ['openai', 'authorization', 'Bearer test-key'],
  ['openai-compatible', 'authorization', 'Bearer test-key'],
] as const)('model executor against a local %s server', (provider, keyHeader, keyValue) => {
  it('runs a tool call and parses the answer with measured usage', async () => {
    const executor = await executorFor(provider, [
      {
        type: 'tool-call',
        name: 'read_file',
        input: { path: 'login.ts' },
        inputTokens: 1000,
        outputTokens: 40,
      },
      {
        type: 'text',
        text: `\`\`\`json\n${answerJson({ confidence: 0.6 })}\n\`\`\``,
        inputTokens: 1500,
        outputTokens: 200,
      },
    ]);
    const result = await executor(agent, { task: 'audit login' }, run());

    expect(result.success).toBe(true);
    expect(result.confidence).toBe(0.6);
    expect(result.usage).toMatchObject({ inputTokens: 2500, outputTokens: 240 });
    if (provider === 'anthropic')
      expect(result.usage?.costUsd).toBeCloseTo((2500 * 5 + 240 * 25) / 1e6, 9);
    if (provider === 'openai')
      expect(result.usage?.costUsd).toBeCloseTo((2500 * 1.25 + 240 * 10) / 1e6, 9);
    const requests = server!.modelRequests();
    expect(requests).toHaveLength(2);
    expect(requests[0]?.headers[keyHeader]).toBe(keyValue);
    const first = requests[0]?.body ?? {};
    expect(first.max_tokens ?? first.max_completion_tokens).toBe(777);
    expect(JSON.stringify(first.tools)).toContain('read_file');
    // The second request carries the file the tool read, and the budget left after step one.
    expect(JSON.stringify(requests[1]?.body)).toContain('grant();');
    const second = requests[1]?.body ?? {};
    expect(second.max_tokens ?? second.max_completion_tokens).toBe(777 - 40);
  });

  it('retries a 429 honouring Retry-After, then succeeds', async () => {
    const executor = await executorFor(provider, [
      { type: 'error', status: 429, headers: { 'retry-after': '0.05' }, message: 'slow down' },
      { type: 'text', text: answerJson() },
    ]);
    const started = performance.now();
    const result = await executor(agent, {}, run());
    expect(result.success).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(server!.modelRequests()).toHaveLength(2);
  });

  it('retries a 500 and a 503, then succeeds', async () => {
    const executor = await executorFor(provider, [
      { type: 'error', status: 500 },
      { type: 'error', status: 503 },
      { type: 'text', text: answerJson() },
    ]);
    const result = await executor(agent, {}, run());
    expect(result.success).toBe(true);
    expect(server!.modelRequests()).toHaveLength(3);
  });

  it('fails at once on 401 with a clear message', async () => {
    const executor = await executorFor(provider, [
      { type: 'error', status: 401, message: 'invalid api key' },
      { type: 'text', text: answerJson() },
    ]);
    const result = await executor(agent, {}, run());
    expect(result.success).toBe(false);
    expect(result.error).toMatch(
      /^Authentication failed \(401\) calling .* check (ANTHROPIC_API_KEY|OPENAI_API_KEY|BATON_API_KEY): invalid api key$/,
    );
    expect(server!.modelRequests()).toHaveLength(1);
  });

  it('fails at once on 400 with the server message', async () => {
    const executor = await executorFor(provider, [
      { type: 'error', status: 400, message: 'max_tokens: too large' },
    ]);
    const result = await executor(agent, {}, run());
    expect(result.error).toContain('Request rejected (400)');
    expect(result.error).toContain('max_tokens: too large');
    expect(server!.modelRequests()).toHaveLength(1);
  });

  it('streams text from the server through the real provider package', async () => {
    server = await startModelServer({
      replies: [{ type: 'text', text: 'streamed answer text', outputTokens: 7 }],
    });
    const model = createLanguageModel({
      provider,
      modelId: 'm',
      apiKey: 'test-key',
      baseURL: server.baseURL,
    });
    const result = streamText({ model, prompt: 'hi', maxRetries: 0 });
    expect(await result.text).toBe('streamed answer text');
    expect((await result.usage).outputTokens).toBe(7);
    expect(server.modelRequests()[0]?.stream).toBe(true);
  });
});

describe('model executor against an unreachable server', () => {
  it('retries network errors and then fails saying it could not reach the model', async () => {
    const closed = await startModelServer({ replies: [] });
    await closed.close();
    const executor = createModelExecutor({
      provider: 'anthropic',
      apiKey: 'k',
      baseURL: closed.baseURL,
      maxRetries: 1,
      retry: { initialDelayMs: 1 },
    });
    const result = await executor(agent, {}, run());
    expect(result.success).toBe(false);
    expect(result.error).toMatch(
      /^Could not reach anthropic model "claude-opus-4-5".* after 1 retries/,
    );
  });
});
