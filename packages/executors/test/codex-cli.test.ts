/**
 * The CLI executor with the real `codex` binary (from @openai/codex, a devDependency) and the real
 * `claude` binary, both pointed at one local server: a real fallback chain.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliAgentOutput, createCliExecutor } from '../src/cli-executor.js';
import { answerJson } from './mock-model.js';
import {
  type ModelServer,
  type RecordedRequest,
  type ScriptedReply,
  startModelServer,
} from './servers.js';

const binDirectory = fileURLToPath(new URL('../node_modules/.bin', import.meta.url));
const agent = {
  id: 'test_writer',
  role: 'Test Writer',
  tier: 'CAPABLE' as const,
  instructions: 'Write the missing tests.',
  resourceRequirements: { timeoutSeconds: 45 },
};

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function runChain(chain: string, reply: (request: RecordedRequest) => ScriptedReply) {
  server = await startModelServer({ replies: (request) => reply(request) });
  const home = mkdtempSync(path.join(tmpdir(), 'baton-cli-home-'));
  const executor = createCliExecutor({
    chain,
    projectRoot: mkdtempSync(path.join(tmpdir(), 'baton-codex-project-')),
    models: { codex: { CAPABLE: 'gpt-5' } },
    extraArgs: {
      codex: [
        '-c',
        'model_provider=local',
        '-c',
        `model_providers.local={name="local", base_url="${server.baseURL}", wire_api="responses", env_key="LOCAL_MODEL_KEY", stream_max_retries=0, request_max_retries=0}`,
        '-c',
        'features.plugins=false',
        '-c',
        'analytics.enabled=false',
      ],
    },
    env: {
      PATH: `${binDirectory}:/usr/bin:/bin`,
      HOME: home,
      CODEX_HOME: home,
      LOCAL_MODEL_KEY: 'local-test-key',
      ANTHROPIC_BASE_URL: server.url,
      ANTHROPIC_API_KEY: 'sk-ant-test-dummy',
      CLAUDE_CODE_MAX_RETRIES: '0',
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    },
  });
  const result = await executor(
    agent,
    { task: 'cover parser.ts' },
    { signal: AbortSignal.timeout(55_000) },
  );
  return { result, output: result.output as CliAgentOutput };
}

describe('CLI executor with the real codex binary', () => {
  it('falls back from a rate-limited claude to codex, which answers over the Responses API', async () => {
    const answer = answerJson({ summary: 'codex answered', confidence: 0.7 });
    const { result, output } = await runChain('claude,codex', (request) =>
      request.protocol === 'anthropic'
        ? { type: 'error', status: 429, headers: { 'retry-after': '30' }, message: 'rate limited' }
        : { type: 'text', text: answer, inputTokens: 900, outputTokens: 77 },
    );

    expect(output.attempts.map((attempt) => [attempt.cli, attempt.outcome])).toEqual([
      ['claude', 'quota'],
      ['codex', 'ok'],
    ]);
    expect(result.success).toBe(true);
    expect(output.cli).toBe('codex');
    expect(output.answer?.summary).toBe('codex answered');
    expect(result.confidence).toBe(0.7);
    // gpt-5 is priced at $1.25 / $10 per million tokens.
    expect(result.usage).toEqual({
      inputTokens: 900,
      outputTokens: 77,
      model: 'gpt-5',
      costUsd: 0.001895,
    });
    const codexRequest = server!
      .modelRequests()
      .find((request) => request.protocol === 'responses');
    expect(codexRequest?.body?.model).toBe('gpt-5');
    expect(codexRequest?.headers.authorization).toBe('Bearer local-test-key');
    expect(JSON.stringify(codexRequest?.body)).toContain('Write the missing tests.');
  }, 60_000);

  it('classifies a 429 from the Responses API as a quota failure', async () => {
    const { result, output } = await runChain('codex', () => ({
      type: 'error',
      status: 429,
      message: 'Rate limit reached for requests',
    }));
    expect(result.success).toBe(false);
    expect(output.attempts.map((attempt) => attempt.outcome)).toEqual(['quota']);
    expect(output.attempts[0]?.reason).toBe(
      'quota or rate limit: exceeded retry limit, last status: 429 Too Many Requests',
    );
  }, 60_000);
});
