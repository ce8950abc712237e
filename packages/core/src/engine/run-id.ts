import { ValidationError } from '../errors.js';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Checks a run id before anything is built from it (no separators, no `..`, at most 128 characters). */
export function assertRunId(runId: string, field = 'runId'): void {
  if (typeof runId !== 'string' || !RUN_ID.test(runId) || runId.includes('..')) {
    throw new ValidationError(field, `"${String(runId)}" is not a valid run id`);
  }
}

/** A new sortable run id, e.g. `20260101-120000-1a2b3c`. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const random = Math.floor(Math.random() * 0xffffff)
    .toString(16)
    .padStart(6, '0');
  return `${stamp}-${random}`;
}
