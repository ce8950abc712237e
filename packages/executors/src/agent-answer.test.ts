import { describe, expect, it } from 'vitest';
import { parseAgentAnswer } from './agent-answer.js';

const answer = {
  summary: 'ok',
  findings: [{ severity: 'low', message: 'naming', location: { file: 'a.ts', line: 2 } }],
  recommendations: ['rename'],
  confidence: 0.7,
};

describe('parseAgentAnswer', () => {
  it('parses bare JSON', () => {
    const parsed = parseAgentAnswer(JSON.stringify(answer));
    expect(parsed).toEqual({ success: true, answer });
  });

  it('parses JSON inside a code fence with prose around it', () => {
    const text = `Here is my review.\n\n\`\`\`json\n${JSON.stringify(answer, null, 2)}\n\`\`\`\nThanks.`;
    expect(parseAgentAnswer(text)).toEqual({ success: true, answer });
  });

  it('parses a JSON object embedded in prose without a fence', () => {
    expect(parseAgentAnswer(`Result: ${JSON.stringify(answer)} -- done`)).toEqual({
      success: true,
      answer,
    });
  });

  it('fails naming the offending field when the shape is wrong', () => {
    const parsed = parseAgentAnswer(
      JSON.stringify({
        ...answer,
        confidence: 1.5,
        findings: [{ severity: 'urgent', message: 'x' }],
      }),
    );
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(parsed.error).toContain('findings.0.severity');
    expect(parsed.error).toContain('confidence: must be <= 1');
  });

  it('fails on text without JSON and on an empty reply', () => {
    expect(parseAgentAnswer('Looks good to me!')).toEqual({
      success: false,
      error: 'the answer contains no JSON object',
    });
    expect(parseAgentAnswer('  ')).toEqual({ success: false, error: 'the answer is empty' });
  });
});
