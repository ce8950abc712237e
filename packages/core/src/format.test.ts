import { describe, expect, it } from 'vitest';
import { formatUsd } from './format.js';

describe('formatUsd', () => {
  it('shows four decimals, keeps the digits of a tiny cost, and says unknown when unmeasured', () => {
    expect(formatUsd(0.0123)).toBe('$0.0123');
    expect(formatUsd(0)).toBe('$0.0000');
    expect(formatUsd(0.000021)).toBe('$0.000021');
    expect(formatUsd(0.00000123)).toBe('$0.0000012');
    expect(formatUsd(null)).toBe('unknown');
    expect(formatUsd(undefined)).toBe('unknown');
  });
});
