/** The system clock: the engine's default `now`. */
export const systemNow = (): Date => new Date();

let lastMs = Number.NaN;
let lastText = '';

/** The system time as ISO 8601 text, formatted once a millisecond (a run asks many times in one). */
function systemTime(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastText = new Date(ms).toISOString();
  }
  return lastText;
}

/**
 * The time `now` tells, as ISO 8601 text: for the system clock, the same text without a `Date`
 * made and formatted at every call.
 */
export function isoClock(now: () => Date): () => string {
  return now === systemNow ? systemTime : () => now().toISOString();
}
