import { describe, expect, it } from 'vitest';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from './json-depth.js';

const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('jsonDepthExceeds', () => {
  it('counts nesting of objects and arrays up to the limit', () => {
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonDepthExceeds('[[[1]]]', 2)).toBe(true);
    expect(jsonDepthExceeds('[[1],[2]]', 2)).toBe(false);
  });

  it('ignores brackets inside strings, also after escaped quotes', () => {
    expect(jsonDepthExceeds('{"a":"[[[[\\"{{{{"}', 1)).toBe(false);
  });

  it('answers for 6,000 levels without overflowing the stack', () => {
    expect(jsonDepthExceeds(nested(6000))).toBe(true);
  });
});
