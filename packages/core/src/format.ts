/** Figures for people, without dependencies (`@baton/core/format` runs in a browser too). */

/**
 * A measured cost in US dollars for people: four decimals, and a cost too small for them keeps
 * two significant digits (never `$0.0000` for something that cost money); `unknown` when it was
 * not measured (null or undefined).
 *
 * @example
 * ```ts
 * formatUsd(0.0123); // '$0.0123'
 * formatUsd(0.000021); // '$0.000021'
 * formatUsd(null); // 'unknown'
 * ```
 */
export function formatUsd(value: number | null | undefined): string {
  if (typeof value !== 'number') return 'unknown';
  if (value > 0 && value < 0.0001)
    return `$${value.toFixed(Math.min(20, 1 - Math.floor(Math.log10(value))))}`;
  return `$${value.toFixed(4)}`;
}
