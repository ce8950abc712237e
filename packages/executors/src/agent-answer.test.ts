import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { answerConfidence, parseAgentAnswer, parseJsonAnswer } from './agent-answer.js';

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

describe('parseJsonAnswer', () => {
  const schema = z.object({
    files: z.array(z.object({ path: z.string(), content: z.string().min(1, 'must not be empty') })),
  });

  it('parses a fenced JSON object in prose against the given schema', () => {
    const files = [{ path: 'test/a.test.js', content: 'ok' }];
    const text = `Done.\n\n\`\`\`json\n${JSON.stringify({ files })}\n\`\`\`\n`;
    expect(parseJsonAnswer(text, schema)).toEqual({ success: true, answer: { files } });
  });

  it('names the offending field when the object does not match', () => {
    expect(parseJsonAnswer('{"files":[{"path":"a","content":""}]}', schema)).toEqual({
      success: false,
      error: 'files.0.content: must not be empty',
    });
    expect(parseJsonAnswer('no json here', schema)).toEqual({
      success: false,
      error: 'the answer contains no JSON object',
    });
  });
});

describe('answerConfidence', () => {
  it('is the numeric confidence from 0 to 1, else undefined', () => {
    expect(answerConfidence({ confidence: 0 })).toBe(0);
    expect(answerConfidence({ confidence: 0.9 })).toBe(0.9);
    expect(answerConfidence({ confidence: 1.2 })).toBeUndefined();
    expect(answerConfidence({ confidence: '0.9' })).toBeUndefined();
    expect(answerConfidence({})).toBeUndefined();
  });
});
