import { ValidationError } from '../errors.js';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Checks a run id before anything is built from it (no separators, no `..`, at most 128 characters). */
export function assertRunId(runId: string, field = 'runId'): void {
  if (typeof runId !== 'string' || !RUN_ID.test(runId) || runId.includes('..')) {
    throw new ValidationError(field, `"${String(runId)}" is not a valid run id`);
  }
}

/**
 * A new sortable run id, e.g. `20260101-120000-1a2b3c4d5e6f`: the UTC second, then 48 random bits
 * from the platform's cryptographic source (two ids made in the same second collide with a
 * chance of about n² / 2^49, so thousands of runs a second stay distinct).
 */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const [high, low] = globalThis.crypto.getRandomValues(new Uint32Array(2));
  const random =
    ((high ?? 0) & 0xffff).toString(16).padStart(4, '0') + (low ?? 0).toString(16).padStart(8, '0');
  return `${stamp}-${random}`;
}
