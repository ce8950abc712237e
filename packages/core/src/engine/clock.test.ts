import { describe, expect, it } from 'vitest';
import { isoClock, systemNow } from './clock.js';

describe('isoClock', () => {
  it('tells the system time as toISOString would, to the millisecond', () => {
    const time = isoClock(systemNow);
    const before = Date.now();
    const text = time();
    const after = Date.now();
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(text)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(text)).toBeLessThanOrEqual(after);
    expect(new Date(Date.parse(text)).toISOString()).toBe(text);
  });

  it('asks an injected clock every time', () => {
    let tick = 0;
    const time = isoClock(() => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)));
    expect([time(), time()]).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z']);
  });
});
