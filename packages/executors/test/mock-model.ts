import type { LanguageModelV4GenerateResult } from '@ai-sdk/provider';

/** A usage block as providers report it. */
export function usage(inputTokens: number | undefined, outputTokens: number | undefined) {
  return {
    inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: 0 },
  };
}

/** A final text reply. */
export function textResult(
  text: string,
  tokens: { input?: number | undefined; output?: number | undefined } = { input: 100, output: 50 },
  finish: 'stop' | 'length' = 'stop',
): LanguageModelV4GenerateResult {
  return {
    content: [{ type: 'text', text }],
    finishReason: { unified: finish, raw: finish },
    usage: usage(tokens.input, tokens.output),
    warnings: [],
  };
}

/** A reply that calls one tool. */
export function toolCallResult(
  toolName: string,
  input: Record<string, unknown>,
  id = 'call-1',
  tokens = { input: 80, output: 20 },
): LanguageModelV4GenerateResult {
  return {
    content: [{ type: 'tool-call', toolCallId: id, toolName, input: JSON.stringify(input) }],
    finishReason: { unified: 'tool-calls', raw: 'tool_use' },
    usage: usage(tokens.input, tokens.output),
    warnings: [],
  };
}

/** A valid answer as JSON text. */
export function answerJson(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    summary: 'Reviewed the module; one issue.',
    findings: [
      {
        severity: 'high',
        message: 'SQL built by string concatenation',
        location: { file: 'src/db.ts', line: 3 },
      },
    ],
    recommendations: ['Use parameterised queries'],
    confidence: 0.85,
    ...overrides,
  });
}

/** A logger that records entries. */
export function recordingLogger() {
  const entries: Array<{ level: string; message: string; data?: Record<string, unknown> }> = [];
  const log =
    (level: string) =>
    (message: string, data?: Record<string, unknown>): void => {
      entries.push({ level, message, ...(data === undefined ? {} : { data }) });
    };
  return {
    entries,
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
  };
}
