import { describe, expect, it } from 'vitest';
import { createSeededRandom, sampleBeta } from './seeded-random.js';

const take = (random: () => number, count: number) => Array.from({ length: count }, random);

describe('createSeededRandom', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    expect(take(createSeededRandom(42), 5)).toEqual(take(createSeededRandom(42), 5));
    expect(take(createSeededRandom('run-1'), 5)).toEqual(take(createSeededRandom('run-1'), 5));
    expect(take(createSeededRandom(42), 5)).not.toEqual(take(createSeededRandom(43), 5));
    expect(take(createSeededRandom('run-1'), 5)).not.toEqual(take(createSeededRandom('run-2'), 5));
  });

  it('draws in [0, 1), spread evenly', () => {
    const values = take(createSeededRandom(7), 20_000);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    const lowest = values.filter((value) => value < 0.1).length / values.length;
    expect(lowest).toBeGreaterThan(0.09);
    expect(lowest).toBeLessThan(0.11);
  });

  it('names a seed that is neither a finite number nor a string', () => {
    expect(() => createSeededRandom(Number.NaN)).toThrow(
      'seed: must be a finite number or a string',
    );
    expect(() => createSeededRandom({} as never)).toThrow(
      'seed: must be a finite number or a string',
    );
  });
});

describe('sampleBeta', () => {
  it.each([
    [1, 1],
    [10, 2],
    [2, 8],
    [0.5, 0.5],
  ])('draws Beta(%d, %d) with the right mean, within (0, 1)', (alpha, beta) => {
    const random = createSeededRandom(`beta-${alpha}-${beta}`);
    const draws = Array.from({ length: 8000 }, () => sampleBeta(alpha, beta, random));
    expect(draws.every((draw) => draw >= 0 && draw <= 1)).toBe(true);
    const mean = draws.reduce((sum, draw) => sum + draw, 0) / draws.length;
    expect(mean).toBeCloseTo(alpha / (alpha + beta), 1);
  });

  it('is deterministic for a seeded source and names bad parameters', () => {
    expect(sampleBeta(3, 4, createSeededRandom(1))).toBe(sampleBeta(3, 4, createSeededRandom(1)));
    expect(() => sampleBeta(0, 1, Math.random)).toThrow(
      'alpha: must be a finite number > 0 (got 0)',
    );
    expect(() => sampleBeta(1, Number.NaN, Math.random)).toThrow(
      'beta: must be a finite number > 0',
    );
  });
});
