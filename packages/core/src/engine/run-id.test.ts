import { describe, expect, it } from 'vitest';
import { assertRunId, newRunId } from './run-id.js';

describe('newRunId', () => {
  it('is the UTC second and 12 random hex digits, a valid run id', () => {
    const id = newRunId(new Date('2026-12-04T19:57:35.123Z'));
    expect(id).toMatch(/^20261204-195735-[0-9a-f]{12}$/);
    expect(() => assertRunId(id)).not.toThrow();
  });

  it('gives 100,000 distinct ids within one second', () => {
    const now = new Date('2026-12-04T19:57:35Z');
    const ids = new Set(Array.from({ length: 100_000 }, () => newRunId(now)));
    expect(ids.size).toBe(100_000);
  });

  it('follows the clock from one second to the next', () => {
    expect(newRunId(new Date('2026-12-04T19:57:35.999Z'))).toMatch(/^20261204-195735-/);
    expect(newRunId(new Date('2026-12-04T19:57:36.000Z'))).toMatch(/^20261204-195736-/);
    expect(newRunId(new Date('2026-12-04T19:57:35.500Z'))).toMatch(/^20261204-195735-/);
  });
});
