import { BatonError, BatonErrorCode, type BatonErrorOptions } from '../errors.js';
import { parseRetryAfter } from '../retry.js';

/**
 * An error an executor throws to say "try again": rate limits, overloaded services, dropped
 * connections. `retryAfterMs` (e.g. from a `Retry-After` header) replaces the backoff delay.
 *
 * @example
 * ```ts
 * if (response.status === 429) {
 *   throw new RetryableError('rate limited', { retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) });
 * }
 * ```
 */
export class RetryableError extends BatonError {
  readonly retryable = true;
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: BatonErrorOptions & { retryAfterMs?: number | undefined } = {},
  ) {
    super(BatonErrorCode.EXECUTION, message, options);
    this.name = 'RetryableError';
    this.retryAfterMs = options.retryAfterMs;
  }
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Whether an error is worth retrying: an explicit `retryable` (or `isRetryable`) flag wins; then time-outs, HTTP
 * 408/425/429/5xx (`status` or `statusCode`) and transient network codes. Cancellation and bad
 * input never are.
 */
export function isRetryableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const record = error as Record<string, unknown>;
  if (typeof record.retryable === 'boolean') return record.retryable;
  // The AI SDK's APICallError says it this way.
  if (typeof record.isRetryable === 'boolean') return record.isRetryable;
  if (BatonError.isInstance(error)) {
    if (error.code === BatonErrorCode.TIMEOUT) return true;
    if (error.code === BatonErrorCode.ABORTED || error.code === BatonErrorCode.VALIDATION)
      return false;
  }
  const status = typeof record.status === 'number' ? record.status : record.statusCode;
  if (typeof status === 'number')
    return RETRYABLE_STATUS.has(status) || (status >= 500 && status < 600);
  if (typeof record.code === 'string' && RETRYABLE_CODES.has(record.code)) return true;
  if (record.cause !== undefined && record.cause !== error) return isRetryableError(record.cause);
  return false;
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const getter = (headers as { get?: unknown }).get;
  if (typeof getter === 'function') {
    const value = (getter as (key: string) => unknown).call(headers, name);
    return typeof value === 'string' ? value : undefined;
  }
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name)
      return typeof value === 'string'
        ? value
        : Array.isArray(value)
          ? String(value[0])
          : undefined;
  }
  return undefined;
}

/**
 * The wait a server asked for, in milliseconds: `retryAfterMs` on the error, or a `Retry-After`
 * header on `error.headers`, `error.responseHeaders` or `error.response.headers`.
 */
export function retryAfterMsOf(error: unknown, now = Date.now()): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as Record<string, unknown>;
  if (typeof record.retryAfterMs === 'number' && record.retryAfterMs >= 0)
    return record.retryAfterMs;
  const response = record.response as Record<string, unknown> | undefined;
  for (const headers of [record.headers, record.responseHeaders, response?.headers]) {
    const value = headerValue(headers, 'retry-after');
    const parsed = parseRetryAfter(value, now);
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}
