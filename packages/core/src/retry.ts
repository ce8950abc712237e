import { delay, MAX_TIMER_MS, throwIfAborted } from './abort.js';
import { ValidationError } from './errors.js';

/** Options for {@link retry}. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** Delay before the first retry in milliseconds. Default 500. */
  initialDelayMs?: number;
  /** Upper bound of any delay in milliseconds. Default 30000. */
  maxDelayMs?: number;
  /** Growth factor per attempt. Default 2. */
  factor?: number;
  /** Share of each delay that is randomised, 0..1. Default 0.5 (delay in [d/2, d]). */
  jitter?: number;
  /** Whether an error is worth retrying. Default: every error. */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /**
   * A server-imposed wait for this error in milliseconds (e.g. from `Retry-After`), used instead of
   * the backoff delay (still capped by `maxDelayMs`).
   */
  retryAfterMs?: (error: unknown) => number | undefined;
  /** Called before each wait. */
  onRetry?: (info: { error: unknown; attempt: number; delayMs: number }) => void;
  /** Stops waiting and retrying. */
  signal?: AbortSignal;
  /** Random source in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * The wait before retry number `attempt` (1-based): exponential growth from `initialDelayMs`,
 * capped at `maxDelayMs`, with the `jitter` share randomised.
 */
export function backoffDelay(
  attempt: number,
  options: Pick<
    RetryOptions,
    'initialDelayMs' | 'maxDelayMs' | 'factor' | 'jitter' | 'random'
  > = {},
): number {
  const {
    initialDelayMs = 500,
    maxDelayMs = 30_000,
    factor = 2,
    jitter = 0.5,
    random = Math.random,
  } = options;
  const base = Math.min(maxDelayMs, initialDelayMs * factor ** (attempt - 1));
  const share = Math.min(1, Math.max(0, jitter));
  return Math.round(base * (1 - share) + base * share * random());
}

/**
 * Calls `operation` until it succeeds, retrying retryable errors with exponential backoff and
 * jitter. The last error is rethrown when retries run out or an error is not retryable. An aborted
 * `signal` starts no further attempt (nor the first one) and rejects with the abort reason.
 *
 * @throws ValidationError naming the option (`maxRetries`, `initialDelayMs`, `maxDelayMs`,
 *   `factor`, `jitter`) when it cannot work, e.g. `maxRetries: NaN`, which used to retry forever
 *
 * @example
 * ```ts
 * const body = await retry(() => callModel(), {
 *   shouldRetry: (error) => isRateLimit(error),
 *   retryAfterMs: (error) => retryAfterHeader(error),
 *   signal,
 * });
 * ```
 */
export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  checkRetryOptions(options);
  const {
    maxRetries = 3,
    maxDelayMs = 30_000,
    shouldRetry,
    retryAfterMs,
    onRetry,
    signal,
  } = options;
  for (let attempt = 0; ; attempt += 1) {
    throwIfAborted(signal);
    try {
      return await operation(attempt);
    } catch (error) {
      if (signal?.aborted || attempt >= maxRetries) throw error;
      if (shouldRetry !== undefined && !shouldRetry(error, attempt + 1)) throw error;
      const serverWait = retryAfterMs?.(error);
      const delayMs =
        serverWait !== undefined && serverWait >= 0
          ? Math.min(serverWait, maxDelayMs)
          : backoffDelay(attempt + 1, options);
      onRetry?.({ error, attempt: attempt + 1, delayMs });
      await delay(delayMs, signal === undefined ? {} : { signal });
    }
  }
}

/** Throws a {@link ValidationError} naming the first retry option that cannot work. */
function checkRetryOptions(options: RetryOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('options', 'must be an object');
  }
  const { maxRetries, initialDelayMs, maxDelayMs, factor, jitter } = options;
  const problems: Array<[string, unknown, boolean, string]> = [
    [
      'maxRetries',
      maxRetries,
      maxRetries === Number.POSITIVE_INFINITY ||
        (Number.isInteger(maxRetries) && (maxRetries as number) >= 0),
      'an integer >= 0 (or Infinity)',
    ],
    ['initialDelayMs', initialDelayMs, isAtLeast(initialDelayMs, 0), 'a number >= 0'],
    [
      'maxDelayMs',
      maxDelayMs,
      isAtLeast(maxDelayMs, 0) && (maxDelayMs as number) <= MAX_TIMER_MS,
      `a number from 0 to ${MAX_TIMER_MS}`,
    ],
    ['factor', factor, isAtLeast(factor, 1), 'a number >= 1'],
    ['jitter', jitter, isAtLeast(jitter, 0) && (jitter as number) <= 1, 'a number from 0 to 1'],
  ];
  for (const [field, value, valid, wanted] of problems) {
    if (value !== undefined && !valid) {
      throw new ValidationError(field, `must be ${wanted} (got ${String(value)})`);
    }
  }
}

function isAtLeast(value: unknown, minimum: number): boolean {
  return typeof value === 'number' && value >= minimum;
}

/**
 * Parses an HTTP `Retry-After` value (seconds or an HTTP date) into milliseconds from `now`.
 * Returns undefined when it is missing or unreadable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
