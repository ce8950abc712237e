import { ValidationError } from '../errors.js';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Checks a run id before anything is built from it (no separators, no `..`, at most 128 characters). */
export function assertRunId(runId: string, field = 'runId'): void {
  if (typeof runId !== 'string' || !RUN_ID.test(runId) || runId.includes('..')) {
    throw new ValidationError(field, `"${String(runId)}" is not a valid run id`);
  }
}

/** Random bytes drawn from the platform's cryptographic source a batch at a time. */
const pool = new Uint8Array(6 * 256);
let poolOffset = pool.length;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** 48 random bits as 12 hex digits (a call to the platform's source costs more than a run id). */
function randomHex48(): string {
  if (poolOffset === pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  let text = '';
  for (let index = poolOffset; index < poolOffset + 6; index += 1) {
    text += HEX[pool[index]!];
  }
  poolOffset += 6;
  return text;
}

let stampSecond = Number.NaN;
let stampText = '';

/**
 * A new sortable run id, e.g. `20260101-120000-1a2b3c4d5e6f`: the UTC second, then 48 random bits
 * from the platform's cryptographic source (two ids made in the same second collide with a
 * chance of about n² / 2^49, so thousands of runs a second stay distinct).
 */
export function newRunId(now = new Date()): string {
  const second = Math.floor(now.getTime() / 1000);
  if (second !== stampSecond) {
    stampSecond = second;
    stampText = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  }
  return `${stampText}-${randomHex48()}`;
}
