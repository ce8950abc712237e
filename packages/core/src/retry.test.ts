import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { backoffDelay, parseRetryAfter, retry } from './retry.js';

describe('backoffDelay', () => {
  it('grows exponentially and is capped', () => {
    const fixed = { jitter: 0, initialDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, fixed))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
  });

  it('randomises the jitter share of the delay', () => {
    const low = backoffDelay(3, { initialDelayMs: 100, jitter: 0.5, random: () => 0 });
    const high = backoffDelay(3, { initialDelayMs: 100, jitter: 0.5, random: () => 0.999999 });
    expect(low).toBe(200);
    expect(high).toBe(400);
  });
});

describe('retry', () => {
  it('retries until success and reports each wait', async () => {
    const waits: number[] = [];
    let calls = 0;
    const value = await retry(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`fail ${calls}`);
        return 'ok';
      },
      { initialDelayMs: 1, jitter: 0, onRetry: ({ delayMs }) => waits.push(delayMs) },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toEqual([1, 2]);
  });

  it('does not retry errors that are not retryable', async () => {
    let calls = 0;
    const failing = retry(
      async () => {
        calls += 1;
        throw new Error('401 unauthorized');
      },
      { initialDelayMs: 1, shouldRetry: () => false },
    );
    await expect(failing).rejects.toThrow('401 unauthorized');
    expect(calls).toBe(1);
  });

  it('gives up after maxRetries with the last error', async () => {
    let calls = 0;
    const failing = retry(
      async () => {
        calls += 1;
        throw new Error(`fail ${calls}`);
      },
      { maxRetries: 2, initialDelayMs: 1 },
    );
    await expect(failing).rejects.toThrow('fail 3');
    expect(calls).toBe(3);
  });

  it('prefers the server-imposed wait', async () => {
    const waits: number[] = [];
    let calls = 0;
    await retry(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('429');
      },
      {
        initialDelayMs: 1000,
        retryAfterMs: () => 5,
        onRetry: ({ delayMs }) => waits.push(delayMs),
      },
    );
    expect(waits).toEqual([5]);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const failing = retry(
      async () => {
        throw new Error('busy');
      },
      { initialDelayMs: 10_000, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 10);
    await expect(failing).rejects.toThrow('aborted');
  });

  it('does not start an attempt when the signal is already aborted', async () => {
    let attempts = 0;
    const call = retry(
      async () => {
        attempts += 1;
        return 'done';
      },
      { signal: AbortSignal.abort() },
    );
    await expect(call).rejects.toThrow('aborted');
    expect(attempts).toBe(0);
  });

  it.each([
    [{ maxRetries: Number.NaN }, 'maxRetries: must be an integer >= 0 (or Infinity) (got NaN)'],
    [{ maxRetries: -1 }, 'maxRetries: must be an integer >= 0 (or Infinity) (got -1)'],
    [{ maxRetries: 1.5 }, 'maxRetries: must be an integer >= 0 (or Infinity) (got 1.5)'],
    [{ initialDelayMs: -5 }, 'initialDelayMs: must be a number >= 0 (got -5)'],
    [{ maxDelayMs: Number.NaN }, 'maxDelayMs: must be a number from 0 to 2147483647 (got NaN)'],
    [
      { maxDelayMs: Number.POSITIVE_INFINITY },
      'maxDelayMs: must be a number from 0 to 2147483647 (got Infinity)',
    ],
    [{ factor: 0.5 }, 'factor: must be a number >= 1 (got 0.5)'],
    [{ jitter: 2 }, 'jitter: must be a number from 0 to 1 (got 2)'],
  ])('rejects the options %j naming the field, before any attempt', async (options, message) => {
    let attempts = 0;
    const error = await retry(async () => {
      attempts += 1;
      throw new Error('busy');
    }, options).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(message);
    expect(attempts).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')),
    ).toBe(10_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
