import { describe, expect, it } from 'vitest';
import { parseClaudeOutput, parseCodexOutput, parseGeminiOutput } from './agent-cli.js';

describe('CLI output parsers', () => {
  it('reads a failed claude API call that still says subtype success', () => {
    const reply = parseClaudeOutput(
      JSON.stringify({
        type: 'result',
        subtype: 'success',
        is_error: true,
        api_error_status: 429,
        result: 'API Error: 429 rate_limit_error',
        usage: { input_tokens: 0, output_tokens: 0 },
        total_cost_usd: 0,
      }),
    );
    expect(reply).toMatchObject({ error: 'API Error: 429 rate_limit_error', apiStatus: 429 });
  });

  it('reads codex JSON lines: the last agent message, summed usage, and turn.failed', () => {
    const lines = [
      { type: 'thread.started', thread_id: 'x' },
      { type: 'item.completed', item: { type: 'reasoning', text: 'thinking' } },
      { type: 'item.completed', item: { type: 'agent_message', text: 'first' } },
      { type: 'item.completed', item: { type: 'agent_message', text: 'final' } },
      { type: 'turn.completed', usage: { input_tokens: 10, output_tokens: 2 } },
    ].map((line) => JSON.stringify(line));
    expect(parseCodexOutput(lines.join('\n'))).toEqual({
      text: 'final',
      tokens: { inputTokens: 10, outputTokens: 2 },
    });
    const failed = `${JSON.stringify({ type: 'turn.failed', error: { message: 'exceeded retry limit, last status: 429' } })}\n`;
    expect(parseCodexOutput(failed)).toEqual({
      text: '',
      error: 'exceeded retry limit, last status: 429',
    });
  });

  it('reads gemini JSON with per-model token stats', () => {
    const reply = parseGeminiOutput(
      JSON.stringify({
        response: 'ok',
        stats: {
          models: {
            'gemini-2.5-flash-lite': { tokens: { prompt: 5, candidates: 1 } },
            'gemini-2.5-pro': { tokens: { prompt: 100, candidates: 20 } },
          },
        },
      }),
    );
    expect(reply).toEqual({
      text: 'ok',
      model: 'gemini-2.5-flash-lite',
      tokens: { inputTokens: 105, outputTokens: 21 },
    });
    expect(parseGeminiOutput('', 'not json').error).toBe('no JSON result in the output');
  });

  it('reads plain text printed instead of the JSON format as the answer, without tokens', () => {
    const answer = JSON.stringify({ summary: 'ok', confidence: 0.5 });
    for (const parse of [parseClaudeOutput, parseCodexOutput, parseGeminiOutput]) {
      expect(parse(`Answer:\n${answer}\n`, '')).toEqual({
        text: `Answer:\n${answer}`,
        plainText: true,
      });
      expect(parse('', '')).toMatchObject({ text: '' });
      expect(parse('', '')).not.toHaveProperty('plainText');
    }
    // gemini's own status line alone is not an answer.
    expect(parseGeminiOutput('Loaded cached credentials.\n')).toEqual({
      text: '',
      error: 'no JSON result in the output',
    });
  });
});
