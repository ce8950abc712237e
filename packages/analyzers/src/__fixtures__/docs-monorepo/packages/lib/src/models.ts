/** A user. */
export class User {}

export enum Role {
  Admin,
  Member,
}

/**
 * Parses a number.
 */
export function parse(value: string): number;
export function parse(value: number): number;
export function parse(value: string | number): number {
  return Number(value);
}

const hidden = 1;

export const [first, second] = [hidden, 2];
