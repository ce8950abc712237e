/**
 * The CLI executor with the real `gemini` binary (from @google/gemini-cli, a devDependency)
 * pointed at a local server speaking Gemini's streamGenerateContent SSE.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliAgentOutput, createCliExecutor } from '../src/cli-executor.js';
import { answerJson } from './mock-model.js';
import { type ModelServer, type ScriptedReply, startModelServer } from './servers.js';

const binDirectory = fileURLToPath(new URL('../node_modules/.bin', import.meta.url));
const agent = {
  id: 'doc_writer',
  role: 'Documentation Writer',
  tier: 'CHEAP' as const,
  instructions: 'Document the public API.',
  resourceRequirements: { timeoutSeconds: 45 },
};

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function runGemini(reply: ScriptedReply) {
  server = await startModelServer({ replies: [reply] });
  const home = mkdtempSync(path.join(tmpdir(), 'baton-gemini-home-'));
  mkdirSync(path.join(home, '.gemini'));
  writeFileSync(
    path.join(home, '.gemini', 'settings.json'),
    JSON.stringify({
      security: { auth: { selectedType: 'gemini-api-key' } },
      general: { maxAttempts: 1 },
    }),
  );
  const executor = createCliExecutor({
    chain: ['gemini'],
    projectRoot: mkdtempSync(path.join(tmpdir(), 'baton-gemini-project-')),
    env: {
      // gemini is a Node program: run it with this Node.
      PATH: `${binDirectory}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: home,
      TMPDIR: home,
      GEMINI_API_KEY: 'gemini-test-key',
      GOOGLE_GEMINI_BASE_URL: server.url,
      GEMINI_CLI_TRUST_WORKSPACE: 'true',
    },
  });
  const result = await executor(
    agent,
    { task: 'document src/' },
    { signal: AbortSignal.timeout(55_000) },
  );
  return { result, output: result.output as CliAgentOutput };
}

describe('CLI executor with the real gemini binary', () => {
  it('returns the answer the local server streamed, with the tokens gemini reported', async () => {
    const answer = answerJson({ summary: 'gemini answered', confidence: 0.9 });
    const { result, output } = await runGemini({
      type: 'text',
      text: answer,
      inputTokens: 640,
      outputTokens: 32,
    });

    expect(output.attempts.map((attempt) => attempt.outcome)).toEqual(['ok']);
    expect(result.success).toBe(true);
    expect(output.answer?.summary).toBe('gemini answered');
    expect(result.confidence).toBe(0.9);
    expect(result.usage).toMatchObject({
      inputTokens: 640,
      outputTokens: 32,
      model: 'gemini-2.5-flash-lite',
    });
    const request = server!.modelRequests()[0];
    expect(request?.path).toBe(
      '/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent?alt=sse',
    );
    expect(request?.headers['x-goog-api-key']).toBe('gemini-test-key');
    expect(JSON.stringify(request?.body)).toContain('Document the public API.');
  }, 60_000);

  it('classifies a 429 as a quota failure', async () => {
    const { result, output } = await runGemini({
      type: 'error',
      status: 429,
      message: 'Quota exceeded',
    });
    expect(result.success).toBe(false);
    expect(output.attempts.map((attempt) => attempt.outcome)).toEqual(['quota']);
    expect(output.attempts[0]?.reason).toBe('quota or rate limit: Quota exceeded');
    expect(output.attempts[0]?.exitCode).toBe(173);
  }, 60_000);
});
