import { ValidationError } from '@baton/core';

/** A source of random numbers in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

/** FNV-1a hash of a text to 32 bits: turns a seed such as a run id into a number. */
function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A small, fast, seeded random source (mulberry32): the same seed always gives the same
 * sequence, so a bandit policy's choices can be replayed and tested. Not for cryptography.
 *
 * @example
 * ```ts
 * const random = createSeededRandom(42);
 * random(); // the same number on every machine, every time
 * createSeededRandom('run-2026-01-01')(); // text seeds are hashed
 * ```
 * @throws ValidationError naming `seed` unless it is a finite number or a string
 */
export function createSeededRandom(seed: number | string): RandomSource {
  if (typeof seed === 'number' ? !Number.isFinite(seed) : typeof seed !== 'string') {
    throw new ValidationError('seed', 'must be a finite number or a string');
  }
  let state = typeof seed === 'string' ? hashText(seed) : Math.floor(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal sample (Box-Muller) from two uniform draws. */
function sampleNormal(random: RandomSource): number {
  const u = 1 - random(); // (0, 1]: the logarithm stays finite
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A Gamma(shape, 1) sample (Marsaglia and Tsang; shapes below 1 by the boost U^(1/shape)). */
function sampleGamma(shape: number, random: RandomSource): number {
  if (shape < 1) return sampleGamma(shape + 1, random) * (1 - random()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = sampleNormal(random);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * A sample of Beta(alpha, beta) from the random source: a draw of a success probability given
 * `alpha - 1` successes and `beta - 1` failures on a uniform prior. Deterministic for a seeded
 * source.
 *
 * @example
 * ```ts
 * sampleBeta(10, 2, createSeededRandom(7)); // near 0.83 (9 successes, 1 failure, uniform prior)
 * ```
 * @throws ValidationError naming `alpha` or `beta` unless each is a finite number > 0
 */
export function sampleBeta(alpha: number, beta: number, random: RandomSource): number {
  for (const [field, value] of [
    ['alpha', alpha],
    ['beta', beta],
  ] as const) {
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new ValidationError(field, `must be a finite number > 0 (got ${String(value)})`);
    }
  }
  const x = sampleGamma(alpha, random);
  const y = sampleGamma(beta, random);
  return x / (x + y);
}
