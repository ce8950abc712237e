import { throwIfAborted } from './abort.js';
import { ValidationError } from './errors.js';

/**
 * `items.map(operation)` with at most `limit` operations running at once. Results keep the order
 * of `items` whatever order the operations finish in; the first rejection rejects the whole call
 * (operations already running are not cancelled: pass them the signal for that). Once `signal`
 * aborts, no further operation starts and the call rejects with the abort reason.
 *
 * @param limit a positive integer, or `Infinity` for no limit
 * @throws ValidationError naming `limit` when it is not a positive integer or `Infinity`
 *
 * @example
 * ```ts
 * const texts = await mapWithConcurrency(files, 8, (file) => readFile(file, 'utf8'));
 * ```
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  operation: (item: T, index: number) => Promise<R>,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<R[]> {
  if (!(limit === Number.POSITIVE_INFINITY || (Number.isInteger(limit) && limit >= 1))) {
    throw new ValidationError('limit', `must be a positive integer or Infinity (got ${limit})`);
  }
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      throwIfAborted(options.signal);
      const index = next;
      next += 1;
      results[index] = await operation(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
