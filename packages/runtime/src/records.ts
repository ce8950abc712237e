import { usageSchema } from '@baton/core';
import { z } from 'zod';

/** One executor call of a step. */
export const attemptRecordSchema = z.object({
  /** `primary` or the fallback's label. */
  via: z.string(),
  agentId: z.string(),
  tier: z.string().optional(),
  executor: z.string().optional(),
  /** 1-based within its `via`. */
  attempt: z.number().int().min(1),
  startedAt: z.string(),
  durationSeconds: z.number().min(0),
  success: z.boolean(),
  error: z.string().optional(),
  usage: usageSchema.optional(),
});
/** One executor call of a step. */
export type AttemptRecord = z.output<typeof attemptRecordSchema>;
