import { parseWith } from '@baton/core';
import { z } from 'zod';
import { checkName } from './queue-names.js';

/** One limit group's rate: at most `max` agent calls start in any window of `perSeconds`. */
export const rateLimitSchema = z.object({
  max: z.number().int().min(1, 'must be an integer >= 1'),
  perSeconds: z.number().positive('must be > 0'),
});
/** One limit group's rate. */
export type RateLimit = z.output<typeof rateLimitSchema>;

/**
 * Rate limits by limit group (a provider or CLI: `anthropic`, `openai`, `claude`), as
 * `baton.config.json` writes them: `{ "anthropic": { "max": 50, "perSeconds": 60 } }`.
 */
export const rateLimitsSchema = z.record(z.string(), rateLimitSchema);
/** Rate limits by limit group. */
export type RateLimits = z.output<typeof rateLimitsSchema>;

/** Validates rate limits (a `ValidationError` names the field, e.g. `rateLimits.anthropic.max`). */
export function parseRateLimits(input: unknown): RateLimits {
  const limits = parseWith(rateLimitsSchema, input ?? {}, { label: 'rateLimits' });
  for (const group of Object.keys(limits)) checkName(`rateLimits.${group}`, group);
  return limits;
}

/**
 * BullMQ's limiter for a rate: `max` jobs per `duration` ms, counted in Redis for all workers. A
 * group without a rate gets a limit it never reaches: BullMQ honours a queue's pause for a
 * provider's `Retry-After` (`rateLimit(ms)`) only on queues that have a limiter.
 */
export function bullLimiter(limit: RateLimit | undefined): { max: number; duration: number } {
  if (limit === undefined) return { max: 1e12, duration: 1000 };
  return { max: limit.max, duration: Math.round(limit.perSeconds * 1000) };
}
