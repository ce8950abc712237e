import { afterEach, describe, expect, it, vi } from 'vitest';
import { answerJson } from '../test/mock-model.js';
import { startModelServer } from '../test/servers.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('README example (examples/review-project.ts)', () => {
  it('reviews the project through an OpenAI-compatible server configured by environment', async () => {
    const server = await startModelServer({
      replies: [
        { type: 'tool-call', name: 'list_files', input: { path: '.' } },
        {
          type: 'text',
          text: answerJson({ summary: 'example review' }),
          inputTokens: 321,
          outputTokens: 45,
        },
      ],
    });
    try {
      vi.stubEnv('BATON_PROVIDER', '');
      vi.stubEnv('ANTHROPIC_API_KEY', '');
      vi.stubEnv('OPENAI_API_KEY', '');
      vi.stubEnv('BATON_BASE_URL', server.baseURL);
      vi.stubEnv('BATON_MODEL', 'llama3.2');
      const printed: unknown[][] = [];
      vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(args);
      });
      await import('./review-project.js');
      expect(String(printed[0]?.[0])).toContain('"summary": "example review"');
      expect(printed[1]).toEqual([
        'usage:',
        { inputTokens: 421, outputTokens: 95, model: 'llama3.2' },
      ]);
      expect(JSON.stringify(server.modelRequests()[1]?.body)).toContain('package.json');
    } finally {
      await server.close();
    }
  });
});
