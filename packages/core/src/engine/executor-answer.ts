import { describeError } from '../errors.js';
import { type AgentResult, type Usage, usageSchema } from '../schemas.js';
import { zodIssues } from '../validate.js';

/**
 * Reads what an executor resolved with for one agent run: the one place that decides what an
 * answer means.
 *
 * - It must be an object `{ output, confidence?, success?, error?, usage? }`; `success` a boolean,
 *   `confidence` a number from 0 to 1 (or absent / `null`: not reported), `usage` a valid usage.
 *   Anything else is a failed result naming the field (`Agent "x" returned invalid output:
 *   confidence: ...`); the output and a valid usage are kept.
 * - `success: false` is the agent's own verdict: `Agent "x" reported failure: <error>`.
 * - `confidence` is what the agent reported, also on a reported failure, and `null` when it
 *   reported none: Baton never invents a confidence.
 *
 * @example
 * ```ts
 * readExecutorAnswer('reviewer', { output: 'ok', confidence: 0.8 }, 1.5);
 * // { agentId: 'reviewer', success: true, output: 'ok', confidence: 0.8, durationSeconds: 1.5, error: '' }
 * ```
 */
export function readExecutorAnswer(
  agentId: string,
  answer: unknown,
  durationSeconds: number,
): AgentResult {
  if (typeof answer !== 'object' || answer === null) {
    return failedResult(
      agentId,
      `Agent "${agentId}" returned invalid output: the executor must resolve with an object { output, confidence?, success?, usage? } (got ${answer === null ? 'null' : typeof answer})`,
      durationSeconds,
    );
  }
  const fields = answer as Record<string, unknown>;
  const success = fields.success ?? true;
  const reported = fields.confidence;
  const rawUsage = fields.usage;
  // The common case first, without allocating: a well-formed answer.
  const confidenceOk =
    reported === undefined ||
    reported === null ||
    (typeof reported === 'number' && reported >= 0 && reported <= 1);
  let usage: Usage | undefined;
  let usageProblems: string[] | undefined;
  if (rawUsage !== undefined) {
    const parsed = usageSchema.safeParse(rawUsage);
    if (parsed.success) usage = parsed.data;
    else {
      usageProblems = zodIssues(parsed.error, 'usage').map(
        (issue) => `${issue.field}: ${issue.message}`,
      );
    }
  }
  const confidence = confidenceOk && typeof reported === 'number' ? reported : null;
  if (typeof success !== 'boolean' || !confidenceOk || usageProblems !== undefined) {
    const problems: string[] = [];
    if (typeof success !== 'boolean')
      problems.push(`success: must be a boolean (got ${show(success)})`);
    if (!confidenceOk) {
      problems.push(`confidence: must be a number from 0 to 1 (got ${show(reported)})`);
    }
    if (usageProblems !== undefined) problems.push(...usageProblems);
    const result: AgentResult = {
      agentId,
      success: false,
      output: fields.output,
      confidence: null,
      durationSeconds,
      error: `Agent "${agentId}" returned invalid output: ${problems.join('; ')}`,
    };
    if (usage !== undefined) result.usage = usage;
    return result;
  }
  const result: AgentResult = {
    agentId,
    success,
    output: fields.output,
    confidence,
    durationSeconds,
    error: '',
  };
  if (usage !== undefined) result.usage = usage;
  if (!success) {
    const reason =
      typeof fields.error === 'string' && fields.error !== '' ? `: ${fields.error}` : '';
    result.error = `Agent "${agentId}" reported failure${reason}`;
  }
  return result;
}

/** A failed result with no output and no confidence. */
export function failedResult(agentId: string, error: string, durationSeconds = 0): AgentResult {
  return { agentId, success: false, output: undefined, confidence: null, durationSeconds, error };
}

/**
 * The failure text of an executor call that threw, timed out or was aborted:
 * `Agent "x" was aborted[: reason]`, the time-out message (`Agent "x" timed out after 5s`), or
 * `Agent "x" failed: <message>`.
 */
export function thrownFailureText(
  agentId: string,
  error: unknown,
  runSignal: AbortSignal | undefined,
  agentSignal: AbortSignal | undefined,
): string {
  if (runSignal?.aborted) {
    const reason: unknown = runSignal.reason;
    const custom =
      typeof reason === 'string' || (reason instanceof Error && reason.name !== 'AbortError');
    return `Agent "${agentId}" was aborted${custom ? `: ${describeError(reason)}` : ''}`;
  }
  // The run was not aborted, so an aborted agent signal means its time limit passed; the
  // reason is the TimeoutError, whose message names the agent and the limit.
  if (agentSignal?.aborted) return describeError(agentSignal.reason);
  return `Agent "${agentId}" failed: ${describeError(error)}`;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return typeof value;
}
