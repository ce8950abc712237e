import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from './concurrency.js';
import { ValidationError } from './errors.js';

describe('mapWithConcurrency', () => {
  it('keeps the input order and never runs more than limit operations at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapWithConcurrency([30, 10, 20, 0, 5], 2, async (ms, index) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running -= 1;
      return `${index}:${ms}`;
    });
    expect(results).toEqual(['0:30', '1:10', '2:20', '3:0', '4:5']);
    expect(most).toBe(2);
  });

  it('runs everything at once with Infinity and handles an empty list', async () => {
    let running = 0;
    let most = 0;
    await mapWithConcurrency([1, 2, 3], Number.POSITIVE_INFINITY, async () => {
      running += 1;
      most = Math.max(most, running);
      await Promise.resolve();
      running -= 1;
    });
    expect(most).toBe(3);
    expect(await mapWithConcurrency([], 4, async () => 1)).toEqual([]);
  });

  it('rejects with the first failure', async () => {
    await expect(
      mapWithConcurrency([1, 2], 1, async (item) => {
        if (item === 2) throw new Error('two failed');
        return item;
      }),
    ).rejects.toThrow('two failed');
  });

  it('starts nothing more once the signal aborts', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const call = mapWithConcurrency(
      [1, 2, 3],
      1,
      async (item) => {
        started.push(item);
        controller.abort();
        return item;
      },
      { signal: controller.signal },
    );
    await expect(call).rejects.toThrow('aborted');
    expect(started).toEqual([1]);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects the limit %s naming it', async (limit) => {
    const error = await mapWithConcurrency([1], limit, async (item) => item).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^limit: must be a positive integer or Infinity/);
  });
});
