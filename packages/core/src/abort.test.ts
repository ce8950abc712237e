import { describe, expect, it } from 'vitest';
import { delay, mergeAbortSignals, throwIfAborted, withTimeout } from './abort.js';
import { AbortedError, TimeoutError, ValidationError } from './errors.js';

describe('mergeAbortSignals', () => {
  it('returns undefined without signals and the signal itself for one', () => {
    const controller = new AbortController();
    expect(mergeAbortSignals(undefined)).toBeUndefined();
    expect(mergeAbortSignals(controller.signal, undefined)).toBe(controller.signal);
  });

  it('aborts when any input aborts', () => {
    const a = new AbortController();
    const b = new AbortController();
    const merged = mergeAbortSignals(a.signal, b.signal)!;
    expect(merged.aborted).toBe(false);
    b.abort(new Error('stop'));
    expect(merged.aborted).toBe(true);
    expect(() => throwIfAborted(merged)).toThrow('stop');
  });
});

describe('delay', () => {
  it('rejects promptly on abort', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const waiting = delay(10_000, { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('delay checks', () => {
  it.each([Number.NaN, -1, Number.POSITIVE_INFINITY, 2 ** 31])(
    'rejects %s milliseconds naming the field instead of firing at once',
    async (ms) => {
      const error = await delay(ms).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toBe(
        `milliseconds: must be a number from 0 to 2147483647 (got ${ms})`,
      );
    },
  );
});

describe('withTimeout checks', () => {
  it.each([Number.NaN, 0, -1])(
    'rejects timeoutSeconds %s naming the field',
    async (timeoutSeconds) => {
      let ran = false;
      const error = await withTimeout(
        async () => {
          ran = true;
          return 'ok';
        },
        { timeoutSeconds },
      ).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toBe(
        `timeoutSeconds: must be a number > 0 (got ${timeoutSeconds})`,
      );
      expect(ran).toBe(false);
    },
  );
});

describe('withTimeout', () => {
  it('returns the result of a fast operation', async () => {
    await expect(withTimeout(async () => 42, { timeoutSeconds: 1 })).resolves.toBe(42);
  });

  it('rejects with TimeoutError even when the operation ignores its signal', async () => {
    const never = () => new Promise<never>(() => {});
    const error = await withTimeout(never, { timeoutSeconds: 0.02, what: 'Agent "slow"' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toBe('Agent "slow" timed out after 0.02s');
  });

  it('aborts the inner signal on timeout so cooperative work stops', async () => {
    let innerSignal: AbortSignal | undefined;
    await withTimeout(
      (signal) => {
        innerSignal = signal;
        return delay(5_000, { signal });
      },
      { timeoutSeconds: 0.02 },
    ).catch(() => {});
    expect(innerSignal?.aborted).toBe(true);
    expect(innerSignal?.reason).toBeInstanceOf(TimeoutError);
  });

  it('treats a limit longer than a timer can wait as no limit', async () => {
    await expect(withTimeout(async () => 'ok', { timeoutSeconds: 40 * 86_400 })).resolves.toBe(
      'ok',
    );
    await expect(withTimeout(async () => 'ok', { timeoutSeconds: Infinity })).resolves.toBe('ok');
  });

  it('rejects with the outer abort reason', async () => {
    const controller = new AbortController();
    const running = withTimeout(() => new Promise<never>(() => {}), {
      timeoutSeconds: 10,
      signal: controller.signal,
    });
    controller.abort(new AbortedError('user pressed Ctrl-C'));
    await expect(running).rejects.toThrow('user pressed Ctrl-C');
  });
});
