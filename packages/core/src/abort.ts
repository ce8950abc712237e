import { AbortedError, TimeoutError, ValidationError } from './errors.js';

/**
 * One signal that aborts when any of the given signals aborts (undefined entries are ignored).
 * Returns undefined when no signal was given.
 */
export function mergeAbortSignals(
  ...signals: Array<AbortSignal | undefined>
): AbortSignal | undefined {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

/** The error to throw for an aborted signal: its reason when that is an Error, else {@link AbortedError}. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason;
  return new AbortedError();
}

/** Throws the signal's abort reason when it is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

/**
 * Waits `milliseconds`, rejecting promptly when the signal aborts. Removes its listener either way.
 * Rejects with a `ValidationError` naming `milliseconds` unless it is from 0 to {@link MAX_TIMER_MS}
 * (a longer timer would fire at once).
 */
export function delay(milliseconds: number, options: { signal?: AbortSignal } = {}): Promise<void> {
  const { signal } = options;
  // A timer cannot wait longer than MAX_TIMER_MS: Node would fire it at once instead.
  if (!(typeof milliseconds === 'number' && milliseconds >= 0 && milliseconds <= MAX_TIMER_MS)) {
    return Promise.reject(
      new ValidationError(
        'milliseconds',
        `must be a number from 0 to ${MAX_TIMER_MS} (got ${String(milliseconds)})`,
      ),
    );
  }
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The longest delay a Node.js timer can wait (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options for {@link withTimeout}. */
export interface WithTimeoutOptions {
  /** Time limit in seconds (fractions allowed). Omit, or give Infinity, for no limit. */
  timeoutSeconds?: number | undefined;
  /** Outer cancellation. */
  signal?: AbortSignal | undefined;
  /** Names the operation in the timeout message, e.g. `Agent "reviewer"`. */
  what?: string;
}

/**
 * Runs `operation` with a signal that aborts on the outer signal or after the time limit, and
 * settles promptly on either even when the operation ignores its signal: a timeout rejects with
 * {@link TimeoutError}, an outer abort with the outer reason. Timers and listeners are removed.
 * A `timeoutSeconds` that is not a number > 0 is a `ValidationError` naming it (NaN used to mean
 * no limit, and a negative limit to time out at once).
 *
 * @example
 * ```ts
 * const text = await withTimeout((signal) => fetch(url, { signal }).then((r) => r.text()), {
 *   timeoutSeconds: 5,
 *   signal,
 * });
 * ```
 */
export async function withTimeout<T>(
  operation: (signal: AbortSignal) => Promise<T>,
  options: WithTimeoutOptions = {},
): Promise<T> {
  const { timeoutSeconds, signal, what = 'Operation' } = options;
  if (timeoutSeconds !== undefined && !(typeof timeoutSeconds === 'number' && timeoutSeconds > 0)) {
    throw new ValidationError(
      'timeoutSeconds',
      `must be a number > 0 (got ${String(timeoutSeconds)})`,
    );
  }
  throwIfAborted(signal);
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;

  const stopped = new Promise<never>((_, reject) => {
    // Node fires timers longer than 2^31-1 ms at once; such a limit means no limit.
    if (timeoutSeconds !== undefined && timeoutSeconds * 1000 <= MAX_TIMER_MS) {
      timer = setTimeout(() => {
        const error = new TimeoutError(timeoutSeconds, what);
        controller.abort(error);
        reject(error);
      }, timeoutSeconds * 1000);
    }
    if (signal !== undefined) {
      onAbort = () => {
        const error = abortReason(signal);
        controller.abort(error);
        reject(error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([operation(controller.signal), stopped]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    // The losing side of the race may reject later; nobody awaits it.
    stopped.catch(() => {});
  }
}
