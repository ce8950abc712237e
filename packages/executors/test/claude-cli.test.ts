/**
 * The CLI executor with the real `claude` binary (from @anthropic-ai/claude-code, a devDependency)
 * pointed at a local Anthropic Messages server.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliAgentOutput, createCliExecutor } from '../src/cli-executor.js';
import { answerJson } from './mock-model.js';
import { type ModelServer, type ScriptedReply, startModelServer } from './servers.js';

const binDirectory = fileURLToPath(new URL('../node_modules/.bin', import.meta.url));
const agent = {
  id: 'code_reviewer',
  role: 'Code Quality Reviewer',
  tier: 'CAPABLE' as const,
  instructions: 'Review the project for quality issues.',
  resourceRequirements: { timeoutSeconds: 45 },
};

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function claudeEnv(baseUrl: string) {
  return {
    PATH: `${binDirectory}:/usr/bin:/bin`,
    HOME: mkdtempSync(path.join(tmpdir(), 'baton-claude-home-')),
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-test-dummy',
    CLAUDE_CODE_MAX_RETRIES: '0',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
}

async function runClaude(reply: (index: number) => ScriptedReply) {
  server = await startModelServer({ replies: (_request, index) => reply(index) });
  const projectRoot = mkdtempSync(path.join(tmpdir(), 'baton-claude-project-'));
  const executor = createCliExecutor({
    chain: ['claude'],
    projectRoot,
    runId: 'real-claude',
    env: claudeEnv(server.url),
    timeoutSeconds: 45,
  });
  const result = await executor(
    agent,
    { task: 'review the project' },
    { signal: AbortSignal.timeout(55_000) },
  );
  return { result, output: result.output as CliAgentOutput, projectRoot };
}

describe('CLI executor with the real claude binary', () => {
  it('returns the answer the local Anthropic server streamed to claude', async () => {
    const answer = answerJson({
      summary: 'Served by the local Anthropic server',
      confidence: 0.66,
    });
    const { result, output, projectRoot } = await runClaude(() => ({
      type: 'text',
      text: answer,
      inputTokens: 4321,
      outputTokens: 123,
    }));

    expect(output.attempts.map((attempt) => attempt.outcome)).toEqual(['ok']);
    expect(result.success).toBe(true);
    expect(output.text).toBe(answer);
    expect(output.answer?.summary).toBe('Served by the local Anthropic server');
    expect(result.confidence).toBe(0.66);
    const requests = server!.modelRequests();
    expect(requests.length).toBeGreaterThanOrEqual(1);
    const main = requests.find((request) =>
      JSON.stringify(request.body).includes('Review the project for quality issues.'),
    );
    expect(main?.stream).toBe(true);
    expect(main?.headers['x-api-key']).toBe('sk-ant-test-dummy');
    // claude resolves its `sonnet` alias (the CAPABLE default) to a model id and reports it back.
    expect(output.model).toBe(main?.body?.model);
    expect(result.usage).toMatchObject({
      inputTokens: 4321,
      outputTokens: 123,
      model: main?.body?.model,
    });
    expect(result.usage?.costUsd).toBeGreaterThan(0);
    const log = readFileSync(
      path.join(projectRoot, '.baton', 'runs', 'real-claude', 'code_reviewer.claude.log'),
      'utf8',
    );
    expect(log).toContain('"type":"result"');
  }, 60_000);

  it('classifies a 429 from the API as a quota failure', async () => {
    const { result, output } = await runClaude(() => ({
      type: 'error',
      status: 429,
      headers: { 'retry-after': '60' },
      message: 'Number of requests has exceeded your rate limit',
    }));
    expect(result.success).toBe(false);
    expect(output.attempts.map((attempt) => attempt.outcome)).toEqual(['quota']);
    expect(result.error).toMatch(/^Every agent CLI failed: claude: quota or rate limit: /);
  }, 60_000);

  it('classifies a 401 from the API as an authentication failure', async () => {
    const { result, output } = await runClaude(() => ({
      type: 'error',
      status: 401,
      message: 'invalid x-api-key',
    }));
    expect(result.success).toBe(false);
    expect(output.attempts.map((attempt) => attempt.outcome)).toEqual(['auth']);
  }, 60_000);
});
